"""The demo survey: the 2019 structure, fictional respondents only, the documented response
counts, and the Almaty Process profile's figure computed from answers."""

import pytest
from django.core.management import call_command

from surveys import demo
from surveys.models import Answer, Group, Questionnaire, Respondent, Survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_survey(demo_data) -> Survey:
    demo.load()
    return Survey.objects.get(slug=demo.SURVEY["slug"])


def test_demo_loads_the_three_questionnaires_with_the_documented_response_counts(demo_survey):
    reported = dict(
        Questionnaire.objects.filter(survey=demo_survey).values_list("group", "reported_responses")
    )
    assert reported == {Group.STATES: 46, Group.ISCMS: 22, Group.ORGANISATIONS: 3}
    assert demo_survey.is_published
    assert demo_survey.report_title == (
        "Advancing a Common Understanding of Migration Governance Across Regions"
    )
    assert demo_survey.report_isbn == "978-92-9068-826-6"
    topics = set(demo_survey.questionnaires.values_list("questions__topic__key", flat=True))
    assert {"evolution", "contribution", "structures", "partnerships", "added-value"} <= topics


def test_demo_answers_come_from_fictional_respondents_only(demo_survey):
    respondents = Respondent.objects.filter(survey=demo_survey)
    assert respondents.count() == 21
    assert all(r.is_fictional for r in respondents)
    assert not respondents.exclude(mechanism=None).exists()
    assert not respondents.exclude(organisation=None).exists()
    assert not respondents.exclude(country="").exists()
    assert Answer.objects.filter(respondent__survey=demo_survey).count() > 100


def test_demo_is_idempotent(demo_survey):
    counts = (Respondent.objects.count(), Answer.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Respondent.objects.count(), Answer.objects.count()) == counts


def test_almaty_profile_shows_how_many_surveyed_states_and_igos_referred_to_it(client, demo_survey):
    html = client.get("/mechanisms/almaty-process/").content.decode()
    assert "Survey figures" in html
    assert "<strong>2</strong> referred to this mechanism in their questionnaire" in html
    assert "(1 State, 1 organisation)" in html
    assert "Demo data" in html and "2 of them are fictional respondents" in html
    assert f'href="/surveys/{demo.SURVEY["slug"]}/"' in html


def test_demo_survey_page_shows_charts_tables_and_the_demo_notice(client, demo_survey):
    html = client.get(f"/surveys/{demo_survey.slug}/").content.decode()
    assert html.count('<svg class="chart"') >= 8
    assert "Demo data." in html and "21 respondents counted below are fictional" in html
    assert "Advancing a Common Understanding of Migration Governance Across Regions" in html
    assert "Americas and the Caribbean" in html and "“&lt;3”: suppressed" in html
    assert '<a href="/mechanisms/almaty-process/">Almaty Process' in html
