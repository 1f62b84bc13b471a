#!/usr/bin/env python
"""Adversarial files at the documented limits: peak memory and time of every import.

    DEBUG=0 SECRET_KEY=bench .venv/bin/python bench/adversarial.py
    DEBUG=0 SECRET_KEY=bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm \\
        .venv/bin/python bench/adversarial.py

Builds hostile or merely huge files at the limits of `workbook/safety.py` (each is
streamed into its zip, so building them costs little memory), then runs each import the
way an operator would: `manage.py import_workbook FILE` or `manage.py import_findings FILE
--dry-run` in a child process, on a throw-away test database holding the demo data (what
an import adds is deleted before the next case), and reads the child's peak memory (its
VmHWM, which the child prints at exit) and its wall-clock time. A child that merely
starts Django and refuses an empty file is the baseline for both. Figures and reading:
docs/performance.md, "Adversarial files".

Then, in this process, it times the workbook import at `WEB_LIMITS` (what the admin's
preview and confirmation do within one request). `BENCH_ONLY=name,name` runs some cases.
"""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_site.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DEBUG", "0")

TARGET_MB = 500

# The files themselves are built by bench/hostile_files.py.
from bench.hostile_files import (  # noqa: E402
    SEED,
    _sections_workbook,
    _seed_with,
    _spaced_heading,
    _table_body,
    bomb_on_every_sheet,
    empty_paragraphs,
    everything_at_once,
    findings_at,
    invalid_rows_at_the_limit,
    many_styles,
    paragraph_xml,
    rows_at_the_limit,
    shared_string_bomb,
    shared_strings_at_the_limit,
    text_at_the_budget,
    write_docx,
    write_xlsx,
)
from workbook.safety import (  # noqa: E402  (plain Python: no Django needed to build files)
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENT_ELEMENTS,
    MAX_DOCUMENT_PARAGRAPHS,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_TEXT_CHARS,
    MAX_TOTAL_ROWS,
    MAX_XML_ELEMENTS,
    WEB_LIMITS,
)

# --- running the imports -----------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_mb: float
    status: int
    output: str


# Runs manage.py and, at exit, prints its peak resident memory (VmHWM). Linux counts the
# parent's size in a child's ru_maxrss (the memory map it had before exec), so wait4 and
# getrusage would report this benchmark's own size for every child.
CHILD = """
import atexit, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("\\nPEAK_KB " + line.split()[1] + "\\n")

atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_command(args: list[str], env: dict) -> Run:
    """`manage.py ARGS` in a child process: its wall time, peak memory, status, output."""
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    output = child.stdout + child.stderr
    peak = [line for line in output.splitlines() if line.startswith("PEAK_KB ")]
    text = "\n".join(line for line in output.splitlines() if not line.startswith("PEAK_KB "))
    return Run(seconds, int(peak[-1].split()[1]) / 1024 if peak else 0.0, child.returncode, text)


def last_line(text: str, status: int = 0) -> str:
    """What the command said: its last line, or (refused) the first problem it printed."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if status == 0 or not lines:
        return lines[-1] if lines else ""
    problems = [line for line in lines if not line.startswith("The sheet “")]
    first = (problems or lines)[0]
    return first.split(": ", 1)[1] if first.startswith("/") else first  # no temporary path


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from profiles import demo

    only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
    tmp = Path(tempfile.mkdtemp(prefix="iscm-bench-adversarial-"))
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        demo.load()
        env = dict(os.environ)
        settings = connection.settings_dict
        if vendor == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{settings['NAME']}"
        else:
            env["DATABASE_URL"] = (
                f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@"
                f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
            )
        connection.close()
        results = run_cases(tmp, env, only)
        web = web_limits(tmp) if not only or "web" in only else None
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)
    report(vendor, results, web)


