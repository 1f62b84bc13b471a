"""Country pages: every participating country (/countries/), one country's mechanisms
(/countries/<iso3>/), their downloads and the country × mechanism membership table."""

import csv
import html
import io
import re

import openpyxl
import pytest

from profiles.models import Participation

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def listed_names(response) -> list[str]:
    """The countries in the page's table, as a reader sees them (cached pages too)."""
    rows = re.findall(
        r'<th scope="row"><a href="/countries/[A-Z]{3}/">([^<]*)</a>', text_of(response)
    )
    return [html.unescape(name) for name in rows]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def workbook(response) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(response.content))


def about(book: openpyxl.Workbook) -> str:
    return " ".join(
        str(cell) for row in book["About"].iter_rows(values_only=True) for cell in row if cell
    )


# Done when: /countries/KAZ/ lists the Almaty Process.
def test_kazakhstan_page_lists_the_almaty_process_with_its_role(client, demo_data):
    response = client.get("/countries/KAZ/")
    assert response.status_code == 200
    body = text_of(response)
    assert "<h1>Kazakhstan" in body and "KAZ" in body
    assert 'href="/mechanisms/almaty-process/"' in body
    page = response.context["page"]
    almaty = next(m for m in page.mechanisms if m.slug == "almaty-process")
    assert almaty.roles_label == "Member"
    assert 'href="/mechanisms/?country=KAZ"' in body


def test_country_page_groups_mechanisms_by_kind_in_kind_order(client, demo_data):
    page = client.get("/countries/KAZ/").context["page"]
    assert [group.kind for group in page.groups] == ["rcp", "interregional"]
    body = text_of(client.get("/countries/KAZ/"))
    assert body.index("Regional consultative processes") < body.index("Interregional forums")


def test_country_page_is_bounded_and_links_to_the_rest(
    client, make_mechanism, add_members, publish_profiles, monkeypatch
):
    from profiles.selectors import countries as selected

    monkeypatch.setattr(selected, "SHOWN_PER_KIND", 2)
    for number in range(3):
        add_members(make_mechanism(name=f"Dialogue {number}", kind="rcp"), ["KZ"])
    publish_profiles()
    response = client.get("/countries/KAZ/")
    body = text_of(response)
    assert "Dialogue 1" in body and "Dialogue 2" not in body
    assert "And 1 more" in body and 'href="/mechanisms/?country=KAZ&amp;kind=rcp"' in body
    rows = csv_rows(client.get("/countries/KAZ/?download=csv"))
    assert len(rows) == 1 + 3  # the download holds them all


def test_country_page_shows_roles_with_years_and_unconfirmed_flags(
    client, make_mechanism, add_members, publish_profiles
):
    mechanism = make_mechanism(name="Dated Dialogue")
    Participation.objects.create(
        mechanism=mechanism, country="KZ", role="member", since=2009, until=2015
    )
    Participation.objects.create(
        mechanism=mechanism, country="KZ", role="observer", since=2016, uncertain=True
    )
    publish_profiles()
    response = client.get("/countries/KAZ/")
    mechanism_row = response.context["page"].mechanisms[0]
    assert mechanism_row.roles_label == "Member 2009–2015; Observer since 2016 (unconfirmed)"
    body = text_of(response)
    assert "Member 2009–2015" in body and "Observer since 2016" in body
    assert 'class="unconfirmed"' in body


def test_country_page_lists_the_published_surveys_it_answered(
    client, make_mechanism, add_members, publish_profiles, no_page_cache
):
    from django.utils import timezone

    from surveys.models import Group, Questionnaire, Respondent, Survey

    add_members(make_mechanism(), ["KZ"])
    publish_profiles()
    survey = Survey.objects.create(
        slug="assessment",
        title="Test assessment",
        year=2019,
        is_published=True,
        published_at=timezone.now(),
    )
    Questionnaire.objects.create(survey=survey, group=Group.STATES, title="For States")
    Respondent.objects.create(survey=survey, code="KZ", group=Group.STATES, country="KZ")
    body = text_of(client.get("/countries/KAZ/"))
    assert "Surveys answered" in body and "Test assessment" in body and "For States" in body
    Survey.objects.update(is_published=False)
    assert "Test assessment" not in text_of(client.get("/countries/KAZ/"))


def test_lowercase_code_redirects_to_the_uppercase_address(client, demo_data):
    response = client.get("/countries/kaz/?download=csv")
    assert response.status_code == 301
    assert response["Location"] == "/countries/KAZ/?download=csv"


