"""Writing the survey sheets (staff only: they hold individual answers).

`workbook_rows()` reads every sheet with one query each, whatever the number of surveys,
respondents or answers; `write_workbook()` writes them through `workbook.writer`, which
neutralises formulas. Answers are written in the long format (one row per respondent and
question), which imports back unchanged.
"""

from typing import IO

from workbook.writer import write_sheets

from . import answers as rules
from . import sheets
from .models import Answer, Question, Respondent, Survey


def workbook_rows(surveys=None) -> dict[str, list[dict]]:
    """The normalised rows of the Questions, Respondents and Answers sheets, stably ordered.

    `surveys` (a queryset) limits them to those surveys; default: every survey.
    """
    if surveys is None:
        surveys = Survey.objects.all()
    chosen = surveys.values("pk")
    questions = list(
        Question.objects.filter(questionnaire__survey__in=chosen)
        .select_related("questionnaire__survey", "topic")
        .order_by("questionnaire__survey__slug", "questionnaire__group", "order", "code")
    )
    respondents = list(
        Respondent.objects.filter(survey__in=chosen)
        .select_related("survey", "mechanism", "organisation", "region")
        .order_by("survey__slug", "group", "code")
    )
    rows: dict[str, list[dict]] = {
        "Questions": [
            sheets.question_row(
                q,
                q.questionnaire.survey.slug,
                q.questionnaire.group,
                q.topic.key if q.topic else "",
            )
            for q in questions
        ],
        "Respondents": [
            sheets.respondent_row(
                r,
                r.survey.slug,
                r.mechanism.slug if r.mechanism_id else "",
                r.organisation.acronym if r.organisation_id else "",
                r.region.slug if r.region_id else "",
            )
            for r in respondents
        ],
    }
    question_by_id = {q.pk: q for q in questions}
    respondent_by_id = {r.pk: r for r in respondents}
    position = {q.pk: index for index, q in enumerate(questions)}
    named: dict[int, set[str]] = {}
    for answer_id, slug in Answer.mechanisms.through.objects.filter(
        answer__respondent__survey__in=chosen
    ).values_list("answer_id", "mechanism__slug"):
        named.setdefault(answer_id, set()).add(slug)
    answers = sorted(
        Answer.objects.filter(respondent__survey__in=chosen)
        .order_by()
        .values_list("pk", "respondent_id", "question_id", "value"),
        key=lambda a: (
            respondent_by_id[a[1]].survey.slug,
            respondent_by_id[a[1]].code,
            position[a[2]],
        ),
    )
    rows["Answers"] = [
        sheets.answer_row(
            respondent_by_id[respondent_id].survey.slug,
            respondent_by_id[respondent_id].code,
            question_by_id[question_id].code,
            rules.as_text(value, named.get(pk, ())),
        )
        for pk, respondent_id, question_id, value in answers
    ]
    return rows


def staff_rows() -> dict[str, list[dict]]:
    """Every survey's sheets, for a staff export (`workbook.registry.SheetSet.staff_rows`)."""
    return workbook_rows()


def write_workbook(target: IO[bytes], surveys=None) -> None:
    """The survey sheets of `surveys` (default: all), then an About sheet."""
    write_sheets(target, workbook_rows(surveys), list(sheets.EXPORTED))