CASES = [
    # (name, command, builder, description)
    ("baseline-workbook", "import_workbook", None, "start-up: an empty workbook, refused"),
    ("bomb", "import_workbook", shared_string_bomb, "shared-string bomb at the row limit"),
    ("bomb-all-sheets", "import_workbook", bomb_on_every_sheet, "bomb on six sheets × row limit"),
    ("text-budget", "import_workbook", text_at_the_budget, "text at the budget, imported"),
    (
        "markdown-budget",
        "import_workbook",
        lambda path: text_at_the_budget(path, _table_body),
        "text at the budget, as Markdown tables of “&”",
    ),
    ("shared-strings", "import_workbook", shared_strings_at_the_limit, "shared strings at limit"),
    ("rows", "import_workbook", rows_at_the_limit, "valid rows at the total-rows limit"),
    ("invalid-rows", "import_workbook", invalid_rows_at_the_limit, "wrong cells at row limit"),
    ("styles", "import_workbook", many_styles, "styles part at the element limit"),
    ("everything", "import_workbook", everything_at_once, "every workbook limit at once"),
    ("baseline-findings", "import_findings", None, "start-up: the seed as Markdown"),
    ("paragraphs-600k", "import_findings", empty_paragraphs, "600,000 empty paragraphs"),
    (
        "paragraph-limit",
        "import_findings",
        lambda path: findings_at(path, MAX_DOCUMENT_PARAGRAPHS, 1, 300_000),
        "paragraphs at the limit",
    ),
    (
        "element-limit",
        "import_findings",
        lambda path: findings_at(path, MAX_DOCUMENT_ELEMENTS // 40, 12, MAX_DOCUMENT_CHARS // 2),
        "elements at the limit",
    ),
    (
        "text-limit",
        "import_findings",
        lambda path: findings_at(path, 200, 1, MAX_DOCUMENT_CHARS - 10_000),
        "text at the limit",
    ),
    (
        "space-runs",
        "import_findings",
        lambda path: write_docx(path, _seed_with(paragraph_xml(_spaced_heading()))),
        "a heading-like line of 900,000 characters, spaces in runs of the limit",
    ),
    (
        "markdown-brackets",
        "import_findings",
        lambda path: write_docx(path, _seed_with(paragraph_xml("[" * 10_000))),
        "one paragraph of 10,000 “[” (Markdown)",
    ),
]


def _restore(kept: dict) -> None:
    """Delete what an import added, so that every case starts from the demo data."""
    from django.db import connection

    for model, pks in kept.items():
        model.objects.exclude(pk__in=pks).delete()
    connection.close()


def run_cases(tmp: Path, env: dict, only: set[str]) -> list:
    from profiles.models import Mechanism, Organisation, Section

    kept = {
        model: set(model.objects.values_list("pk", flat=True))
        for model in (Mechanism, Organisation, Section)
    }
    results = []
    for name, command, build, description in CASES:
        if only and name not in only:
            continue
        if build is None:
            if command == "import_findings":
                path = tmp / "seed.md"
                shutil.copy(SEED, path)
            else:
                path = tmp / "empty.xlsx"
                write_xlsx(path, [])
        else:
            path = tmp / f"{name}.{'docx' if command == 'import_findings' else 'xlsx'}"
            build(path)
        size = path.stat().st_size
        unpacked = size
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as package:
                unpacked = sum(item.file_size for item in package.infolist())
        args = [command, str(path)]
        if command == "import_findings":
            args.append("--dry-run")
        else:
            args += ["--verbosity", "0"]  # no progress lines: the report only
        run = run_command(args, env)
        results.append((name, description, size, unpacked, run))
        print(
            f"{name}: {run.seconds:.2f} s, {run.peak_mb:.0f} MB, exit {run.status}: "
            f"{last_line(run.output, run.status)[:160]}",
            file=sys.stderr,
        )
        path.unlink()
        _restore(kept)
    return results


def web_limits(tmp: Path) -> list:
    """The workbook import at WEB_LIMITS, in this process: preview (dry run), then import,
    as the admin runs them; each case into the demo data only."""
    from bench import workbook as shape
    from profiles.models import Mechanism
    from workbook.engine import import_workbook

    rows, markdown = WEB_LIMITS.max_total_rows, WEB_LIMITS.max_markdown_chars
    prose = shape.BODY.format(n=0)[:500]
    table_length = 30_000
    cases = [
        (
            "bench-shaped workbook (mechanisms, sections of 200 characters, participants…)",
            lambda path: shape.generate(path, rows // 28, body_length=200),
        ),
        (
            "sections of 500 characters of prose, filling the Markdown budget",
            lambda path: _sections_workbook(path, markdown // 560, lambda n: f"{n} {prose}"),
        ),
        (
            "sections of Markdown tables of “&” (HTML 7.4× as long), filling the Markdown budget",
            lambda path: _sections_workbook(
                path, (markdown - 10_000) // table_length, lambda n: _table_body(n, table_length)
            ),
        ),
    ]
    demo = set(Mechanism.objects.values_list("pk", flat=True))
    results = []
    for label, build in cases:
        path = tmp / "web.xlsx"
        count = build(path)
        timings = []
        for dry_run in (True, False):
            with path.open("rb") as source:
                start = time.perf_counter()
                result = import_workbook(source=source, dry_run=dry_run, limits=WEB_LIMITS)
                timings.append(time.perf_counter() - start)
            assert result.ok, result.problems[:3]
        results.append((label, count, *timings))
        Mechanism.objects.exclude(pk__in=demo).delete()
        print(
            f"web: {label}: {count:,} rows, {timings[0]:.2f} s, {timings[1]:.2f} s", file=sys.stderr
        )
    return results


def report(vendor: str, results: list, web) -> None:
    print(f"Database: {vendor}. Limits: {MAX_ROWS:,} rows per sheet, {MAX_TOTAL_ROWS:,} rows")
    print(
        f"per workbook, {MAX_TEXT_CHARS:,} characters, {MAX_SHARED_STRINGS:,} shared strings, "
        f"{MAX_XML_ELEMENTS:,} elements; documents: {MAX_DOCUMENT_PARAGRAPHS:,} paragraphs, "
        f"{MAX_DOCUMENT_ELEMENTS:,} elements, {MAX_DOCUMENT_CHARS:,} characters."
    )
    print()
    print("| file | size | unpacked | seconds | peak MB | outcome |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    worst = 0.0
    for _name, description, size, unpacked, run in results:
        worst = max(worst, run.peak_mb)
        if run.status == 0:
            outcome = "imported" if "Dry run" not in run.output else "read (dry run)"
        else:
            outcome = "refused: " + last_line(run.output, run.status)
        print(
            f"| {description} | {size / 1024:,.0f} KB | {unpacked / 2**20:,.1f} MB | "
            f"{run.seconds:.2f} | {run.peak_mb:.0f} | {outcome[:140]} |"
        )
    print()
    print(f"Highest peak: {worst:.0f} MB (target < {TARGET_MB} MB).")
    if web:
        print()
        print(
            f"At WEB_LIMITS ({WEB_LIMITS.max_total_rows:,} rows, "
            f"{WEB_LIMITS.max_text_chars:,} characters), in-process, as the admin runs them:"
        )
        print()
        print("| workbook | rows | preview (dry run) s | import s |")
        print("| --- | ---: | ---: | ---: |")
        for label, count, preview, imported in web:
            print(f"| {label} | {count:,} | {preview:.2f} | {imported:.2f} |")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"This process's own peak: {own:.0f} MB.")


if __name__ == "__main__":
    main()
