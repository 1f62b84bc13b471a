"""Imports that no upload can hurt: files waiting between preview and confirmation.

They wait in the database (`PendingUpload`), bound to the user who uploaded them, used
once, expiring; never in a local folder, and never named by the browser. Every admin
import (whole workbook, Summary of Findings, per-model) follows the same rules.
"""

import io
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from profiles.models import Mechanism, Organisation, Section
from tests.profiles.test_admin_import import (
    CONFIRM_URL,
    EDITOR_PERMISSIONS,
    edited,
    export_bytes,
    per_model_import,
    rename_almaty,
    staff,
    upload,
)
from tests.profiles.test_findings_import import SEED, seed_as_docx
from workbook import pending
from workbook.models import PendingUpload
from workbook.safety import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

PROCESS_URL = "/admin/profiles/organisation/process_import/"
FINDINGS_URL = "/admin/profiles/mechanism/findings/import/"
FINDINGS_CONFIRM_URL = "/admin/profiles/mechanism/findings/import/confirm/"
GOOD_CSV = b"acronym,name,kind,website\nIOM,International Organization for Migration,igo,\n"


# --- helpers -------------------------------------------------------------------------------


class AppServer:
    """One app server's own folders: its temporary folder and MEDIA_ROOT.

    `switch(name)` moves this process onto fresh, empty folders, as if the next request
    were served by another app server sharing only the database.
    """

    def __init__(self, root: Path, monkeypatch, settings):
        self.root, self.monkeypatch, self.settings = root, monkeypatch, settings
        self.folders: list[Path] = []

    def switch(self, name: str) -> None:
        temp, media = self.root / name / "tmp", self.root / name / "media"
        temp.mkdir(parents=True)
        media.mkdir(parents=True)
        self.monkeypatch.setattr(tempfile, "tempdir", str(temp))
        self.monkeypatch.setenv("TMPDIR", str(temp))
        self.settings.MEDIA_ROOT = str(media)
        self.folders += [temp, media]

    @property
    def temp(self) -> Path:
        return Path(tempfile.gettempdir())

    def left_behind(self) -> list[str]:
        """Every file written into any of this test's server folders."""
        return sorted(str(p) for folder in self.folders for p in folder.rglob("*"))


@pytest.fixture
def server(tmp_path, monkeypatch, settings) -> AppServer:
    app_server = AppServer(tmp_path / "servers", monkeypatch, settings)
    app_server.switch("first")
    return app_server


@pytest.fixture
def editor(client) -> Client:
    staff(client, *EDITOR_PERMISSIONS)
    return client


@pytest.fixture
def other_editor(db) -> Client:
    user = User.objects.create_user("other-editor", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=EDITOR_PERMISSIONS))
    other = Client()
    other.force_login(user)
    return other


def confirm_data(response) -> dict:
    """The per-model confirmation form as the preview page posts it."""
    confirm = response.context["confirm_form"]
    return {name: confirm[name].value() for name in confirm.fields}


def page_text(response) -> str:
    assert response.status_code != 500
    return response.content.decode()


def findings_upload(client, data: bytes, name: str = "almaty.docx"):
    return client.post(FINDINGS_URL, {"document": SimpleUploadedFile(name, data)})


def almaty_docx() -> bytes:
    return seed_as_docx(SEED.read_text(encoding="utf-8"), "styles")


def expire_everything() -> None:
    """Move the clock past every pending upload's expiry."""
    PendingUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))


# --- the confirmation never names a server-side file ----------------------------------------


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        ("victim.csv", GOOD_CSV),
        ("broken.csv", b"not,the,right\nheaders,at,all\n"),
    ],
    ids=["importable", "not-importable"],
)
def test_a_file_named_by_the_attacker_in_the_temp_folder_is_neither_imported_nor_deleted(
    editor, server, file_name, content
):
    victim = server.temp / file_name
    victim.write_bytes(content)

    response = editor.post(
        PROCESS_URL,
        {
            "import_file_name": file_name,
            "original_file_name": file_name,
            "format": "0",
            "resource": "0",
        },
        follow=True,
    )

    assert "could not be confirmed" in page_text(response)
    assert not Organisation.objects.exists()
    assert victim.read_bytes() == content


