"""A real Chromium, driven by Playwright: the demo survey page → a profile, checked with
axe-core; the page works without JavaScript and fits a phone."""

import pytest

from surveys import demo
from tests.conftest import run_axe
from tests.profiles.test_browser import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SURVEY_URL = f"/surveys/{demo.SURVEY['slug']}/"


@pytest.fixture
def demo_survey(demo_data) -> None:
    demo.load()


def test_visitor_goes_from_the_survey_page_to_a_profile_with_no_serious_a11y_issues(
    page, live_server, demo_survey, axe_source
):
    page.goto(live_server.url + "/surveys/")
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)
    page.get_by_role("link", name=demo.SURVEY["title"]).click()
    page.wait_for_url("**" + SURVEY_URL)
    assert page.get_by_role("heading", level=1).inner_text() == demo.SURVEY["title"]
    assert page.locator("svg.chart").first.is_visible()
    assert page.get_by_role("img").first.is_visible()  # the charts are images with a title
    assert page.get_by_text("Demo data.").is_visible()
    page.locator("details.breakdown summary").first.click()  # opens without JavaScript too
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)

    page.get_by_role("link", name="Almaty Process", exact=False).first.click()
    page.wait_for_url("**/mechanisms/almaty-process/")
    figures = page.locator("#survey-figures")
    assert "2 referred to this mechanism" in figures.inner_text()
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)


def test_survey_page_fits_a_phone_and_works_without_javascript(
    browser, live_server, demo_survey, axe_source
):
    context = browser.new_context(
        bypass_csp=True, java_script_enabled=False, viewport={"width": 320, "height": 640}
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + SURVEY_URL)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        assert page.locator("table").count() > 10
    finally:
        context.close()
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        page.goto(live_server.url + SURVEY_URL)
        violations = run_axe(page, axe_source)
        assert not violations, describe(violations)
    finally:
        context.close()
