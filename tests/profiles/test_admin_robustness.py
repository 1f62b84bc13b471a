"""The admin answers forged or broken input with a message, never with a server error or a
Python traceback: changelist actions with ids that are not ids, and per-model import files
that make the import fail before or during a row. Import previews keep their colours under
the site's Content-Security-Policy."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from profiles.exporter import write_workbook
from profiles.models import Mechanism, Organisation
from profiles.resources import OrganisationResource

pytestmark = pytest.mark.django_db


# --- changelist actions with forged selections ----------------------------------------------


def post_action(client, url: str, action: str, selected: list[str], **extra):
    return client.post(
        url,
        {"action": action, "index": "0", "_selected_action": selected, **extra},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("action", ["export_selected_workbook", "delete_selected"])
@pytest.mark.parametrize("value", ["abc", "1.5", "", "9" * 30, "1\x00"])
def test_action_with_an_invalid_selection_shows_a_message_and_does_nothing(
    admin_client, make_mechanism, action, value
):
    mechanism = make_mechanism()
    response = post_action(
        admin_client, "/admin/profiles/mechanism/", action, [str(mechanism.pk), value]
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/profiles/mechanism/"
    (message,) = messages_of(response)
    assert "The selection is not valid" in message
    assert "nothing was done" in message
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()


def test_delete_confirmation_with_an_invalid_selection_deletes_nothing(
    admin_client, make_mechanism
):
    mechanism = make_mechanism()
    # The confirmation page posts back without "index" and with post=yes.
    response = admin_client.post(
        "/admin/profiles/mechanism/",
        {"action": "delete_selected", "post": "yes", "_selected_action": ["abc"]},
        follow=True,
    )
    assert response.status_code == 200
    assert "The selection is not valid" in messages_of(response)[0]
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/profiles/organisation/",
        "/admin/profiles/section/",
        "/admin/profiles/participation/",
        "/admin/profiles/mechanismlink/",
        "/admin/profiles/document/",
        "/admin/profiles/topic/",
        "/admin/profiles/region/",
        "/admin/profiles/thematicarea/",
        "/admin/auth/user/",
        "/admin/auth/group/",
    ],
)
def test_every_list_page_refuses_an_invalid_selection_with_a_message(admin_client, url):
    response = post_action(admin_client, url, "delete_selected", ["abc"])
    assert response.status_code == 200
    assert "The selection is not valid" in messages_of(response)[0]


def test_valid_selections_still_work(admin_client, make_mechanism):
    keep, remove = make_mechanism(), make_mechanism()
    response = admin_client.post(
        "/admin/profiles/mechanism/",
        {"action": "export_selected_workbook", "index": "0", "_selected_action": [keep.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    post_action(
        admin_client,
        "/admin/profiles/mechanism/",
        "delete_selected",
        [str(remove.pk)],
        post="yes",
    )
    assert list(Mechanism.objects.values_list("pk", flat=True)) == [keep.pk]


def test_staff_without_permission_still_gets_no_action(client, make_mechanism):
    mechanism = make_mechanism()
    user = User.objects.create_user("visitor", password="x", is_staff=True)
    client.force_login(user)
    response = client.post(
        "/admin/profiles/mechanism/",
        {"action": "delete_selected", "index": "0", "_selected_action": [mechanism.pk]},
    )
    assert response.status_code == 403
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()


# --- per-model import: messages, never tracebacks ---------------------------------------------


def per_model_import(client, content: bytes, name: str = "o.csv", fmt: str = "0"):
    return client.post(
        "/admin/profiles/organisation/import/",
        {"import_file": SimpleUploadedFile(name, content), "format": fmt, "resource": "0"},
    )


def test_a_file_refused_before_any_row_shows_the_message_not_a_traceback(admin_client):
    # Unknown headers make the resource's before_import raise: a "base error".
    response = per_model_import(admin_client, b"acronim,name\nIOM,x\n")
    body = response.content.decode()
    assert response.status_code == 200
    assert "unknown column headers: “acronim”" in body
    assert "Traceback" not in body
    assert 'File "' not in body and ".py" not in body
    assert not Organisation.objects.exists()


def test_a_row_that_fails_shows_the_message_not_a_traceback(admin_client, monkeypatch):
    def fail(self, instance, *args, **kwargs):
        raise RuntimeError("the database refused this row")

    monkeypatch.setattr(OrganisationResource, "save_instance", fail)
    response = per_model_import(admin_client, b"acronym,name,kind\nIOM,Migration,igo\n")
    body = response.content.decode()
    assert response.status_code == 200
    assert "the database refused this row" in body
    assert "Line number: 1" in body
    assert "Traceback" not in body
    assert 'File "' not in body
    assert not Organisation.objects.exists()


def test_no_traceback_even_if_the_admin_asks_for_one(admin_client, monkeypatch):
    from profiles.admin import OrganisationAdmin

    monkeypatch.setattr(OrganisationAdmin, "import_error_display", ("message", "traceback"))

    def fail(self, instance, *args, **kwargs):
        raise RuntimeError("the database refused this row")

    monkeypatch.setattr(OrganisationResource, "save_instance", fail)
    body = per_model_import(admin_client, b"acronym,name,kind\nIOM,Migration,igo\n")
    assert "Traceback" not in body.content.decode()


# --- import previews keep their colours under the Content-Security-Policy ---------------------

TRANSPARENT = "rgba(0, 0, 0, 0)"


@pytest.fixture
def csp_page(browser, live_server, admin_user):
    """A logged-in admin page that, unlike the `page` fixture, enforces the site's CSP."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            page.csp_violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()


