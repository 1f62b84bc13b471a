"""An editor imports a workbook in the admin through a real Chromium: upload, preview,
confirm."""

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from profiles.exporter import write_workbook
from profiles.models import Mechanism
from tests.conftest import run_axe
from tests.profiles.test_findings_import import SEED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def edited_export(tmp_path):
    buffer = io.BytesIO()
    write_workbook(buffer, Mechanism.objects.all())
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    for row in book["Mechanisms"].iter_rows(min_row=2):
        if row[0].value == "almaty-process":
            row[16].value = "Summary edited in Excel."
    book["Participants"].append(
        ["almaty-process", "Mongolia", None, "observer", 2020, None, "no", None]
    )
    path = tmp_path / "profiles.xlsx"
    book.save(path)
    return path


def test_editor_imports_a_workbook_with_preview_and_confirmation(
    page, live_server, admin_user, demo_data, axe_source, tmp_path
):
    workbook = edited_export(tmp_path)
    page.goto(live_server.url + "/admin/login/?next=/admin/profiles/mechanism/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/profiles/mechanism/")

    page.get_by_role("link", name="Import workbook").click()
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(workbook))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_role("heading", name="Preview of profiles.xlsx")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Mechanisms: 0 new, 1 changed, 24 unchanged")
    ).to_be_visible()
    expect(page.locator("#sheet-mechanisms + table")).to_contain_text("changed: summary")
    expect(page.get_by_role("heading", name="Participants: 1 new")).to_be_visible()
    violations = run_axe(page, axe_source)
    assert not violations, violations
    assert Mechanism.objects.get(slug="almaty-process").summary != "Summary edited in Excel."

    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_url("**/admin/profiles/mechanism/")
    expect(page.locator(".messagelist")).to_contain_text("Imported profiles.xlsx")
    expect(page.locator(".messagelist")).to_contain_text("Mechanisms: 0 created, 1 updated")
    almaty = Mechanism.objects.get(slug="almaty-process")
    assert almaty.summary == "Summary edited in Excel."
    assert almaty.participations.filter(country="MN", role="observer", since=2020).exists()


def _log_in(page, live_server) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


def _check_page(page, axe_source, what: str) -> None:
    violations = run_axe(page, axe_source)
    assert not violations, (what, violations)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("width", [1280, 375])
def test_import_pages_and_previews_are_accessible_and_fit_the_screen(
    browser, live_server, admin_user, demo_data, axe_source, tmp_path, width
):
    workbook = edited_export(tmp_path)
    participants = tmp_path / "participants.csv"
    participants.write_text(
        "mechanism,country,organisation,role,since,until,unconfirmed,note\n"
        "almaty-process,Mongolia,,observer,2020,,no,A note\n"
    )
    findings = tmp_path / "findings.md"
    findings.write_bytes(SEED.read_bytes())
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        _log_in(page, live_server)
        steps = [
            ("/admin/profiles/mechanism/workbook/import/", "Workbook (.xlsx)", workbook),
            ("/admin/profiles/participation/import/", "File to import", participants),
            ("/admin/profiles/mechanism/findings/import/", "Summary of Findings", findings),
        ]
        for url, label, upload in steps:
            page.goto(live_server.url + url)
            _check_page(page, axe_source, f"{url} form at {width}px")
            page.get_by_label(label).set_input_files(str(upload))
            page.locator("form[enctype] [type=submit]").first.click()
            page.wait_for_load_state()
            _check_page(page, axe_source, f"{url} preview at {width}px")
    finally:
        context.close()
