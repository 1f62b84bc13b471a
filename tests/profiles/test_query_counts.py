"""Public pages run a fixed number of queries, whatever the amount of data shown.

Counted with the page cache off (every request renders from the published snapshots),
then with it on (a cached page costs one query: what is published now).
"""

import pytest

from profiles.models import Document, MechanismLink, Region, ThematicArea

pytestmark = pytest.mark.django_db


def count_queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)  # warm caches (sessions, content types) so only the page counts
    with django_assert_max_num_queries(50) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_profile_page_queries_constant_in_sections_participants_links_documents(
    client,
    make_mechanism,
    add_section,
    add_members,
    publish_profiles,
    no_page_cache,
    django_assert_max_num_queries,
):
    mechanism = make_mechanism(slug="growing")
    add_section(mechanism, "evolution", "One.")
    add_members(mechanism, ["KZ"])
    publish_profiles()
    small = count_queries(client, "/mechanisms/growing/", django_assert_max_num_queries)

    for key in ["contribution", "structures", "partnerships", "added-value"]:
        add_section(mechanism, key, "More **text**.")
    add_members(mechanism, ["KG", "TJ", "TM", "UZ", "AF", "TR", "AZ"])
    add_members(mechanism, ["IR", "PK", "IT"], role="observer")
    mechanism.regions.set(Region.objects.all())
    mechanism.thematic_areas.set(ThematicArea.objects.all())
    for number in range(5):
        other = make_mechanism()
        MechanismLink.objects.create(mechanism=mechanism, other_mechanism=other, kind="planned")
        MechanismLink.objects.create(mechanism=other, other_mechanism=mechanism, kind="formal")
        Document.objects.create(mechanism=mechanism, title=f"Plan {number}", year=2010 + number)
    publish_profiles()
    response = client.get("/mechanisms/growing/")
    # The data did grow on the page: 5 sections, 2 roles, 5 related mechanisms (each linked
    # both ways, shown once with both kinds), 5 documents.
    profile = response.context["profile"]
    assert len(profile.sections) == 5 and len(profile.participant_groups) == 2
    assert len(profile.related) == 5 and all(len(r.links) == 2 for r in profile.related)
    assert len(profile.documents) == 5
    large = count_queries(client, "/mechanisms/growing/", django_assert_max_num_queries)
    assert large == small


LIST_URLS = [
    "/",
    "/mechanisms/",
    "/mechanisms/?q=test",
    "/mechanisms/?q=test+kazakhstan&kind=rcp&region=africa&theme=smuggling",
    "/mechanisms/?kind=rcp&region=africa&country=KAZ&country=KGZ&role=member&status=active",
    "/mechanisms/?q=kyrgyzstan&year_min=1900&year_max=2100&sort=-year&view=table",
    "/mechanisms/?q=test&kind=global",  # no results: the counts without each filter
    "/mechanisms/?download=csv&q=test&region=africa",
]


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_pages_queries_constant_in_mechanisms(
    client,
    url,
    make_mechanism,
    add_members,
    publish_profiles,
    no_page_cache,
    django_assert_max_num_queries,
):
    africa = Region.objects.get(slug="africa")
    theme = ThematicArea.objects.get(slug="smuggling")
    for _ in range(3):
        mechanism = make_mechanism(established=2000)
        mechanism.regions.add(africa)
        mechanism.thematic_areas.add(theme)
        add_members(mechanism, ["KZ", "KG"])
    publish_profiles()
    small = count_queries(client, url, django_assert_max_num_queries)
    for _ in range(27):
        mechanism = make_mechanism(established=2001)
        mechanism.regions.set(Region.objects.all())
        mechanism.thematic_areas.set(ThematicArea.objects.all())
        add_members(mechanism, ["KZ", "KG", "TJ", "UZ"])
    publish_profiles()
    # The data did grow on the page (or in the download).
    response = client.get(url)
    body = response.content.decode()
    if url == "/":
        assert "Test Mechanism 30" in body
    elif "download" in url:
        assert body.count("/mechanisms/test-mechanism-") == 30
    elif "global" not in url:
        assert response.context["results"].total == 30
    large = count_queries(client, url, django_assert_max_num_queries)
    assert large == small


@pytest.mark.parametrize(
    "url",
    ["/", "/mechanisms/", "/mechanisms/?q=test", "/mechanisms/cached/", "/data/iscm-profiles.xlsx"],
)
def test_a_cached_public_page_costs_one_query(
    client, url, make_mechanism, publish_profiles, django_assert_num_queries
):
    make_mechanism(slug="cached")
    publish_profiles()
    client.get(url)  # rendered and cached
    with django_assert_num_queries(1):  # what is published now (the cache key)
        assert client.get(url).status_code == 200
