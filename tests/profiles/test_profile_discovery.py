"""Profile pages as a way into the rest of the site: related mechanisms (linked, then
sharing members), every topic, the membership note, links to filtered lists, countries
and the comparison."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission, User

from profiles.models import MechanismLink, Region, ThematicArea

pytestmark = pytest.mark.django_db


def page_of(client, slug: str) -> str:
    return unescape(client.get(f"/mechanisms/{slug}/").content.decode())


def part(page: str, start: str, end: str) -> str:
    """The page's text from the element with id `start` to the one with id `end`."""
    begin = page.rindex("<", 0, page.index(f'id="{start}"'))
    return page[begin : page.rindex("<", 0, page.index(f'id="{end}"'))]


def linked(page: str) -> str:
    return part(
        page, "related-heading", "sharing-heading" if "sharing-heading" in page else "compare"
    )


def sharing(page: str) -> str:
    return part(page, "sharing-heading", "compare")


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_each_linked_mechanism_is_listed_once_with_its_kinds_of_link_together(
    client, make_mechanism, add_members, publish_profiles
):
    home = make_mechanism(slug="home", name="Home Dialogue")
    add_members(home, ["KZ"])
    partner = make_mechanism(slug="partner", name="Partner Process", short_name="PP")
    MechanismLink.objects.create(
        mechanism=home, other_mechanism=partner, kind="experience", note="Met in 2018."
    )
    MechanismLink.objects.create(mechanism=home, other_mechanism=partner, kind="planned")
    MechanismLink.objects.create(
        mechanism=partner, other_mechanism=home, kind="formal", note="Joint secretariat."
    )
    publish_profiles()

    shown = words(linked(page_of(client, "home")))

    assert shown.count("Partner Process") == 1
    assert (
        "Partner Process (PP) — Formal cooperation; Experience sharing; Planned or of interest"
        in shown
    )
    assert "Formal cooperation: Joint secretariat. (as described by that mechanism)" in shown
    assert "Experience sharing: Met in 2018." in shown


def test_mechanisms_sharing_the_most_member_states_follow_with_their_count_and_overlap(
    client, make_mechanism, add_members, publish_profiles
):
    home = make_mechanism(slug="middle", name="Middle Dialogue")
    add_members(home, ["KZ", "KG", "TJ", "UZ"])
    add_members(home, ["IR"], role="observer")
    for slug, codes in {
        "aa-three": ["KZ", "KG", "TJ", "FR"],
        "zz-four": ["KZ", "KG", "TJ", "UZ"],
        "bb-two": ["KZ", "KG"],
        "cc-one": ["TJ"],
        "dd-one": ["UZ"],
        "ee-one": ["KZ"],  # the sixth: beyond the five shown
        "observer-only": [],
        "none-shared": ["FR", "DE"],
    }.items():
        add_members(make_mechanism(slug=slug, name=slug.title()), codes)
    add_members(home.__class__.objects.get(slug="observer-only"), ["KZ", "IR"], role="observer")
    publish_profiles()

    page = page_of(client, "middle")
    shown = words(sharing(page))

    assert shown.startswith("Sharing the most member States")
    order = [m.group(1) for m in re.finditer(r'href="/mechanisms/([^/]+)/"', sharing(page))]
    assert order == ["zz-four", "aa-three", "bb-two", "cc-one", "dd-one"]
    assert "Zz-Four — 4 member States in common" in shown
    assert "Cc-One — 1 member State in common" in shown
    # The pair's overlap page, its slugs in alphabetical order.
    assert 'href="/overlap/middle/zz-four/"' in page
    assert 'href="/overlap/aa-three/middle/"' in page
    assert "Observer-Only" not in shown and "None-Shared" not in shown


def test_topics_without_text_say_they_were_not_covered(
    client, make_mechanism, add_section, publish_profiles
):
    mechanism = make_mechanism(slug="partial")
    add_section(mechanism, "structures", "A chair and a **secretariat**.")
    publish_profiles()

    findings = words(part(page_of(client, "partial"), "findings", "participants"))

    topics = re.findall(r"(\d)\. ([A-Z][^.]+?) (?=Not covered|A chair)", findings)
    assert [number for number, _ in topics] == ["1", "2", "3", "4", "5"]
    assert findings.count("Not covered in the 2019 assessment") == 4
    assert "3. Salient ISCM structures A chair and a secretariat" in findings


def test_a_mechanism_without_a_membership_list_shows_its_note_not_zero_members(client, demo_data):
    note = "Open to all States Members and Observers of the United Nations (no membership list)"
    page = page_of(client, "gfmd")

    facts = words(part(page, "facts", "findings"))
    assert f"Members {note}" in facts
    assert note in words(part(page, "participants", "related"))
    assert not re.search(r"\b0 members\b", words(page), re.IGNORECASE)
    assert "No members are recorded" not in page


