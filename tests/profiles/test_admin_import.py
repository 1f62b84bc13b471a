"""Bulk data in the admin: whole-workbook import with preview and confirmation, template,
exports, and per-model import/export through django-import-export — for permitted users
only."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from profiles.exporter import write_workbook
from profiles.models import Mechanism, Organisation, Section
from workbook.safety import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/profiles/mechanism/workbook/import/"
CONFIRM_URL = "/admin/profiles/mechanism/workbook/import/confirm/"


def export_bytes(mechanisms=None) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, mechanisms if mechanisms is not None else Mechanism.objects.all())
    return buffer.getvalue()


def edited(data: bytes, change) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "profiles.xlsx"):
    return client.post(IMPORT_URL, {"workbook": SimpleUploadedFile(name, data)})


EDITOR_PERMISSIONS = [
    f"{action}_{model}"
    for model in (
        "mechanism",
        "section",
        "participation",
        "mechanismlink",
        "document",
        "organisation",
    )
    for action in ("add", "change", "view")
]


def staff(client, *codenames: str) -> User:
    user = User.objects.create_user("editor", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def rename_almaty(book):
    ws = book["Mechanisms"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "almaty-process":
            row[16].value = "A better summary."


def unpublish_bali(book):
    ws = book["Mechanisms"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "bali-process":
            row[18].value = "no"


def test_workbook_import_previews_then_writes_only_when_confirmed(admin_client, demo_data):
    response = upload(admin_client, edited(export_bytes(), rename_almaty))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Mechanisms: 0 new, 1 changed, 24 unchanged" in body
    assert "almaty-process" in body and "changed: summary" in body
    assert 'value="Confirm import"' in body
    assert Mechanism.objects.get(slug="almaty-process").summary != "A better summary."

    response = admin_client.post(CONFIRM_URL, {"confirm": "Confirm import"}, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/profiles/mechanism/"
    assert "Imported profiles.xlsx: Mechanisms: 0 created, 1 updated, 24 unchanged" in (
        response.content.decode()
    )
    assert Mechanism.objects.get(slug="almaty-process").summary == "A better summary."
    # The upload is used once: confirming again has nothing to import.
    again = admin_client.post(CONFIRM_URL, follow=True)
    assert "There is no workbook waiting for confirmation" in again.content.decode()


def test_workbook_preview_lists_refused_rows_with_reasons_and_offers_no_confirmation(
    admin_client, demo_data
):
    def break_it(book):
        book["Sections"].cell(2, 2).value = "no-such-topic"

    response = upload(admin_client, edited(export_bytes(), break_it))
    body = response.content.decode()
    assert "The workbook was refused: nothing was written" in body
    assert "Sections!2: topic: unknown topic “no-such-topic”" in body
    assert "Confirm import" not in body
    assert admin_client.post(CONFIRM_URL).status_code == 302


def test_unchanged_workbook_preview_says_nothing_would_change(admin_client, demo_data):
    body = upload(admin_client, export_bytes()).content.decode()
    assert "importing it would change nothing" in body
    assert "Confirm import" not in body


def test_hostile_or_wrong_files_get_a_message_not_an_error_page(admin_client, db):
    for data, expected in [
        (b"not a spreadsheet", "This is not an Excel workbook (.xlsx)"),
        (b"PK\x03\x04\x14\x00", "not"),
    ]:
        response = upload(admin_client, data)
        assert response.status_code == 200
        assert expected in response.content.decode()


def test_oversized_workbook_upload_is_refused(admin_client, db):
    response = upload(admin_client, b"\0" * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 200
    assert "The file is larger than 20 MB: refused." in response.content.decode()


@pytest.mark.parametrize("can_publish", [False, True])
def test_no_import_changes_what_the_public_sees(client, demo_data, can_publish):
    extra = ("publish_mechanism",) if can_publish else ()
    staff(client, *EDITOR_PERMISSIONS, *extra)

    preview = upload(client, edited(export_bytes(), unpublish_bali)).content.decode()
    assert "you may not publish" not in preview
    client.post(CONFIRM_URL, {"confirm": "Confirm import"})
    bali = Mechanism.objects.get(slug="bali-process")
    assert bali.is_published and bali.published_profile.version == 1
    assert client.get("/mechanisms/bali-process/").status_code == 200


def test_template_and_exports_download_as_workbooks(admin_client, demo_data, make_mechanism):
    make_mechanism(slug="draft-one", is_published=False)
    response = admin_client.get("/admin/profiles/mechanism/workbook/template.xlsx")
    assert response["Content-Disposition"] == ('attachment; filename="iscm-profiles-template.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book["Mechanisms"].max_row == 1

    response = admin_client.get("/admin/profiles/mechanism/workbook/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    slugs = [r[0] for r in book["Mechanisms"].iter_rows(min_row=2, values_only=True)]
    assert "draft-one" in slugs and len(slugs) == 26  # staff exports include drafts

    chosen = Mechanism.objects.filter(slug__in=["bali-process", "almaty-process"])
    response = admin_client.post(
        "/admin/profiles/mechanism/",
        {
            "action": "export_selected_workbook",
            "_selected_action": [str(pk) for pk in chosen.values_list("pk", flat=True)],
        },
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    slugs = [r[0] for r in book["Mechanisms"].iter_rows(min_row=2, values_only=True)]
    assert slugs == ["almaty-process", "bali-process"]


def test_changelist_offers_workbook_links(admin_client, db):
    body = admin_client.get("/admin/profiles/mechanism/").content.decode()
    for label in ["Import workbook", "Download template", "Export workbook"]:
        assert label in body


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        IMPORT_URL,
        "/admin/profiles/mechanism/import/",
        "/admin/profiles/organisation/import/",
        "/admin/profiles/section/import/",
        "/admin/profiles/participation/import/",
    ],
)
def test_staff_without_change_permission_cannot_import(client, db, url):
    staff(client, "view_mechanism", "view_organisation", "view_section", "view_participation")
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/admin/profiles/mechanism/export/",
        "/admin/profiles/organisation/export/",
        "/admin/profiles/mechanism/workbook/export.xlsx",
        "/admin/profiles/mechanism/workbook/template.xlsx",
    ],
)
def test_staff_without_any_permission_cannot_export(client, db, url):
    staff(client)
    assert client.get(url).status_code == 403


def test_staff_with_view_permission_may_export_but_not_import(client, demo_data):
    staff(client, "view_mechanism")
    assert client.get("/admin/profiles/mechanism/workbook/export.xlsx").status_code == 200
    response = client.post("/admin/profiles/mechanism/export/", {"format": "0", "resource": "0"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert client.get("/admin/profiles/mechanism/import/").status_code == 403
    body = client.get("/admin/profiles/mechanism/").content.decode()
    assert "Import workbook" not in body


# --- per-model import (django-import-export) -------------------------------------------------


def per_model_import(client, model: str, content: bytes, name: str, fmt: str):
    return client.post(
        f"/admin/profiles/{model}/import/",
        {"import_file": SimpleUploadedFile(name, content), "format": fmt, "resource": "0"},
    )


def confirm_per_model(client, model: str, preview):
    """Post the preview's confirmation form as the browser would."""
    confirm = preview.context["confirm_form"]
    assert confirm is not None, preview.content.decode()
    return client.post(
        f"/admin/profiles/{model}/process_import/",
        {name: confirm[name].value() for name in confirm.fields},
    )


def test_per_model_csv_import_previews_and_confirms(admin_client, db):
    csv = "acronym,name,kind,website\nIOM,International Organization for Migration,igo,\n"
    response = per_model_import(admin_client, "organisation", csv.encode(), "o.csv", "0")
    assert response.status_code == 200
    assert not Organisation.objects.filter(acronym="IOM").exists()
    confirm = response.context["confirm_form"]
    response = admin_client.post(
        "/admin/profiles/organisation/process_import/",
        {name: confirm[name].value() for name in confirm.fields},
    )
    assert response.status_code == 302
    assert (
        Organisation.objects.get(acronym="IOM").name == "International Organization for Migration"
    )


def test_per_model_section_import_renders_markdown(admin_client, make_mechanism):
    make_mechanism(slug="m")
    csv = "mechanism,topic,body\nm,evolution,**Bold** start\n"
    response = per_model_import(admin_client, "section", csv.encode(), "s.csv", "0")
    confirm = response.context["confirm_form"]
    admin_client.post(
        "/admin/profiles/section/process_import/",
        {name: confirm[name].value() for name in confirm.fields},
    )
    assert Section.objects.get().body_html == "<p><strong>Bold</strong> start</p>"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("acronym,name\nCÔTE,Côte\n".encode("latin-1"), "The file is not UTF-8 text"),
        (
            b"acronym;name;kind;website\nIOM;International;igo;\n",
            "The file seems to use “;” or tabs between columns",
        ),
        (b"acronim,name\nIOM,x\n", "unknown column headers: “acronim”"),
        (b"acronym,name,name\nIOM,x,y\n", "duplicate column header “name”"),
        (b"acronym,name\nIOM,bad\x00name\n", "name: contains a NUL character"),
    ],
    ids=["latin-1", "semicolons", "renamed-header", "duplicate-header", "nul"],
)
def test_per_model_csv_import_explains_bad_files(admin_client, db, content, expected):
    response = per_model_import(admin_client, "organisation", content, "o.csv", "0")
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    assert not Organisation.objects.exists()


