#!/usr/bin/env python
"""Public page timings against a trivial view, measured in one run on the demo data.

    make bench                       # SQLite (in-memory test database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm make bench

Creates a throw-away test database, loads the demo data (published through the write
gateway), then requests each page through Django's full stack (middleware, templates,
database) with the test client, as an anonymous visitor. Reports the median time per
request, its ratio to a trivial page served by the same stack (the site's base template
around one heading, no query), and the number of queries: once as served (rendered
public pages cached, keyed on the published versions: `CACHES`, local memory unless
`CACHE_URL` is set) and once with the page cache off (every request renders from the
published snapshots). Also shows that query counts stay the same when the data grows.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_site.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

WARMUP = 20
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))


def trivial(request):
    return HttpResponse("ok")


def trivial_page(request):
    """The site's base template around one heading: the floor for any real page."""
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}<h1>Trivial page</h1>{% endblock %}'
    )
    return HttpResponse(template.render({}, request))


urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/trivial-page", trivial_page),
    path("", include("iscm_site.urls")),
]


def measure(client: Client, pages: dict[str, str], rounds: int) -> dict[str, tuple[float, int]]:
    """Median ms and queries of each page. The pages take turns, request by request, so
    that a machine busy with something else slows them all alike (the ratios hold)."""
    for url in pages.values():
        for _ in range(WARMUP):
            assert client.get(url).status_code == 200, url
    timings: dict[str, list[float]] = {label: [] for label in pages}
    for _ in range(rounds):
        for label, url in pages.items():
            start = time.perf_counter()
            client.get(url)
            timings[label].append(time.perf_counter() - start)
    results = {}
    for label, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results[label] = (statistics.median(timings[label]) * 1000, len(queries))
    return results


def grow_data() -> None:
    """Add 100 published mechanisms with 5 sections and 30 participants each."""
    from django.utils import timezone

    from profiles.models import Mechanism, Participation, Region, Section, Topic
    from profiles.services import Actor, editing, publish

    topics = list(Topic.objects.all())
    regions = list(Region.objects.all())
    codes = ["KZ", "KG", "TJ", "TM", "UZ", "AF", "TR", "AZ", "IR", "PK"] * 3
    almaty = Mechanism.objects.get(slug="almaty-process")
    for number in range(100):
        mechanism = Mechanism.objects.create(
            name=f"Bench Mechanism {number}",
            slug=f"bench-{number}",
            kind="rcp",
            is_published=True,
            published_at=timezone.now(),
        )
        mechanism.regions.set(regions[:2])
        Section.objects.bulk_create(
            Section(mechanism=mechanism, topic=t, body="x", body_html="<p>x</p>") for t in topics
        )
        Participation.objects.bulk_create(
            Participation(mechanism=mechanism, country=code, role=role)
            for code, role in zip(
                codes, ["member"] * 10 + ["observer"] * 10 + ["chair"] * 10, strict=True
            )
        )
    # Grow the Almaty profile itself: more participants in more roles.
    Participation.objects.bulk_create(
        Participation(mechanism=almaty, country=code, role="partner", since=2015)
        for code in ["DE", "FR", "IT", "ES", "NL", "BE", "SE", "NO", "FI", "DK"]
    )
    with editing(Actor.command("bench")):
        publish(Mechanism.objects.values_list("pk", flat=True))


UNCACHED = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def main() -> None:
    import tempfile

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command

    from profiles import demo

    # Serve static files as a deployment does: collected, with a manifest.
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="iscm-bench-static-")
    call_command("collectstatic", interactive=False, verbosity=0)
    # No setup_test_environment(): it instruments template rendering (the test client then
    # copies the context for every template and include rendered), which no server does.
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    try:
        demo.load()
        cache.clear()
        client = Client()
        pages = {
            "bare view (HttpResponse)": "/bench/trivial",
            "trivial page (baseline: base.html, no query)": "/bench/trivial-page",
            "/healthz (one query)": "/healthz",
            "profile /mechanisms/almaty-process/": "/mechanisms/almaty-process/",
            "list /mechanisms/": "/mechanisms/",
            "search /mechanisms/?q=migration+process": "/mechanisms/?q=migration+process",
            "home /": "/",
        }
        with override_settings(ROOT_URLCONF=__name__):
            cached = measure(client, pages, ROUNDS)
            with override_settings(CACHES=UNCACHED):
                uncached = measure(client, pages, ROUNDS)
            grow_data()
            grown = {label: v[1] for label, v in measure(client, pages, 1).items()}
            with override_settings(CACHES=UNCACHED):
                grown_uncached = {label: v[1] for label, v in measure(client, pages, 1).items()}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    # Each phase against its own baseline, measured in turn with its pages.
    baseline = cached["trivial page (baseline: base.html, no query)"][0]
    baseline_off = uncached["trivial page (baseline: base.html, no query)"][0]
    print(
        f"Database: {connection.vendor}; page cache: {backend}; {ROUNDS} requests per page "
        f"after {WARMUP} warm-up requests."
    )
    print()
    print(
        "| page | as served: median ms | × trivial | queries (demo / +100) "
        "| cache off: median ms | × trivial | queries (demo / +100) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, (median, queries) in cached.items():
        off, off_queries = uncached[label]
        print(
            f"| {label} | {median:.2f} | {median / baseline:.1f} | {queries} / {grown[label]} "
            f"| {off:.2f} | {off / baseline_off:.1f} | {off_queries} / {grown_uncached[label]} |"
        )


if __name__ == "__main__":
    main()
