"""A researcher's journey in a real Chromium: search → facet → profile → compare → country,
with axe-core checking every page on the way."""

import pytest

from tests.conftest import run_axe
from tests.profiles.test_browser import describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(page, axe_source: str) -> None:
    violations = run_axe(page, axe_source)
    assert not violations, describe(violations)


def test_search_facet_profile_compare_country(page, live_server, demo_data, axe_source):
    page.goto(live_server.url + "/surveys/")  # any page: the header's search box
    page.get_by_label("Search mechanisms").fill("Morocco")
    page.get_by_label("Search mechanisms").press("Enter")
    page.wait_for_url("**/mechanisms/?q=Morocco")
    results = page.locator(".search-results")
    for name in ("Euro-African Dialogue", "Mediterranean Transit Migration", "5+5 Dialogue"):
        assert results.get_by_role("link", name=name).count() == 1
    assert "Arab Regional Consultative Process" in results.inner_text()
    assert_accessible(page, axe_source)

    page.get_by_label("Interregional forum").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**kind=interregional**")
    text = page.locator(".search-results").inner_text()
    assert "Euro-African Dialogue" in text
    assert "Arab Regional Consultative Process" not in text  # a regional process
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Euro-African Dialogue on Migration and Development").click()
    page.wait_for_url("**/mechanisms/rabat-process/")
    assert_accessible(page, axe_source)

    page.get_by_label("Compare Rabat Process with").select_option(label="MTM Dialogue")
    page.locator(".compare-with__form").get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare/?m=rabat-process&m=mtm-dialogue")
    facts = page.locator("table").first.inner_text()
    assert "Rabat Process" in facts and "MTM Dialogue" in facts
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="Morocco", exact=True).first.click()
    page.wait_for_url("**/countries/MAR/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Morocco")
    assert page.get_by_role("link", name="Euro-African Dialogue on Migration and Development")
    assert_accessible(page, axe_source)


def test_home_page_search_box_leads_to_the_results(page, live_server, demo_data):
    page.goto(live_server.url + "/")
    page.get_by_role("search").get_by_role("searchbox").fill("Almaty")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url("**/mechanisms/?q=Almaty")
    assert page.get_by_role("link", name="Almaty Process on Refugee Protection").count() == 1


def test_compare_checkboxes_on_the_list_lead_to_the_comparison(page, live_server, demo_data):
    page.goto(live_server.url + "/mechanisms/?q=process&sort=name")
    page.get_by_label("Compare Budapest Process").check()
    page.get_by_label("Compare Prague Process").check()
    page.get_by_role("button", name="Compare selected").click()
    page.wait_for_url("**/compare/?**")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Compare 2 mechanisms"


def test_overlap_matrix_leads_to_the_pair_with_most_shared_members(page, live_server, demo_data):
    page.goto(live_server.url + "/overlap/")
    first_pair = page.locator("table").first.get_by_role("link").first
    assert first_pair.inner_text() == "Budapest Process and Prague Process"
    first_pair.click()
    page.wait_for_url("**/overlap/budapest-process/prague-process/")
    assert "49" in page.locator("main").inner_text()
