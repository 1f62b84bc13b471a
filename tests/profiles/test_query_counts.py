"""Public pages run a fixed number of queries, whatever the amount of data shown."""

import pytest

from profiles.models import Document, MechanismLink, Region, ThematicArea

pytestmark = pytest.mark.django_db


def count_queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)  # warm caches (sessions, content types) so only the page counts
    with django_assert_max_num_queries(50) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_profile_page_queries_constant_in_sections_participants_links_documents(
    client, make_mechanism, add_section, add_members, django_assert_max_num_queries
):
    mechanism = make_mechanism(slug="growing")
    add_section(mechanism, "evolution", "One.")
    add_members(mechanism, ["KZ"])
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
    large = count_queries(client, "/mechanisms/growing/", django_assert_max_num_queries)
    assert large == small


@pytest.mark.parametrize("url", ["/", "/mechanisms/", "/mechanisms/?kind=rcp&region=africa"])
def test_list_pages_queries_constant_in_mechanisms(
    client, url, make_mechanism, add_members, django_assert_max_num_queries
):
    africa = Region.objects.get(slug="africa")
    for _ in range(2):
        make_mechanism().regions.add(africa)
    small = count_queries(client, url, django_assert_max_num_queries)
    for _ in range(40):
        mechanism = make_mechanism()
        mechanism.regions.set(Region.objects.all())
        add_members(mechanism, ["KZ", "KG"])
    large = count_queries(client, url, django_assert_max_num_queries)
    assert large == small