def test_an_id_posted_as_a_path_or_with_nul_is_refused_without_an_error(editor, server):
    for name in ["../../etc/passwd", "a\x00b", "x" * 1000, secrets.token_urlsafe(32)]:
        response = editor.post(
            PROCESS_URL,
            {"import_file_name": name, "original_file_name": "o.csv", "format": "0"},
            follow=True,
        )
        body = page_text(response)
        assert "could not be confirmed" in body or "no file waiting" in body
    assert not Organisation.objects.exists()


# --- refused and unconfirmed uploads leave nothing behind -----------------------------------


@pytest.mark.parametrize(
    ("content", "name", "fmt"),
    [
        ("acronym,name\nCÔTE,Côte\n".encode("latin-1"), "o.csv", "0"),
        (b"acronim,name\nIOM,x\n", "o.csv", "0"),
        (b"acronym,name,kind\nIOM,x,no-such-kind\n", "o.csv", "0"),
        (b"not a spreadsheet", "o.xlsx", "1"),
        (b"a" * (MAX_UPLOAD_BYTES + 1), "big.csv", "0"),
    ],
    ids=["encoding", "header", "row-error", "read-error", "too-large"],
)
def test_a_refused_per_model_upload_stores_nothing(editor, server, content, name, fmt):
    response = per_model_import(editor, "organisation", content, name, fmt)

    assert response.status_code == 200
    assert not response.context.get("confirm_form")
    assert not PendingUpload.objects.exists()
    assert server.left_behind() == []


def test_refused_workbook_and_findings_uploads_store_nothing(editor, demo_data, server):
    def break_it(book):
        book["Sections"].cell(2, 2).value = "no-such-topic"

    assert "was refused" in page_text(upload(editor, edited(export_bytes(), break_it)))
    assert "would change nothing" in page_text(upload(editor, export_bytes()))
    assert "was refused" in page_text(findings_upload(editor, b"No structure.", "notes.md"))
    assert "larger than 20 MB" in page_text(
        findings_upload(editor, b"a" * (MAX_UPLOAD_BYTES + 1), "big.md")
    )

    assert not PendingUpload.objects.exists()
    assert server.left_behind() == []


def test_a_previewed_upload_waits_in_the_database_for_its_owner_for_six_hours(editor, server):
    before = timezone.now()
    per_model_import(editor, "organisation", GOOD_CSV, "orgs.csv", "0")

    row = PendingUpload.objects.get()
    assert row.owner.username == "editor"
    assert (row.kind, row.model_label, row.file_name) == (
        "model",
        "profiles.organisation",
        "orgs.csv",
    )
    assert bytes(row.data) == GOOD_CSV and row.size == len(GOOD_CSV)
    assert len(row.pk) == 43
    assert before <= row.created_at <= timezone.now()
    assert row.expires_at - row.created_at == timedelta(hours=6) == pending.LIFETIME
    assert server.left_behind() == []


def test_a_new_preview_replaces_the_previous_one(editor, server):
    first = per_model_import(editor, "organisation", GOOD_CSV, "first.csv", "0")
    per_model_import(editor, "organisation", b"acronym,name\nUNHCR,UNHCR\n", "second.csv", "0")

    assert list(PendingUpload.objects.values_list("file_name", flat=True)) == ["second.csv"]
    # The first preview's page, confirmed late, imports nothing.
    body = page_text(editor.post(PROCESS_URL, confirm_data(first), follow=True))
    assert "no file waiting for confirmation" in body
    assert not Organisation.objects.filter(acronym="IOM").exists()


def test_expired_uploads_are_removed_by_the_command(editor, server):
    per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0")
    out = io.StringIO()
    call_command("clear_pending_uploads", stdout=out)
    assert "Deleted 0 expired pending uploads." in out.getvalue()
    assert PendingUpload.objects.count() == 1

    expire_everything()
    out = io.StringIO()
    call_command("clear_pending_uploads", stdout=out)

    assert "Deleted 1 expired pending upload." in out.getvalue()
    assert not PendingUpload.objects.exists()


def test_expired_uploads_of_anyone_are_removed_by_the_next_upload(
    editor, other_editor, demo_data, server
):
    per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0")
    findings_upload(editor, almaty_docx())
    assert PendingUpload.objects.count() == 2
    expire_everything()

    upload(other_editor, edited(export_bytes(), rename_almaty))

    assert list(PendingUpload.objects.values_list("owner__username", "kind")) == [
        ("other-editor", "workbook")
    ]


# --- confirmations that must not import -----------------------------------------------------


