"""The mechanism change page stays light however many participants a mechanism has, and
what replaced the heavy selects (typed countries, autocomplete selects, sections headed by
their topic) still works without JavaScript."""

import re
from html import unescape

import pytest
from django.urls import reverse

from profiles.forms import CountryNameField
from profiles.models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Section,
)

from .test_admin import inline_post_data

pytestmark = pytest.mark.django_db

MAX_PAGE_BYTES = 300_000


def change_url(mechanism: Mechanism) -> str:
    return reverse("admin:profiles_mechanism_change", args=[mechanism.pk])


def options(html: str) -> int:
    return html.count("<option")


def participants_prefix(response) -> str:
    return next(
        f.formset.prefix
        for f in response.context["inline_admin_formsets"]
        if f.formset.model is Participation
    )


def test_the_largest_demo_mechanism_is_a_light_page(admin_client, demo_data):
    largest = max(Mechanism.objects.all(), key=lambda m: m.participations.count())
    assert largest.slug == "budapest-process"  # 59 participants
    html = admin_client.get(change_url(largest)).content.decode()

    assert len(html.encode()) < MAX_PAGE_BYTES  # it was 1.08 MB
    assert options(html) < 1_000  # it was 16,890: a select of every country on each row
    # One list of countries for the whole page, not one per participant.
    assert html.count('<datalist id="country-names">') == 1
    assert html.count('list="country-names"') == largest.participations.count() + 2


def test_a_participant_row_adds_no_list_of_countries_or_organisations(
    admin_client, make_mechanism, add_members
):
    for acronym in ("IOM", "UNHCR", "ICMPD", "ECOWAS"):
        Organisation.objects.create(acronym=acronym, name=acronym)
    mechanism = make_mechanism()
    add_members(mechanism, ["KZ"])
    before = options(admin_client.get(change_url(mechanism)).content.decode())

    add_members(mechanism, ["KG", "TJ", "TM", "UZ", "AF", "TR", "AZ", "IR", "PK", "IT"])
    after = options(admin_client.get(change_url(mechanism)).content.decode())

    # Each new row brings its roles and the organisation box's empty option, nothing more.
    assert after - before == 10 * (len(Participation.Role.choices) + 1)


def test_autocomplete_rows_render_their_value_without_a_query_per_row(
    admin_client, make_mechanism, django_assert_max_num_queries
):
    organisations = [
        Organisation.objects.create(acronym=f"ORG{n}", name=f"Organisation {n}") for n in range(6)
    ]
    others = [make_mechanism() for _ in range(5)]
    mechanism = make_mechanism()
    Participation.objects.create(mechanism=mechanism, organisation=organisations[0])
    MechanismLink.objects.create(mechanism=mechanism, other_mechanism=others[0], kind="formal")
    admin_client.get(change_url(mechanism))
    with django_assert_max_num_queries(60) as few:
        admin_client.get(change_url(mechanism))

    for organisation in organisations[1:]:
        Participation.objects.create(mechanism=mechanism, organisation=organisation)
    for other in others[1:]:
        MechanismLink.objects.create(mechanism=mechanism, other_mechanism=other, kind="planned")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = admin_client.get(change_url(mechanism)).content.decode()

    # Each existing row shows its own value, selected, and nothing else.
    for organisation in organisations:
        assert f'<option value="{organisation.pk}" selected>{organisation}</option>' in html
    for other in others:
        assert f'<option value="{other.pk}" selected>{other.name}</option>' in unescape(html)


def test_a_new_participant_row_offers_every_organisation_without_javascript(
    admin_client, make_mechanism
):
    iom = Organisation.objects.create(
        acronym="IOM", name="International Organization for Migration"
    )
    mechanism = make_mechanism()
    response = admin_client.get(change_url(mechanism))
    prefix = participants_prefix(response)
    select = re.search(
        rf'<select name="{prefix}-0-organisation".*?</select>',
        response.content.decode(),
        re.DOTALL,
    ).group()
    assert f'<option value="{iom.pk}">{iom}</option>' in select

    data = inline_post_data(response)
    data[f"{prefix}-0-organisation"] = str(iom.pk)
    data[f"{prefix}-0-role"] = "secretariat"
    assert admin_client.post(change_url(mechanism), data).status_code == 302
    assert mechanism.participations.get().organisation == iom


