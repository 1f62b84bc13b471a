"""Bad survey data gets `Sheet!row: column: message` for every problem, and nothing is written."""

import pytest

from surveys.models import Answer, Question, Respondent
from tests.surveys.conftest import ANSWERS_HEADER, book, problems_of, run_import

pytestmark = pytest.mark.django_db


def answers(*rows) -> bytes:
    return book(Answers=[ANSWERS_HEADER, *rows])


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            ["assessment", "KZ", "S1", "Maybe"],
            "Answers!2: answer: “Maybe” is not one of the choices: Information; Capacity; "
            "Cooperation",
        ),
        (
            ["assessment", "KZ", "S1", "Information; Capacity"],
            "Answers!2: answer: only one choice may be given (this is a single choice question)",
        ),
        (
            ["assessment", "KZ", "S2", "Labour; Fishing"],
            "Answers!2: answer: “Fishing” is not one of the choices: Labour; Trafficking; Borders",
        ),
        (["assessment", "KZ", "S3", "twelve"], "Answers!2: answer: “twelve” is not a number"),
        (["assessment", "KZ", "S4", "perhaps"], "Answers!2: answer: “perhaps” is not yes or no"),
        (
            ["assessment", "KZ", "S5", "Nowhere Process"],
            "Answers!2: answer: unknown mechanism “Nowhere Process”: give its slug, name or "
            "short name",
        ),
        (
            ["assessment", "KZ", "I1", "yes"],
            "Answers!2: question: question “I1” is in the ISCMs questionnaire; respondent “KZ” "
            "answers the States questionnaire",
        ),
        (
            ["assessment", "KZ", "Q99", "yes"],
            "Answers!2: question: unknown question code “Q99” in the States questionnaire of "
            "survey “assessment”",
        ),
        (
            ["assessment", "XX", "S1", "Capacity"],
            "Answers!2: respondent: unknown respondent “XX” in survey “assessment” (not in the "
            "database nor on the Respondents sheet)",
        ),
        (
            ["other", "KZ", "S1", "Capacity"],
            "Answers!2: survey: unknown survey “other” (create it in the admin)",
        ),
    ],
)
def test_an_answer_that_does_not_fit_is_refused_with_its_place(respondents, row, problem):
    data = answers(["assessment", "KG", "S1", "Capacity"], row)
    found = problems_of(answers(row))
    assert found == [problem]
    assert problems_of(data) == [problem.replace("Answers!2", "Answers!3")]
    assert not Answer.objects.exists()


def test_duplicate_respondent_and_question_rows_are_refused_in_any_case(respondents):
    data = answers(
        ["assessment", "KZ", "S1", "Capacity"],
        ["assessment", "kz", "s1", "Information"],
        ["assessment", "KZ", "S1", "Capacity"],
    )
    assert problems_of(data) == [
        "Answers!3: answer: duplicate of Answers!2 (same respondent and question)",
        "Answers!4: duplicate of row 2 (same survey, respondent, question)",
    ]
    assert not Answer.objects.exists()


def test_the_same_answer_on_the_long_and_the_wide_sheet_is_refused(respondents):
    data = book(
        Answers=[ANSWERS_HEADER, ["assessment", "KZ", "S1", "Capacity"]],
        Answers_wide=[["survey", "respondent", "S1"], ["assessment", "KZ", "Information"]],
    )
    assert problems_of(data) == [
        "Answers (wide)!2: s1: duplicate of Answers!2 (same respondent and question)"
    ]


def test_wide_sheet_every_bad_cell_and_unknown_code_is_named(respondents):
    data = book(
        Answers_wide=[
            ["survey", "respondent", "S1", "S3", "I1", "ZZ9"],
            ["assessment", "KZ", "Maybe", "lots", None, None],
            ["assessment", "almaty", None, None, "yes", None],
            ["assessment", "KG", None, None, "no", None],
        ]
    )
    assert problems_of(data) == [
        "Answers (wide)!1: zz9: unknown question code: no questionnaire of “assessment” has it",
        "Answers (wide)!2: s1: “Maybe” is not one of the choices: Information; Capacity; "
        "Cooperation",
        "Answers (wide)!2: s3: “lots” is not a number",
        "Answers (wide)!4: i1: question “i1” is in the ISCMs questionnaire; respondent “KG” "
        "answers the States questionnaire",
    ]
    assert not Answer.objects.exists()


