"""Growing delays after repeated failed logins, before the lockout (iscm_site/login_delay.py).

Nothing is frozen or slept: waiting is simulated by moving axes' AccessAttempt rows back.
"""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db.models import F, Sum
from django.utils import timezone

from iscm_site.login_delay import MAX_DELAY_SECONDS, delay_after

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
LIMIT = 5  # the default LOGIN_FAILURE_LIMIT
PASSWORD = "a-long-password-1"
MESSAGE = "Too many failed attempts: try again in {} second{}"


@pytest.fixture
def editor(db) -> User:
    return User.objects.create_user("editor", password=PASSWORD, is_staff=True)


@pytest.fixture
def audit_lines(caplog):
    caplog.set_level(logging.INFO, logger="iscm.audit")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "iscm.audit"]

    return lines


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The usernames whose password was checked, in order."""
    checked = []
    authenticate = ModelBackend.authenticate

    def recording(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return authenticate(self, request, username, password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", recording)
    return checked


def attempt(client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def failures() -> int:
    return AccessAttempt.objects.aggregate(n=Sum("failures_since_start"))["n"] or 0


def just_now() -> None:
    """The last failures happened this very moment (so Retry-After is exact)."""
    AccessAttempt.objects.update(attempt_time=timezone.now())


def wait(seconds: float) -> None:
    """As if `seconds` had passed since every failure so far."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def assert_slowed(response, seconds: int) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(seconds)
    assert "registration/login_delay.html" in [t.name for t in response.templates]
    assert MESSAGE.format(seconds, "" if seconds == 1 else "s") in response.content.decode()


def test_the_delay_doubles_from_the_second_failure_up_to_a_cap():
    assert [delay_after(n) for n in range(8)] == [0, 0, 2, 4, 8, 16, 32, MAX_DELAY_SECONDS]
    assert delay_after(1000) == MAX_DELAY_SECONDS == 60


def test_a_third_attempt_right_after_two_failures_is_refused_unchecked(
    client, editor, password_checks, audit_lines
):
    assert attempt(client, "editor", "wrong").status_code == 200
    assert attempt(client, "editor", "wrong").status_code == 200  # no delay after one
    assert failures() == 2
    just_now()

    # Even the right password: refused without being checked or counted.
    response = attempt(client, "editor", PASSWORD)
    assert_slowed(response, 2)
    body = response.content.decode()
    assert "for the account “editor”" in body
    assert 'href="/admin/login/"' in body
    assert '<html lang="en">' in body
    assert password_checks == ["editor", "editor"]
    assert failures() == 2
    assert not signed_in(client)
    assert audit_lines()[-1] == "event=login.slowed user=editor ip=127.0.0.1 retry_after=2"
    assert len(audit_lines()) == 3  # one line per attempt

    wait(1)
    assert_slowed(attempt(client, "editor", PASSWORD), 1)
    wait(1)
    assert attempt(client, "editor", PASSWORD).status_code == 302
    assert signed_in(client)
    assert password_checks == ["editor"] * 3
    assert not AccessAttempt.objects.exists()


def test_after_the_delay_a_wrong_password_is_counted_and_the_delay_grows(client, editor):
    attempt(client, "editor", "wrong")
    attempt(client, "editor", "wrong")
    for failed, delay in [(2, 2), (3, 4), (4, 8)]:
        just_now()
        assert_slowed(attempt(client, "editor", "wrong"), delay)
        assert failures() == failed
        wait(delay)
        response = attempt(client, "editor", "wrong")
        assert failures() == failed + 1
        assert response.status_code == (429 if failed + 1 == LIMIT else 200)

    # The 5th failure locked out: axes answers from then on, not the delay.
    assert "registration/lockout.html" in [t.name for t in response.templates]
    response = attempt(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    assert "Retry-After" not in response
    assert not signed_in(client)


def test_an_address_is_slowed_across_usernames(client, editor, password_checks):
    attempt(client, "guess0", "wrong")
    attempt(client, "guess1", "wrong")
    just_now()
    # An account with no failures of its own, from the address with two.
    assert_slowed(attempt(client, "editor", PASSWORD), 2)
    assert password_checks == ["guess0", "guess1"]
    # Another client is not slowed.
    response = attempt(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302


def test_an_account_is_slowed_across_addresses(client, editor):
    attempt(client, "editor", "wrong", REMOTE_ADDR="198.51.100.1")
    attempt(client, "editor", "wrong", REMOTE_ADDR="198.51.100.2")
    just_now()
    assert_slowed(attempt(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.3"), 2)
    # The username as the login form cleans it (and axes counts it).
    assert_slowed(attempt(client, "editor ", PASSWORD, REMOTE_ADDR="198.51.100.3"), 2)
    # Another account from a fresh address is not slowed.
    User.objects.create_user("other", password=PASSWORD, is_staff=True)
    assert attempt(client, "other", PASSWORD, REMOTE_ADDR="198.51.100.3").status_code == 302


def test_forged_x_forwarded_for_does_not_escape_the_delay(client, editor):
    for n in range(2):
        attempt(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    just_now()
    response = attempt(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert_slowed(response, 2)
    assert not signed_in(client)


def test_the_login_page_itself_is_not_slowed(client, editor):
    attempt(client, "editor", "wrong")
    attempt(client, "editor", "wrong")
    just_now()
    assert client.get(LOGIN).status_code == 200


def test_a_successful_login_resets_the_delay(client, editor):
    attempt(client, "editor", "wrong")
    attempt(client, "editor", "wrong")
    wait(2)
    assert attempt(client, "editor", PASSWORD).status_code == 302
    client.logout()
    # Counted from zero again: two failures in a row are not slowed.
    assert [attempt(client, "editor", "wrong").status_code for _ in range(2)] == [200, 200]
    just_now()
    assert_slowed(attempt(client, "editor", "wrong"), 2)
