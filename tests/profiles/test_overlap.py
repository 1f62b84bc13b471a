"""/overlap/: member States shared between published mechanisms, and a page per pair."""

import csv
import io
import re

import openpyxl
import pytest

from profiles.models import Mechanism, Organisation, Participation, PublishedParticipant, Region

from .test_compare import Tables

pytestmark = pytest.mark.django_db

MATRIX = "Member States shared by each pair of mechanisms"


def tables(response) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(response.content.decode())
    return parser.tables


def matrix(response) -> dict[str, dict[str, str]]:
    """Row label → column label → cell text."""
    (rows,) = [rows for caption, rows in tables(response).items() if caption.startswith(MATRIX)]
    columns = rows[0][1:]
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in rows[1:]}


def pairs(response) -> list[tuple[str, str]]:
    (rows,) = [rows for caption, rows in tables(response).items() if "sharing most" in caption]
    return [(row[1], row[2]) for row in rows[1:]]


@pytest.fixture
def small_set(make_mechanism, add_members, publish_profiles):
    """Three published mechanisms and a draft, members chosen by hand.

    AAA {FR, DE, IT}, BBB {FR, DE, ES} (+ IT observing, + an organisation), CCC {FR};
    the draft DDD {FR, DE, IT, ES} is never published.
    """
    a = make_mechanism(slug="aaa", name="Alpha Dialogue", short_name="AAA")
    b = make_mechanism(slug="bbb", name="Beta Process", short_name="BBB")
    c = make_mechanism(slug="ccc", name="Gamma Forum", short_name="CCC", kind="global")
    d = make_mechanism(slug="ddd", name="Delta Draft", short_name="DDD", is_published=False)
    add_members(a, ["FR", "DE", "IT"])
    add_members(b, ["FR", "DE", "ES"])
    add_members(b, ["IT"], role=Participation.Role.OBSERVER)
    iom = Organisation.objects.create(acronym="IOM", name="International Organization")
    Participation.objects.create(mechanism=b, organisation=iom, role="member")
    add_members(c, ["FR"])
    add_members(d, ["FR", "DE", "IT", "ES"])
    a.regions.add(Region.objects.get(slug="europe"))
    c.regions.add(Region.objects.get(slug="global"))
    publish_profiles()
    return a, b, c, d


def test_budapest_and_prague_share_the_most_members(client, demo_data):
    response = client.get("/overlap/")
    assert response.status_code == 200
    first = pairs(response)[0]
    assert first[0] == "Budapest Process and Prague Process"
    members = {
        slug: set(
            PublishedParticipant.objects.filter(profile__slug=slug, role="member")
            .exclude(country="")
            .values_list("country", flat=True)
        )
        for slug in ("budapest-process", "prague-process")
    }
    shared = len(members["budapest-process"] & members["prague-process"])
    assert first[1].startswith(f"{shared} ")
    assert matrix(response)["Budapest Process"]["Prague Process"] == str(shared)


def test_counts_on_a_small_set_only_member_states_of_published_profiles(client, small_set):
    cells = matrix(client.get("/overlap/"))
    assert set(cells) == {"AAA", "BBB", "CCC"}  # the draft is not there
    assert cells["AAA"]["BBB"] == cells["BBB"]["AAA"] == "2"  # FR, DE; IT only observes B
    assert cells["AAA"]["CCC"] == "1"
    assert cells["BBB"]["CCC"] == "1"
    # On the diagonal, each mechanism's member States (the organisation is not one).
    assert cells["AAA"]["AAA"] == "3" and cells["BBB"]["BBB"] == "3"


def test_a_published_mechanism_counts_as_published_not_as_edited(client, small_set, add_members):
    _a, _b, c, _d = small_set
    add_members(c, ["DE", "IT"])  # in the working copy only
    cells = matrix(client.get("/overlap/"))
    assert cells["AAA"]["CCC"] == "1"


def test_a_member_with_two_periods_counts_once(
    client, make_mechanism, add_members, publish_profiles
):
    a, b = make_mechanism(short_name="A"), make_mechanism(short_name="B")
    Participation.objects.create(mechanism=a, country="FR", role="member", since=1990, until=2000)
    Participation.objects.create(mechanism=a, country="FR", role="member", since=2010)
    add_members(b, ["FR"])
    publish_profiles()
    cells = matrix(client.get("/overlap/"))
    assert cells["A"]["B"] == "1" and cells["A"]["A"] == "1"


