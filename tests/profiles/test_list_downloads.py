"""/mechanisms/?download=xlsx|csv: every matching row (not one page), with names and labels."""

import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

COLUMNS = [
    "Name",
    "Short name",
    "Kind",
    "Status",
    "Established",
    "Regions",
    "Thematic areas",
    "Members (count)",
    "Profile",
]


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_holds_every_result_with_labels_not_codes(client, demo_data):
    rows = csv_rows(client.get("/mechanisms/", {"download": "csv"}))
    assert len(rows) == 25  # more than the page's 20
    assert list(rows[0])[: len(COLUMNS)] == COLUMNS
    almaty = next(r for r in rows if r["Short name"] == "Almaty Process")
    assert almaty["Kind"] == "Regional consultative process"
    assert almaty["Status"] == "Active"
    assert almaty["Established"] == "2013"
    assert almaty["Regions"] == "Asia and the Pacific; Europe"
    assert "Asylum and refugee protection" in almaty["Thematic areas"]
    assert almaty["Members (count)"] == "6"
    assert almaty["Profile"] == "http://testserver/mechanisms/almaty-process/"
    assert almaty["Data as of"]
    assert "ISCM Profiles" in almaty["Citation"]


def test_download_holds_exactly_the_filtered_results_in_their_order(client, demo_data):
    params = {"q": "Morocco", "sort": "name"}
    shown = [
        r.mechanism.name for r in client.get("/mechanisms/", params).context["results"].results
    ]
    rows = csv_rows(client.get("/mechanisms/", {**params, "download": "csv", "page": "2"}))
    assert [r["Name"] for r in rows] == shown
    assert "Search: “Morocco”" in rows[0]["Citation"]


def test_xlsx_download_opens_with_the_results(client, demo_data):
    response = client.get("/mechanisms/", {"kind": "global", "download": "xlsx"})
    assert response.status_code == 200
    assert 'filename="iscm-mechanisms.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["Data"]
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(values) if row and row[0] == "Name")
    names = {row[0] for row in values[header + 1 :] if row and row[0]}
    assert names == {
        "Global Forum on Migration and Development",
        "International Dialogue on Migration",
    }


def test_list_page_links_to_its_downloads(client, demo_data):
    body = client.get("/mechanisms/", {"kind": "global", "page": "1"}).content.decode()
    assert 'href="/mechanisms/?kind=global&amp;download=xlsx"' in body
    assert 'href="/mechanisms/?kind=global&amp;download=csv"' in body


def test_an_empty_result_downloads_an_empty_table(client, demo_data):
    rows = csv_rows(client.get("/mechanisms/", {"q": "zzyzx", "download": "csv"}))
    assert rows == []
