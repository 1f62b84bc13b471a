"""Public downloads of a survey's aggregate results (.xlsx and .csv): exactly what the
results page shows, the same suppression, with names and labels (not import codes), a
"data as of" date and a citation line. Written through `workbook.writer`, which
neutralises formulas (the CSV through `workbook.columns.cell_value`, the same rule).
"""

import csv
from typing import IO

from django.utils import timezone

from workbook.columns import Column, Sheet, cell_value
from workbook.writer import write_sheets

from . import aggregates
from .models import Survey
from .selectors import Results


def _sheet(name: str, help: str, *columns: tuple[str, str]) -> Sheet:
    return Sheet(
        name,
        Survey,
        tuple(Column(column, "text", meaning, width=24) for column, meaning in columns),
        key=(),
        help=help,
    )


RESPONDENTS = _sheet(
    "Respondents",
    "One row per respondent group.",
    ("group", "Respondent group."),
    ("questionnaire", "The questionnaire it answered."),
    ("responses_reported", "Responses as the survey's report documents them."),
    ("respondents_here", "Respondents whose answers these results are computed from."),
    ("of_which_fictional", "Of those, fictional respondents (demo data)."),
)
BY_REGION = _sheet(
    "Respondents by region",
    f"One row per region; “{aggregates.SUPPRESSED}” marks a suppressed cell.",
    ("region", "Region."),
    ("respondents", "Respondents counted under the region."),
)
DISTRIBUTIONS = _sheet(
    "Distributions",
    "One row per choice of each choice question, with how many respondents chose it.",
    ("topic", "Summary of Findings topic."),
    ("group", "Respondent group the question was asked of."),
    ("code", "Question code."),
    ("question", "The question."),
    ("answer", "One of its choices."),
    ("respondents", "Respondents who chose it."),
    ("percent", "Share of the respondents who answered the question, rounded."),
    ("answered", "Respondents who answered the question."),
)
ANSWERS_BY_REGION = _sheet(
    "Distributions by region",
    f"One row per choice and region; “{aggregates.SUPPRESSED}” marks a suppressed cell.",
    ("code", "Question code."),
    ("answer", "One of its choices."),
    ("region", "Region."),
    ("respondents", "Respondents of the region who chose it."),
)
MECHANISMS = _sheet(
    "Mechanisms named",
    "One row per published mechanism named in the answers.",
    ("mechanism", "The mechanism's name."),
    ("profile", "Its profile's address."),
    ("states", "States that named it."),
    ("organisations", "Inter-governmental organisations that named it."),
    ("iscms", "ISCMs that named it."),
)
SHEETS = [RESPONDENTS, BY_REGION, DISTRIBUTIONS, ANSWERS_BY_REGION, MECHANISMS]


def rows(results: Results, base_url: str) -> dict[str, list[dict]]:
    """The rows of every sheet, as the page shows them (suppressed cells as “<3”)."""
    by_region = results.by_region
    _label, _total, cells = by_region.rows[0]
    distributions, answers_by_region = [], []
    for topic in results.topics:
        for result in topic.questions:
            question = result.question
            if result.chart is None:
                continue
            for bar in result.chart.bars:
                distributions.append(
                    {
                        "topic": topic.title,
                        "group": question.questionnaire.get_group_display(),
                        "code": question.code,
                        "question": question.text,
                        "answer": bar.label,
                        "respondents": bar.count,
                        "percent": bar.percent,
                        "answered": result.answered,
                    }
                )
            for label, _total, row in result.breakdown.rows:
                for region, cell in zip(result.breakdown.columns, row, strict=True):
                    answers_by_region.append(
                        {
                            "code": question.code,
                            "answer": label,
                            "region": region,
                            "respondents": str(cell) if cell.suppressed else cell.count,
                        }
                    )
    return {
        RESPONDENTS.name: [
            {
                "group": row.label,
                "questionnaire": row.title,
                "responses_reported": row.reported,
                "respondents_here": row.stored,
                "of_which_fictional": row.fictional,
            }
            for row in results.groups
        ],
        BY_REGION.name: [
            {"region": region, "respondents": str(cell) if cell.suppressed else cell.count}
            for region, cell in zip(by_region.columns, cells, strict=True)
        ],
        DISTRIBUTIONS.name: distributions,
        ANSWERS_BY_REGION.name: answers_by_region,
        MECHANISMS.name: [
            {
                "mechanism": mention.name,
                "profile": f"{base_url}/mechanisms/{mention.slug}/",
                "states": mention.states,
                "organisations": mention.organisations,
                "iscms": mention.iscms,
            }
            for mention in results.mentions
        ],
    }


def about(results: Results, page_url: str) -> list[tuple[str, str]]:
    survey = results.survey
    lines = [
        ("Survey", f"{survey.title} ({survey.year})"),
        ("Data as of", timezone.localdate().isoformat()),
        ("Source", page_url),
        ("Citation", citation(survey, page_url)),
        (
            "Suppression",
            "Individual answers are not published. In breakdowns by region, a cell counting "
            f"one or two respondents is shown as “{aggregates.SUPPRESSED}”, with the cells "
            "that would let it be worked out.",
        ),
    ]
    if results.fictional:
        lines.append(
            (
                "Demo data",
                f"{results.fictional} of the {results.respondents} respondents are fictional: "
                "their answers are invented.",
            )
        )
    return lines


def citation(survey: Survey, page_url: str) -> str:
    text = f"ISCM Profiles, “{survey.title}”: aggregate results, {page_url}"
    if survey.report_title:
        details = [str(survey.report_year)] if survey.report_year else []
        if survey.report_isbn:
            details.append(f"ISBN {survey.report_isbn}")
        publisher = f"{survey.report_publisher}, " if survey.report_publisher else ""
        text += f". Report: {publisher}{survey.report_title}"
        text += f" ({', '.join(details)})." if details else "."
    return text


def write_xlsx(target: IO[bytes], results: Results, *, base_url: str, page_url: str) -> None:
    write_sheets(target, rows(results, base_url), SHEETS, intro=about(results, page_url))


def write_csv(target: IO[str], results: Results, *, base_url: str, page_url: str) -> None:
    """One flat table, `sheet, record, field, value`, as the profiles' CSV download."""
    writer = csv.writer(target)
    writer.writerow(["sheet", "record", "field", "value"])
    for number, (heading, text) in enumerate(about(results, page_url), start=1):
        writer.writerow(["About", number, heading, cell_value(text)])
    data = rows(results, base_url)
    for sheet in SHEETS:
        for number, row in enumerate(data[sheet.name], start=1):
            for name in sheet.headers:
                value = cell_value(row[name])
                writer.writerow([sheet.name, number, name, "" if value is None else value])
