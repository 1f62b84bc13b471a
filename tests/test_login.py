"""Signing in: every path through the login page ends on a page that exists."""

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import RequestFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


def test_signing_in_without_next_lands_on_the_admin_index(client, admin_user):
    response = client.post(LOGIN, {"username": "admin", "password": "password"}, follow=True)
    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200
    assert response.context["user"].username == "admin"
    assert "Log out" in response.content.decode()


def test_signing_in_with_next_goes_there(client, admin_user):
    response = client.post(
        LOGIN + "?next=/admin/profiles/mechanism/",
        {"username": "admin", "password": "password", "next": "/admin/profiles/mechanism/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/admin/profiles/mechanism/"
    assert response.status_code == 200


def test_a_wrong_password_shows_the_login_form_again_with_a_message(client, admin_user):
    response = client.post(LOGIN, {"username": "admin", "password": "wrong"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == []
    body = response.content.decode()
    assert "Please enter the correct username and password" in body
    assert 'name="password"' in body


def test_a_user_who_is_not_staff_is_told_so_on_the_login_page(client):
    User.objects.create_user("reader", password="a-long-password-1")
    response = client.post(
        LOGIN, {"username": "reader", "password": "a-long-password-1"}, follow=True
    )
    assert response.status_code == 200
    assert "Please enter the correct username and password for a staff account" in (
        response.content.decode()
    )


def test_login_required_sends_visitors_to_a_login_page_that_exists(client):
    view = login_required(lambda request: HttpResponse("secret"))
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == LOGIN + "?next=/somewhere/"
    assert client.get(response["Location"]).status_code == 200


def test_login_settings_name_pages_that_exist(admin_client):
    assert resolve_url(settings.LOGIN_URL) == LOGIN
    assert admin_client.get(resolve_url(settings.LOGIN_REDIRECT_URL)).status_code == 200
