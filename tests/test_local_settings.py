"""After `make run`, the README's manage.py commands work in the checkout without exporting
anything: `make run` writes `local.env` (DEBUG=1, a generated SECRET_KEY), which the
settings read unless the environment says otherwise."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from iscm_site.settings import LOCAL_ENV_FILE, environment, read_env_file

ROOT = Path(__file__).parents[1]
PROJECT = [
    "manage.py",
    "Makefile",
    "iscm_site",
    "history",
    "workbook",
    "profiles",
    "surveys",
    "templates",
]


# --- the loader ----------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_lives_in_the_checkout_and_is_git_ignored():
    assert LOCAL_ENV_FILE == ROOT / "local.env"
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "local.env"], cwd=ROOT, capture_output=True
    )
    assert ignored.returncode == 0, "local.env must be git-ignored"


def test_reads_names_and_values_ignoring_comments_and_blank_lines(tmp_path):
    env = write(
        tmp_path / "local.env",
        "# comment\n\nDEBUG=1\nSECRET_KEY = abc=def \nexport LOG_LEVEL=INFO\nQUOTED='a b'\n",
    )
    assert read_env_file(env) == {
        "DEBUG": "1",
        "SECRET_KEY": "abc=def",
        "LOG_LEVEL": "INFO",
        "QUOTED": "a b",
    }


def test_a_missing_file_is_no_file(tmp_path):
    assert read_env_file(tmp_path / "local.env") == {}


def test_a_malformed_line_is_refused_with_its_place(tmp_path):
    env = write(tmp_path / "local.env", "DEBUG=1\nthis is not a setting\n")
    with pytest.raises(ImproperlyConfigured, match=r"local\.env, line 2: expected NAME=value"):
        read_env_file(env)


def test_real_environment_variables_win_over_the_file(tmp_path):
    env = write(tmp_path / "local.env", "DEBUG=1\nSECRET_KEY=from-file\nLOG_LEVEL=INFO\n")
    merged = environment({"SECRET_KEY": "from-environment"}, env)
    assert merged["SECRET_KEY"] == "from-environment"
    assert merged["DEBUG"] == "1"
    assert merged["LOG_LEVEL"] == "INFO"


@pytest.mark.parametrize("debug", ["0", "false", "no", "off"])
def test_the_file_is_ignored_when_the_environment_turns_debug_off(tmp_path, debug):
    env = write(tmp_path / "local.env", "DEBUG=1\nSECRET_KEY=from-file\n")
    assert environment({"DEBUG": debug}, env) == {"DEBUG": debug}


# --- the quick start, end to end, in a copy of the project -----------------------------------


@pytest.fixture
def checkout(tmp_path) -> Path:
    copy = tmp_path / "checkout"
    copy.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "local.env", "db.sqlite3")
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    (copy / "static").mkdir()
    return copy


def run(checkout: Path, *command: str, **env: str) -> subprocess.CompletedProcess:
    """A command as a newcomer types it: no DEBUG, SECRET_KEY or DATABASE_URL exported."""
    clean = {"PATH": os.environ["PATH"], "HOME": str(checkout), "LANG": "C.UTF-8"}
    return subprocess.run(
        list(command),
        cwd=checkout,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def manage(checkout: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return run(checkout, sys.executable, "manage.py", *args, **env)


def test_manage_py_commands_work_after_make_writes_local_env(checkout):
    before = manage(checkout, "check")
    assert before.returncode != 0
    assert "Set the SECRET_KEY environment variable" in before.stderr

    made = run(checkout, "make", "--no-print-directory", "local.env")
    assert made.returncode == 0, made.stderr
    settings = read_env_file(checkout / "local.env")
    assert settings["DEBUG"] == "1"
    assert len(settings["SECRET_KEY"]) >= 50
    assert (checkout / "local.env").stat().st_mode & 0o077 == 0  # private to its owner

    assert manage(checkout, "check").returncode == 0
    migrated = manage(checkout, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    exported = manage(checkout, "export_workbook", "profiles.xlsx")
    assert exported.returncode == 0, exported.stderr
    assert (checkout / "profiles.xlsx").stat().st_size > 0

    # Running make again keeps the file (and so the sessions signed with its key).
    run(checkout, "make", "--no-print-directory", "local.env")
    assert read_env_file(checkout / "local.env") == settings


def test_production_like_environment_ignores_local_env(checkout):
    assert run(checkout, "make", "--no-print-directory", "local.env").returncode == 0
    result = manage(checkout, "check", DEBUG="0")
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr
