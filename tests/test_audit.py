"""Audit log lines: one event, one line, `event=… key=value…`, nothing secret."""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import RequestFactory

from iscm_site.audit import audit, format_value


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger="iscm.audit")

    def written() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "iscm.audit"]

    return written


def test_a_line_starts_with_the_event_then_user_then_fields_in_order(lines):
    audit("import.applied", user="alice", source="profiles.xlsx", created=3, updated=12)
    assert lines() == ["event=import.applied user=alice source=profiles.xlsx created=3 updated=12"]


def test_it_is_written_at_info_on_the_iscm_audit_logger(caplog):
    caplog.set_level(logging.INFO, logger="iscm.audit")
    audit("publish", user="alice")
    (record,) = caplog.records
    assert (record.name, record.levelno) == ("iscm.audit", logging.INFO)


def test_the_settings_write_audit_lines_even_when_log_level_is_higher():
    assert logging.getLogger("iscm.audit").getEffectiveLevel() == logging.INFO


def test_a_user_object_is_written_as_its_username(db, lines):
    user = User.objects.create_user("bob")
    audit("publish", user=user, mechanism="almaty-process")
    assert lines() == ["event=publish user=bob mechanism=almaty-process"]


def test_a_request_gives_the_address_and_the_signed_in_user(db, lines):
    request = RequestFactory().post("/admin/", REMOTE_ADDR="192.0.2.4")
    request.user = User.objects.create_user("carol")
    audit("refused", request=request, reason="no publish permission")
    assert lines() == ['event=refused user=carol ip=192.0.2.4 reason="no publish permission"']


def test_an_anonymous_request_has_no_user(lines):
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.4")
    request.user = AnonymousUser()
    audit("refused", request=request, reason="signed out")
    assert lines() == ['event=refused ip=192.0.2.4 reason="signed out"']


def test_none_values_are_left_out_and_booleans_are_yes_or_no(lines):
    audit("import.applied", user=None, replace=True, dry_run=False, note=None)
    assert lines() == ["event=import.applied replace=yes dry_run=no"]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", "plain"),
        ("two words", '"two words"'),
        ("", '""'),
        ("a=b", '"a=b"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("line\nbreak", '"line\\nbreak"'),
        ("cr\rlf", '"cr\\rlf"'),
        ("tab\there", '"tab\\there"'),
        ("nul\x00byte", '"nul\\u0000byte"'),
        ("sep\u2028arator", '"sep\\u2028arator"'),
        ("next\x85line", '"next\\u0085line"'),
        ("Zürich–Genève", "Zürich–Genève"),
        (42, "42"),
    ],
)
def test_values_are_quoted_and_escaped_onto_one_line(value, written):
    assert format_value(value) == written


def test_no_value_can_break_the_line(lines):
    nasty = "x\ny\r\nz\u2028w\u2029v\x0bu\x0ct\x1cs\x1dr\x1eq\x85p"
    audit("login.failed", user=nasty, note=nasty)
    (line,) = lines()
    assert len(line.splitlines()) == 1
    assert line.startswith("event=login.failed user=")


def test_long_values_are_cut(lines):
    audit("import.applied", source="x" * 1000)
    (line,) = lines()
    assert line == f'event=import.applied source="{"x" * 200}…[+800 chars]"'


def test_fields_named_like_secrets_are_redacted(lines):
    audit("login.failed", user="alice", password="hunter2", session_key="abc", api_token="t")
    assert lines() == [
        "event=login.failed user=alice password=[redacted] session_key=[redacted] "
        "api_token=[redacted]"
    ]