@pytest.mark.parametrize("code", ["XYZ", "KZ", "KAZA", "k4z", "%3Cscript%3E", "..."])
def test_unknown_or_alpha2_codes_are_not_found_in_site_style(client, demo_data, code):
    response = client.get(f"/countries/{code}/")
    assert response.status_code == 404
    body = text_of(response)
    assert "Page not found" in body and "ISCM Profiles" in body
    assert "<script>" not in body


def test_alpha2_code_gets_told_the_alpha3_form(client, demo_data):
    body = text_of(client.get("/countries/KZ/"))
    assert "KAZ" in body  # the 404 page carries the view's explanation


def test_unknown_address_404_names_no_exception_class(client, demo_data):
    body = text_of(client.get("/no-such-page/"))
    assert "Resolver404" not in body and "Http404" not in body


def test_country_taking_part_in_nothing_published_is_not_found_but_says_so(client, demo_data):
    response = client.get("/countries/ATA/")
    assert response.status_code == 404
    body = text_of(response)
    assert "Antarctica takes part in none of the 25 published mechanisms" in body
    assert 'href="/countries/"' in body


def test_country_list_has_morocco_with_its_count_linking_to_its_page(client, demo_data):
    response = client.get("/countries/")
    assert response.status_code == 200
    morocco = next(c for c in response.context["countries"] if c.name == "Morocco")
    assert (morocco.member, morocco.observer, morocco.total) == (4, 0, 4)
    assert 'href="/countries/MAR/">Morocco</a>' in text_of(response)


def test_country_list_is_alphabetical_ignoring_accents(
    client, make_mechanism, add_members, publish_profiles
):
    add_members(make_mechanism(), ["ZA", "CI", "CL", "CA", "AX"])
    publish_profiles()
    names = listed_names(client.get("/countries/"))
    assert names == ["Åland Islands", "Canada", "Chile", "Côte d'Ivoire", "South Africa"]


def test_country_list_counts_members_observers_and_any_role(
    client, make_mechanism, add_members, publish_profiles
):
    add_members(make_mechanism(), ["KZ"])
    add_members(make_mechanism(), ["KZ"], role="observer")
    third = make_mechanism()
    add_members(third, ["KZ"], role="chair")
    add_members(third, ["KZ"])
    publish_profiles()
    (kazakhstan,) = client.get("/countries/").context["countries"]
    assert (kazakhstan.member, kazakhstan.observer, kazakhstan.total) == (2, 1, 3)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("Turkey", "Türkiye"),
        ("turkiye", "Türkiye"),
        ("ivory", "Côte d'Ivoire"),
        ("cote d ivoire", "Côte d'Ivoire"),
        ("KAZ", "Kazakhstan"),
        ("kz", "Kazakhstan"),
        ("kazakh", "Kazakhstan"),
    ],
)
def test_search_finds_countries_by_other_names_accents_and_codes(client, demo_data, q, expected):
    response = client.get("/countries/", {"q": q})
    assert response.status_code == 200
    assert expected in listed_names(response)


def test_search_lists_only_countries_that_match(client, demo_data):
    assert listed_names(client.get("/countries/", {"q": "Morocco"})) == ["Morocco"]


@pytest.mark.parametrize(
    "q",
    [
        "x" * 10_000,
        "<script>alert(1)</script>",
        "المغرب",
        "Казахстан",
        "' OR 1=1 --",
        "!!!",
        "   ",
    ],
)
def test_odd_searches_give_a_normal_escaped_page(client, demo_data, q):
    response = client.get("/countries/", {"q": q})
    assert response.status_code == 200
    body = text_of(response)
    assert "<script>alert" not in body
    if q == "<script>alert(1)</script>":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    if len(q) > 100:
        assert "too long" in body
        assert "Morocco" in listed_names(response)  # the search was ignored, not failed


def test_unpublished_mechanism_members_do_not_appear(
    client, demo_data, make_mechanism, add_members, publish_profiles
):
    draft = make_mechanism(name="Secret Draft Dialogue", is_published=False)
    add_members(draft, ["GL", "KZ"])  # Greenland takes part in no published mechanism
    published = make_mechanism(name="Edited Dialogue")
    publish_profiles(published)
    add_members(published, ["FO"])  # an edit not yet published: the Faroe Islands
    assert "Greenland" not in listed_names(client.get("/countries/"))
    assert "Faroe Islands" not in listed_names(client.get("/countries/"))
    assert client.get("/countries/GRL/").status_code == 404
    assert client.get("/countries/FRO/").status_code == 404
    kazakhstan = text_of(client.get("/countries/KAZ/"))
    assert "Secret Draft Dialogue" not in kazakhstan
    memberships = text_of(client.get("/countries/memberships.csv"))
    assert "Secret Draft Dialogue" not in memberships and "Greenland" not in memberships