def test_a_mechanism_with_neither_members_nor_note_says_no_members_are_recorded(
    client, make_mechanism, publish_profiles
):
    make_mechanism(slug="empty")
    publish_profiles()
    page = page_of(client, "empty")
    assert "Members No members are recorded." in words(part(page, "facts", "findings"))
    assert "No members are recorded." in words(part(page, "participants", "related"))


def test_region_and_theme_values_link_to_the_filtered_list(client, demo_data):
    page = page_of(client, "almaty-process")
    facts = part(page, "facts", "findings")
    europe = Region.objects.get(name="Europe")
    refugees = ThematicArea.objects.get(slug="asylum-refugees")

    assert f'<a href="/mechanisms/?region={europe.slug}">Europe</a>' in facts
    assert f'<a href="/mechanisms/?theme={refugees.slug}">{refugees.name}</a>' in facts
    listed = client.get(f"/mechanisms/?theme={refugees.slug}").content.decode()
    assert "/mechanisms/almaty-process/" in listed


def test_participating_countries_link_to_their_country_page(client, demo_data):
    participants = part(page_of(client, "almaty-process"), "participants", "related")
    assert '<a href="/countries/KAZ/">Kazakhstan</a>' in participants
    assert '<a href="/countries/IRN/">Iran</a>' in participants  # an observer too
    # Organisations have no country page.
    assert "<li>International Organization for Migration (IOM)</li>" in participants
    assert '<a href="/countries/XKX/">Kosovo</a>' in page_of(client, "prague-process")


def test_compare_with_offers_the_related_mechanisms_and_a_picker(client, demo_data):
    compare = part(page_of(client, "almaty-process"), "compare", "documents")

    assert '<form method="get" action="/compare/"' in compare
    assert '<input type="hidden" name="m" value="almaty-process">' in compare
    assert '<label for="compare-with">' in compare and 'name="m"' in compare
    options = re.findall(r'<option value="([^"]+)">', compare)
    assert options[:4] == [
        "abu-dhabi-dialogue",
        "bali-process",
        "budapest-process",
        "prague-process",
    ]
    assert len(options) == len(set(options)) <= 10
    assert 'href="/compare/?m=almaty-process"' in compare


def test_compare_with_a_mechanism_related_to_none_is_only_the_picker_link(
    client, make_mechanism, publish_profiles
):
    make_mechanism(slug="alone")
    publish_profiles()
    compare = part(page_of(client, "alone"), "compare", "documents")
    assert "<select" not in compare
    assert 'href="/compare/?m=alone"' in compare


def test_preview_of_a_draft_counts_shared_members_against_published_profiles(
    client, make_mechanism, add_members, publish_profiles
):
    add_members(make_mechanism(slug="public-one", name="Public One"), ["KZ", "KG"])
    publish_profiles()
    draft = make_mechanism(slug="draft-one", name="Draft One", is_published=False)
    add_members(draft, ["KZ", "KG", "TJ"])
    user = User.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_mechanism"))
    client.force_login(user)

    response = client.get("/mechanisms/draft-one/preview/")

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Draft preview — not public" in page
    assert "Public One — 2 member States in common" in words(sharing(page))
    assert 'href="/overlap/draft-one/public-one/"' in page
    assert '<a href="/countries/TJK/">Tajikistan</a>' in page


def test_publishing_another_mechanism_that_newly_shares_members_updates_the_page(
    client, make_mechanism, add_members, publish_profiles
):
    add_members(make_mechanism(slug="cached", name="Cached Dialogue"), ["KZ", "KG"])
    publish_profiles()
    assert "sharing-heading" not in page_of(client, "cached")  # rendered and cached

    newcomer = make_mechanism(slug="newcomer", name="Newcomer Process")
    add_members(newcomer, ["KG"])
    publish_profiles(newcomer)

    assert "Newcomer Process — 1 member State in common" in words(
        sharing(page_of(client, "cached"))
    )


def count_queries(client, url, django_assert_max_num_queries) -> int:
    client.get(url)
    with django_assert_max_num_queries(50) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_profile_page_queries_do_not_grow_with_mechanisms_and_participants(
    client,
    make_mechanism,
    add_members,
    publish_profiles,
    no_page_cache,
    django_assert_max_num_queries,
):
    home = make_mechanism(slug="home")
    add_members(home, ["KZ"])
    publish_profiles()
    small = count_queries(client, "/mechanisms/home/", django_assert_max_num_queries)

    add_members(home, ["KG", "TJ", "UZ", "TM", "AF"])
    add_members(home, ["IR", "PK"], role="observer")
    for number in range(12):
        other = make_mechanism()
        add_members(other, [*["KZ", "KG", "TJ"][: number % 3 + 1], "FR"])
        MechanismLink.objects.create(mechanism=home, other_mechanism=other, kind="formal")
    publish_profiles()
    page = page_of(client, "home")
    assert page.count("member States in common") + page.count("member State in common") == 5
    large = count_queries(client, "/mechanisms/home/", django_assert_max_num_queries)
    assert large == small
