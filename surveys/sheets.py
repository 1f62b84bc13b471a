"""The surveys app's sheets of the workbook (DESIGN.md §4): Questions, Respondents, Answers,
and `Answers (wide)`, the form survey tools export.

All four are optional: a workbook without them imports as before. Surveys and their
questionnaires are created in the admin; the sheets refer to them by survey slug and
respondent group. The engine (`workbook`) reads and validates the cells,
`surveys.importer` checks references and answers and `surveys.applier` writes them,
`surveys.exporter` writes them back. Registered in `SurveysConfig.ready()`.
"""

from workbook.columns import Column, Sheet, max_length_of, norm_text

from .models import Answer, Group, Question, Respondent

_max = max_length_of

SURVEY = Column(
    "survey", "slug", "Slug of the survey (created in the admin).", blank=False, width=22
)
RESPONDENT = Column(
    "respondent",
    "text",
    "The respondent's code, as on the Respondents sheet (any case).",
    blank=False,
    max_length=_max(Respondent, "code"),
    width=18,
)

QUESTIONS = Sheet(
    "Questions",
    Question,
    (
        SURVEY,
        Column(
            "questionnaire",
            "choice",
            "The respondent group the questionnaire is for.",
            blank=False,
            choices=Group,
            attribute="group",
            width=16,
        ),
        Column(
            "code",
            "text",
            "Question code, unique within the questionnaire in any case (letters, digits, _ . -).",
            blank=False,
            max_length=_max(Question, "code"),
            width=10,
        ),
        Column(
            "text",
            "text",
            "The question.",
            blank=False,
            max_length=_max(Question, "text"),
            width=60,
            wrap=True,
        ),
        Column(
            "type", "choice", "What an answer is.", blank=False, choices=Question.Type, width=14
        ),
        Column(
            "choices",
            "text",
            "Single and multiple choice only: the choices, separated by “;”.",
            max_length=_max(Question, "choices"),
            width=40,
            wrap=True,
        ),
        Column(
            "topic",
            "ref",
            "Summary of Findings topic key (optional).",
            required=False,
            vocabulary="topics",
        ),
        Column(
            "order",
            "text",
            "Position in the questionnaire (a whole number, 0–32767).",
            required=False,
            width=8,
        ),
    ),
    key=("survey", "questionnaire", "code"),
    help="One row per question of a survey's questionnaire.",
    required=False,
)

RESPONDENTS = Sheet(
    "Respondents",
    Respondent,
    (
        SURVEY,
        RESPONDENT,
        Column(
            "questionnaire",
            "choice",
            "The questionnaire answered: iscms for a mechanism, states for a country, "
            "organisations for an organisation.",
            blank=False,
            choices=Group,
            attribute="group",
            width=16,
        ),
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism that answered.",
            required=False,
            vocabulary="mechanisms",
        ),
        Column(
            "country",
            "country",
            "The country that answered (ISO code or English name).",
            required=False,
            width=12,
        ),
        Column(
            "organisation",
            "ref",
            "Short name of the organisation that answered.",
            required=False,
            vocabulary="organisations",
            width=14,
        ),
        Column(
            "fictional_name",
            "text",
            "Demo data only: the name of a made-up respondent (no mechanism, country or "
            "organisation then).",
            required=False,
            max_length=_max(Respondent, "fictional_name"),
            width=20,
        ),
        Column(
            "region",
            "ref",
            "Region the respondent is counted under (key or name).",
            required=False,
            vocabulary="regions",
        ),
    ),
    key=("survey", "respondent"),
    help="One row per respondent of a survey: exactly one of mechanism, country, organisation.",
    required=False,
)

ANSWERS = Sheet(
    "Answers",
    Answer,
    (
        SURVEY,
        RESPONDENT,
        Column(
            "question",
            "text",
            "Question code, in the respondent's questionnaire (any case).",
            blank=False,
            max_length=_max(Question, "code"),
            width=10,
        ),
        Column(
            "answer",
            "text",
            "The answer: text; a choice; choices separated by “;”; a number; yes or no; "
            "mechanisms (slugs or names) separated by “;”.",
            max_length=_max(Answer, "value"),
            width=50,
            wrap=True,
        ),
    ),
    key=("survey", "respondent", "question"),
    help="One row per respondent and question (the long format). An empty answer is ignored.",
    required=False,
)

WIDE_ANSWERS = Sheet(
    "Answers (wide)",
    Answer,
    (SURVEY, RESPONDENT),
    key=("survey", "respondent"),
    help="One row per respondent, one column per question code of its questionnaire (the "
    "form survey tools export); cells as in the Answers sheet's answer column. Empty cells "
    "are ignored. Not written by exports.",
    required=False,
    more=Column(
        "question code",
        "text",
        "One column per question code; each cell is that respondent's answer.",
        required=False,
        max_length=_max(Answer, "value"),
    ),
)

# The order of the sheets in an exported workbook (the wide sheet is import-only).
SHEETS: tuple[Sheet, ...] = (QUESTIONS, RESPONDENTS, ANSWERS, WIDE_ANSWERS)
EXPORTED = (QUESTIONS, RESPONDENTS, ANSWERS)


# --- the database side ------------------------------------------------------------------


def question_row(question: Question, survey_slug: str, group: str, topic_key: str) -> dict:
    return {
        "survey": survey_slug,
        "questionnaire": group,
        "code": question.code,
        "text": norm_text(question.text),
        "type": question.type,
        "choices": "; ".join(question.choice_list) if question.choices else "",
        "topic": topic_key,
        "order": question.order,
    }


def respondent_row(
    respondent: Respondent, survey_slug: str, mechanism: str, organisation: str, region: str
) -> dict:
    return {
        "survey": survey_slug,
        "respondent": respondent.code,
        "questionnaire": respondent.group,
        "mechanism": mechanism,
        "country": str(respondent.country or ""),
        "organisation": organisation,
        "fictional_name": norm_text(respondent.fictional_name),
        "region": region,
    }


def answer_row(survey_slug: str, respondent_code: str, question_code: str, text: str) -> dict:
    return {
        "survey": survey_slug,
        "respondent": respondent_code,
        "question": question_code,
        "answer": text,
    }
