"""The public only ever sees published snapshots; staff preview the draft.

Edits go through the write gateway (`profiles.services`) exactly as the admin and the
imports make them: the working rows change, the public pages, search and downloads do not,
until a publisher publishes.
"""

import csv
import io
import re
from html import unescape

import openpyxl
import pytest
from django.contrib.auth.models import Permission, User

from profiles.models import Mechanism, MechanismLink, Participation, PublishedProfile, Topic
from profiles.services import (
    Actor,
    editing,
    publish,
    save_object,
    save_sections,
    unpublish,
)

pytestmark = pytest.mark.django_db

ALMATY = "almaty-process"


def text_of(response) -> str:
    return unescape(response.content.decode())


def as_command():
    return editing(Actor.command("test"))


def edit_working_copy(slug: str, **fields) -> Mechanism:
    """Change a mechanism's working rows through the gateway, as the admin does."""
    mechanism = Mechanism.objects.get(slug=slug)
    with as_command():
        for name, value in fields.items():
            setattr(mechanism, name, value)
        save_object(mechanism)
    return mechanism


def public_texts(client, slug: str) -> dict[str, str]:
    """What an anonymous visitor gets from every public address that shows `slug`."""
    csv_text = client.get(f"/mechanisms/{slug}/export.csv").content.decode("utf-8-sig")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/data/iscm-profiles.xlsx").content))
    return {
        "page": text_of(client.get(f"/mechanisms/{slug}/")),
        "list": text_of(client.get("/mechanisms/")),
        "home": text_of(client.get("/")),
        "csv": "\n".join(row[3] for row in csv.reader(io.StringIO(csv_text))),
        "data": "\n".join(
            str(value)
            for ws in workbook.worksheets
            for row in ws.iter_rows(values_only=True)
            for value in row
            if value is not None
        ),
    }


def search(client, q: str) -> list[str]:
    results = client.get("/mechanisms/", {"q": q}).context["results"].results
    return [r.mechanism.slug for r in results]


def test_unpublished_edits_stay_out_of_every_public_read_until_published(client, demo_data):
    almaty = Mechanism.objects.get(slug=ALMATY)
    structures = Topic.objects.get(key="structures")
    with as_command():
        almaty.name = "Almaty Process, Renamed In Draft"
        almaty.summary = "Zanzibarian draft summary."
        save_object(almaty)
        save_sections(mechanism=almaty, bodies={structures: "Quetzalcoatl draft findings."})
        save_object(Participation(mechanism=almaty, country="NZ", role="observer"))
    assert Mechanism.objects.get(slug=ALMATY).version == 2  # the working copy moved on

    before = public_texts(client, ALMATY)
    for where, text in before.items():
        assert "Renamed In Draft" not in text, where
        assert "Zanzibarian" not in text, where
        assert "Almaty Process on Refugee Protection" in text, where
    assert "Quetzalcoatl" not in before["page"] + before["csv"] + before["data"]
    assert "New Zealand" not in before["page"] and "NZ" not in before["csv"].split("\n")
    assert search(client, "zanzibarian") == [] and search(client, "quetzalcoatl") == []
    # First: PostgreSQL's typo-tolerant name matching may add others ("Refugee Affairs").
    assert search(client, "almaty refugee")[0] == ALMATY

    with as_command():
        publish([almaty.pk])

    after = public_texts(client, ALMATY)
    for where, text in after.items():
        assert "Almaty Process, Renamed In Draft" in text, where
        assert "Almaty Process on Refugee Protection" not in text, where
    assert "Zanzibarian draft summary." in after["page"] + after["csv"] + after["data"]
    assert "Quetzalcoatl draft findings." in after["page"] + after["csv"] + after["data"]
    assert "New Zealand" in after["page"] and "NZ" in after["csv"].split("\n")
    assert search(client, "zanzibarian") == [ALMATY] == search(client, "quetzalcoatl")
    assert PublishedProfile.objects.get(slug=ALMATY).version == 2


