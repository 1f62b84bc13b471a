"""Survey pages, downloads and the profile's survey figures run a fixed number of queries,
whatever the number of respondents, questions and answers."""

import pytest

from profiles.models import Region
from surveys.models import Answer, Group, Question, Questionnaire, Respondent

pytestmark = pytest.mark.django_db


def count_queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)  # warm caches (content types, sessions) so only the page counts
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def grow(survey, mechanisms, number: int) -> None:
    """Add respondents in every region, a question of each type, and their answers."""
    states = Questionnaire.objects.get(survey=survey, group=Group.STATES)
    extra = [
        Question.objects.create(
            questionnaire=states,
            code=f"X{number}-{kind}",
            text="More?",
            type=kind,
            choices="A\nB\nC" if kind in ("single", "multiple") else "",
        )
        for kind in Question.Type.values
    ]
    values = {"single": "A", "multiple": "A; C", "number": "3", "yes_no": "no", "text": "x"}
    for index, region in enumerate(Region.objects.all()):
        respondent = Respondent.objects.create(
            survey=survey,
            code=f"R{number}-{index}",
            group=Group.STATES,
            fictional_name=f"Demo {number}-{index}",
            region=region,
        )
        for question in [*Question.objects.filter(questionnaire=states)]:
            value = values.get(question.type, "; ".join(m.slug for m in mechanisms))
            if question.type == "single" and question.code.startswith("S"):
                value = "Capacity"
            if question.type == "multiple" and question.code.startswith("S"):
                value = "Labour"
            answer = Answer.objects.create(respondent=respondent, question=question, value=value)
            if question.type == "mechanisms":
                answer.mechanisms.set(mechanisms)
    assert extra


@pytest.mark.parametrize(
    "url",
    [
        "/surveys/",
        "/surveys/assessment/",
        "/surveys/assessment/results.xlsx",
        "/surveys/assessment/results.csv",
    ],
)
def test_survey_pages_queries_constant_in_respondents_questions_answers(
    client,
    url,
    survey,
    make_mechanism,
    publish_profiles,
    django_assert_max_num_queries,
    no_page_cache,
):
    mechanisms = [make_mechanism(), make_mechanism()]
    publish_profiles()
    grow(survey, mechanisms[:1], 1)
    small = count_queries(client, url, django_assert_max_num_queries)
    more = [make_mechanism() for _ in range(5)]
    publish_profiles(*more)
    for number in range(2, 6):
        grow(survey, [*mechanisms, *more], number)
    large = count_queries(client, url, django_assert_max_num_queries)
    assert large == small


def test_profile_survey_figures_queries_constant(
    client, survey, make_mechanism, publish_profiles, django_assert_max_num_queries, no_page_cache
):
    mechanism = make_mechanism(slug="named")
    publish_profiles(mechanism)
    url = "/mechanisms/named/"
    before = count_queries(client, url, django_assert_max_num_queries)
    grow(survey, [mechanism], 1)
    small = count_queries(client, url, django_assert_max_num_queries)
    for number in range(2, 6):
        grow(survey, [mechanism], number)
    assert count_queries(client, url, django_assert_max_num_queries) == small == before


def test_cached_survey_page_is_refreshed_when_survey_data_changes(
    client, respondents, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from surveys.services import save_answers

    url = "/surveys/assessment/"
    assert "answered by 0" in client.get(url).content.decode()
    with django_assert_max_num_queries(2):  # the cache key: what is published, survey data
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):  # as the commit would
        save_answers(
            respondent=respondents["KZ"], typed={Question.objects.get(code="S1"): "Capacity"}
        )
    html = client.get(url).content.decode()
    assert '<th scope="row">Capacity</th><td class="num">1</td>' in html


def test_profile_survey_figures_follow_the_answers_through_the_page_cache(
    client, respondents, publish_profiles, django_capture_on_commit_callbacks
):
    from surveys.services import save_answers

    publish_profiles(respondents["almaty"].mechanism)
    url = "/mechanisms/almaty-process/"
    assert "Survey figures" not in client.get(url).content.decode()
    named = Question.objects.get(code="S5")
    with django_capture_on_commit_callbacks(execute=True):
        save_answers(respondent=respondents["KZ"], typed={named: "almaty-process"})
    assert "<strong>1</strong> referred to this mechanism" in client.get(url).content.decode()
