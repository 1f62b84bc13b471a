"""Survey sheets in the shared workbook: long and wide answers, questions and respondents are
imported all or nothing, and re-importing an export changes nothing."""

import io

import openpyxl
import pytest

from surveys.exporter import write_workbook
from surveys.models import Answer, Question, Respondent
from tests.surveys.conftest import ANSWERS_HEADER, answers_of, book, problems_of, run_import

pytestmark = pytest.mark.django_db


def test_long_answers_are_stored_in_their_normalised_form(respondents, make_mechanism):
    make_mechanism(slug="bali-process", name="Bali Process", short_name="Bali")
    data = book(
        Answers=[
            ANSWERS_HEADER,
            ["assessment", "kz", "s1", "capacity"],
            ["assessment", "KZ", "S2", "borders; LABOUR"],
            ["assessment", "KZ", "S3", 12.50],
            ["assessment", "KZ", "S4", "Y"],
            ["assessment", "KZ", "S5", "Bali; almaty-process"],
            ["assessment", "KZ", "S6", "  Useful meetings.  "],
            ["assessment", "almaty", "I1", True],
        ]
    )
    report = run_import(data)
    assert report.ok, report.problems
    assert report.sheets["Answers"].created == 7
    assert answers_of(respondents["KZ"]) == {
        "S1": "Capacity",
        "S2": "Labour; Borders",
        "S3": "12.5",
        "S4": "yes",
        "S5": "almaty-process; bali-process",
        "S6": "Useful meetings.",
    }
    named = Answer.objects.get(question__code="S5")
    assert sorted(named.mechanisms.values_list("slug", flat=True)) == [
        "almaty-process",
        "bali-process",
    ]
    assert answers_of(respondents["almaty"]) == {"I1": "yes"}


def test_wide_answers_one_row_per_respondent_one_column_per_question_code(respondents):
    data = book(
        Answers_wide=[
            ["survey", "respondent", "S1", "s2", "S4", "S6"],
            ["assessment", "KZ", "Information", "Trafficking", "no", None],
            ["assessment", "KG", "Cooperation", None, "yes", "Fine."],
        ]
    )
    report = run_import(data)
    assert report.ok, report.problems
    assert report.sheets["Answers (wide)"].created == 2
    assert answers_of(respondents["KZ"]) == {"S1": "Information", "S2": "Trafficking", "S4": "no"}
    assert answers_of(respondents["KG"]) == {"S1": "Cooperation", "S4": "yes", "S6": "Fine."}


def test_questions_and_respondents_in_the_same_file_as_their_answers(survey, make_mechanism):
    make_mechanism(slug="rabat-process", name="Rabat Process")
    data = book(
        Questions=[
            ["survey", "questionnaire", "code", "text", "type", "choices", "topic", "order"],
            ["assessment", "states", "S9", "Rating?", "single", "High; Low", "structures", 9],
            ["assessment", "iscms", "I2", "Partners?", "mechanisms", None, None, 2],
        ],
        Respondents=[
            [
                "survey",
                "respondent",
                "questionnaire",
                "mechanism",
                "country",
                "organisation",
                "region",
            ],
            ["assessment", "R1", "states", None, "Kazakhstan", None, "Europe"],
            ["assessment", "R2", "iscms", "rabat-process", None, None, "africa"],
        ],
        Answers=[
            ANSWERS_HEADER,
            ["assessment", "R1", "S9", "high"],
            ["assessment", "R2", "I2", "rabat-process"],
        ],
    )
    report = run_import(data)
    assert report.ok, report.problems
    r1 = Respondent.objects.get(code="R1")
    assert (str(r1.country), r1.region.slug) == ("KZ", "europe")
    assert answers_of(r1) == {"S9": "High"}
    assert Question.objects.get(code="S9").choice_list == ["High", "Low"]


def test_reimporting_an_export_changes_nothing(respondents):
    first = run_import(
        book(
            Answers=[
                ANSWERS_HEADER,
                ["assessment", "KZ", "S2", "Labour; Borders"],
                ["assessment", "KZ", "S5", "almaty-process"],
                ["assessment", "KG", "S6", "'=1+1 is not a formula"],
            ]
        )
    )
    assert first.ok, first.problems
    buffer = io.BytesIO()
    write_workbook(buffer)
    exported = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert [cell.value for cell in exported["Answers"]["D"]] == [
        "answer",
        "'=1+1 is not a formula",
        "Labour; Borders",
        "almaty-process",
    ]
    report = run_import(buffer.getvalue())
    assert report.ok, report.problems
    assert report.changes == 0
    assert report.sheets["Answers"].unchanged == 3
    assert report.sheets["Questions"].unchanged == 7
    assert report.sheets["Respondents"].unchanged == 4


