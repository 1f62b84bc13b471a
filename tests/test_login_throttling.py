"""Login throttling (django-axes): failures counted per account and per client address."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import F
from django.test import RequestFactory

from iscm_site.audit import client_ip, throttled_address
from iscm_site.login_delay import MAX_DELAY_SECONDS

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
LIMIT = 5  # the default LOGIN_FAILURE_LIMIT
PASSWORD = "a-long-password-1"


@pytest.fixture
def editor(db) -> User:
    return User.objects.create_user("editor", password=PASSWORD, is_staff=True)


def attempt(client, username: str, password: str, **extra):
    """A login after waiting out any delay since the last failure (tests/test_login_delay.py).

    Instead of waiting, the failures so far are moved back in time, by the longest delay:
    still well within the cool-off period.
    """
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - timedelta(seconds=MAX_DELAY_SECONDS)
    )
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, times: int, username: str = "editor", **extra) -> list[int]:
    return [attempt(client, username, "wrong", **extra).status_code for _ in range(times)]


@pytest.fixture
def audit_lines(caplog):
    """The iscm.audit lines written during the test."""
    caplog.set_level(logging.INFO, logger="iscm.audit")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "iscm.audit"]

    return lines


def test_the_settings_lock_after_five_failures_for_fifteen_minutes(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.TRUSTED_PROXY_COUNT == 0


def test_an_account_is_locked_after_five_failures_even_from_different_addresses(client, editor):
    statuses = [
        attempt(client, "editor", "wrong", REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]

    response = attempt(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429
    assert not signed_in(client)


def test_an_address_is_locked_after_five_failures_across_usernames(client, editor):
    statuses = [attempt(client, f"guess{n}", "wrong").status_code for n in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]

    # The right password for an account with no failures of its own: the address is locked.
    response = attempt(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    # Another client can still sign in to that account.
    response = attempt(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert signed_in(client)


def test_rotating_x_forwarded_for_does_not_escape_the_lockout(client, editor):
    statuses = [
        attempt(
            client,
            f"guess{n}",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            HTTP_X_REAL_IP=f"203.0.113.{n}",
        ).status_code
        for n in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}

    response = attempt(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
    assert not signed_in(client)


def test_behind_one_trusted_proxy_the_address_it_saw_is_counted(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The client forges the left part; the proxy appends the address it really saw.
    for n in range(LIMIT):
        forged = f"192.0.2.{n}, 203.0.113.9"
        attempt(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=forged, **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    locked = attempt(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert locked.status_code == 429

    # Another client behind the same proxy is not locked out.
    other = attempt(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy)
    assert other.status_code == 302


def test_client_ip_ignores_x_forwarded_for_unless_proxies_are_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9, 10.0.0.1"
    )
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 4  # fewer entries than proxies: not trusted
    assert client_ip(request) == "10.0.0.2"

    settings.TRUSTED_PROXY_COUNT = 1
    garbage = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="evil")
    assert client_ip(garbage) == "10.0.0.2"


def test_ipv6_clients_are_counted_by_their_slash_64():
    factory = RequestFactory()
    first = factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    second = factory.get("/", REMOTE_ADDR="2001:0db8:0001:0002:ffff::9")
    assert throttled_address(first) == throttled_address(second) == "2001:db8:1:2::"
    assert throttled_address(factory.get("/", REMOTE_ADDR="::ffff:192.0.2.5")) == "192.0.2.5"
    assert throttled_address(factory.get("/", REMOTE_ADDR="192.0.2.5")) == "192.0.2.5"


def test_an_ipv6_client_is_locked_across_its_slash_64(client, editor):
    statuses = [
        attempt(client, f"guess{n}", "wrong", REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}").status_code
        for n in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]
    response = attempt(client, "editor", PASSWORD, REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert response.status_code == 429
    response = attempt(client, "editor", PASSWORD, REMOTE_ADDR="2001:db8:1:3::1")
    assert response.status_code == 302


def test_a_successful_login_resets_the_failures(client, editor):
    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)
    assert attempt(client, "editor", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()

    client.logout()
    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)  # counted from zero again
    assert attempt(client, "editor", PASSWORD).status_code == 302


def test_the_lockout_page_says_for_how_long_and_whom_to_ask(client, editor):
    fail(client, LIMIT - 1)
    response = attempt(client, "editor", "wrong")
    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "<h1>Sign-in locked for 15 minutes</h1>" in body
    assert "for the account “editor”" in body
    assert "even with the right password" in body
    assert "ask an administrator of ISCM Profiles" in body
    assert 'href="/admin/login/"' in body
    assert '<html lang="en">' in body


def test_attempts_during_a_lockout_are_refused_without_being_counted(client, editor):
    fail(client, LIMIT)
    failures = AccessAttempt.objects.get().failures_since_start
    assert fail(client, 3) == [429] * 3
    assert AccessAttempt.objects.get().failures_since_start == failures == LIMIT


def test_axes_reset_unlocks_everything(client, editor):
    fail(client, LIMIT)
    assert attempt(client, "editor", PASSWORD).status_code == 429
    call_command("axes_reset", verbosity=0)
    assert attempt(client, "editor", PASSWORD).status_code == 302


def test_axes_reset_username_unlocks_one_account(client, editor):
    for n in range(LIMIT):
        attempt(client, "editor", "wrong", REMOTE_ADDR=f"198.51.100.{n}")
    assert attempt(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.50").status_code == 429
    call_command("axes_reset_username", "editor", verbosity=0)
    assert attempt(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.50").status_code == 302


def test_force_login_is_unaffected(client, editor):
    fail(client, LIMIT)
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


# Audit log lines


def test_a_successful_login_writes_one_line(client, editor, audit_lines):
    attempt(client, "editor", PASSWORD)
    assert audit_lines() == ["event=login.succeeded user=editor ip=127.0.0.1"]


def test_a_failed_login_writes_one_line_without_the_password(client, editor, caplog, audit_lines):
    caplog.set_level(logging.DEBUG)  # every logger, axes included
    attempt(client, "editor", "hunter2-secret")
    assert audit_lines() == ["event=login.failed user=editor ip=127.0.0.1"]
    assert "hunter2-secret" not in caplog.text


def test_each_attempt_writes_one_line_the_lockout_instead_of_its_failure(
    client, editor, caplog, audit_lines
):
    caplog.set_level(logging.DEBUG)
    fail(client, LIMIT - 1)
    attempt(client, "editor", "wrong-again")
    assert audit_lines() == ["event=login.failed user=editor ip=127.0.0.1"] * (LIMIT - 1) + [
        "event=login.locked_out user=editor ip=127.0.0.1 lockout=new failures=5 cooloff_minutes=15"
    ]

    attempt(client, "editor", PASSWORD)
    assert audit_lines()[-1] == (
        "event=login.locked_out user=editor ip=127.0.0.1 lockout=ongoing cooloff_minutes=15"
    )
    assert len(audit_lines()) == LIMIT + 1  # one line per attempt
    assert PASSWORD not in caplog.text
    assert "wrong-again" not in caplog.text


def test_a_username_with_a_newline_stays_on_one_line(client, editor, audit_lines):
    attempt(client, "editor\nevent=login.succeeded", "wrong")
    (line,) = audit_lines()
    assert line == 'event=login.failed user="editor\\nevent=login.succeeded" ip=127.0.0.1'
