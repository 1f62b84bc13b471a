#!/usr/bin/env python
"""Workbook import/export against bare openpyxl, measured in one run.

    DEBUG=0 SECRET_KEY=bench .venv/bin/python bench/workbook.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm .venv/bin/python bench/workbook.py

Generates a workbook of 1,000 mechanisms with 5 sections and 20 participants each (plus
links and documents: about 26,000 rows), then measures in one process, on a throw-away test
database (a SQLite file, or PostgreSQL's test database):

- baseline: openpyxl merely reading the file (read-only mode, every row of every sheet);
- `import_workbook` into the empty database, then re-importing the same file unchanged;
- `export_workbook` of everything, against openpyxl write-only writing the same cells;
- the queries each import ran, and the process's peak memory (max RSS).

The baselines are the best of two runs; the measured operations run once.
"""

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_site.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django

django.setup()

import openpyxl  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django_countries import countries  # noqa: E402

from profiles import sheets as spec  # noqa: E402
from profiles.exporter import workbook_rows, write_workbook  # noqa: E402
from profiles.models import Mechanism  # noqa: E402
from workbook.columns import cell_value  # noqa: E402
from workbook.engine import import_workbook  # noqa: E402

MECHANISMS = int(os.environ.get("BENCH_MECHANISMS", "1000"))
TOPICS = ["evolution", "contribution", "structures", "partnerships", "added-value"]
BODY = (
    "**Regional level:** Through the development of guidelines the mechanism {n} aims to "
    "shape national and regional policies. The two most prominent guidelines are the "
    '"Regional guidelines on referral" (2016) and "Guidelines for the Identification of '
    'Migrants in Vulnerable Situations" (2018).\n\n**National level:** It also supports '
    "countries in drafting and amending their national migration laws, as it was the case "
    "when discussions led to recent amendments.\n\n- networking and partnerships\n- "
    "experience sharing\n- capacity building of officials\n\nSee "
    "[the report](https://example.org/report-{n}) for details."
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(
    path: Path, mechanisms: int | None = None, participants: int = 20, body_length: int = 0
) -> int:
    """The benchmark workbook: `mechanisms` mechanisms (default MECHANISMS), each with 5
    sections (bodies cut to `body_length` characters if given), `participants`
    participants, one link and one document. Returns the number of data rows."""
    mechanisms = MECHANISMS if mechanisms is None else mechanisms
    codes = [code for code, _name in countries][:200]
    book = openpyxl.Workbook(write_only=True)
    sheets = {s.name: book.create_sheet(s.name) for s in spec.SHEETS}
    for s in spec.SHEETS:
        sheets[s.name].append(s.headers)
    rows = 0
    for n in range(mechanisms):
        slug = f"bench-{n:04d}"
        sheets["Mechanisms"].append(
            [
                slug,
                f"Bench Mechanism {n}",
                f"BM{n}",
                f"Old Name {n}; Other Name {n}",
                "rcp",
                "no",
                1990 + n % 30,
                "yes" if n % 7 == 0 else "no",
                "active",
                "africa; europe" if n % 2 else "asia-pacific",
                f"Region {n}",
                "",
                f"Secretariat of mechanism {n}",
                f"https://example.org/m/{n}",
                "labour-migration; migration-policy",
                f"Summary of mechanism {n}.",
                f"https://example.org/source/{n}",
                "yes",
            ]
        )
        for topic in TOPICS:
            body = BODY.format(n=n)
            sheets["Sections"].append([slug, topic, body[:body_length] if body_length else body])
        for index in range(participants):
            code = codes[(n + index * 7) % len(codes)]
            role = "member" if index < 15 else "observer"
            since = 2000 + index if index % 4 == 0 else None
            sheets["Participants"].append(
                [slug, code, None, role, since, None, "yes" if index == 3 else "no", None]
            )
        if n:
            sheets["Links"].append([slug, f"bench-{n - 1:04d}", "experience", f"Link {n}"])
        sheets["Documents"].append([slug, f"Action plan {n}", "action_plan", 2015, "BM", ""])
        rows += 1 + len(TOPICS) + participants + (1 if n else 0) + 1
    book.save(path)
    return rows


def read_baseline(path: Path) -> float:
    start = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True)
    for ws in book.worksheets:
        for _row in ws.iter_rows(values_only=True):
            pass
    book.close()
    return time.perf_counter() - start


