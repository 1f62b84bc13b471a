"""Production settings: `check --deploy` is clean, and the XML defences are active."""

import os
import subprocess
import sys
from pathlib import Path

import openpyxl.xml
import pytest

ROOT = Path(__file__).parents[1]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_SSL_REDIRECT"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-" + "x9Yq2" * 10,
        ALLOWED_HOSTS="iscm.example.org",
        SECURE_SSL_REDIRECT="1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_missing_secret_key_in_production_is_refused_clearly():
    result = run_manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_openpyxl_uses_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_ci_runs_against_postgresql(db):
    from django.db import connection

    if not os.environ.get("CI"):
        pytest.skip("only checked under CI (.ci/run), which must use PostgreSQL")
    assert connection.vendor == "postgresql"