def test_pairs_list_most_shared_first(client, small_set):
    assert pairs(client.get("/overlap/")) == [
        ("AAA and BBB", "2 (of 3 and 3)"),
        ("AAA and CCC", "1 (of 3 and 1)"),
        ("BBB and CCC", "1 (of 3 and 1)"),
    ]


def test_filter_by_kind_and_region(client, small_set):
    cells = matrix(client.get("/overlap/?kind=rcp"))
    assert set(cells) == {"AAA", "BBB"}
    response = client.get("/overlap/?region=europe&region=global")
    assert set(matrix(response)) == {"AAA", "CCC"}
    assert 'value="europe" id="region-europe" checked' in response.content.decode()


def test_unknown_filter_values_are_ignored_with_a_notice(client, small_set):
    response = client.get("/overlap/?kind=rcp&kind=bogus&region=atlantis&sort=sideways")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not recognised, and ignored: “bogus”, “atlantis”, “sideways”" in html
    assert set(matrix(response)) == {"AAA", "BBB"}


def test_a_filter_that_leaves_one_mechanism_says_so(client, small_set):
    html = client.get("/overlap/?kind=global").content.decode()
    assert "Only one published mechanism matches these filters" in html
    assert '<a href="/overlap/">Show every mechanism</a>' in html


@pytest.mark.parametrize(
    "sort, order",
    [("members", ["AAA", "BBB", "CCC"]), ("name", ["AAA", "BBB", "CCC"]), ("overlap", None)],
)
def test_sort_reorders_rows_and_columns(client, small_set, add_members, sort, order):
    response = client.get(f"/overlap/?sort={sort}")
    cells = matrix(response)
    rows = list(cells)
    assert list(cells[rows[0]]) == rows  # columns in the rows' order
    if order:
        assert rows == order
    else:  # most shared with the others first: AAA and BBB (3 each), then CCC (2)
        assert rows[-1] == "CCC"


def test_sort_by_name_differs_from_members(client, make_mechanism, add_members, publish_profiles):
    small = make_mechanism(slug="a-small", short_name="A small")
    big = make_mechanism(slug="z-big", short_name="Z big")
    add_members(small, ["FR"])
    add_members(big, ["FR", "DE"])
    publish_profiles()
    assert list(matrix(client.get("/overlap/"))) == ["Z big", "A small"]
    assert list(matrix(client.get("/overlap/?sort=name"))) == ["A small", "Z big"]
    html = client.get("/overlap/?sort=name").content.decode()
    assert '<strong aria-current="true">name</strong>' in html
    assert '<a href="/overlap/?sort=members">most members</a>' in html


def test_matrix_is_an_accessible_table_shaded_by_class(client, small_set):
    html = client.get("/overlap/").content.decode()
    assert re.search(r"<caption id=\"matrix-caption\">Member States shared", html)
    assert '<th scope="col" class="overlap-matrix__col">' in html
    assert '<span class="visually-hidden"> (Alpha Dialogue)</span>' in html  # full names
    assert '<th scope="row"><a href="/mechanisms/aaa/">AAA</a>' in html
    assert 'style="' not in html  # the CSP forbids inline styles
    # The most shared cell is the darkest and links to the pair's page.
    assert '<td class="shade-5"><a href="/overlap/aaa/bbb/">2' in html
    assert '<td class="shade-3"><a href="/overlap/aaa/ccc/">1' in html


def test_matrix_is_bounded_and_says_so(client, make_mechanism, add_members, publish_profiles):
    for n in range(33):
        add_members(make_mechanism(), ["FR", "DE", "IT", "ES"][: 1 + n % 4])
    publish_profiles()
    response = client.get("/overlap/")
    assert len(matrix(response)) == 30
    assert "The matrix shows the 30 mechanisms with most member States of the 33" in (
        response.content.decode()
    )
    assert len(pairs(response)) == 25


