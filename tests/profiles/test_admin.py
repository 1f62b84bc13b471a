"""The mechanism change page is where IPD editors keep everything about a mechanism."""

from html import unescape

import pytest
from django.urls import reverse

from profiles.models import Mechanism, Participation, Region, Section, ThematicArea, Topic

pytestmark = pytest.mark.django_db


def change_url(mechanism: Mechanism) -> str:
    return reverse("admin:profiles_mechanism_change", args=[mechanism.pk])


def inline_post_data(response) -> dict:
    """The change form as the browser would submit it, unchanged."""
    data = {}
    for form in [response.context["adminform"].form] + [
        f for formset in response.context["inline_admin_formsets"] for f in formset.formset.forms
    ]:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None:
                continue
            if isinstance(value, list):
                data[form.add_prefix(name)] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            else:
                data[form.add_prefix(name)] = str(value)
    for formset in response.context["inline_admin_formsets"]:
        for key, value in formset.formset.management_form.initial.items():
            data[f"{formset.formset.prefix}-{key}"] = str(value)
    return data


def test_new_mechanism_offers_a_blank_section_per_topic_in_order(admin_client):
    response = admin_client.get(reverse("admin:profiles_mechanism_add"))
    sections = response.context["inline_admin_formsets"][0].formset
    offered = [form.initial.get("topic") for form in sections.forms]
    assert offered == list(Topic.objects.order_by("order").values_list("pk", flat=True))
    body = unescape(response.content.decode())
    assert "Salient ISCM structures" in body


def test_existing_sections_come_first_then_blank_ones_for_missing_topics(
    admin_client, make_mechanism, add_section
):
    mechanism = make_mechanism()
    add_section(mechanism, "structures", "Chair and secretariat.")
    formset = admin_client.get(change_url(mechanism)).context["inline_admin_formsets"][0].formset
    assert [f.instance.topic.key for f in formset.forms if f.instance.pk] == ["structures"]
    blank = [f.initial["topic"] for f in formset.forms if not f.instance.pk]
    assert len(blank) == 4
    assert Topic.objects.get(key="structures").pk not in blank


def test_section_edit_appears_rendered_on_the_public_page_once_published(
    admin_client, client, demo_data
):
    mechanism = Mechanism.objects.get(slug="almaty-process")
    response = admin_client.get(change_url(mechanism))
    data = inline_post_data(response)
    section_prefix = response.context["inline_admin_formsets"][0].formset.prefix
    data[f"{section_prefix}-0-body"] = "**Edited lead-in:** new findings from the editor."
    saved = admin_client.post(change_url(mechanism), data)
    assert saved.status_code == 302, saved.context["errors"] if saved.context else saved
    edited = "<strong>Edited lead-in:</strong> new findings from the editor."
    assert edited not in client.get("/mechanisms/almaty-process/").content.decode()
    section = Section.objects.get(mechanism=mechanism, topic__key="evolution")
    assert section.body_html.startswith("<p><strong>Edited lead-in:</strong>")

    data = inline_post_data(admin_client.get(change_url(mechanism))) | {"_publish": "1"}
    assert admin_client.post(change_url(mechanism), data).status_code == 302
    assert edited in client.get("/mechanisms/almaty-process/").content.decode()


def test_blank_offered_sections_are_not_saved(admin_client, make_mechanism):
    mechanism = make_mechanism()
    data = inline_post_data(admin_client.get(change_url(mechanism)))
    assert admin_client.post(change_url(mechanism), data).status_code == 302
    assert not mechanism.sections.exists()


def test_bad_iso_code_is_refused_with_a_clear_message(admin_client, make_mechanism):
    mechanism = make_mechanism()
    response = admin_client.get(change_url(mechanism))
    data = inline_post_data(response)
    prefix = response.context["inline_admin_formsets"][1].formset.prefix
    data[f"{prefix}-0-country"] = "QQ"
    data[f"{prefix}-0-role"] = "member"
    response = admin_client.post(change_url(mechanism), data)
    assert response.status_code == 200
    assert "“QQ” is not an ISO 3166 country code" in unescape(response.content.decode())
    assert not Participation.objects.exists()


