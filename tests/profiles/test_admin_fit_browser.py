"""The mechanism pages in a real Chromium: nothing wider than the screen, every control named
(axe-core), and countries and organisations chosen as an editor would, with JavaScript under
the site's real Content-Security-Policy and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from profiles.models import Mechanism, Organisation, Participation
from tests.conftest import run_axe
from tests.profiles.test_admin_import_browser import _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What an editor types into or chooses from (select2 hides the <select> it replaces).
CONTROLS = (
    "input:not([type=hidden]), select:not(.select2-hidden-accessible), textarea, .select2-container"
)

OUTSIDE_THE_SCREEN = """([selector, skipScrollRegions]) => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll(selector)]
        .filter((e) => e.getClientRects().length > 0)  // rendered
        .filter((e) => !(skipScrollRegions && e.closest(".wrapper")))
        .filter((e) => {
            const box = e.getBoundingClientRect();
            return box.left < 0 || box.right > width;
        })
        .map((e) => e.id || e.getAttribute("name") || e.className);
}"""

SELECT2_NAMED = """() => [...document.querySelectorAll(".select2-selection")].every(
    (box) => (box.getAttribute("aria-labelledby") || "").includes("-label"))"""


def _change_path(slug: str) -> str:
    return f"/admin/profiles/mechanism/{Mechanism.objects.get(slug=slug).pk}/change/"


@pytest.mark.parametrize("width", [1280, 375])
def test_mechanism_pages_fit_the_screen_and_are_accessible(
    browser, live_server, admin_user, demo_data, axe_source, width
):
    pages = [
        ("the Almaty Process (every kind of row)", _change_path("almaty-process")),
        ("the Budapest Process (59 participants)", _change_path("budapest-process")),
        ("a new mechanism", "/admin/profiles/mechanism/add/"),
        ("the mechanisms' list", "/admin/profiles/mechanism/"),
    ]
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server)
        for what, path in pages:
            page.goto(live_server.url + path)
            page.wait_for_function(SELECT2_NAMED)

            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{what} at {width}px scrolls sideways by {overflow}px"
            # At 1280 px every control is on the screen; on a phone a table of rows may
            # scroll within its own box (as the import previews do), the page never.
            outside = page.evaluate(OUTSIDE_THE_SCREEN, [CONTROLS, width < 1280])
            assert outside == [], f"{what} at {width}px: controls off the screen"

            violations = run_axe(page, axe_source)
            assert violations == [], (what, width, violations)
    finally:
        context.close()


def test_an_editor_adds_a_country_and_an_organisation_with_autocomplete(
    browser, live_server, admin_user, demo_data
):
    almaty = Mechanism.objects.get(slug="almaty-process")
    rows = almaty.participations.count()
    # The site's own Content-Security-Policy applies: every script must come from static/.
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    try:
        _log_in(page, live_server)
        page.goto(live_server.url + _change_path("almaty-process"))

        # A country: typed, with the browser's suggestions from the page's list.
        page.locator(f"#id_participations-{rows}-country").fill("Mongolia")
        page.locator(f"#id_participations-{rows}-role").select_option("observer")

        # An organisation: a new row, then Django's autocomplete (select2).
        page.get_by_role("button", name="Add another Participant").click()
        added = page.locator(f"#participations-{rows + 1}")
        combobox = added.get_by_role("combobox", name="Organisation")
        combobox.click()
        page.locator(".select2-search__field").fill("ICMPD")
        page.locator(".select2-results__option", has_text="(ICMPD)").click()
        expect(combobox).to_contain_text("ICMPD")
        added.get_by_label("Role").select_option("partner")

        page.get_by_role("button", name="Save and continue editing").first.click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        assert almaty.participations.filter(country="MN", role="observer").exists()
        assert almaty.participations.filter(organisation__acronym="ICMPD", role="partner").exists()
        # Shown back by name, in the row's own box (select2 puts its "×" in the name).
        named = re.compile(r"^Organisation ×?International Centre .* \(ICMPD\)$")
        expect(page.get_by_role("combobox", name=named)).to_be_visible()
        assert errors == []
    finally:
        context.close()


def test_participants_are_added_without_javascript(browser, live_server, admin_user, demo_data):
    budapest = Mechanism.objects.get(slug="budapest-process")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server)
        page.goto(live_server.url + _change_path("budapest-process"))
        row = budapest.participations.count()
        page.locator(f"#id_participations-{row}-country").fill("JPN")
        page.locator(f"#id_participations-{row}-role").select_option("observer")
        page.get_by_role("button", name="Save and continue editing").first.click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        assert budapest.participations.filter(country="JP", role="observer").exists()

        # The new row's organisation box is a plain select of every organisation.
        row += 1
        icmpd = Organisation.objects.get(acronym="ICMPD")
        page.locator(f"#id_participations-{row}-organisation").select_option(str(icmpd.pk))
        page.locator(f"#id_participations-{row}-role").select_option("secretariat")
        page.get_by_role("button", name="Save and continue editing").first.click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        assert Participation.objects.filter(
            mechanism=budapest, organisation=icmpd, role="secretariat"
        ).exists()
    finally:
        context.close()