def background(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_per_model_preview_colours_rows_and_changes_under_the_csp(csp_page, live_server, tmp_path):
    page = csp_page
    Organisation.objects.create(acronym="IOM", name="Old name", kind="igo")
    Organisation.objects.create(acronym="UNHCR", name="Refugees", kind="igo")
    csv = tmp_path / "organisations.csv"
    csv.write_text(
        "acronym,name,kind,website\nIOM,New name,igo,\nUNHCR,Refugees,igo,\nICMPD,Centre,igo,\n"
    )
    page.goto(live_server.url + "/admin/profiles/organisation/import/")
    page.get_by_label("File to import").set_input_files(str(csv))
    page.get_by_label("Format").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_selector("table.import-preview")

    colours = {
        kind: background(page, f"table.import-preview tr.{kind}")
        for kind in ("new", "update", "skip")
    }
    assert TRANSPARENT not in colours.values(), colours
    assert len(set(colours.values())) == 3, colours
    inserted = background(page, "table.import-preview tr.update ins")
    deleted = background(page, "table.import-preview tr.update del")
    assert TRANSPARENT not in (inserted, deleted)
    assert inserted != deleted
    assert page.csp_violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_workbook_preview_colours_rows_under_the_csp(
    csp_page, live_server, make_mechanism, tmp_path
):
    import openpyxl

    page = csp_page
    make_mechanism(slug="kept", name="Kept Process")
    buffer = io.BytesIO()
    write_workbook(buffer, Mechanism.objects.all())
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book["Mechanisms"]
    headers = [cell.value for cell in sheet[1]]
    row = [cell.value for cell in sheet[2]]
    sheet.cell(row=2, column=headers.index("summary") + 1, value="Edited in Excel.")
    row[headers.index("slug")] = "added"
    row[headers.index("name")] = "Added Process"
    sheet.append(row)
    path = tmp_path / "profiles.xlsx"
    book.save(path)

    page.goto(live_server.url + "/admin/profiles/mechanism/workbook/import/")
    page.get_by_label("Workbook (.xlsx)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_selector("table.workbook-preview")

    new = background(page, "table.workbook-preview tr.status-new")
    changed = background(page, "table.workbook-preview tr.status-changed")
    assert TRANSPARENT not in (new, changed)
    assert new != changed
    assert page.csp_violations == []
