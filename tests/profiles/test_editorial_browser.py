"""The editorial workflow in a real browser: edit, preview, publish, history, restore, conflicts.

An editor and a publisher each sign in through the login page in their own browser
context; an anonymous context reads the public page.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from history.models import ChangeSet
from profiles.models import Mechanism, PublishedProfile
from profiles.roles import ensure_roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EDITED = "Edited in the browser by the editor."


def make_staff(name: str, group: str) -> User:
    ensure_roles()  # a transactional test flushes the groups the migration made
    user = User.objects.create_user(name, password="a long test password", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def signed_in(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("a long test password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")
    return context, page


def change_url(live_server, mechanism: Mechanism) -> str:
    return live_server.url + reverse("admin:profiles_mechanism_change", args=[mechanism.pk])


def public_text(browser, live_server, slug: str) -> str:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/mechanisms/{slug}/")
        return page.content()
    finally:
        context.close()


def test_edit_preview_publish_compare_and_restore(browser, live_server, demo_data):
    from playwright.sync_api import expect

    make_staff("editor", "IPD editors")
    make_staff("publisher", "IPD publishers")
    almaty = Mechanism.objects.get(slug="almaty-process")

    # The editor edits the published profile: the public page does not change.
    editor_context, editor = signed_in(browser, live_server, "editor")
    editor.goto(change_url(live_server, almaty))
    expect(editor.locator('input[name="_publish"]')).to_have_count(0)
    editor.locator("#id_summary").fill(EDITED)
    editor.get_by_role("button", name="Save", exact=True).first.click()
    expect(editor.locator(".messagelist")).to_contain_text("publisher publishes")
    assert EDITED not in public_text(browser, live_server, "almaty-process")

    # The preview shows the draft as the public page will look.
    editor.goto(f"{live_server.url}/mechanisms/almaty-process/preview/")
    expect(editor.locator("body")).to_contain_text(EDITED)
    editor_context.close()

    # The publisher publishes: now the public sees it.
    publisher_context, publisher = signed_in(browser, live_server, "publisher")
    publisher.goto(change_url(live_server, almaty))
    publisher.get_by_role("button", name="Save and publish").first.click()
    expect(publisher.locator(".messagelist")).to_contain_text("is published")
    assert EDITED in public_text(browser, live_server, "almaty-process")

    # History: both versions, a readable diff, a restore attributed to the publisher.
    publisher.goto(change_url(live_server, almaty))
    publisher.locator(".field-publication_details").get_by_role("link", name="History").click()
    rows = publisher.locator("table.history-versions tbody tr")
    expect(rows.filter(has_text="editor")).to_have_count(1)
    expect(rows).to_have_count(Mechanism.history.filter(id=almaty.pk).count())
    versions = reverse("admin:profiles_mechanism_versions_compare", args=[almaty.pk])
    publisher.goto(f"{live_server.url}{versions}?a=1&b=2")
    expect(publisher.locator("ins").first).to_contain_text("Edited")
    publisher.goto(
        live_server.url + reverse("admin:profiles_mechanism_versions_restore", args=[almaty.pk, 1])
    )
    publisher.get_by_role("button", name="Restore version 1").click()
    almaty.refresh_from_db()
    assert almaty.version == 3 and almaty.summary != EDITED
    restore = ChangeSet.objects.filter(via=ChangeSet.Via.RESTORE).get()
    assert restore.username == "publisher"
    # The restore goes public only when published.
    assert PublishedProfile.objects.get(mechanism=almaty).version == 2
    assert EDITED in public_text(browser, live_server, "almaty-process")
    publisher_context.close()


def test_two_editors_on_one_page_the_second_save_is_refused_and_nothing_is_lost(
    browser, live_server, demo_data
):
    from playwright.sync_api import expect

    make_staff("editor", "IPD editors")
    make_staff("publisher", "IPD publishers")
    bali = Mechanism.objects.get(slug="bali-process")
    first_context, first = signed_in(browser, live_server, "editor")
    second_context, second = signed_in(browser, live_server, "publisher")
    first.goto(change_url(live_server, bali))
    second.goto(change_url(live_server, bali))

    first.locator("#id_summary").fill("The first editor's summary.")
    first.get_by_role("button", name="Save", exact=True).first.click()
    expect(first.locator(".messagelist")).to_be_visible()

    second.locator("#id_summary").fill("The second editor's summary.")
    second.get_by_role("button", name="Save", exact=True).first.click()
    expect(second.locator(".errornote, .errorlist").first).to_be_visible()
    expect(second.locator("body")).to_contain_text("someone else saved this mechanism")
    expect(second.locator("body")).to_contain_text("editor")
    # The second editor's input is still in the form; the first edit is kept.
    expect(second.locator("#id_summary")).to_have_value("The second editor's summary.")
    bali.refresh_from_db()
    assert bali.summary == "The first editor's summary."
    first_context.close()
    second_context.close()
