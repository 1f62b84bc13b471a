"""The admin's per-model import (django-import-export's pages) reads files exactly as the
workbook does, from the same sheet definitions, within limits that keep a request short."""

import io

import openpyxl
import pytest

from profiles.models import Mechanism, Participation
from profiles.resources import RESOURCES
from profiles.sheets import SHEETS_BY_NAME
from tests.profiles.test_admin_import import confirm_per_model, per_model_import
from workbook.resources import MAX_MODEL_IMPORT_ROWS

pytestmark = pytest.mark.django_db


def participants_csv(rows: int) -> bytes:
    lines = ["mechanism,country,organisation,role,since,until"]
    lines += [f"m,KZ,,member,{1900 + i % 200},{1900 + i % 200}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_large_participation_import_is_refused_with_a_pointer_to_the_workbook(
    admin_client, make_mechanism
):
    make_mechanism(slug="m")
    response = per_model_import(
        admin_client, "participation", participants_csv(10_000), "p.csv", "0"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"more than {MAX_MODEL_IMPORT_ROWS:,} rows" in page
    assert "Import workbook" in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Participation.objects.exists()


def test_a_large_xlsx_participation_import_is_refused_too(admin_client, make_mechanism):
    make_mechanism(slug="m")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["mechanism", "country", "organisation", "role", "since", "until"])
    for i in range(MAX_MODEL_IMPORT_ROWS + 1):
        sheet.append(["m", "KZ", None, "member", 1900 + i % 200, None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = per_model_import(admin_client, "participation", buffer.getvalue(), "p.xlsx", "1")
    assert response.status_code == 200
    assert f"more than {MAX_MODEL_IMPORT_ROWS:,} rows" in response.content.decode()
    assert not Participation.objects.exists()


def test_an_import_at_the_row_limit_is_accepted(admin_client, make_mechanism):
    make_mechanism(slug="m")
    response = per_model_import(
        admin_client, "participation", participants_csv(MAX_MODEL_IMPORT_ROWS), "p.csv", "0"
    )
    assert response.context["confirm_form"] is not None


def test_headers_are_read_in_any_case_as_in_the_workbook(admin_client):
    csv = "Slug,NAME,Short Name,kind\nbp,Budapest Process,BP,rcp\n"
    response = per_model_import(admin_client, "mechanism", csv.encode(), "m.csv", "0")
    confirm_per_model(admin_client, "mechanism", response)
    mechanism = Mechanism.objects.get(slug="bp")
    assert (mechanism.name, mechanism.short_name) == ("Budapest Process", "BP")


def test_the_published_column_is_accepted_but_not_listed_nor_imported(admin_client):
    page = admin_client.get("/admin/profiles/mechanism/import/").content.decode()
    assert "short_name" in page
    assert "published" not in page.split("This importer will import the following fields")[-1]
    csv = "slug,name,kind,published\nbp,Budapest Process,rcp,yes\n"
    response = per_model_import(admin_client, "mechanism", csv.encode(), "m.csv", "0")
    confirm_per_model(admin_client, "mechanism", response)
    assert Mechanism.objects.get(slug="bp").is_published is False


def test_per_model_columns_and_keys_come_from_the_sheets():
    for name, resource in RESOURCES.items():
        sheet = SHEETS_BY_NAME[name]
        assert resource().get_export_headers() == sheet.headers
        assert tuple(resource._meta.import_id_fields) == sheet.key
        attributes = {field.column_name: field.attribute for field in resource().fields.values()}
        assert attributes == {column.name: column.field_name for column in sheet.columns}


def test_a_renamed_column_imports_into_its_model_field(admin_client, make_mechanism):
    make_mechanism(slug="m")
    csv = "mechanism,country,organisation,role,since,until,Unconfirmed\nm,KG,,observer,,,yes\n"
    response = per_model_import(admin_client, "participation", csv.encode(), "p.csv", "0")
    confirm_per_model(admin_client, "participation", response)
    assert Participation.objects.get().uncertain is True