def test_a_mechanism_never_published_is_not_found_anywhere(client, demo_data):
    with as_command():
        draft = Mechanism(slug="hidden-dialogue", name="Hidden Dialogue", kind="rcp")
        save_object(draft)
        almaty = Mechanism.objects.get(slug=ALMATY)
        save_object(MechanismLink(mechanism=draft, other_mechanism=almaty, kind="formal"))
    for suffix in ["", "export.xlsx", "export.csv"]:
        assert client.get(f"/mechanisms/hidden-dialogue/{suffix}").status_code == 404
    texts = public_texts(client, ALMATY)
    assert not [where for where, text in texts.items() if "Hidden Dialogue" in text]
    assert search(client, "hidden") == []


def related(client) -> str:
    """The Related mechanisms section of the Almaty Process's public page."""
    page = text_of(client.get(f"/mechanisms/{ALMATY}/"))
    return page[page.index('id="related"') : page.index('id="documents"')]


def test_unpublishing_removes_the_profile_and_links_to_it(client, demo_data, publish_profiles):
    abu_dhabi = Mechanism.objects.get(slug="abu-dhabi-dialogue")
    assert "Abu Dhabi Dialogue" in related(client)  # the page is cached now
    links = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/mechanisms/{ALMATY}/export.xlsx").content)
    )["Links"]
    assert "abu-dhabi-dialogue" in [row[1] for row in links.iter_rows(values_only=True)]

    with as_command():
        unpublish([abu_dhabi.pk])

    assert client.get("/mechanisms/abu-dhabi-dialogue/").status_code == 404
    shown = related(client)
    assert "Abu Dhabi Dialogue" not in shown  # a link shows only while its other end is published
    assert "Bali Process" in shown  # the others stay
    links = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/mechanisms/{ALMATY}/export.xlsx").content)
    )["Links"]
    assert "abu-dhabi-dialogue" not in [row[1] for row in links.iter_rows(values_only=True)]
    assert "Abu Dhabi Dialogue" not in text_of(client.get("/mechanisms/"))

    publish_profiles(abu_dhabi)
    assert "Abu Dhabi Dialogue" in related(client)


def test_cached_pages_change_on_publish_and_unpublish(client, make_mechanism, publish_profiles):
    mechanism = make_mechanism(slug="cached", name="Cached Dialogue", summary="First words.")
    publish_profiles()
    urls = ["/", "/mechanisms/", "/mechanisms/?q=first", "/mechanisms/cached/"]
    for url in urls:
        client.get(url)  # now cached
    edit_working_copy("cached", summary="Second words.", name="Cached Dialogue Two")
    for url in urls:  # still the published version, from the cache or not
        assert "Cached Dialogue Two" not in text_of(client.get(url)), url

    with as_command():
        publish([mechanism.pk])
    for url in ["/", "/mechanisms/", "/mechanisms/cached/"]:
        assert "Cached Dialogue Two" in text_of(client.get(url)), url
    assert "Second words." in text_of(client.get("/mechanisms/cached/"))
    assert search(client, "first") == [] and search(client, "second") == ["cached"]

    with as_command():
        unpublish([mechanism.pk])
    assert client.get("/mechanisms/cached/").status_code == 404
    for url in ["/", "/mechanisms/"]:
        assert "Cached Dialogue" not in text_of(client.get(url)), url


def test_profile_shows_when_it_was_last_published_near_its_title(client, demo_data):
    snapshot = PublishedProfile.objects.get(slug=ALMATY)
    html = client.get(f"/mechanisms/{ALMATY}/").content.decode()
    header = re.search(r'<header class="profile__header">(.*?)</header>', html, re.S).group(1)
    day = snapshot.published_at.strftime("%Y-%m-%d")
    assert "<h1>" in header
    assert re.search(rf'Last published <time datetime="{day}">[^<]+</time>', header)
    assert header.index("<h1>") < header.index("Last published")


# --- The staff draft preview -------------------------------------------------------------


def log_in(client, *, staff=True, codenames=("view_mechanism",)) -> User:
    user = User.objects.create_user("viewer", password="x", is_staff=staff)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(user)
    return user


def preview_url(slug: str) -> str:
    return f"/mechanisms/{slug}/preview/"


def article(html: str) -> str:
    """The profile itself, without what says which version it is (date lines, footer)."""
    body = html[html.index('<article class="profile">') : html.index("</article>")]
    body = re.sub(r'<p class="profile__published">.*?</p>', "", body, flags=re.S)
    body = re.sub(r'<p class="hint">These downloads .*?</p>', "", body, flags=re.S)
    return re.sub(r'<footer class="profile__footer">.*?</footer>', "", body, flags=re.S)