def test_per_model_confirmation_by_another_user_twice_or_late_imports_nothing(
    editor, other_editor, server
):
    preview = per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0")
    data = confirm_data(preview)

    # Another editor replaying the confirmation: refused, and the owner's file is kept.
    body = page_text(other_editor.post(PROCESS_URL, data, follow=True))
    assert "no file waiting for confirmation" in body
    assert not Organisation.objects.exists()
    assert PendingUpload.objects.count() == 1

    # The owner confirms: imported once; replayed: nothing more.
    assert editor.post(PROCESS_URL, data).status_code == 302
    assert Organisation.objects.filter(acronym="IOM").count() == 1
    assert not PendingUpload.objects.exists()
    Organisation.objects.all().delete()
    body = page_text(editor.post(PROCESS_URL, data, follow=True))
    assert "no file waiting for confirmation" in body
    assert not Organisation.objects.exists()

    # After expiry: refused, and the expired row is gone.
    late = confirm_data(per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0"))
    expire_everything()
    body = page_text(editor.post(PROCESS_URL, late, follow=True))
    assert "no file waiting for confirmation" in body
    assert not Organisation.objects.exists()
    assert not PendingUpload.objects.exists()

    # An id that was never issued.
    unknown = {**late, "import_file_name": secrets.token_urlsafe(32)}
    assert "no file waiting" in page_text(editor.post(PROCESS_URL, unknown, follow=True))
    assert server.left_behind() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("format", "abc"), ("format", "99"), ("format", "-1"), ("format", ""), ("resource", "99")],
)
def test_per_model_confirmation_with_a_forged_format_or_resource_is_refused(
    editor, server, field, value
):
    data = confirm_data(per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0"))

    response = editor.post(PROCESS_URL, {**data, field: value}, follow=True)

    assert "could not be confirmed" in page_text(response)
    assert response.redirect_chain[-1][0] == "/admin/profiles/organisation/import/"
    assert not Organisation.objects.exists()
    assert not PendingUpload.objects.exists()  # used up: confirm again means upload again


def test_per_model_confirmation_in_another_format_than_the_preview_is_refused(editor, server):
    data = confirm_data(per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0"))

    response = editor.post(PROCESS_URL, {**data, "format": "1"}, follow=True)

    assert "does not match its preview" in page_text(response)
    assert not Organisation.objects.exists()
    assert not PendingUpload.objects.exists()


def test_workbook_confirmation_by_another_user_twice_or_late_imports_nothing(
    editor, other_editor, demo_data, server
):
    def summary() -> str:
        return Mechanism.objects.get(slug="almaty-process").summary

    page = page_text(upload(editor, edited(export_bytes(), rename_almaty)))
    upload_id = PendingUpload.objects.get().pk
    assert f'name="upload" value="{upload_id}"' in page

    # Another editor posting the id, or holding it in a forged session: refused.
    body = page_text(other_editor.post(CONFIRM_URL, {"upload": upload_id}, follow=True))
    assert "There is no workbook waiting for confirmation" in body
    session = other_editor.session
    session["workbook_upload"] = {"id": upload_id}
    session.save()
    body = page_text(other_editor.post(CONFIRM_URL, follow=True))
    assert "There is no workbook waiting for confirmation" in body
    assert summary() != "A better summary."
    assert PendingUpload.objects.filter(pk=upload_id).exists()

    # The owner confirms once; a replay finds nothing.
    body = page_text(editor.post(CONFIRM_URL, {"upload": upload_id}, follow=True))
    assert "Imported profiles.xlsx" in body
    assert summary() == "A better summary."
    Mechanism.objects.filter(slug="almaty-process").update(summary="Reset.")
    body = page_text(editor.post(CONFIRM_URL, {"upload": upload_id}, follow=True))
    assert "There is no workbook waiting for confirmation" in body
    assert summary() == "Reset."

    # Late, or with an id never issued: refused.
    upload(editor, edited(export_bytes(), rename_almaty))
    expire_everything()
    body = page_text(editor.post(CONFIRM_URL, follow=True))
    assert "There is no workbook waiting for confirmation" in body
    assert not PendingUpload.objects.exists()
    body = page_text(editor.post(CONFIRM_URL, {"upload": secrets.token_urlsafe(32)}, follow=True))
    assert "There is no workbook waiting for confirmation" in body
    assert summary() == "Reset."
    assert server.left_behind() == []


def test_findings_confirmation_by_another_user_twice_or_late_imports_nothing(
    editor, other_editor, demo_data, server
):
    Section.objects.all().delete()
    findings_upload(editor, almaty_docx())
    upload_id = PendingUpload.objects.get(kind="findings").pk

    body = page_text(other_editor.post(FINDINGS_CONFIRM_URL, {"upload": upload_id}, follow=True))
    assert "There is no document waiting for confirmation" in body
    assert not Section.objects.exists()

    body = page_text(editor.post(FINDINGS_CONFIRM_URL, follow=True))
    assert "Imported almaty.docx" in body
    assert Section.objects.count() == 5
    Section.objects.all().delete()
    body = page_text(editor.post(FINDINGS_CONFIRM_URL, {"upload": upload_id}, follow=True))
    assert "There is no document waiting for confirmation" in body

    findings_upload(editor, almaty_docx())
    expire_everything()
    body = page_text(editor.post(FINDINGS_CONFIRM_URL, follow=True))
    assert "There is no document waiting for confirmation" in body
    assert not Section.objects.exists()
    assert not PendingUpload.objects.exists()
    assert server.left_behind() == []


def test_an_upload_of_one_kind_cannot_be_confirmed_as_another(editor, demo_data, server):
    per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0")
    upload_id = PendingUpload.objects.get().pk

    for url in [CONFIRM_URL, FINDINGS_CONFIRM_URL]:
        assert "waiting for confirmation" in page_text(
            editor.post(url, {"upload": upload_id}, follow=True)
        )
    other_model = {"import_file_name": upload_id, "original_file_name": "o.csv", "format": "0"}
    response = editor.post("/admin/profiles/section/process_import/", other_model, follow=True)
    assert "no file waiting for confirmation" in page_text(response)
    assert PendingUpload.objects.filter(pk=upload_id).exists()


# --- sizes ---------------------------------------------------------------------------------


def test_a_workbook_upload_over_the_limit_gets_a_message_not_an_error_page(editor, server):
    response = upload(editor, b"\0" * (MAX_UPLOAD_BYTES + 200 * 1024))

    assert response.status_code == 413
    assert "The file is larger than 20 MB: refused." in response.content.decode()
    assert 'name="workbook"' in response.content.decode()  # the form, to try again
    assert not PendingUpload.objects.exists()
    assert server.left_behind() == []


# --- several app servers sharing only the database ------------------------------------------


def test_a_per_model_import_previewed_on_one_server_is_confirmed_on_another(editor, server):
    preview = per_model_import(editor, "organisation", GOOD_CSV, "o.csv", "0")
    assert server.left_behind() == []

    server.switch("second")
    response = editor.post(PROCESS_URL, confirm_data(preview))

    assert response.status_code == 302
    assert (
        Organisation.objects.get(acronym="IOM").name == "International Organization for Migration"
    )
    assert not PendingUpload.objects.exists()
    assert server.left_behind() == []


def test_a_workbook_import_previewed_on_one_server_is_confirmed_on_another(
    editor, demo_data, server
):
    upload(editor, edited(export_bytes(), rename_almaty))
    assert PendingUpload.objects.filter(kind="workbook").count() == 1
    assert server.left_behind() == []

    server.switch("second")
    response = editor.post(CONFIRM_URL, {"confirm": "Confirm import"}, follow=True)

    assert "Imported profiles.xlsx" in page_text(response)
    assert Mechanism.objects.get(slug="almaty-process").summary == "A better summary."
    assert not PendingUpload.objects.exists()
    assert server.left_behind() == []


def test_a_findings_import_previewed_on_one_server_is_confirmed_on_another(
    editor, demo_data, server
):
    Section.objects.all().delete()
    findings_upload(editor, almaty_docx())
    assert PendingUpload.objects.filter(kind="findings").count() == 1
    assert server.left_behind() == []

    server.switch("second")
    response = editor.post(FINDINGS_CONFIRM_URL, follow=True)

    assert "Imported almaty.docx" in page_text(response)
    assert Section.objects.count() == 5
    assert not PendingUpload.objects.exists()
    assert server.left_behind() == []


def test_the_tmp_storage_refuses_to_work_without_a_requesting_user(db):
    from django.core.exceptions import ImproperlyConfigured

    from workbook.model_admin import PendingUploadStorage

    with pytest.raises(ImproperlyConfigured):
        PendingUploadStorage(read_mode="rb").save(b"data")
    with pytest.raises(ImproperlyConfigured):
        PendingUploadStorage(name="victim.csv", read_mode="rb").read()