def test_respondents_must_be_one_thing_and_answer_the_questionnaire_of_their_group(survey):
    header = ["survey", "respondent", "questionnaire", "mechanism", "country", "organisation"]
    data = book(
        Respondents=[
            header,
            ["assessment", "R1", "iscms", None, "KZ", None],
            ["assessment", "R2", "states", None, "KZ", "IOM"],
            ["assessment", "R3", "states", None, None, None],
            ["assessment", "R4", "states", None, "Atlantis", None],
            ["assessment", "R5", "states", None, "KZ", None],
            ["assessment", "R6", "states", None, "kaz", None],
        ]
    )
    assert problems_of(data) == [
        "Respondents!2: questionnaire: a country answers the States questionnaire, not the "
        "ISCMs one",
        "Respondents!3: organisation: give exactly one of mechanism, country, organisation "
        "(or, for demo data, fictional_name)",
        "Respondents!3: organisation: unknown organisation “IOM” (add it to the Organisations "
        "sheet)",
        "Respondents!4: mechanism: give exactly one of mechanism, country, organisation (or, "
        "for demo data, fictional_name)",
        "Respondents!5: country: unknown country “Atlantis”: use an ISO 3166 alpha-2 or "
        "alpha-3 code or the English name",
        "Respondents!7: country: duplicate of Respondents!6 (same country in this survey)",
    ]
    assert not Respondent.objects.exists()


def test_questions_with_bad_codes_choices_or_order_are_refused(survey):
    header = ["survey", "questionnaire", "code", "text", "type", "choices", "topic", "order"]
    data = book(
        Questions=[
            header,
            ["assessment", "states", "survey", "?", "text", None, None, 1],
            ["assessment", "states", "Q 1", "?", "text", None, None, 1],
            ["assessment", "states", "Q2", "?", "single", "Only one", None, 1],
            ["assessment", "states", "Q3", "?", "number", "A; B", None, 1],
            ["assessment", "states", "Q4", "?", "multiple", "A; a", "nowhere", "first"],
            ["assessment", "igos", "Q5", "?", "text", None, None, 1],
        ]
    )
    assert problems_of(data) == [
        "Questions!2: code: “survey” is a column name of the answers sheets",
        "Questions!3: code: “Q 1” is not a code: use letters, digits, _ . and -",
        "Questions!4: choices: a choice question needs at least two choices",
        "Questions!5: choices: only single and multiple choice questions have choices",
        "Questions!6: choices: the choice “a” is listed twice",
        "Questions!6: topic: unknown topic “nowhere”; use one of evolution, contribution, "
        "structures, partnerships, added-value",
        "Questions!6: order: “first” is not a whole number from 0 to 32767",
        "Questions!7: questionnaire: “igos” is not one of: iscms, states, organisations (or "
        "their names)",
    ]
    assert Question.objects.count() == 7


def test_changing_choices_that_stored_answers_use_is_refused(respondents):
    assert run_import(answers(["assessment", "KZ", "S1", "Capacity"])).ok
    header = ["survey", "questionnaire", "code", "text", "type", "choices"]
    data = book(
        Questions=[header, ["assessment", "states", "S1", "Main benefit?", "single", "A; B"]]
    )
    assert problems_of(data) == [
        "Questions!2: choices: 1 stored answer(s) would no longer fit (KZ: “Capacity” is not "
        "one of the choices: A; B): correct them in the same file, or in the admin first"
    ]
    fixed = book(
        Questions=[header, ["assessment", "states", "S1", "Main benefit?", "single", "A; B"]],
        Answers=[ANSWERS_HEADER, ["assessment", "KZ", "S1", "B"]],
    )
    assert run_import(fixed).ok
    assert Answer.objects.get().value == "B"


def test_a_formula_in_an_answer_is_refused(respondents):
    assert problems_of(answers(["assessment", "KZ", "S6", "=1+1"])) == [
        "Answers!2: answer: is a formula; only values are imported (type the value)"
    ]