def test_participant_needs_country_or_organisation_not_both(admin_client, make_mechanism):
    from profiles.models import Organisation

    iom = Organisation.objects.create(
        acronym="IOM", name="International Organization for Migration"
    )
    mechanism = make_mechanism()
    response = admin_client.get(change_url(mechanism))
    data = inline_post_data(response)
    prefix = response.context["inline_admin_formsets"][1].formset.prefix
    data[f"{prefix}-0-country"] = "KZ"
    data[f"{prefix}-0-organisation"] = str(iom.pk)
    data[f"{prefix}-0-role"] = "member"
    response = admin_client.post(change_url(mechanism), data)
    assert response.status_code == 200
    assert "Give either a country or an organisation, not both." in unescape(
        response.content.decode()
    )


def test_changelist_shows_member_count_and_view_on_site(admin_client, demo_data):
    response = admin_client.get(reverse("admin:profiles_mechanism_changelist"))
    almaty = next(m for m in response.context["cl"].result_list if m.slug == "almaty-process")
    assert almaty.member_count == 6
    change = admin_client.get(change_url(almaty)).content.decode()
    assert "View on site" in change


def test_changelist_filters_by_kind_region_and_theme(admin_client, demo_data):
    url = reverse("admin:profiles_mechanism_changelist")
    response = admin_client.get(url, {"kind__exact": "global"})
    assert {m.slug for m in response.context["cl"].result_list} == {"gfmd", "idm"}
    labour = ThematicArea.objects.get(slug="labour-migration")
    response = admin_client.get(url, {"thematic_areas__id__exact": labour.pk})
    assert {m.slug for m in response.context["cl"].result_list} == {
        "colombo-process",
        "abu-dhabi-dialogue",
    }
    africa = Region.objects.get(slug="africa")
    response = admin_client.get(url, {"regions__id__exact": africa.pk})
    assert "midsa" in {m.slug for m in response.context["cl"].result_list}
    assert "bali-process" not in {m.slug for m in response.context["cl"].result_list}
    response = admin_client.get(url, {"q": "Puebla"})
    assert [m.slug for m in response.context["cl"].result_list] == [
        "regional-conference-on-migration"
    ]


def test_changelist_queries_do_not_grow_with_mechanisms(
    admin_client, make_mechanism, add_members, django_assert_max_num_queries
):
    for _ in range(3):
        add_members(make_mechanism(), ["KZ", "KG"])
    url = reverse("admin:profiles_mechanism_changelist")
    admin_client.get(url)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    for _ in range(30):
        add_members(make_mechanism(), ["KZ", "KG", "TJ"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)


def test_change_page_queries_do_not_grow_with_rows(
    admin_client, make_mechanism, add_members, add_section, django_assert_max_num_queries
):
    from profiles.models import Document, MechanismLink, Organisation

    mechanism = make_mechanism()
    others = [make_mechanism() for _ in range(3)]
    Organisation.objects.create(acronym="IOM", name="IOM")
    add_members(mechanism, ["KZ"])
    add_section(mechanism, "evolution", "One.")
    admin_client.get(change_url(mechanism))
    with django_assert_max_num_queries(40) as few:
        admin_client.get(change_url(mechanism))

    add_members(mechanism, ["KG", "TJ", "TM", "UZ", "AF", "TR", "AZ", "IR", "PK", "IT"])
    for key in ["contribution", "structures", "partnerships", "added-value"]:
        add_section(mechanism, key, "More.")
    for other in others:
        MechanismLink.objects.create(mechanism=mechanism, other_mechanism=other, kind="planned")
    for number in range(5):
        Document.objects.create(mechanism=mechanism, title=f"Document {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(change_url(mechanism))