def test_changed_answers_are_updated_and_empty_cells_leave_answers_alone(respondents):
    run_import(book(Answers=[ANSWERS_HEADER, ["assessment", "KZ", "S1", "Information"]]))
    report = run_import(
        book(
            Answers=[
                ANSWERS_HEADER,
                ["assessment", "KZ", "S1", "Capacity"],
                ["assessment", "KZ", "S4", None],
            ]
        )
    )
    assert report.ok, report.problems
    assert (report.sheets["Answers"].updated, report.sheets["Answers"].unchanged) == (1, 1)
    assert answers_of(respondents["KZ"]) == {"S1": "Capacity"}


def test_a_profiles_only_workbook_still_imports_without_survey_sheets(db):
    report = run_import(
        book(
            Mechanisms=[
                [
                    "slug",
                    "name",
                    "short_name",
                    "aliases",
                    "kind",
                    "established",
                    "status",
                    "regions",
                    "secretariat",
                    "website",
                    "thematic_areas",
                    "summary",
                ]
            ],
            Sections=[["mechanism", "topic", "body"]],
            Participants=[["mechanism", "country", "organisation", "role", "since", "until"]],
            Links=[["mechanism", "other_mechanism", "kind", "note"]],
            Documents=[["mechanism", "title", "year", "publisher", "url"]],
        )
    )
    assert report.ok, report.problems


def test_survey_sheets_need_the_survey_permissions(respondents):
    data = book(Answers=[ANSWERS_HEADER, ["assessment", "KZ", "S1", "Capacity"]])
    problems = problems_of(data, has_perms=lambda perms: not perms)
    assert problems[0].startswith("Answers: you may not import this sheet")
    assert not Answer.objects.exists()


def test_an_import_is_one_change_set_with_a_history_record_per_answer(respondents):
    from history.models import ChangeSet

    data = book(
        Answers=[
            ANSWERS_HEADER,
            ["assessment", "KZ", "S1", "Capacity"],
            ["assessment", "KG", "S1", "Information"],
        ]
    )
    assert run_import(data, file_name="answers.xlsx").ok
    change_set = ChangeSet.objects.get()
    assert (change_set.via, change_set.source) == (ChangeSet.Via.WORKBOOK_IMPORT, "answers.xlsx")
    assert Answer.history.filter(change_set=change_set, history_type="+").count() == 2
    run_import(book(Answers=[ANSWERS_HEADER, ["assessment", "KZ", "S1", "Cooperation"]]))
    assert Answer.history.filter(history_type="~", value="Cooperation").count() == 1


def test_respondent_columns_left_out_keep_their_values(respondents):
    data = book(
        Respondents=[
            ["survey", "respondent", "questionnaire", "region"],
            ["assessment", "KZ", "states", "Asia and the Pacific"],
        ]
    )
    report = run_import(data)
    assert report.ok, report.problems
    kz = Respondent.objects.get(code="KZ")
    assert (str(kz.country), kz.region.slug) == ("KZ", "asia-pacific")
    assert report.sheets["Respondents"].rows[0].changed == ["region"]


def test_a_staff_export_of_the_whole_workbook_adds_the_survey_sheets(respondents):
    from profiles.sheets import SHEETS
    from workbook.writer import write_staff_workbook

    run_import(book(Answers=[ANSWERS_HEADER, ["assessment", "KZ", "S1", "Capacity"]]))
    buffer = io.BytesIO()
    write_staff_workbook(buffer, {}, list(SHEETS))
    exported = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert exported.sheetnames[-4:] == ["Questions", "Respondents", "Answers", "About"]
    assert ["assessment", "KZ", "S1", "Capacity"] in [
        [cell.value for cell in row] for row in exported["Answers"].iter_rows()
    ]
    report = run_import(buffer.getvalue())
    assert report.ok, report.problems
    assert report.changes == 0
