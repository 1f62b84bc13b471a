"""The admin answers forged or broken input with a message, never with a server error:
changelist actions with ids that are not ids."""

import pytest
from django.contrib.auth.models import User

from profiles.models import Mechanism

pytestmark = pytest.mark.django_db


# --- changelist actions with forged selections ----------------------------------------------


def post_action(client, url: str, action: str, selected: list[str], **extra):
    return client.post(
        url,
        {"action": action, "index": "0", "_selected_action": selected, **extra},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("action", ["export_selected_workbook", "delete_selected"])
@pytest.mark.parametrize("value", ["abc", "1.5", "", "9" * 30, "1\x00"])
def test_action_with_an_invalid_selection_shows_a_message_and_does_nothing(
    admin_client, make_mechanism, action, value
):
    mechanism = make_mechanism()
    response = post_action(
        admin_client, "/admin/profiles/mechanism/", action, [str(mechanism.pk), value]
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/profiles/mechanism/"
    (message,) = messages_of(response)
    assert "The selection is not valid" in message
    assert "nothing was done" in message
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()


def test_delete_confirmation_with_an_invalid_selection_deletes_nothing(
    admin_client, make_mechanism
):
    mechanism = make_mechanism()
    # The confirmation page posts back without "index" and with post=yes.
    response = admin_client.post(
        "/admin/profiles/mechanism/",
        {"action": "delete_selected", "post": "yes", "_selected_action": ["abc"]},
        follow=True,
    )
    assert response.status_code == 200
    assert "The selection is not valid" in messages_of(response)[0]
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/profiles/organisation/",
        "/admin/profiles/section/",
        "/admin/profiles/participation/",
        "/admin/profiles/mechanismlink/",
        "/admin/profiles/document/",
        "/admin/profiles/topic/",
        "/admin/profiles/region/",
        "/admin/profiles/thematicarea/",
        "/admin/auth/user/",
        "/admin/auth/group/",
    ],
)
def test_every_list_page_refuses_an_invalid_selection_with_a_message(admin_client, url):
    response = post_action(admin_client, url, "delete_selected", ["abc"])
    assert response.status_code == 200
    assert "The selection is not valid" in messages_of(response)[0]


def test_valid_selections_still_work(admin_client, make_mechanism):
    keep, remove = make_mechanism(), make_mechanism()
    response = admin_client.post(
        "/admin/profiles/mechanism/",
        {"action": "export_selected_workbook", "index": "0", "_selected_action": [keep.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    post_action(
        admin_client,
        "/admin/profiles/mechanism/",
        "delete_selected",
        [str(remove.pk)],
        post="yes",
    )
    assert list(Mechanism.objects.values_list("pk", flat=True)) == [keep.pk]


def test_staff_without_permission_still_gets_no_action(client, make_mechanism):
    mechanism = make_mechanism()
    user = User.objects.create_user("visitor", password="x", is_staff=True)
    client.force_login(user)
    response = client.post(
        "/admin/profiles/mechanism/",
        {"action": "delete_selected", "index": "0", "_selected_action": [mechanism.pk]},
    )
    assert response.status_code == 403
    assert Mechanism.objects.filter(pk=mechanism.pk).exists()