def test_overlap_queries_do_not_grow_with_mechanisms(
    client,
    make_mechanism,
    add_members,
    publish_profiles,
    no_page_cache,
    django_assert_max_num_queries,
):
    europe = Region.objects.get(slug="europe")
    for _ in range(3):
        mechanism = make_mechanism()
        mechanism.regions.add(europe)
        add_members(mechanism, ["FR", "DE"])
    publish_profiles()

    def count(url: str) -> int:
        client.get(url)
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    small = count("/overlap/?region=europe&kind=rcp")
    small_pair = count("/overlap/test-mechanism-1/test-mechanism-2/")
    for _ in range(40):
        mechanism = make_mechanism()
        mechanism.regions.add(europe)
        add_members(mechanism, ["FR", "DE", "IT", "KZ"])
    publish_profiles()
    assert count("/overlap/?region=europe&kind=rcp") == small
    assert count("/overlap/") == small
    add_members(Mechanism.objects.get(slug="test-mechanism-1"), ["IT", "ES", "PT", "NL"])
    publish_profiles()
    assert count("/overlap/test-mechanism-1/test-mechanism-2/") == small_pair


def test_pair_page_names_shared_states_and_each_ones_own(client, small_set):
    response = client.get("/overlap/aaa/bbb/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Alpha Dialogue and Beta Process</h1>" in html
    assert "2 member States in common" in html
    shared = html[html.index('id="shared-heading"') : html.index('id="only-first-heading"')]
    assert '<a href="/countries/FRA/">France</a>' in shared
    assert '<a href="/countries/DEU/">Germany</a>' in shared
    assert "Italy" not in shared
    assert 'Only in AAA <span class="count">(1)</span>' in html
    assert '<a href="/countries/ESP/">Spain</a>' in html
    assert '<a href="/compare/?m=aaa&amp;m=bbb">' in html


def test_pair_in_reverse_order_redirects_to_the_canonical_address(client, small_set):
    response = client.get("/overlap/bbb/aaa/?download=csv")
    assert response.status_code == 301
    assert response["Location"] == "/overlap/aaa/bbb/?download=csv"


@pytest.mark.parametrize(
    "url", ["/overlap/aaa/zzz/", "/overlap/aaa/ddd/", "/overlap/aaa/aaa/", "/overlap/x/y/"]
)
def test_pair_of_unknown_draft_or_the_same_mechanism_is_not_found(client, small_set, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Delta Draft" not in response.content.decode()


def test_matrix_csv_has_names_data_as_of_and_citation(client, small_set):
    response = client.get("/overlap/?download=csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="iscm-overlap.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Mechanism",
        "Member States",
        "Alpha Dialogue",
        "Beta Process",
        "Gamma Forum",
        "Data as of",
        "Citation",
    ]
    alpha = dict(zip(rows[0], rows[1], strict=True))
    assert alpha["Mechanism"] == "Alpha Dialogue"
    assert (alpha["Member States"], alpha["Beta Process"], alpha["Gamma Forum"]) == ("3", "2", "1")
    assert alpha["Data as of"] and alpha["Citation"].startswith("ISCM Profiles")


def test_filtered_matrix_download_is_what_is_shown(client, small_set):
    response = client.get("/overlap/?kind=rcp&download=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    data = list(book["Data"].iter_rows(values_only=True))
    assert data[0] == ("Mechanism", "Member States", "Alpha Dialogue", "Beta Process")
    about = {row[0] for row in book.worksheets[-1].iter_rows(values_only=True)}
    assert {"Data as of", "Citation"} <= about


def test_pair_csv_names_the_shared_states(client, small_set):
    response = client.get("/overlap/aaa/bbb/?download=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Country", "ISO 3166 alpha-3"]
    assert [row[0] for row in rows[1:]] == ["France", "Germany"]
    assert "Alpha Dialogue and Beta Process" in rows[1][-1]  # the citation's title


def test_a_cached_matrix_changes_when_members_are_published(
    client, small_set, add_members, publish_profiles
):
    _a, _b, c, _d = small_set
    assert matrix(client.get("/overlap/"))["AAA"]["CCC"] == "1"
    add_members(c, ["DE", "IT"])
    publish_profiles(c)
    assert matrix(client.get("/overlap/"))["AAA"]["CCC"] == "3"
