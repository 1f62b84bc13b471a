"""Facets of /mechanisms/: combinable filters with counts, chips, sort, views, pages, compare."""

import re
from html import unescape

import pytest

from profiles.models import Participation, PublishedParticipant, Region

pytestmark = pytest.mark.django_db


def listing(client, **params):
    response = client.get("/mechanisms/", params)
    assert response.status_code == 200
    return response


def slugs(response) -> list[str]:
    return [r.mechanism.slug for r in response.context["results"].results]


def counts(response, facet: str) -> dict[str, int]:
    found = next(f for f in response.context["facets"] if f.name == facet)
    return {v.value: v.count for v in found.values}


def text_of(response) -> str:
    return unescape(response.content.decode())


def test_default_list_shows_each_mechanism_once_by_name(client, demo_data):
    response = listing(client)
    names = [r.mechanism.name for r in response.context["results"].results]
    assert len(names) == 20 == len(set(names))  # one page
    assert names == sorted(names)
    assert response.context["results"].total == 25
    assert "All 25 mechanisms" in text_of(response)


def test_kind_counts_are_beside_each_value(client, demo_data):
    response = listing(client)
    kinds = counts(response, "kind")
    assert kinds["global"] == 2
    assert sum(kinds.values()) == 25
    assert re.search(r"Global process\s*<span class=\"count\">\(2\)</span>", text_of(response))


def test_values_of_one_facet_are_alternatives_and_keep_their_counts(client, demo_data):
    response = listing(client, kind=["global", "interregional"])
    kinds = counts(response, "kind")
    assert response.context["results"].total == kinds["global"] + kinds["interregional"]
    # The kind facet's counts ignore the kind chosen: ticking another says what it adds.
    assert kinds == counts(listing(client), "kind")


def test_facets_combine_and_counts_follow_the_other_facets(client, demo_data):
    africa = listing(client, region="africa")
    both = listing(client, region="africa", kind="rcp")
    assert set(slugs(both)) < set(slugs(africa))
    assert counts(africa, "kind")["rcp"] == both.context["results"].total
    assert counts(both, "region")["africa"] == both.context["results"].total


def test_a_mechanism_in_several_chosen_regions_is_listed_once(client, demo_data):
    response = listing(client, region=["africa", "middle-east"], view="table")
    found = slugs(response)
    assert "arcp" in found and len(found) == len(set(found))
    assert response.context["results"].total == len(found)


def test_several_countries_mean_all_of_them_take_part(client, demo_data):
    def with_(code):
        return set(
            PublishedParticipant.objects.filter(country=code).values_list(
                "profile__slug", flat=True
            )
        )

    response = listing(client, country=["MAR", "ESP"])
    assert set(slugs(response)) == with_("MA") & with_("ES")
    assert {"rabat-process", "5-plus-5-dialogue"} <= set(slugs(response))
    assert "all of these countries take part" in text_of(response)


def test_countries_by_name_or_alpha2_code(client, demo_data):
    by_code = slugs(listing(client, country="KAZ"))
    assert "almaty-process" in by_code
    assert slugs(listing(client, country="Kazakhstan")) == by_code
    assert slugs(listing(client, country="kz")) == by_code
    assert "Country: Kazakhstan" in text_of(listing(client, country="kazakhstan"))


def test_role_says_how_the_chosen_countries_take_part(
    client, make_mechanism, add_members, publish_profiles
):
    member, observer = make_mechanism(slug="as-member"), make_mechanism(slug="as-observer")
    add_members(member, ["NO"])
    add_members(observer, ["NO"], role=Participation.Role.OBSERVER)
    publish_profiles()
    assert set(slugs(listing(client, country="NOR"))) == {"as-member", "as-observer"}
    assert slugs(listing(client, country="NOR", role="member")) == ["as-member"]
    assert slugs(listing(client, country="NOR", role="observer")) == ["as-observer"]


def test_country_facet_is_bounded_and_keeps_the_chosen_countries(client, demo_data):
    response = listing(client, country="MAR")
    countries = next(f for f in response.context["facets"] if f.name == "country").values
    assert countries[0].value == "MAR" and countries[0].selected
    assert countries[0].count == response.context["results"].total
    assert len(countries) <= 13
    assert 'list="list-country-names"' in response.content.decode()