def timed_import(path: Path):
    with CaptureQueriesContext(connection) as queries, path.open("rb") as source:
        start = time.perf_counter()
        report = import_workbook(source=source)
        elapsed = time.perf_counter() - start
    assert report.ok, report.problems[:5]
    return elapsed, report, len(queries)


def write_baseline(cells: dict[str, list[list]], target: Path) -> float:
    start = time.perf_counter()
    book = openpyxl.Workbook(write_only=True)
    for name, rows in cells.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(target)
    return time.perf_counter() - start


def _export(tmp: Path):
    everything = Mechanism.objects.all()
    start = time.perf_counter()
    with (
        (tmp / "export.xlsx").open("wb") as target,
        CaptureQueriesContext(connection) as export_queries,
    ):
        write_workbook(target, everything, link_targets=everything)
    export = time.perf_counter() - start
    data = workbook_rows(everything, link_targets=everything)
    cells = {
        s.name: [s.headers] + [[cell_value(r[h]) for h in s.headers] for r in data[s.name]]
        for s in spec.SHEETS
    }
    return export, export_queries, cells, data


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="iscm-bench-workbook-"))
    source = tmp / "bench.xlsx"
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    setup_test_environment()
    rows = generate(source)
    size_mb = source.stat().st_size / 1024 / 1024
    # The machine's speed drifts: every figure is the best of two runs, each import into a
    # database created afresh for it.
    firsts, agains = [], []
    for attempt in range(2):
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            if attempt == 0:
                read = min(read_baseline(source) for _ in range(2))
            first, report, first_queries = timed_import(source)
            firsts.append(first)
            created = sum(s.created for s in report.sheets.values())
            again, report, again_queries = timed_import(source)
            agains.append(again)
            assert report.changes == 0, report.summary_lines()
            unchanged = sum(s.unchanged for s in report.sheets.values())
            if attempt == 1:
                read = min(read, read_baseline(source))
                export, export_queries, cells, data = _export(tmp)
                write = min(write_baseline(cells, tmp / "baseline.xlsx") for _ in range(2))
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    first, again = min(firsts), min(agains)
    exported_rows = sum(len(v) - 1 for v in cells.values())
    same = exported_rows == rows + len(data["Organisations"])

    print(
        f"Database: {connection.vendor}. Workbook: {MECHANISMS:,} mechanisms, {rows:,} rows, "
        f"{size_mb:.1f} MB."
    )
    print()
    print("| operation | seconds | × baseline | target | queries |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| openpyxl read-only read (baseline) | {read:.2f} | 1.0 | | |")
    print(
        f"| import_workbook into empty database ({created:,} created) | {first:.2f} | "
        f"{first / read:.2f} | ≤ 4 | {first_queries} |"
    )
    print(
        f"| import_workbook again, unchanged ({unchanged:,} unchanged) | {again:.2f} | "
        f"{again / read:.2f} | ≤ 3 | {again_queries} |"
    )
    print(f"| openpyxl write-only of the same cells (baseline) | {write:.2f} | 1.0 | | |")
    print(
        f"| export_workbook ({exported_rows:,} rows{'' if same else ', MISMATCH'}) | "
        f"{export:.2f} | {export / write:.2f} | ≤ 2 | {len(export_queries)} |"
    )
    print()
    print(f"Peak memory of the whole run (max RSS): {peak_mb():.0f} MB (target < 500 MB).")


if __name__ == "__main__":
    main()
