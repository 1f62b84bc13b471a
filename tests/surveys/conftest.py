"""Survey fixtures: a survey with its three questionnaires and a few questions of each type,
and helpers to build workbooks holding the survey sheets."""

import io

import openpyxl
import pytest
from django.utils import timezone

from profiles.models import Organisation, Region, Topic
from surveys.models import Answer, Group, Question, Questionnaire, Respondent, Survey
from workbook.engine import import_workbook

T = Question.Type


@pytest.fixture
def survey(db) -> Survey:
    survey = Survey.objects.create(
        slug="assessment",
        title="Test assessment",
        year=2019,
        is_published=True,
        published_at=timezone.now(),
    )
    states = Questionnaire.objects.create(
        survey=survey, group=Group.STATES, title="For States", reported_responses=46
    )
    iscms = Questionnaire.objects.create(
        survey=survey, group=Group.ISCMS, title="For ISCMs", reported_responses=22
    )
    Questionnaire.objects.create(
        survey=survey, group=Group.ORGANISATIONS, title="For IGOs", reported_responses=3
    )
    evolution = Topic.objects.get(key="evolution")
    Question.objects.create(
        questionnaire=states,
        code="S1",
        text="Main benefit?",
        type=T.SINGLE,
        choices="Information\nCapacity\nCooperation",
        topic=evolution,
        order=1,
    )
    Question.objects.create(
        questionnaire=states,
        code="S2",
        text="Themes?",
        type=T.MULTIPLE,
        choices="Labour\nTrafficking\nBorders",
        order=2,
    )
    Question.objects.create(
        questionnaire=states, code="S3", text="How many?", type=T.NUMBER, order=3
    )
    Question.objects.create(
        questionnaire=states, code="S4", text="Focal point?", type=T.YES_NO, order=4
    )
    Question.objects.create(
        questionnaire=states, code="S5", text="Which ISCMs?", type=T.MECHANISMS, order=5
    )
    Question.objects.create(questionnaire=states, code="S6", text="Comments?", type=T.TEXT, order=6)
    Question.objects.create(
        questionnaire=iscms, code="I1", text="Secretariat?", type=T.YES_NO, order=1
    )
    return survey


@pytest.fixture
def respondents(survey, make_mechanism) -> dict[str, Respondent]:
    """Two States, one mechanism, one organisation."""
    africa = Region.objects.get(slug="africa")
    iom, _ = Organisation.objects.get_or_create(acronym="IOM", defaults={"name": "IOM"})
    mechanism = make_mechanism(slug="almaty-process", name="Almaty Process")
    return {
        "KZ": Respondent.objects.create(survey=survey, code="KZ", group=Group.STATES, country="KZ"),
        "KG": Respondent.objects.create(
            survey=survey, code="KG", group=Group.STATES, country="KG", region=africa
        ),
        "almaty": Respondent.objects.create(
            survey=survey, code="almaty", group=Group.ISCMS, mechanism=mechanism
        ),
        "IOM": Respondent.objects.create(
            survey=survey, code="IOM", group=Group.ORGANISATIONS, organisation=iom
        ),
    }


def book(**sheets: list[list]) -> bytes:
    """A workbook with the given sheets: name (underscores for spaces) → rows, header first."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        ws = workbook.create_sheet(name.replace("_", " ").replace("wide", "(wide)"))
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run_import(data: bytes, **options):
    return import_workbook(source=io.BytesIO(data), **options)


def problems_of(data: bytes, **options) -> list[str]:
    return [str(problem) for problem in run_import(data, **options).problems]


def answers_of(respondent: Respondent) -> dict[str, str]:
    return {
        a.question.code: a.value
        for a in Answer.objects.filter(respondent=respondent).select_related("question")
    }


ANSWERS_HEADER = ["survey", "respondent", "question", "answer"]