def test_per_model_xlsx_import_uses_the_workbook_safety_checks(admin_client, db):
    import zipfile

    book = openpyxl.Workbook()
    book.active.append(["acronym", "name"])
    book.active.append(["IOM", "x"])
    buffer = io.BytesIO()
    book.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + data
            dst.writestr(item, data)
    response = per_model_import(admin_client, "organisation", out.getvalue(), "o.xlsx", "1")
    assert "declares a DOCTYPE" in response.content.decode()
    assert not Organisation.objects.exists()


def test_per_model_import_refuses_oversized_uploads(admin_client, db):
    response = per_model_import(
        admin_client, "organisation", b"a" * (MAX_UPLOAD_BYTES + 1), "big.csv", "0"
    )
    assert "The file is larger than 20 MB: refused." in response.content.decode()


def test_per_model_export_neutralises_formulas(admin_client, make_mechanism):
    make_mechanism(slug="evil", summary="=1+1", short_name="@x")
    response = admin_client.post(
        "/admin/profiles/mechanism/export/", {"format": "1", "resource": "0"}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [c.value for row in book.active.iter_rows() for c in row]
    assert "'=1+1" in values and "'@x" in values
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)


def test_per_model_participant_import_accepts_country_names_and_codes(admin_client, make_mechanism):
    make_mechanism(slug="m")
    csv = (
        "mechanism,country,organisation,role,since,until,unconfirmed,note\n"
        "m,Kazakhstan,,Member,2013,,no,\n"
        "m,kgz,,observer,,,yes,joined late\n"
    )
    response = per_model_import(admin_client, "participation", csv.encode(), "p.csv", "0")
    confirm = response.context["confirm_form"]
    admin_client.post(
        "/admin/profiles/participation/process_import/",
        {name: confirm[name].value() for name in confirm.fields},
    )
    from profiles.models import Participation

    assert sorted(Participation.objects.values_list("country", "role", "since", "uncertain")) == [
        ("KG", "observer", None, True),
        ("KZ", "member", 2013, False),
    ]


def test_per_model_resources_use_the_workbook_columns():
    from profiles.resources import RESOURCES
    from profiles.sheets import SHEETS_BY_NAME

    for sheet, resource in RESOURCES.items():
        assert resource().get_export_headers() == SHEETS_BY_NAME[sheet].headers