def test_country_list_download_has_names_counts_date_and_citation(client, demo_data):
    response = client.get("/countries/", {"q": "Morocco", "download": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="iscm-countries.csv"'
    header, *rows = csv_rows(response)
    assert header[:5] == ["Country", "ISO code", "Member of", "Observer in", "Mechanisms"]
    assert header[-2:] == ["Data as of", "Citation"]
    assert [row[:5] for row in rows] == [["Morocco", "MAR", "4", "0", "4"]]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", rows[0][-2])
    assert "ISCM Profiles" in rows[0][-1] and "/countries/?q=Morocco" in rows[0][-1]


def test_country_page_download_has_kind_and_role_labels_not_codes(client, demo_data):
    response = client.get("/countries/KAZ/", {"download": "xlsx"})
    assert response.status_code == 200
    book = workbook(response)
    header, *rows = list(book["Data"].iter_rows(values_only=True))
    assert "Kind" in header and "Role" in header
    kinds = {row[header.index("Kind")] for row in rows}
    assert kinds == {"Regional consultative process", "Interregional forum"}
    assert {row[header.index("Role")] for row in rows} == {"Member"}
    assert "Almaty Process on Refugee Protection and International Migration" in {
        row[header.index("Mechanism")] for row in rows
    }
    text = about(book)
    assert "Data as of" in text and "Citation" in text and "Kazakhstan (KAZ)" in text
    csv_text = text_of(client.get("/countries/KAZ/", {"download": "csv"}))
    assert ",rcp," not in csv_text and ",member," not in csv_text


def test_country_pages_link_to_their_downloads(client, demo_data):
    assert "/countries/KAZ/?download=xlsx" in text_of(client.get("/countries/KAZ/"))
    listing = text_of(client.get("/countries/", {"q": "kaz"}))
    assert "/countries/?q=kaz&amp;download=csv" in listing
    assert 'href="/countries/memberships.xlsx"' in listing


def test_membership_table_has_a_row_per_country_and_a_column_per_mechanism(client, demo_data):
    countries = listed_names(client.get("/countries/"))
    response = client.get("/countries/memberships.csv")
    assert response.status_code == 200
    header, *rows = csv_rows(response)
    assert header[:3] == ["Country", "ISO code", "Mechanisms"]
    assert header[-2:] == ["Data as of", "Citation"]
    mechanisms = header[3:-2]
    assert len(mechanisms) == 25 and "Almaty Process" in mechanisms
    assert [row[0] for row in rows] == countries
    kazakhstan = dict(zip(header, next(row for row in rows if row[1] == "KAZ"), strict=True))
    assert kazakhstan["Almaty Process"] == "Member"
    assert kazakhstan["Mechanisms"] == "3"
    assert kazakhstan["Rabat Process"] == ""


def test_membership_table_xlsx_has_the_same_table_with_date_and_citation(client, demo_data):
    response = client.get("/countries/memberships.xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="iscm-country-memberships.xlsx"'
    )
    book = workbook(response)
    header, *rows = list(book["Data"].iter_rows(values_only=True))
    assert header[:3] == ("Country", "ISO code", "Mechanisms")
    assert len(rows) == len(listed_names(client.get("/countries/")))
    assert "Data as of" in about(book) and "Citation" in about(book)


def test_membership_table_only_as_xlsx_or_csv(client, demo_data):
    assert client.get("/countries/memberships.pdf").status_code == 404
    assert client.get("/countries/memberships.XLSX").status_code == 404


def count_queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)  # warm caches (sessions, content types) so only the page counts
    with django_assert_max_num_queries(20) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/countries/",
        "/countries/?q=kaz",
        "/countries/?download=csv",
        "/countries/KAZ/",
        "/countries/KAZ/?download=xlsx",
        "/countries/memberships.csv",
    ],
)
def test_country_pages_queries_constant_in_mechanisms_and_countries(
    client,
    url,
    make_mechanism,
    add_members,
    publish_profiles,
    no_page_cache,
    django_assert_max_num_queries,
):
    add_members(make_mechanism(), ["KZ"])
    publish_profiles()
    small = count_queries(client, url, django_assert_max_num_queries)
    for number in range(30):
        mechanism = make_mechanism(kind=["rcp", "interregional", "global"][number % 3])
        add_members(mechanism, ["KZ", "KG", "TJ", "MA", "TR"])
        add_members(mechanism, ["IR", "CI"], role="observer")
        Participation.objects.create(mechanism=mechanism, country="KZ", role="chair", since=2010)
    publish_profiles()
    large = count_queries(client, url, django_assert_max_num_queries)
    assert large == small
    if url == "/countries/KAZ/":  # the data did grow on the page
        assert len(client.get(url).context["page"].mechanisms) == 31
