#!/usr/bin/env python
"""Survey answers: import against bare openpyxl, the public results page against a trivial
page, measured in one run.

    DEBUG=0 SECRET_KEY=bench .venv/bin/python bench/surveys.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm .venv/bin/python bench/surveys.py

On a throw-away test database with the demo data (25 published mechanisms): a survey with
150 questions (single and multiple choice, yes/no, numbers, free text, mechanisms named,
most linked to a topic) and 200 respondents in six regions, as one workbook of Questions,
Respondents and Answers sheets (30,000 answers, the long format). Then:

- baseline: openpyxl merely reading the file (read-only mode, every row of every sheet);
- `import_workbook` into the database, then re-importing it unchanged;
- the wide format: a sheet of 200 respondents × 38 question columns (the most a row may
  hold, `MAX_COLUMNS`), against openpyxl reading that file;
- the public results page (`/surveys/<slug>/`) and its .xlsx download, against the trivial
  page (the site's base template, no query) through the same stack, as served (the page
  cache on) and with the page cache off, with their query counts for 20 respondents and
  for 200.

Baselines are the best of two runs; imports run once; pages are the median of
BENCH_ROUNDS (default here 50) requests after 20 warm-up requests, the pages taking turns
(`bench.pages.measure`).
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_site.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("BENCH_ROUNDS", "50")  # requests per page (bench.pages.measure)

import django

django.setup()

import openpyxl  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    override_settings,
)
from django.urls import include, path  # noqa: E402

from bench.pages import ROUNDS, UNCACHED, measure, trivial_page  # noqa: E402
from bench.workbook import peak_mb, read_baseline  # noqa: E402
from workbook.engine import import_workbook  # noqa: E402
from workbook.safety import MAX_COLUMNS  # noqa: E402

RESPONDENTS = int(os.environ.get("BENCH_RESPONDENTS", "200"))
QUESTIONS = int(os.environ.get("BENCH_QUESTIONS", "150"))
SLUG = "bench-survey"
REGIONS = ["africa", "americas", "asia-pacific", "europe", "middle-east", "global"]
TOPICS = ["evolution", "contribution", "structures", "partnerships", "added-value", None]
CHOICES = ["Very much", "Somewhat", "Little", "Not at all"]
THEMES = ["Labour", "Trafficking", "Borders", "Development", "Protection"]
MECHANISMS = ["almaty-process", "bali-process", "budapest-process", "rabat-process", "gfmd"]
# (type, choices) in turn: 60 single, 30 multiple, 20 yes/no, 20 numbers, 10 texts,
# 10 mechanisms named per 150 questions.
KINDS = ["single"] * 6 + ["multiple"] * 3 + ["yes_no"] * 2 + ["number"] * 2 + ["text", "mechanisms"]


urlpatterns = [path("bench/trivial-page", trivial_page), path("", include("iscm_site.urls"))]


def question_kind(number: int) -> str:
    return KINDS[number % len(KINDS)]


def answer_text(kind: str, respondent: int, question: int) -> object:
    seed = respondent * 31 + question * 7
    if kind == "single":
        return CHOICES[seed % 4]
    if kind == "multiple":
        return "; ".join(THEMES[(seed + i) % 5] for i in range(1 + seed % 3))
    if kind == "yes_no":
        return "yes" if seed % 3 else "no"
    if kind == "number":
        return seed % 40
    if kind == "text":
        return f"Answer {respondent}-{question}: regional cooperation helps."
    return "; ".join(MECHANISMS[(seed + i) % 5] for i in range(1 + seed % 2))


def _questions_and_respondents(book, slug: str, questions: int, respondents: int) -> None:
    sheet = book.create_sheet("Questions")
    sheet.append(["survey", "questionnaire", "code", "text", "type", "choices", "topic", "order"])
    for q in range(questions):
        kind = question_kind(q)
        choices = {"single": CHOICES, "multiple": THEMES}.get(kind, [])
        sheet.append(
            [slug, "states", f"Q{q + 1}", f"Bench question {q + 1}?", kind,
             "; ".join(choices), TOPICS[q % len(TOPICS)], q + 1]
        )  # fmt: skip
    people = book.create_sheet("Respondents")
    people.append(["survey", "respondent", "questionnaire", "fictional_name", "region"])
    for r in range(respondents):
        people.append([slug, f"R{r + 1:03d}", "states", f"Bench State {r + 1:03d}",
                       REGIONS[r % len(REGIONS)]])  # fmt: skip


def generate(target: Path, respondents: int = RESPONDENTS, slug: str = SLUG) -> int:
    """The long-format workbook; returns its number of data rows."""
    book = openpyxl.Workbook(write_only=True)
    _questions_and_respondents(book, slug, QUESTIONS, respondents)
    answers = book.create_sheet("Answers")
    answers.append(["survey", "respondent", "question", "answer"])
    for r in range(respondents):
        for q in range(QUESTIONS):
            answers.append(
                [slug, f"R{r + 1:03d}", f"Q{q + 1}", answer_text(question_kind(q), r, q)]
            )
    book.save(target)
    return QUESTIONS + respondents + respondents * QUESTIONS


def generate_wide(target: Path, slug: str, shift: int = 0) -> int:
    """Questions, Respondents and Answers (wide): every respondent, MAX_COLUMNS - 2 question
    columns (`shift` changes every answer). Returns the number of answers."""
    columns = MAX_COLUMNS - 2
    book = openpyxl.Workbook(write_only=True)
    _questions_and_respondents(book, slug, columns, RESPONDENTS)
    sheet = book.create_sheet("Answers (wide)")
    sheet.append(["survey", "respondent", *(f"Q{q + 1}" for q in range(columns))])
    for r in range(RESPONDENTS):
        row = [answer_text(question_kind(q), r + shift, q) for q in range(columns)]
        sheet.append([slug, f"R{r + 1:03d}", *row])
    book.save(target)
    return RESPONDENTS * columns


def timed_import(path: Path):
    with CaptureQueriesContext(connection) as queries, path.open("rb") as source:
        start = time.perf_counter()
        report = import_workbook(source=source, file_name=path.name)
        elapsed = time.perf_counter() - start
    assert report.ok, [str(p) for p in report.problems[:5]]
    return elapsed, report, len(queries)


def make_survey(slug: str) -> None:
    from django.utils import timezone

    from surveys.models import Group, Questionnaire, Survey

    survey = Survey.objects.create(
        slug=slug, title=slug, year=2019, is_published=True, published_at=timezone.now()
    )
    for group in Group:
        Questionnaire.objects.create(survey=survey, group=group, title=str(group.label))


def page_urls(slug: str) -> dict[str, str]:
    return {
        "trivial page (baseline: base.html, no query)": "/bench/trivial-page",
        "results page /surveys/<slug>/": f"/surveys/{slug}/",
        "results download .xlsx": f"/surveys/{slug}/results.xlsx",
    }


def main() -> None:
    from django.conf import settings
    from django.core.management import call_command

    from profiles import demo

    tmp = Path(tempfile.mkdtemp(prefix="iscm-bench-surveys-"))
    settings.STATIC_ROOT = tmp / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    # No setup_test_environment(): it instruments template rendering (see bench/pages.py).
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    client = Client()
    try:
        demo.load()
        for slug in (SLUG, "bench-small", "bench-wide"):
            make_survey(slug)
        small = tmp / "small.xlsx"
        generate(small, respondents=20, slug="bench-small")
        report = import_workbook(source=io.BytesIO(small.read_bytes()))
        assert report.ok, [str(p) for p in report.problems[:5]]
        with override_settings(ROOT_URLCONF=__name__, CACHES=UNCACHED):
            few = {label: v[1] for label, v in measure(client, page_urls("bench-small"), 1).items()}

        source = tmp / "survey.xlsx"
        rows = generate(source)
        size_mb = source.stat().st_size / 1024 / 1024
        read = min(read_baseline(source) for _ in range(2))
        first, report, first_queries = timed_import(source)
        created = sum(s.created for s in report.sheets.values())
        again, report, again_queries = timed_import(source)
        assert report.changes == 0, report.summary_lines()

        wide = tmp / "wide.xlsx"
        wide_answers = generate_wide(wide, "bench-wide")
        wide_read = min(read_baseline(wide) for _ in range(2))
        wide_new, _report, wide_new_queries = timed_import(wide)
        generate_wide(wide, "bench-wide", shift=1)
        wide_changed, _report, wide_changed_queries = timed_import(wide)

        with override_settings(ROOT_URLCONF=__name__):
            served = measure(client, page_urls(SLUG), ROUNDS)
            with override_settings(CACHES=UNCACHED):
                timed = measure(client, page_urls(SLUG), ROUNDS)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(
        f"Database: {connection.vendor}. Workbook: {QUESTIONS} questions, {RESPONDENTS} "
        f"respondents, {RESPONDENTS * QUESTIONS:,} answers ({rows:,} rows), {size_mb:.1f} MB."
    )
    print()
    print("| operation | seconds | × baseline | queries |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| openpyxl read-only read (baseline) | {read:.2f} | 1.0 | |")
    print(
        f"| import_workbook, long format ({created:,} rows created) | {first:.2f} | "
        f"{first / read:.2f} | {first_queries} |"
    )
    print(
        f"| import_workbook again, unchanged | {again:.2f} | {again / read:.2f} | {again_queries} |"
    )
    columns = MAX_COLUMNS - 2
    print(f"| openpyxl read of a wide workbook (baseline) | {wide_read:.2f} | 1.0 | |")
    print(
        f"| import_workbook, wide ({RESPONDENTS} rows × {columns} question columns: "
        f"{wide_answers:,} new answers) | {wide_new:.2f} | {wide_new / wide_read:.2f} | "
        f"{wide_new_queries} |"
    )
    print(
        f"| import_workbook, the same wide sheet with every answer changed | "
        f"{wide_changed:.2f} | {wide_changed / wide_read:.2f} | {wide_changed_queries} |"
    )
    print()
    base = served["trivial page (baseline: base.html, no query)"][0]
    off_base = timed["trivial page (baseline: base.html, no query)"][0]
    print(
        "| page | as served: median ms | × trivial | queries | cache off: median ms | × trivial "
        f"| queries (20 respondents / {RESPONDENTS}) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, (median, queries) in timed.items():
        on, on_queries = served[label]
        print(
            f"| {label} | {on:.2f} | {on / base:.1f} | {on_queries} | {median:.2f} | "
            f"{median / off_base:.1f} | {few[label]} / {queries} |"
        )
    print()
    print(f"Peak memory of the whole run (max RSS): {peak_mb():.0f} MB.")


if __name__ == "__main__":
    main()
