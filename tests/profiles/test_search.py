"""Search at /mechanisms/?q=: what a reader finds, in what order, and why it matched.

PostgreSQL ranks full-text matches and tolerates typos in names; SQLite finds every
mechanism whose published text holds all the words. Both must survive any input.
"""

from html import unescape

import pytest
from django.db import connection

from profiles.models import Participation

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="ranking, stemming and trigram typo tolerance are PostgreSQL's (SQLite: plain words)",
)


def search(client, q: str, **params):
    response = client.get("/mechanisms/", {"q": q, **params})
    assert response.status_code == 200
    return response


def found(response) -> list[str]:
    return [r.mechanism.slug for r in response.context["results"].results]


def test_refugee_protection_finds_the_almaty_process(client, demo_data):
    slugs = found(search(client, "refugee protection"))
    assert "almaty-process" in slugs
    if connection.vendor == "postgresql":
        assert slugs[0] == "almaty-process"


def test_a_misspelt_name_still_finds_the_mechanism(client, demo_data):
    assert found(search(client, "Almati")) == ["almaty-process"]
    assert found(search(client, "Budapest proces"))[0] == "budapest-process"


@postgresql_only
def test_english_stemming_finds_refugee_from_refugees(client, demo_data):
    response = search(client, "refugees")
    assert "almaty-process" in found(response)
    # The snippet shows where: "refugee" in the summary, highlighted.
    almaty = next(
        r for r in response.context["results"].results if r.mechanism.slug == "almaty-process"
    )
    assert "<mark>refugee</mark>" in almaty.snippet


def test_a_country_name_finds_the_mechanisms_it_takes_part_in(client, demo_data):
    response = search(client, "Morocco")
    slugs = found(response)
    assert {"rabat-process", "mtm-dialogue", "5-plus-5-dialogue"} <= set(slugs)
    body = unescape(response.content.decode())
    assert body.count("Members: Morocco") == len(slugs)


@pytest.mark.parametrize("name", ["Turkey", "Türkiye", "turkiye"])
def test_turkey_by_any_of_its_names_finds_the_almaty_process(client, demo_data, name):
    response = search(client, name)
    assert "almaty-process" in found(response)
    assert "Members: Türkiye" in unescape(response.content.decode())


def test_a_theme_or_region_name_finds_the_mechanisms_filed_under_it(client, demo_data):
    # The Bali Process says "smuggling" in its name; the Khartoum Process only in its theme.
    assert {"bali-process", "khartoum-process"} <= set(found(search(client, "smuggling")))
    assert "igc" in found(search(client, "Americas"))  # a region it covers


def test_every_word_must_match(client, demo_data):
    slugs = found(search(client, "refugee Kazakhstan"))
    assert "almaty-process" in slugs
    assert "igc" not in slugs  # refugees, but Kazakhstan takes no part
    assert found(search(client, "Kazakhstan zzyzx")) == []


def test_snippet_highlights_the_words_and_escapes_the_text(
    client, make_mechanism, publish_profiles
):
    make_mechanism(
        slug="snippety",
        summary="Talks on <script>alert(1)</script> & labour mobility in the region.",
    )
    publish_profiles()
    response = search(client, "mobility")
    body = response.content.decode()
    assert "<script>alert(1)" not in body
    # PostgreSQL's ts_headline drops the tag; what remains is escaped on both databases.
    assert "&amp; labour <mark>mobility</mark>" in body


def test_members_line_only_names_countries_that_take_part(
    client, make_mechanism, add_members, publish_profiles
):
    member = make_mechanism(slug="with-kenya", summary="Kenya hosts the secretariat.")
    add_members(member, ["KE"])
    make_mechanism(slug="mentions-kenya", summary="A study visit to Kenya.")
    publish_profiles()
    response = search(client, "Kenya")
    results = {r.mechanism.slug: r.members for r in response.context["results"].results}
    assert results == {"with-kenya": ("Kenya",), "mentions-kenya": ()}


def test_observers_are_not_called_members_but_are_found(
    client, make_mechanism, add_members, publish_profiles
):
    mechanism = make_mechanism(slug="observed")
    add_members(mechanism, ["NO"], role=Participation.Role.OBSERVER)
    publish_profiles()
    assert found(search(client, "Norway")) == ["observed"]


def test_did_you_mean_offers_close_names_when_nothing_matches(client, demo_data):
    response = search(client, "Marocco")
    assert found(response) == []
    body = unescape(response.content.decode())
    assert "Did you mean" in body
    assert 'href="/mechanisms/?q=Morocco"' in body


def test_search_ranks_by_relevance_then_offers_other_orders(client, demo_data):
    response = search(client, "migration", sort="name")
    names = [r.mechanism.name for r in response.context["results"].results]
    assert names == sorted(names)
    response = search(client, "migration", sort="year")
    years = [r.mechanism.established for r in response.context["results"].results]
    assert years == sorted(years)


BAD_QUERIES = {
    "empty": "",
    "spaces": "   ",
    "long": "refugee " * 1250,
    "punctuation": "!!! ??? ... ;;; --",
    "sql": "'; DROP TABLE profiles_publishedprofile; --",
    "sql-like": "%_%' OR 1=1 --",
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "arabic": "المغرب",
    "russian": "Россия Казахстан",
    "chinese": "中国",
    "nul": "refugee\x00protection",
    "websearch-syntax": '"unclosed -or OR - "" !:*&|',
}


@pytest.mark.parametrize("q", BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_any_query_gives_a_normal_escaped_page(client, demo_data, q):
    response = search(client, q)
    body = response.content.decode()
    assert "<h1>Mechanisms</h1>" in body
    assert "<script>alert" not in body and "<img src=x" not in body


def test_a_very_long_query_is_shortened_with_a_notice(client, demo_data):
    response = search(client, "refugee " * 1250)
    body = unescape(response.content.decode())
    assert "shortened to its first 200 characters" in body
    assert len(response.context["filterset"].search) <= 200


def test_a_query_without_letters_shows_every_mechanism_with_a_notice(client, demo_data):
    response = search(client, "!!! ???")
    assert response.context["results"].total == 25
    assert "no letters or digits" in unescape(response.content.decode())


def test_home_search_box_submits_to_the_list(client, demo_data):
    body = client.get("/").content.decode()
    assert 'action="/mechanisms/"' in body
    assert 'name="q"' in body