def test_preview_shows_staff_the_draft_with_a_banner(client, demo_data):
    edit_working_copy(ALMATY, summary="Zanzibarian draft summary.")
    log_in(client)

    response = client.get(preview_url(ALMATY))

    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    body = text_of(response)
    assert "Draft preview — not public" in body
    assert "Zanzibarian draft summary." in body
    assert "The public sees version 1" in body
    assert response.templates[0].name == "profiles/mechanism_detail.html"
    # The public page still shows the published version (fresh for a signed-in user too).
    assert "Zanzibarian" not in text_of(client.get(f"/mechanisms/{ALMATY}/"))


def test_preview_of_an_unchanged_profile_is_the_public_page(client, demo_data):
    public = client.get(f"/mechanisms/{ALMATY}/").content.decode()
    log_in(client)
    preview = client.get(preview_url(ALMATY)).content.decode()
    assert "Draft preview — not public" in preview and "Draft preview" not in public
    assert article(preview) == article(public)


def test_preview_works_for_a_mechanism_never_published(client, db):
    with as_command():
        save_object(Mechanism(slug="new-dialogue", name="New Dialogue", kind="global"))
    log_in(client)
    body = text_of(client.get(preview_url("new-dialogue")))
    assert "New Dialogue" in body and "has never been published" in body
    assert client.get("/mechanisms/new-dialogue/").status_code == 404


@pytest.mark.parametrize(
    "who",
    ["anonymous", "staff without permission", "permission without staff", "inactive staff"],
)
def test_preview_is_not_found_for_anyone_else(client, demo_data, who):
    with as_command():
        save_object(Mechanism(slug="new-dialogue", name="New Dialogue", kind="global"))
    if who == "staff without permission":
        log_in(client, codenames=())
    elif who == "permission without staff":
        log_in(client, staff=False)
    elif who == "inactive staff":
        user = log_in(client)
        user.is_active = False
        user.save()
    for slug in [ALMATY, "new-dialogue", "no-such-mechanism"]:
        response = client.get(preview_url(slug))
        # The same 404 as an unknown address: no login redirect that would confirm a draft.
        assert response.status_code == 404, (who, slug)
        assert "New Dialogue" not in text_of(response)


def test_preview_is_not_cached_for_the_public(client, demo_data):
    edit_working_copy(ALMATY, summary="Zanzibarian draft summary.")
    log_in(client)
    assert "Zanzibarian" in text_of(client.get(preview_url(ALMATY)))
    client.logout()
    assert client.get(preview_url(ALMATY)).status_code == 404
    assert "Zanzibarian" not in text_of(client.get(f"/mechanisms/{ALMATY}/"))


def test_other_apps_public_content_is_part_of_the_page_version(
    client, make_mechanism, publish_profiles, monkeypatch
):
    from profiles import selectors

    make_mechanism(slug="versioned")
    publish_profiles()
    renders = []
    real = selectors.get_profile
    monkeypatch.setattr(selectors, "get_profile", lambda slug: renders.append(slug) or real(slug))
    surveys_version = ["1"]
    monkeypatch.setattr(selectors.versions, "PUBLIC_VERSION_SOURCES", [lambda: surveys_version[0]])

    client.get("/mechanisms/versioned/")
    client.get("/mechanisms/versioned/")
    assert len(renders) == 1  # the second answer came from the cache
    surveys_version[0] = "2"  # e.g. a survey's answers were published
    client.get("/mechanisms/versioned/")
    assert len(renders) == 2


