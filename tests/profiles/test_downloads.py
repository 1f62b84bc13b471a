"""The public downloads: one profile as .xlsx or .csv, and every published profile."""

import csv
import io

import openpyxl
import pytest

from profiles.models import Document, Mechanism, MechanismLink

pytestmark = pytest.mark.django_db


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_profile_workbook_holds_that_profile_only(client, demo_data):
    response = client.get("/mechanisms/almaty-process/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        'attachment; filename="iscm-profile-almaty-process.xlsx"'
    )
    book = workbook(response)
    slugs = [row[0] for row in book["Mechanisms"].iter_rows(min_row=2, values_only=True)]
    assert slugs == ["almaty-process"]
    sections = list(book["Sections"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in sections] == [
        "evolution",
        "contribution",
        "structures",
        "partnerships",
        "added-value",
    ]
    members = {row[1] for row in book["Participants"].iter_rows(min_row=2, values_only=True)}
    assert {"KZ", "KG", "TJ"} <= members


def test_profile_csv_is_one_flat_sheet_field_value_table(client, demo_data):
    response = client.get("/mechanisms/almaty-process/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="iscm-profile-almaty-process.csv"'
    )
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["sheet", "record", "field", "value"]
    assert ["Mechanisms", "1", "slug", "almaty-process"] in rows
    assert ["Sections", "3", "topic", "structures"] in rows
    assert any(r[0] == "Participants" and r[2] == "country" and r[3] == "KZ" for r in rows)


def test_all_profiles_workbook_has_every_published_profile_and_no_draft(
    client, demo_data, make_mechanism, publish_profiles
):
    draft = make_mechanism(slug="secret", name="Secret Draft", is_published=False)
    Document.objects.create(mechanism=draft, title="Hidden plan")
    almaty = Mechanism.objects.get(slug="almaty-process")
    MechanismLink.objects.create(mechanism=almaty, other_mechanism=draft, kind="planned")
    publish_profiles(almaty)  # its snapshot names the draft in its links

    response = client.get("/data/iscm-profiles.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="iscm-profiles.xlsx"'
    book = workbook(response)
    slugs = [row[0] for row in book["Mechanisms"].iter_rows(min_row=2, values_only=True)]
    assert len(slugs) == 25 and "secret" not in slugs
    every_value = [
        str(value)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert not {"secret", "Secret Draft", "Hidden plan"} & set(every_value)
    # Organisations are listed once, however many profiles name them.
    acronyms = [row[0] for row in book["Organisations"].iter_rows(min_row=2, values_only=True)]
    assert "IOM" in acronyms and len(acronyms) == len(set(acronyms))
    # A single profile does not leak the draft through its links either.
    single = workbook(client.get("/mechanisms/almaty-process/export.xlsx"))
    others = [row[1] for row in single["Links"].iter_rows(min_row=2, values_only=True)]
    assert "secret" not in others


@pytest.mark.parametrize("suffix", ["export.xlsx", "export.csv"])
def test_unpublished_or_unknown_profiles_are_not_found(client, make_mechanism, suffix):
    make_mechanism(slug="draft", is_published=False)
    assert client.get(f"/mechanisms/draft/{suffix}").status_code == 404
    assert client.get(f"/mechanisms/nowhere/{suffix}").status_code == 404


def test_downloads_never_contain_a_live_formula(client, make_mechanism, publish_profiles):
    make_mechanism(
        slug="evil",
        summary='=HYPERLINK("http://x","y")',
        short_name="+1",
        secretariat="@SUM(A1)",
        aliases="-2",
    )
    publish_profiles()
    for url in ["/mechanisms/evil/export.xlsx", "/data/iscm-profiles.xlsx"]:
        book = workbook(client.get(url))
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f"
    text = client.get("/mechanisms/evil/export.csv").content.decode("utf-8-sig")
    values = [row[3] for row in csv.reader(io.StringIO(text))][1:]
    assert not [v for v in values if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert '\'=HYPERLINK("http://x","y")' in values


def test_profile_page_links_to_its_downloads(client, demo_data):
    body = client.get("/mechanisms/almaty-process/").content.decode()
    assert 'href="/mechanisms/almaty-process/export.xlsx"' in body
    assert 'href="/mechanisms/almaty-process/export.csv"' in body
    assert 'href="/data/iscm-profiles.xlsx"' in body


def test_download_queries_do_not_grow_with_the_data(
    client,
    make_mechanism,
    add_members,
    add_section,
    publish_profiles,
    no_page_cache,
    django_assert_max_num_queries,
):
    def count(url: str) -> int:
        client.get(url)
        with django_assert_max_num_queries(40) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    first = make_mechanism(slug="first")
    add_members(first, ["KZ"])
    publish_profiles()
    small = (count("/mechanisms/first/export.xlsx"), count("/data/iscm-profiles.xlsx"))
    for number in range(10):
        other = make_mechanism()
        add_members(other, ["KG", "TJ", "UZ"])
        add_section(other, "evolution", "Text.")
        MechanismLink.objects.create(mechanism=first, other_mechanism=other, kind="formal")
        Document.objects.create(mechanism=first, title=f"Plan {number}")
    add_members(first, ["KG", "TJ", "UZ", "TM"])
    publish_profiles()
    links = workbook(client.get("/mechanisms/first/export.xlsx"))["Links"]
    assert links.max_row == 11  # the data did grow in the download
    large = (count("/mechanisms/first/export.xlsx"), count("/data/iscm-profiles.xlsx"))
    assert large == small