def test_year_range_and_year_sorts(client, demo_data):
    response = listing(client, year_min="2000", year_max="2005", sort="-year")
    years = [r.mechanism.established for r in response.context["results"].results]
    assert years and all(2000 <= y <= 2005 for y in years)
    assert years == sorted(years, reverse=True)


def test_unknown_values_are_dropped_with_a_notice(client, demo_data):
    response = listing(
        client, kind=["<script>", "global"], region="atlantis", country="Atlantis", year_min="x"
    )
    assert response.context["results"].total == 2  # the valid kind still applies
    body = text_of(response)
    assert "Ignored the unknown kind “<script>”" in body
    assert "Ignored “Atlantis”" in body and "Ignored the year “x”" in body
    assert "<script>" not in response.content.decode()


def test_chips_link_to_the_list_without_each_value(client, demo_data):
    response = listing(client, kind=["global", "rcp"], q="migration")
    chips = {c.label: c.remove_url for c in response.context["chips"]}
    assert chips["Kind: Global process"] == "?q=migration&kind=rcp"
    assert chips["Search: “migration”"] == "?kind=global&kind=rcp"
    assert 'href="?q=migration&amp;kind=rcp"' in response.content.decode()


def test_an_empty_page_says_which_filter_emptied_it(client, demo_data):
    response = listing(client, kind="global", country="MAR")
    assert response.context["results"].total == 0
    causes = {c.label: (c.count, c.remove_url) for c in response.context["causes"]}
    assert causes["Country: Morocco"] == (2, "?kind=global")
    morocco = len(slugs(listing(client, country="MAR")))
    assert causes["Kind: Global process"] == (morocco, "?country=MAR")
    assert "Remove Kind: Global process" in text_of(response)


def test_table_view_is_an_accessible_table(client, demo_data):
    body = listing(client, view="table").content.decode()
    assert "<caption>" in body and '<th scope="col">Name</th>' in body
    assert '<th scope="row"><a href="/mechanisms/5-plus-5-dialogue/">' in body


def test_pages_of_twenty_keep_the_query(client, make_mechanism, publish_profiles):
    for number in range(45):
        make_mechanism(name=f"Dialogue {number:02}", summary="Labour talks.")
    publish_profiles()
    first = listing(client, q="labour", sort="name")
    assert first.context["results"].total == 45
    assert 'href="?q=labour&amp;sort=name&amp;page=2"' in first.content.decode()
    third = listing(client, q="labour", sort="name", page="3")
    assert [r.mechanism.name for r in third.context["results"].results] == [
        f"Dialogue {n}" for n in range(40, 45)
    ]
    assert listing(client, page="zzz").status_code == 200


def test_results_can_be_ticked_for_comparison(client, demo_data):
    body = listing(client, q="Morocco").content.decode()
    form = body[body.index('<form class="compare-form"') :]
    assert 'action="/compare/"' in form[: form.index(">")]
    assert 'name="m" value="rabat-process"' in form
    assert "Compare selected" in form


def test_form_works_without_javascript(client, demo_data):
    body = listing(client).content.decode()
    assert '<form id="mechanism-filters"' in body and 'method="get"' in body
    for name in ("kind", "region", "theme", "status", "country"):
        assert f'type="checkbox" form="mechanism-filters" name="{name}"' in body
    assert 'type="radio" form="mechanism-filters" name="role"' in body
    assert 'name="year_min"' in body and 'name="sort"' in body and 'name="view"' in body
    assert "<script" not in body[body.index("<main") :]


def test_regions_link_from_home_still_filter(client, demo_data):
    americas = Region.objects.get(slug="americas")
    response = listing(client, region=americas.slug)
    assert response.context["results"].total == americas.published_profiles.count()


def test_results_come_before_the_filters_and_the_page_has_one_search_box(client, demo_data):
    # On a phone the results are what the reader came for; the filters are one link away.
    body = client.get("/mechanisms/", {"q": "migration"}).content.decode()
    assert body.index('id="results-heading"') < body.index('id="filters"')
    assert 'href="#filters"' in body
    assert body.count('role="search"') == 1