def test_publishing_one_profile_renders_again_only_the_pages_that_show_it(
    client, make_mechanism, publish_profiles, monkeypatch
):
    from profiles import selectors

    one, linked, _other = (make_mechanism(slug=s) for s in ["one", "linked", "other"])
    MechanismLink.objects.create(mechanism=linked, other_mechanism=one, kind="formal")
    publish_profiles()
    renders = []
    real = selectors.get_profile
    monkeypatch.setattr(selectors, "get_profile", lambda slug: renders.append(slug) or real(slug))
    for slug in ["one", "linked", "other"]:
        client.get(f"/mechanisms/{slug}/")
    assert renders == ["one", "linked", "other"]

    with as_command():
        one.name = "One Renamed"
        save_object(one)
        publish([one.pk])
    pages = {
        slug: text_of(client.get(f"/mechanisms/{slug}/")) for slug in ["one", "linked", "other"]
    }

    assert renders[3:] == ["one", "linked"]  # "other" came from the cache
    assert "One Renamed" in pages["one"] and "One Renamed" in pages["linked"]
    assert "One Renamed" in text_of(client.get("/mechanisms/"))


def test_with_a_shared_cache_each_process_keeps_its_own_copies_too(
    client, make_mechanism, publish_profiles, monkeypatch, settings
):
    from django.core.cache import caches

    from profiles import selectors

    memory = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {  # as with CACHE_URL: "default" stands for the shared Redis
        "default": {"BACKEND": memory, "LOCATION": "shared"},
        "pages": {"BACKEND": memory, "LOCATION": "this-process"},
    }
    make_mechanism(slug="layered", summary="First words.")
    publish_profiles()
    renders = []
    real = selectors.get_profile
    monkeypatch.setattr(selectors, "get_profile", lambda slug: renders.append(slug) or real(slug))

    client.get("/mechanisms/layered/")
    caches["pages"].clear()  # e.g. this process restarted: the shared copy serves
    assert "First words." in text_of(client.get("/mechanisms/layered/"))
    caches["default"].clear()  # e.g. the shared cache was flushed: this process's copy
    assert "First words." in text_of(client.get("/mechanisms/layered/"))
    assert renders == ["layered"]

    mechanism = edit_working_copy("layered", summary="Second words.")
    with as_command():
        publish([mechanism.pk])
    assert "Second words." in text_of(client.get("/mechanisms/layered/"))


def test_cache_keys_are_bounded_by_what_shapes_the_page(
    client, make_mechanism, publish_profiles, settings, request
):
    from django.core.cache import caches
    from django.test.signals import template_rendered

    memory = "django.core.cache.backends.locmem.LocMemCache"
    settings.CACHES = {  # as with CACHE_URL: "default" stands for the shared Redis
        "default": {"BACKEND": memory, "LOCATION": "shared"},
        "pages": {"BACKEND": memory, "LOCATION": "this-process"},
    }
    make_mechanism(slug="bounded", name="Bounded Dialogue")
    publish_profiles()
    # Every page rendered (not served from the cache) renders the site's base template once,
    # whichever view module renders it.
    renders = []

    def rendered(sender, template, **kwargs):
        if template.name == "base.html":
            renders.append(template.name)

    template_rendered.connect(rendered, weak=False)
    request.addfinalizer(lambda: template_rendered.disconnect(rendered))

    for query in ["", "?utm_source=x", "?utm_source=y&fbclid=z"]:
        client.get(f"/mechanisms/bounded/{query}")
        client.get(f"/{query}")
        client.get(f"/mechanisms/?kind=rcp&{query[1:]}")
    # Parameters that do not shape a page make no new key (and no new rendering).
    assert len(renders) == 3

    caches["pages"].clear()
    assert "Bounded Dialogue" in text_of(client.get("/mechanisms/", {"q": "bounded"}))
    assert len(renders) == 4
    # A free-text search is kept in this process's (bounded) memory, not the shared cache.
    caches["pages"].clear()
    client.get("/mechanisms/", {"q": "bounded"})
    assert len(renders) == 5


def test_published_version_moves_on_every_publication_and_unpublication(
    make_mechanism, publish_profiles
):
    from profiles.selectors import published_version
    from profiles.services import Actor, editing, unpublish

    first, second = make_mechanism(slug="first"), make_mechanism(slug="second")
    seen = [published_version()]
    publish_profiles(first)
    seen.append(published_version())
    publish_profiles(second)
    seen.append(published_version())
    publish_profiles(first)  # again, unchanged: a publication all the same
    seen.append(published_version())
    with editing(Actor.command("tests")):
        unpublish([second.pk])
    seen.append(published_version())
    assert len(set(seen)) == len(seen)
    assert published_version() == seen[-1]  # and stays put while nothing is published
