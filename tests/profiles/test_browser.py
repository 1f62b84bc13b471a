"""A real Chromium, driven by Playwright: home page → a profile, checked with axe-core;
every public page at phone and desktop widths."""

import pytest

from tests.conftest import run_axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']}: {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    )


def test_visitor_goes_from_home_to_a_profile_with_no_serious_a11y_issues(
    page, live_server, demo_data, axe_source
):
    page.goto(live_server.url + "/")
    assert page.title().startswith("ISCM Profiles") or "ISCM Profiles" in page.title()
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)

    page.get_by_role("link", name="Almaty Process", exact=False).first.click()
    page.wait_for_url("**/mechanisms/almaty-process/")
    heading = page.get_by_role("heading", level=1)
    assert (
        heading.inner_text() == "Almaty Process on Refugee Protection and International Migration"
    )
    assert page.get_by_role("heading", name="Salient ISCM structures").is_visible()
    assert page.locator("strong", has_text="Regional level:").is_visible()
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)


def test_skip_link_is_first_and_moves_focus_to_main(page, live_server, demo_data):
    page.goto(live_server.url + "/mechanisms/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused.lower().startswith("skip to")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_mechanism_list_filters_without_javascript(browser, live_server, demo_data, axe_source):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/mechanisms/")
        page.get_by_label("Global process").check()
        page.get_by_role("button", name="Apply filters").click()
        assert "kind=global" in page.url
        text = page.locator("main").inner_text()
        assert "Global Forum on Migration and Development" in text
        assert "Almaty Process" not in text
    finally:
        context.close()


PAGES = [
    "/mechanisms/",
    "/mechanisms/?kind=global",
    "/mechanisms/budapest-process/",
    "/no-such-page/",
    # Discovery: search, facets, table view, zero results, countries, compare, overlap.
    "/mechanisms/?q=refugee+protection",
    "/mechanisms/?q=Almati",
    "/mechanisms/?kind=global&region=africa&view=table",
    "/mechanisms/?q=zzzz&kind=rcp",
    "/mechanisms/gfmd/",
    "/countries/",
    "/countries/KAZ/",
    "/countries/KZ/",
    "/compare/",
    "/compare/?m=budapest-process&m=prague-process&m=almaty-process",
    "/overlap/",
    "/overlap/budapest-process/prague-process/",
]


@pytest.mark.parametrize("width", [320, 375, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_other_pages_have_no_serious_a11y_issues_and_fit_a_phone(
    browser, live_server, demo_data, axe_source, path, width
):
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 640})
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        violations = run_axe(page, axe_source)
        assert not violations, describe(violations)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wide = page.evaluate(
            "() => [...document.querySelectorAll('body *')]"
            ".filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
            ".slice(0, 5).map(e => e.outerHTML.slice(0, 120))"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px: {wide}"
    finally:
        context.close()


def test_pages_load_their_stylesheets(page, live_server, demo_data):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(live_server.url + "/mechanisms/almaty-process/")
    assert not failed
    # The site's stylesheet is applied: the header is not the browser's default white.
    background = page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")


def test_staff_preview_shows_the_banner_with_no_serious_a11y_issues(
    browser, live_server, demo_data, axe_source
):
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser("previewer", password="x"))
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/mechanisms/almaty-process/preview/")
        assert page.get_by_text("Draft preview — not public").is_visible()
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text().startswith("Almaty Process")
        violations = run_axe(page, axe_source)
        assert not violations, describe(violations)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        context.close()
