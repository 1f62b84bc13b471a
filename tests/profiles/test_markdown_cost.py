"""Markdown that Python-Markdown would take minutes to render (runs of `[`: its issue
#798) is refused with a clear message on every path that renders section bodies."""

import pytest

from profiles.findings.importer import import_findings_files
from profiles.models import Mechanism, Section
from profiles.rendering import MAX_BRACKETS_PER_BLOCK, markdown_problem
from tests.profiles.test_admin import change_url, inline_post_data
from tests.profiles.test_admin_import import per_model_import
from tests.profiles.test_findings_import import SEED
from tests.profiles.test_workbook_bad_input import problems, save, valid_book
from workbook.safety import WEB_LIMITS

pytestmark = pytest.mark.django_db

BRACKETS = "[" * 32_000  # one cell: 100 s to render before this guard


def test_real_sections_with_links_are_accepted():
    text = SEED.read_text()
    assert markdown_problem(text) is None
    assert markdown_problem("See [the plan](https://example.org) and [this](x).\n" * 50) is None


def test_a_workbook_cell_of_brackets_is_refused():
    book = valid_book()
    book["Sections"]["C2"] = BRACKETS
    found = problems(save(book))
    expected = "Sections!2: body: one paragraph holds 32,000 “[” or “<” characters"
    assert any(p.startswith(expected) for p in found)


def test_many_cells_each_under_the_paragraph_limit_are_refused_together():
    book = valid_book()
    sheet = book["Sections"]
    block = "[" * MAX_BRACKETS_PER_BLOCK
    sheet["C2"] = "\n\n".join([block] * 19)  # just under the limit for one text
    for topic in ["contribution", "structures", "partnerships", "added-value"]:
        sheet.append(["m", topic, "\n\n".join([block] * 19)])
    found = problems(save(book))
    assert any("too many “[” characters (links) in all" in p for p in found), found


def test_a_findings_document_with_a_paragraph_of_brackets_is_refused(demo_data):
    text = SEED.read_text().rstrip() + " " + "[" * 10_000 + "\n"
    report = import_findings_files(files=[("seed.md", text.encode())])
    assert not report.ok
    assert "“[” or “<” characters" in report.problems[0]


def test_the_change_page_refuses_a_body_of_brackets(admin_client, make_mechanism):
    mechanism = make_mechanism(slug="m")
    response = admin_client.get(change_url(mechanism))
    data = inline_post_data(response)
    prefix = response.context["inline_admin_formsets"][0].formset.prefix
    data[f"{prefix}-0-body"] = BRACKETS
    response = admin_client.post(change_url(mechanism), data)
    assert response.status_code == 200
    assert "This text cannot be rendered" in response.content.decode()
    assert not Section.objects.exists()


def test_the_per_model_section_import_refuses_a_body_of_brackets(admin_client, make_mechanism):
    make_mechanism(slug="m")
    csv = f"mechanism,topic,body\nm,evolution,{BRACKETS}\n"
    response = per_model_import(admin_client, "section", csv.encode(), "s.csv", "0")
    assert "Row 2: body: this text cannot be rendered" in response.content.decode()
    assert response.context.get("confirm_form") is None
    assert not Section.objects.exists()
    assert Mechanism.objects.count() == 1


TABLE = "|a|b|\n|-|-|\n" + "|&|&|\n" * 5_000  # ~7 µs a character to render


def test_a_web_workbook_import_renders_a_bounded_amount_of_markdown():
    book = valid_book()
    sheet = book["Sections"]
    sheet["C2"] = TABLE[:30_000]
    for topic in ["contribution", "structures", "partnerships", "added-value"]:
        sheet.append(["m", topic, TABLE[:30_000]])
    data = save(book)
    assert not problems(data, dry_run=True)  # within the command line's limits
    small = WEB_LIMITS.__class__(**{**WEB_LIMITS.__dict__, "max_markdown_chars": 100_000})
    found = problems(data, limits=small)
    assert any("hold more than 100,000 characters in all" in p for p in found), found


def test_a_body_longer_than_an_excel_cell_is_refused():
    assert "longer than 32,767 characters" in markdown_problem("x" * 40_000)


def test_the_admin_findings_import_renders_a_bounded_amount_of_markdown(demo_data):
    text = SEED.read_text().rstrip() + "\n\n" + TABLE[:30_000]
    small = WEB_LIMITS.__class__(**{**WEB_LIMITS.__dict__, "max_markdown_chars": 20_000})
    report = import_findings_files(files=[("seed.md", text.encode())], limits=small)
    assert not report.ok
    assert "more than 20,000 characters in all" in report.problems[0]