@pytest.mark.parametrize("typed", ["Kazakhstan", "kazakhstan", "KZ", "kaz", " KAZ "])
def test_a_country_is_typed_by_english_name_or_iso_code_and_stored_as_its_code(
    admin_client, make_mechanism, typed
):
    mechanism = make_mechanism()
    response = admin_client.get(change_url(mechanism))
    prefix = participants_prefix(response)
    data = inline_post_data(response)
    data[f"{prefix}-0-country"] = typed
    data[f"{prefix}-0-role"] = "member"
    assert admin_client.post(change_url(mechanism), data).status_code == 302
    assert mechanism.participations.get().country == "KZ"

    # It is shown by its name, and sent back so it counts as unchanged.
    again = admin_client.get(change_url(mechanism)).content.decode()
    assert 'value="Kazakhstan" list="country-names"' in again
    field = CountryNameField()
    assert not field.has_changed("KZ", "Kazakhstan")
    assert field.has_changed("KZ", "Kyrgyzstan")
    assert field.has_changed("KZ", "Atlantis")


def test_a_country_that_does_not_exist_is_refused_and_shown_back(admin_client, make_mechanism):
    mechanism = make_mechanism()
    response = admin_client.get(change_url(mechanism))
    prefix = participants_prefix(response)
    data = inline_post_data(response)
    data[f"{prefix}-0-country"] = "Atlantis"
    data[f"{prefix}-0-role"] = "member"
    response = admin_client.post(change_url(mechanism), data)
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "“Atlantis” is not an ISO 3166 country code or an English country name" in page
    assert 'value="Atlantis"' in page
    assert not Participation.objects.exists()


def test_sections_are_headed_by_their_topic_and_preview_the_saved_text(
    admin_client, make_mechanism, add_section
):
    mechanism = make_mechanism()
    add_section(mechanism, "structures", "**Chair:** rotating.")
    html = admin_client.get(change_url(mechanism)).content.decode()

    # One section per topic: the topic is the heading, not a select on each section.
    assert '<select name="sections-' not in html
    assert "Salient ISCM structures" in html
    preview = re.search(r'<div class="section-preview-body">(.*?)</div>', html, re.DOTALL)
    assert preview.group(1) == "<p><strong>Chair:</strong> rotating.</p>"
    # Blank sections offered for the other topics have nothing to preview yet.
    assert html.count('class="section-preview"') == 1


def test_a_page_shown_back_with_an_error_previews_the_text_being_edited(
    admin_client, make_mechanism, add_section
):
    mechanism = make_mechanism()
    add_section(mechanism, "structures", "Old text.")
    response = admin_client.get(change_url(mechanism))
    data = inline_post_data(response)
    data["sections-0-body"] = "New *text* <script>alert(1)</script>"
    data[f"{participants_prefix(response)}-0-country"] = "Atlantis"  # an error elsewhere
    data[f"{participants_prefix(response)}-0-role"] = "member"
    html = admin_client.post(change_url(mechanism), data).content.decode()

    preview = re.search(r'<div class="section-preview-body">(.*?)</div>', html, re.DOTALL)
    assert "New <em>text</em>" in preview.group(1)
    assert "<script" not in preview.group(1)  # sanitised like the saved HTML
    assert Section.objects.get(mechanism=mechanism).body == "Old text."


def test_every_control_has_a_label(admin_client, make_mechanism, add_members):
    mechanism = make_mechanism()
    add_members(mechanism, ["KZ", "KG"])
    Participation.objects.create(
        mechanism=mechanism, organisation=Organisation.objects.create(acronym="IOM", name="IOM")
    )
    MechanismLink.objects.create(
        mechanism=mechanism, other_mechanism=make_mechanism(), kind="formal"
    )
    Document.objects.create(mechanism=mechanism, title="Action plan")
    html = admin_client.get(change_url(mechanism)).content.decode()
    html = html[html.index('id="mechanism_form"') :]  # the page's form, not the sidebar's filter

    controls = [
        re.search(r'\bid="([^"]+)"', tag).group(1)
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
        if not re.search(r'type="(hidden|submit)"', tag)
    ]
    assert len(controls) > 40
    assert [id_ for id_ in controls if f'for="{id_}"' not in html] == []
