"""What profiles (and, to come, country pages) show of the surveys: counts computed from the
answers of published surveys only, naming no respondent."""

import pytest
from django.template import Context, Template

from surveys.models import Question, Survey
from surveys.services import save_answers

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load surveys %}" + source).render(Context(context))


def test_profile_counts_states_and_igos_that_named_the_mechanism(respondents, publish_profiles):
    almaty = respondents["almaty"].mechanism
    publish_profiles(almaty)
    named = Question.objects.get(code="S5")
    for code in ("KZ", "KG"):
        save_answers(respondent=respondents[code], typed={named: "almaty-process"})
    html = render("{% survey_mentions slug %}", slug="almaty-process")
    assert "<strong>2</strong> referred to this mechanism" in html
    assert "(2 States, 0 organisations)" in html
    assert "Kazakhstan" not in html and "Demo data" not in html

    Survey.objects.update(is_published=False)
    assert render("{% survey_mentions slug %}", slug="almaty-process").strip() == ""


def test_unpublished_mechanisms_show_no_figures(respondents):
    save_answers(
        respondent=respondents["KZ"], typed={Question.objects.get(code="S5"): "almaty-process"}
    )
    assert render("{% survey_mentions slug %}", slug="almaty-process").strip() == ""


def test_a_country_page_can_list_the_published_surveys_it_answered(respondents):
    html = render("{% survey_participation code %}", code="kz")
    assert "Test assessment" in html and "For States" in html
    assert render("{% survey_participation code %}", code="FR").strip() == ""
    Survey.objects.update(is_published=False)
    assert render("{% survey_participation code %}", code="KZ").strip() == ""
