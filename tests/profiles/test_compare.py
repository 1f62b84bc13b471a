"""/compare/: two to four published mechanisms side by side, and a helpful page otherwise."""

import csv
import io
from html.parser import HTMLParser

import openpyxl
import pytest

from profiles.models import Organisation, Participation

pytestmark = pytest.mark.django_db

ALMATY, BUDAPEST, PRAGUE, GFMD = "almaty-process", "budapest-process", "prague-process", "gfmd"


class Tables(HTMLParser):
    """The text of every table of a page: caption → rows → cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "table":
            self._rows, self._name = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []
        elif tag == "span" and "visually-hidden" in classes:
            self._hidden += 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            self._name = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None and not self._hidden:
            self._cell.append(data)


def facts(response) -> dict[str, list[str]]:
    """The key facts table: the first cell of each row → the other cells."""
    parser = Tables()
    parser.feed(response.content.decode())
    rows = parser.tables["Key facts"]
    return {"": rows[0][1:], **{row[0]: row[1:] for row in rows[1:]}}


def compare_url(*slugs: str, **extra: str) -> str:
    query = "&".join([*(f"m={s}" for s in slugs), *(f"{k}={v}" for k, v in extra.items())])
    return f"/compare/?{query}"


def test_two_mechanisms_side_by_side_fact_by_fact(client, demo_data):
    response = client.get(compare_url(ALMATY, BUDAPEST))
    assert response.status_code == 200
    table = facts(response)
    assert table[""][0].startswith("Almaty Process on Refugee Protection")
    assert table[""][1] == "Budapest Process"
    assert table["Kind"] == ["Regional consultative process", "Interregional forum"]
    assert table["Established"] == ["2013", "1993"]
    assert table["Status"] == ["Active", "Active"]
    assert table["Regions"][1] == "Asia and the Pacific, Europe"
    assert "ICMPD" in table["Secretariat / support unit"][1]
    assert table["Members"] == ["6", "52"]
    assert {"Kind", "Thematic areas", "Associated regional organisation", "Website"} <= set(table)


@pytest.mark.parametrize("slugs", [(ALMATY, BUDAPEST, PRAGUE), (ALMATY, BUDAPEST, PRAGUE, GFMD)])
def test_three_or_four_mechanisms_one_column_each_in_the_order_asked(client, demo_data, slugs):
    response = client.get(compare_url(*slugs))
    assert response.status_code == 200
    table = facts(response)
    assert len(table[""]) == len(slugs)
    assert [m.slug for m in response.context["comparison"].mechanisms] == list(slugs)


def test_membership_note_instead_of_a_count(client, demo_data):
    table = facts(client.get(compare_url(BUDAPEST, GFMD)))
    assert table["Members"][1].startswith("Open to all States Members")


def test_each_topic_side_by_side_with_not_covered_where_there_is_no_text(client, demo_data):
    html = client.get(compare_url(ALMATY, BUDAPEST)).content.decode()
    headings = [html.index(f'id="topic-{n}"') for n in range(1, 6)]
    assert headings == sorted(headings)  # topics in their order
    assert "1. Evolution of programming and thematic focus" in html
    # Almaty has text for every topic; Budapest for none: five "not covered" columns.
    assert html.count("Not covered in the 2019 assessment") == 5
    first_topic = html[headings[0] : headings[1]]
    assert "<p>" in first_topic and "Almaty Process" in first_topic  # the published HTML
    assert first_topic.index("Almaty Process") < first_topic.index("Not covered")


def test_section_html_is_the_published_snapshot_not_the_working_copy(
    client, make_mechanism, add_section, publish_profiles
):
    a = make_mechanism(slug="a")
    make_mechanism(slug="b")
    section = add_section(a, "evolution", "Published **text**.")
    publish_profiles()
    section.body, section.body_html = "Draft edit.", "<p>Draft edit.</p>"
    section.save()
    html = client.get(compare_url("a", "b")).content.decode()
    assert "Published <strong>text</strong>." in html
    assert "Draft edit" not in html


def test_members_shared_by_all_by_some_and_each_ones_own(
    client, make_mechanism, add_members, publish_profiles
):
    a, b, c = (make_mechanism(slug=s, short_name=s.upper()) for s in ("aa", "bb", "cc"))
    add_members(a, ["KZ", "KG", "TJ"])
    add_members(b, ["KZ", "KG", "UZ"])
    add_members(c, ["KZ", "TR"])
    add_members(c, ["TJ"], role=Participation.Role.OBSERVER)  # an observer is not a member
    publish_profiles()
    response = client.get(compare_url("aa", "bb", "cc"))
    comparison = response.context["comparison"]
    assert [m.name for m in comparison.shared] == ["Kazakhstan"]
    assert [(p.member.name, [m.slug for m in p.mechanisms]) for p in comparison.partly_shared] == [
        ("Kyrgyzstan", ["aa", "bb"])
    ]
    distinct = {m.slug: [x.name for x in members] for m, members in comparison.distinct}
    assert distinct == {"aa": ["Tajikistan"], "bb": ["Uzbekistan"], "cc": ["Türkiye"]}
    html = response.content.decode()
    assert '<a href="/countries/KAZ/">Kazakhstan</a>' in html
    assert "Only in AA" in html and '<a href="/countries/TJK/">Tajikistan</a>' in html


def test_organisation_members_are_named_not_coded(
    client, make_mechanism, add_members, publish_profiles
):
    a, b = make_mechanism(slug="a"), make_mechanism(slug="b")
    unodc = Organisation.objects.create(
        acronym="UNODC", name="United Nations Office on Drugs and Crime"
    )
    Participation.objects.create(mechanism=a, organisation=unodc, role="member")
    add_members(b, ["FR"])
    publish_profiles()
    html = client.get(compare_url("a", "b")).content.decode()
    assert "United Nations Office on Drugs and Crime (UNODC)" in html


def test_no_mechanism_offers_a_picker(client, demo_data):
    response = client.get("/compare/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pick at least two mechanisms" in html
    assert 'type="checkbox" name="m" value="budapest-process"' in html
    assert response.context["comparison"] is None


def test_one_mechanism_asks_for_another_with_it_ticked(client, demo_data):
    response = client.get(compare_url(ALMATY))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pick at least one more mechanism" in html
    assert 'value="almaty-process" id="pick-1" checked' in html


def test_nine_mechanisms_compares_the_first_four_and_names_the_rest(client, demo_data):
    slugs = [
        "almaty-process",
        "budapest-process",
        "prague-process",
        "gfmd",
        "rabat-process",
        "bali-process",
        "idm",
        "midsa",
        "midwa",
    ]
    response = client.get(compare_url(*slugs))
    assert response.status_code == 400
    html = response.content.decode()
    assert "At most 4 mechanisms can be compared side by side; you chose 9" in html
    assert "Migration Dialogue for Southern Africa (MIDSA)" in html  # named, left out
    assert [m.slug for m in response.context["comparison"].mechanisms] == slugs[:4]
    # Every one of the nine stays ticked, so the reader chooses which to drop.
    assert html.count(" checked>") == 9


def test_unknown_and_unpublished_slugs_are_named_and_ignored(
    client, demo_data, make_mechanism, publish_profiles
):
    make_mechanism(slug="secret-draft", name="Secret Draft", is_published=False)
    response = client.get(compare_url(ALMATY, "no-such-thing", "secret-draft", BUDAPEST))
    assert response.status_code == 400
    html = response.content.decode()
    assert "“no-such-thing”, “secret-draft”: they were left out" in html
    assert "Secret Draft" not in html
    assert [m.slug for m in response.context["comparison"].mechanisms] == [ALMATY, BUDAPEST]


def test_only_unknown_slugs_give_the_picker(client, demo_data):
    response = client.get(compare_url("nope", "nada"))
    assert response.status_code == 400
    assert "Pick at least two mechanisms" in response.content.decode()


def test_a_mechanism_named_twice_is_compared_once(client, demo_data):
    response = client.get(compare_url(ALMATY, ALMATY, BUDAPEST))
    assert response.status_code == 200
    assert len(facts(response)[""]) == 2
    assert "listed more than once and is compared once" in response.content.decode()


def test_twice_the_same_mechanism_alone_is_one_mechanism(client, demo_data):
    response = client.get(compare_url(ALMATY, ALMATY))
    assert response.status_code == 200
    assert response.context["comparison"] is None


@pytest.mark.parametrize(
    "value",
    [
        "<script>alert(1)</script>",
        "x" * 10_000,
        "'; DROP TABLE profiles_publishedprofile; --",
        "!!!",
        "Алматы",
        "阿拉木图",
        "%00",
    ],
)
def test_bad_values_give_a_normal_escaped_page(client, demo_data, value):
    response = client.get("/compare/", {"m": [ALMATY, value, BUDAPEST], "find": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert len(html) < 200_000  # a long value is quoted back shortened


def test_many_values_are_read_up_to_a_bound(client, demo_data):
    response = client.get("/compare/", {"m": [f"m{n}" for n in range(500)]})
    assert response.status_code == 400
    assert "480 more were ignored" in response.content.decode()


def test_picker_is_bounded_and_finds_by_name(client, make_mechanism, publish_profiles):
    for n in range(55):
        make_mechanism(name=f"Dialogue {n:02}")
    make_mechanism(name="Special Process", slug="special")
    publish_profiles()
    html = client.get("/compare/").content.decode()
    assert html.count('type="checkbox" name="m"') == 50
    assert "Showing the first 50 of 56 by name" in html
    found = client.get("/compare/?find=special&m=test-mechanism-1").content.decode()
    assert found.count('type="checkbox" name="m"') == 2  # the one ticked, the one found
    assert 'value="special"' in found
    assert '<input type="hidden" name="m" value="test-mechanism-1">' in found


def test_query_count_does_not_grow_with_mechanisms_compared(
    client,
    make_mechanism,
    add_members,
    add_section,
    publish_profiles,
    no_page_cache,
    django_assert_max_num_queries,
):
    slugs = []
    for n in range(4):
        mechanism = make_mechanism(slug=f"m{n}")
        add_members(mechanism, ["FR", "DE", "KZ"][: n + 1])
        add_section(mechanism, "evolution", f"Text {n}.")
        slugs.append(mechanism.slug)
    publish_profiles()

    def count(url: str) -> int:
        client.get(url)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    assert count(compare_url(*slugs[:2])) == count(compare_url(*slugs))
    picker = count("/compare/")
    for _ in range(30):
        make_mechanism()
    publish_profiles()
    assert count("/compare/") == picker


def test_csv_download_has_names_data_as_of_and_citation(client, demo_data):
    response = client.get(compare_url(ALMATY, BUDAPEST, download="csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["Mechanism", "Short name", "Kind"]
    assert header[-2:] == ["Data as of", "Citation"]
    budapest = dict(zip(header, rows[2], strict=True))
    assert budapest["Mechanism"] == "Budapest Process"
    assert budapest["Kind"] == "Interregional forum"  # the label, not "interregional"
    assert budapest["Regions"] == "Asia and the Pacific; Europe"
    assert budapest["Members"] == "52"
    assert budapest["Citation"].startswith("ISCM Profiles")
    assert budapest["Data as of"]
    assert "/mechanisms/budapest-process/" in budapest["Profile"]


def test_xlsx_download_has_names_and_an_about_sheet(client, demo_data):
    response = client.get(compare_url(BUDAPEST, GFMD, download="xlsx"))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    data = list(book["Data"].iter_rows(values_only=True))
    assert data[0][0] == "Mechanism"
    assert [row[0] for row in data[1:]] == [
        "Budapest Process",
        "Global Forum on Migration and Development",
    ]
    about = [row for row in book.worksheets[-1].iter_rows(values_only=True)]
    headings = {row[0] for row in about}
    assert {"Data as of", "Citation"} <= headings


def test_download_without_two_mechanisms_is_the_page(client, demo_data):
    response = client.get(compare_url(ALMATY, download="csv"))
    assert response["Content-Type"].startswith("text/html")


def test_a_cached_comparison_changes_when_a_mechanism_is_republished(
    client, make_mechanism, publish_profiles
):
    a = make_mechanism(slug="a", name="Old Name")
    make_mechanism(slug="b")
    publish_profiles()
    assert "Old Name" in client.get(compare_url("a", "b")).content.decode()
    a.name = "New Name"
    a.save()
    assert "Old Name" in client.get(compare_url("a", "b")).content.decode()  # not published
    publish_profiles(a)
    assert "New Name" in client.get(compare_url("a", "b")).content.decode()
