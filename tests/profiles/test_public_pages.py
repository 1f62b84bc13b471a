from html import unescape

import pytest
from django.urls import reverse

from profiles.models import Participation

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return unescape(response.content.decode())


def test_home_lists_published_mechanisms_by_kind_and_region(client, demo_data):
    response = client.get("/")
    assert response.status_code == 200
    body = text_of(response)
    assert "Almaty Process" in body
    assert "Global Forum on Migration and Development" in body
    assert "Regional consultative process" in body
    assert "Asia and the Pacific" in body
    assert 'name="q"' in body


def test_unpublished_mechanism_is_hidden_everywhere(client, make_mechanism):
    make_mechanism(name="Secret Draft Dialogue", slug="secret-draft", is_published=False)
    assert client.get("/mechanisms/secret-draft/").status_code == 404
    assert "Secret Draft Dialogue" not in text_of(client.get("/"))
    assert "Secret Draft Dialogue" not in text_of(client.get("/mechanisms/"))


def test_unknown_slug_gives_404_in_site_style(client, db):
    response = client.get("/mechanisms/no-such-process/")
    assert response.status_code == 404
    body = text_of(response)
    assert "ISCM Profiles" in body  # the site's header, not Django's bare page
    assert 'href="/mechanisms/"' in body


def test_list_filters_by_kind_and_region(client, demo_data):
    response = client.get("/mechanisms/", {"kind": "global"})
    names = [r.mechanism.name for r in response.context["results"].results]
    assert names == [
        "Global Forum on Migration and Development",
        "International Dialogue on Migration",
    ]

    response = client.get("/mechanisms/", {"region": "americas"})
    names = {r.mechanism.slug for r in response.context["results"].results}
    assert names == {
        "regional-conference-on-migration",
        "south-american-conference-on-migration",
        "caribbean-migration-consultations",
        "igc",
    }


def test_list_ignores_invalid_filter_values(client, demo_data):
    response = client.get("/mechanisms/", {"kind": "<script>", "region": "atlantis"})
    assert response.status_code == 200
    assert response.context["results"].total == 25
    assert "<script>" not in response.content.decode()
    assert "Ignored the unknown region" in text_of(response)


def test_list_search_finds_mechanism_by_alias(client, demo_data):
    response = client.get("/mechanisms/", {"q": "puebla"})
    slugs = [r.mechanism.slug for r in response.context["results"].results]
    assert slugs == ["regional-conference-on-migration"]


def test_profile_shows_facts_sections_participants_links_documents(client, demo_data):
    response = client.get(reverse("profiles:mechanism_detail", args=["almaty-process"]))
    assert response.status_code == 200
    body = text_of(response)
    assert "Almaty Process on Refugee Protection and International Migration" in body
    assert "2013" in body
    # Participants by role, with country names rather than codes.
    assert "Kazakhstan" in body and "Tajikistan" in body and "Iran" in body
    assert ">KAZ<" not in body
    assert "Observer" in body
    # Related mechanisms and documents from the Summary of Findings.
    assert "Abu Dhabi Dialogue" in body
    assert "Operating Modalities" in body
    assert "Last published" in body


def test_profile_keeps_unconfirmed_facts_marked(client, demo_data):
    body = text_of(client.get("/mechanisms/budapest-process/"))
    # AFG? in the reference data: a member, but unconfirmed.
    afghanistan = Participation.objects.get(
        mechanism__slug="budapest-process", country="AF", role="member"
    )
    assert afghanistan.uncertain
    assert "unconfirmed" in body
    mtm = text_of(client.get("/mechanisms/mtm-dialogue/"))  # established "2002?"
    assert "2002" in mtm and "unconfirmed" in mtm


def test_kosovo_is_named(client, demo_data):
    assert "Kosovo" in text_of(client.get("/mechanisms/prague-process/"))


def test_healthz_answers_when_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_security_headers_are_sent(client, db):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
