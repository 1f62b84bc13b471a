"""Shared fixtures: demo data, factories, and a real Chromium driven by Playwright.

Under CI (CI=1, set by .ci/run) a missing Chromium is a failure; on a newcomer's machine
the browser tests are skipped with a message saying what to install.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone

from profiles import demo
from profiles.models import Mechanism, Participation, Section, Topic
from profiles.rendering import render_markdown

ASSETS = Path(__file__).parent / "assets"
UNDER_CI = bool(os.environ.get("CI"))


@pytest.fixture(scope="session", autouse=True)
def collected_static(tmp_path_factory) -> Path:
    """Collect static files once, as a deployment would, so pages use the real storage."""
    from django.conf import settings
    from django.core.management import call_command

    root = tmp_path_factory.mktemp("staticfiles")
    settings.STATIC_ROOT = root
    call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(scope="session")
def live_server(collected_static):
    """pytest-django's live server, but serving the *collected* static files.

    Its default handler serves from the finders, which know nothing of the hashed names
    that production storage writes into pages: every stylesheet would be a 404 and the
    browser tests would check an unstyled page.
    """
    from django.test.testcases import LiveServerThread, _StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread = LiveServerThread(
        "localhost",
        static_handler=_StaticFilesHandler,
        connections_override=server.thread.connections_override,
    )
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture
def demo_data(db) -> None:
    demo.load()


@pytest.fixture
def make_mechanism(db):
    """Create a mechanism; published unless told otherwise."""
    counter = iter(range(1, 10_000))

    def make(**fields) -> Mechanism:
        number = next(counter)
        fields.setdefault("name", f"Test Mechanism {number}")
        fields.setdefault("slug", f"test-mechanism-{number}")
        fields.setdefault("kind", Mechanism.Kind.RCP)
        fields.setdefault("is_published", True)
        if fields["is_published"]:
            fields.setdefault("published_at", timezone.now())
        return Mechanism.objects.create(**fields)

    return make


@pytest.fixture
def add_section(db):
    def add(mechanism: Mechanism, topic_key: str, body: str) -> Section:
        return Section.objects.create(
            mechanism=mechanism,
            topic=Topic.objects.get(key=topic_key),
            body=body,
            body_html=render_markdown(body),
        )

    return add


@pytest.fixture
def add_members(db):
    def add(mechanism: Mechanism, codes: list[str], role=Participation.Role.MEMBER) -> None:
        Participation.objects.bulk_create(
            Participation(mechanism=mechanism, country=code, role=role) for code in codes
        )

    return add


@pytest.fixture
def publish_profiles(db):
    """Publish mechanisms through the write gateway, as a publisher does (their snapshots).

    `publish_profiles(a, b)` publishes those; `publish_profiles()` every mechanism flagged
    published (e.g. by `make_mechanism`) — call it again after changing their rows.
    """
    from profiles.services import Actor, editing, publish

    def publish_(*mechanisms: Mechanism) -> None:
        ids = [m.pk for m in mechanisms] or list(
            Mechanism.objects.filter(is_published=True).values_list("pk", flat=True)
        )
        with editing(Actor.command("tests")):
            publish(ids)

    return publish_


@pytest.fixture
def no_page_cache(settings) -> None:
    """Public pages rendered on every request (to count what rendering costs)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture(autouse=True)
def _empty_page_cache() -> Iterator[None]:
    """Each test starts with empty caches (cached pages must not leak between tests)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()
    yield


def _chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    path = _chromium_path()
    if path is None:
        message = (
            "Chromium is not installed: the browser tests need it "
            "(Debian/Ubuntu: apt-get install -y chromium, or set CHROMIUM_PATH)."
        )
        if UNDER_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser(chromium_executable: str) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable,
            headless=True,
            # Without these, Chromium keeps trying to reach Google's hosts on a closed network.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator:
    # bypass_csp lets the tests inject axe-core into pages served under the site's strict CSP.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return (ASSETS / "axe.min.js").read_text(encoding="utf-8")


def run_axe(page, axe_source: str) -> list[dict]:
    """Serious and critical axe-core violations on the current page."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async () => await axe.run(document, "
        "{runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
        "'best-practice']}})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
