"""A real Chromium, driven by Playwright: home page → a profile, checked with axe-core."""

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
        page.get_by_label("Kind").select_option("global")
        page.get_by_role("button", name="Filter").click()
        assert "kind=global" in page.url
        text = page.locator("main").inner_text()
        assert "Global Forum on Migration and Development" in text
        assert "Almaty Process" not in text
    finally:
        context.close()
