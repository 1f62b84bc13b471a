"""The survey admin: questionnaires with their questions, one respondent's answers on one
page, all answers to a question, answers about a mechanism; editors cannot publish; every
write is one attributed change set."""

import pytest
from django.contrib.auth.models import Group as Role
from django.contrib.auth.models import User

from history.models import ChangeSet
from profiles.models import Section, Topic
from surveys.models import Answer, Question, Survey
from surveys.services import save_answers

pytestmark = pytest.mark.django_db


def sign_in(client, role: str) -> User:
    user = User.objects.create_user(role.split()[-1], password="x", is_staff=True)
    user.groups.add(Role.objects.get(name=role))
    client.force_login(user)
    return user


@pytest.fixture
def editor(client) -> User:
    return sign_in(client, "IPD editors")


@pytest.fixture
def publisher(client) -> User:
    return sign_in(client, "IPD publishers")


def form_data(respondent, **values) -> dict:
    """POST data of the answers page: question code → value(s) (unticked boxes send nothing)."""
    questions = Question.objects.filter(
        questionnaire__survey=respondent.survey, questionnaire__group=respondent.group
    )
    return {f"q{q.pk}": values[q.code] for q in questions if q.code in values}


def test_answers_page_has_a_widget_per_question_type(client, editor, respondents):
    response = client.get(f"/admin/surveys/respondent/{respondents['KZ'].pk}/answers/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('type="radio"') == 4 + 3  # S1: 3 choices + none; S4: yes, no + none
    assert html.count('type="checkbox"') == 3  # S2
    assert 'inputmode="decimal"' in html  # S3
    assert "<select" in html and 'name="q' in html and "multiple" in html  # S5
    assert "<textarea" in html  # S6


def test_editor_enters_and_corrects_one_respondents_answers_as_one_change_set(
    client, editor, respondents
):
    kz = respondents["KZ"]
    url = f"/admin/surveys/respondent/{kz.pk}/answers/"
    data = form_data(
        kz, S1="Capacity", S2=["Labour", "Borders"], S3="4", S4="yes", S5=["almaty-process"]
    )
    response = client.post(url, data)
    assert response.status_code == 302
    stored = {a.question.code: a.value for a in Answer.objects.filter(respondent=kz)}
    assert stored == {
        "S1": "Capacity",
        "S2": "Labour; Borders",
        "S3": "4",
        "S4": "yes",
        "S5": "almaty-process",
    }
    change_set = ChangeSet.objects.get()
    assert (change_set.user, change_set.via) == (editor, ChangeSet.Via.CHANGE_PAGE)
    assert Answer.history.filter(change_set=change_set).count() == 5

    client.post(url, form_data(kz, S1="Information", S2=["Labour", "Borders"], S3="4"))
    stored = {a.question.code: a.value for a in Answer.objects.filter(respondent=kz)}
    assert stored == {"S1": "Information", "S2": "Labour; Borders", "S3": "4"}
    assert ChangeSet.objects.count() == 2


def test_an_answer_that_does_not_fit_saves_nothing_and_says_why(client, editor, respondents):
    kz = respondents["KZ"]
    response = client.post(
        f"/admin/surveys/respondent/{kz.pk}/answers/", form_data(kz, S1="Capacity", S3="lots")
    )
    assert response.status_code == 200
    assert "“lots” is not a number." in response.content.decode()
    assert not Answer.objects.exists()
    assert not ChangeSet.objects.exists()


def test_question_page_lists_every_answer_to_it(client, editor, respondents):
    for code in ("KZ", "KG"):
        save_answers(
            respondent=respondents[code], typed={Question.objects.get(code="S1"): "Capacity"}
        )
    response = client.get(f"/admin/surveys/question/{Question.objects.get(code='S1').pk}/change/")
    html = response.content.decode()
    assert "Answers to this question" in html
    assert "Kazakhstan" in html and "Kyrgyzstan" in html


def test_questionnaire_page_builds_its_questions(client, editor, survey):
    questionnaire = survey.questionnaires.get(group="states")
    response = client.get(f"/admin/surveys/questionnaire/{questionnaire.pk}/change/")
    assert response.status_code == 200
    assert "Main benefit?" in response.content.decode()


def test_changing_choices_that_answers_use_is_refused_on_the_question_page(
    client, editor, respondents
):
    question = Question.objects.get(code="S1")
    save_answers(respondent=respondents["KZ"], typed={question: "Capacity"})
    response = client.post(
        f"/admin/surveys/question/{question.pk}/change/",
        {
            "questionnaire": question.questionnaire_id,
            "order": 1,
            "code": "S1",
            "text": "Main benefit?",
            "type": "single",
            "choices": "A\nB",
            "topic": "",
            "answers-TOTAL_FORMS": 1,
            "answers-INITIAL_FORMS": 1,
            "answers-MIN_NUM_FORMS": 0,
            "answers-MAX_NUM_FORMS": 1000,
            "answers-0-id": Answer.objects.get().pk,
            "answers-0-question": question.pk,
        },
    )
    assert response.status_code == 200
    assert "1 stored answer(s) would no longer fit: Kazakhstan" in response.content.decode()
    assert Question.objects.get(code="S1").choices.startswith("Information")


def test_editors_cannot_publish_a_survey_publishers_can(client, survey, respondents):
    survey.is_published = False
    survey.save()
    data = {
        "title": survey.title,
        "slug": survey.slug,
        "year": 2019,
        "is_published": "on",
        "questionnaires-TOTAL_FORMS": 0,
        "questionnaires-INITIAL_FORMS": 0,
        "questionnaires-MIN_NUM_FORMS": 0,
        "questionnaires-MAX_NUM_FORMS": 1000,
    }
    editor = sign_in(client, "IPD editors")
    client.post(f"/admin/surveys/survey/{survey.pk}/change/", data)
    assert not Survey.objects.get().is_published
    response = client.post(
        "/admin/surveys/survey/",
        {"action": "publish", "_selected_action": [survey.pk], "index": 0},
    )
    assert response.status_code in (200, 302)
    assert not Survey.objects.get().is_published
    assert not editor.has_perm("surveys.publish_survey")

    publisher = sign_in(client, "IPD publishers")
    client.post("/admin/surveys/survey/", {"action": "publish", "_selected_action": [survey.pk]})
    published = Survey.objects.get()
    assert published.is_published and published.published_at is not None
    change_set = ChangeSet.objects.get(user=publisher)
    assert change_set.via == ChangeSet.Via.ADMIN_ACTION
    assert Survey.history.get(change_set=change_set).is_published


def test_answers_about_a_mechanism_by_topic_next_to_its_sections(
    client, editor, respondents, make_mechanism
):
    almaty = respondents["almaty"].mechanism
    Section.objects.create(
        mechanism=almaty, topic=Topic.objects.get(key="evolution"), body="Draft **findings**."
    )
    named = Question.objects.get(code="S5")
    named.topic = Topic.objects.get(key="evolution")
    named.save()
    save_answers(respondent=respondents["KZ"], typed={named: "almaty-process"})
    save_answers(respondent=respondents["almaty"], typed={Question.objects.get(code="I1"): "yes"})
    response = client.get("/admin/surveys/answer/mechanism/almaty-process/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Survey answers about Almaty Process" in html
    assert "Draft **findings**." in html
    assert "Answers that name Almaty Process (1)" in html
    assert "Answers given by Almaty Process (1)" in html
    assert "Kazakhstan" in html


def test_answers_are_staff_only(client, respondents):
    user = User.objects.create_user("reader", password="x", is_staff=True)
    client.force_login(user)
    kz = respondents["KZ"]
    assert client.get(f"/admin/surveys/respondent/{kz.pk}/answers/").status_code == 403
    assert client.get("/admin/surveys/answer/mechanism/almaty-process/").status_code == 403
    client.logout()
    assert client.get(f"/admin/surveys/respondent/{kz.pk}/answers/").status_code == 302
