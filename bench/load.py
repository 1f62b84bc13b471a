#!/usr/bin/env python
"""Public reads under load while staff write: gunicorn (3 workers) on PostgreSQL.

    .venv/bin/python bench/load.py                  # pages cached in Redis (CACHE_URL below)
    CACHE_URL= .venv/bin/python bench/load.py       # each worker's own memory instead

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/iscm_load: the
database is dropped and created again), CACHE_URL (default redis://127.0.0.1:6379/13),
READERS (50), SECONDS (60), WORKERS (3).

1. Prepares the database (migrate, `load_demo`: 25 published mechanisms) and a workbook
   of 5,000 rows (179 new mechanisms with 5 sections, 20 participants, a link and a
   document each), in two variants whose texts differ.
2. Starts `gunicorn iscm_site.wsgi --workers 3` with production settings (DEBUG off).
3. For SECONDS, READERS concurrent readers (threads in two client processes, one new
   connection per request as gunicorn's sync workers close them) request, in turn, the
   home page, the list, a profile (each of the 25 in turn) and a search; meanwhile an
   editor imports the workbook through `workbook.engine.import_workbook` (as the command
   line does; variant A, then B, … so every import writes), and a publisher edits a
   published mechanism and publishes it through `profiles.services` every 3 seconds, which
   changes every cached page's key.
4. Then, with the editor and the publisher still at work, six 5-second windows in which
   every reader requests only `/healthz`, then only profiles, alternately: the profile
   page's throughput as a share of `/healthz`'s, measured side by side.

Reports throughput, median and 95th percentile latency, and errors (any answer but 200,
or no answer) per page and phase, and what the editor and the publisher got done.
Uses the standard library only on the client side (threads and http.client).
"""

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iscm_load")
CACHE_URL = os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/13")
READERS = int(os.environ.get("READERS", "50"))
SECONDS = float(os.environ.get("SECONDS", "60"))
WORKERS = int(os.environ.get("WORKERS", "3"))
CLIENT_PROCESSES = 2
WINDOWS = 3  # pairs of /healthz and profile windows
WINDOW = 5.0
PUBLISH_EVERY = 3.0
WORKBOOK_MECHANISMS = 179  # × 28 rows - 1 link = 5,011 rows
SEARCH_WORDS = ["migration", "process", "labour", "dialogue", "africa", "refugee", "asia"]

ENV = {
    **os.environ,
    "DJANGO_SETTINGS_MODULE": "iscm_site.settings",
    "DEBUG": "0",
    "SECRET_KEY": "load-bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "DATABASE_URL": DATABASE_URL,
    "CACHE_URL": CACHE_URL,
    "LOG_LEVEL": "ERROR",
}


def django_setup() -> None:
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- Preparation -------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    server = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=ENV, check=True)


def write_workbook(path: Path, variant: str) -> int:
    """The editor's workbook: new draft mechanisms, keyed by the sheets' own headers."""
    django_setup()
    import openpyxl

    from profiles.sheets import SHEETS

    codes = ["KZ", "KG", "TJ", "TM", "UZ", "AF", "TR", "AZ", "IR", "PK", "SN", "ML", "NE"]
    codes += ["GH", "NG", "CI", "BF", "GN", "GM", "LR"]
    topics = ["evolution", "contribution", "structures", "partnerships", "added-value"]
    rows: dict[str, list[dict]] = defaultdict(list)
    for n in range(WORKBOOK_MECHANISMS):
        slug = f"load-{n:03d}"
        rows["Mechanisms"].append(
            {
                "slug": slug,
                "name": f"Load Mechanism {n}",
                "short_name": f"LM{n}",
                "kind": "rcp",
                "established": 1990 + n % 30,
                "status": "active",
                "regions": "africa; europe" if n % 2 else "asia-pacific",
                "thematic_areas": "labour-migration; migration-policy",
                "summary": f"Summary {variant} of mechanism {n}.",
                "published": "no",
            }
        )
        for topic in topics:
            body = f"**Regional level:** findings {variant} on {topic} of mechanism {n}.\n\n"
            rows["Sections"].append({"mechanism": slug, "topic": topic, "body": body * 4})
        for index, code in enumerate(codes):
            role = "member" if index < 15 else "observer"
            rows["Participants"].append(
                {"mechanism": slug, "country": code, "role": role, "note": f"{variant}"}
            )
        if n:
            rows["Links"].append(
                {"mechanism": slug, "other_mechanism": f"load-{n - 1:03d}", "kind": "experience"}
            )
        rows["Documents"].append(
            {"mechanism": slug, "title": f"Action plan {n}", "kind": "action_plan", "year": 2015}
        )
    book = openpyxl.Workbook(write_only=True)
    for sheet in SHEETS:
        if sheet.name not in rows:
            continue
        ws = book.create_sheet(sheet.name)
        ws.append(sheet.headers)
        for row in rows[sheet.name]:
            ws.append([row.get(name) for name in sheet.headers])
    book.save(path)
    return sum(len(r) for r in rows.values())


def wait_for(url_path: str, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", url_path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url_path} within {timeout} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Roles, each in its own process ---------------------------------------------------


def run_editor(workbooks: list[str], until: float) -> dict:
    django_setup()
    from history.recording import Actor
    from workbook.engine import import_workbook

    imports = []
    turn = 0
    while time.time() < until:
        path = Path(workbooks[turn % len(workbooks)])
        start = time.perf_counter()
        with path.open("rb") as source:
            report = import_workbook(
                source=source,
                actor=Actor.command(str(path)),
                file_name=path.name,
            )
        imports.append(
            {
                "file": path.name,
                "seconds": round(time.perf_counter() - start, 2),
                "changes": report.changes,
                "ok": report.ok,
                "problems": [str(p) for p in report.problems[:3]],
            }
        )
        turn += 1
    return {"imports": imports}


def run_publisher(until: float) -> dict:
    django_setup()
    from profiles.models import Mechanism
    from profiles.services import Actor, editing, publish, save_object

    slugs = list(
        Mechanism.objects.filter(is_published=True).order_by("slug").values_list("slug", flat=True)
    )
    published, seconds = 0, []
    while time.time() < until:
        start = time.perf_counter()
        mechanism = Mechanism.objects.get(slug=slugs[published % len(slugs)])
        with editing(Actor.command("bench/load.py publisher")):
            mechanism.summary = f"{mechanism.summary.split(' [')[0]} [published {published}]"
            save_object(mechanism)
            publish([mechanism.pk])
        published += 1
        seconds.append(time.perf_counter() - start)
        time.sleep(max(0.0, PUBLISH_EVERY - (time.perf_counter() - start)))
    return {"publications": published, "median_seconds": round(statistics.median(seconds), 3)}


def run_readers(port: int, threads: int, schedule: list, slugs: list[str], seed: int) -> dict:
    """Request pages until the schedule ends: [(phase, start, end, kinds)], times absolute."""
    records: list[tuple[str, str, float, float, bool]] = []
    lock = threading.Lock()
    end = schedule[-1][2]

    def url_for(kind: str, turn: int) -> str:
        if kind == "home":
            return "/"
        if kind == "list":
            return "/mechanisms/"
        if kind == "profile":
            return f"/mechanisms/{slugs[turn % len(slugs)]}/"
        if kind == "search":
            return f"/mechanisms/?q={SEARCH_WORDS[turn % len(SEARCH_WORDS)]}"
        return "/healthz"

    def reader(number: int) -> None:
        turn = number
        mine = []
        while True:
            now = time.time()
            if now >= end:
                break
            current = next((p for p in schedule if p[1] <= now < p[2]), None)
            if current is None:
                time.sleep(min(0.05, schedule[0][1] - now) if now < schedule[0][1] else 0.01)
                continue
            phase, _start, _end, kinds = current
            kind = kinds[turn % len(kinds)]
            path = url_for(kind, turn // len(kinds))
            turn += 1
            began = time.perf_counter()
            ok = False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Host": "127.0.0.1"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                conn.close()
            except OSError:
                ok = False
            mine.append((phase, kind, now, time.perf_counter() - began, ok))
        with lock:
            records.extend(mine)

    random.seed(seed)
    pool = [threading.Thread(target=reader, args=(seed * 1000 + i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {"records": records}


# --- The run ---------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarise(records: list, schedule: list) -> dict:
    durations: dict[str, float] = defaultdict(float)
    for phase, start, end, _kinds in schedule:
        durations[phase] += end - start
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for phase, kind, _at, seconds, ok in records:
        groups[(phase, kind)].append((seconds, ok))
    table = {}
    for (phase, kind), items in sorted(groups.items()):
        latencies = [s for s, _ok in items]
        table[f"{phase}/{kind}"] = {
            "requests": len(items),
            "per_second": len(items) / durations[phase],
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": percentile(latencies, 0.95) * 1000,
            "errors": sum(1 for _s, ok in items if not ok),
        }
    return table


def child(role: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, __file__, "--role", role, *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )


def result_of(process: subprocess.Popen) -> dict:
    out, _ = process.communicate()
    if process.returncode:
        raise RuntimeError(f"a child process failed ({process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    if CACHE_URL:
        try:
            import redis  # noqa: F401  (Django's Redis cache backend needs it)
        except ImportError:
            sys.exit("CACHE_URL is set but the redis package is missing: pip install redis")
    print(f"Preparing {DATABASE_URL} (dropped and created again) …", file=sys.stderr)
    recreate_database()
    manage("migrate", "--noinput", "-v", "0")
    manage("load_demo")
    static_root = tempfile.mkdtemp(prefix="iscm-load-static-")
    ENV["STATIC_ROOT"] = static_root
    manage("collectstatic", "--noinput", "-v", "0")
    folder = Path(tempfile.mkdtemp(prefix="iscm-load-"))
    workbooks = [str(folder / f"editor-{v}.xlsx") for v in "AB"]
    rows = [write_workbook(Path(p), v) for p, v in zip(workbooks, "AB", strict=True)]

    django_setup()
    from profiles.models import PublishedProfile

    slugs = list(PublishedProfile.objects.order_by("slug").values_list("slug", flat=True))

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "iscm_site.wsgi",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=ENV,
    )
    try:
        wait_for("/healthz", port)
        for path in ["/", "/mechanisms/", f"/mechanisms/{slugs[0]}/"]:
            wait_for(path, port)
        start = time.time() + 3
        schedule = [("mixed", start, start + SECONDS, ["home", "list", "profile", "search"])]
        at = start + SECONDS
        for _ in range(WINDOWS):
            schedule.append(("share", at, at + WINDOW, ["healthz"]))
            schedule.append(("share", at + WINDOW, at + 2 * WINDOW, ["profile"]))
            at += 2 * WINDOW
        until = schedule[-1][2]
        editor = child("editor", json.dumps(workbooks), str(until))
        publisher = child("publisher", str(until))
        per_process = READERS // CLIENT_PROCESSES
        readers = [
            child(
                "readers",
                str(port),
                str(per_process),
                json.dumps(schedule),
                json.dumps(slugs),
                str(n),
            )
            for n in range(CLIENT_PROCESSES)
        ]
        records = [r for process in readers for r in result_of(process)["records"]]
        editing_done = result_of(editor)
        publishing_done = result_of(publisher)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    table = summarise(records, schedule)
    mixed_total = sum(v["requests"] for k, v in table.items() if k.startswith("mixed/"))
    mixed_errors = sum(v["errors"] for k, v in table.items() if k.startswith("mixed/"))
    healthz = table["share/healthz"]["per_second"]
    profile = table["share/profile"]["per_second"]
    cache = "Redis " + CACHE_URL if CACHE_URL else "local memory (per worker)"
    print(
        f"gunicorn {WORKERS} sync workers, PostgreSQL, page cache: {cache}; {READERS} readers "
        f"({CLIENT_PROCESSES} client processes); {os.cpu_count()} cores shared by all."
    )
    print(f"Editor's workbook: {rows[0]:,} rows (two variants, imported in turn).")
    print()
    print("| phase / page | requests | per second | p50 ms | p95 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key, v in table.items():
        print(
            f"| {key} | {v['requests']:,} | {v['per_second']:.0f} | {v['p50_ms']:.1f} "
            f"| {v['p95_ms']:.1f} | {v['errors']} |"
        )
    print()
    print(
        f"Mixed phase ({SECONDS:.0f} s): {mixed_total:,} requests, "
        f"{mixed_total / SECONDS:.0f} per second, {mixed_errors} errors."
    )
    print(
        f"Profile throughput as a share of /healthz (same server, alternating {WINDOW:.0f} s "
        f"windows): {profile:.0f} / {healthz:.0f} per second = {profile / healthz:.0%}."
    )
    imports = editing_done["imports"]
    print(
        f"Editor: {len(imports)} imports of {rows[0]:,} rows, "
        f"{sum(i['changes'] for i in imports):,} rows written, seconds each: "
        f"{', '.join(str(i['seconds']) for i in imports)}; all applied: "
        f"{all(i['ok'] for i in imports)} {[i['problems'] for i in imports if not i['ok']][:1]}"
    )
    print(
        f"Publisher: {publishing_done['publications']} publications "
        f"(median {publishing_done['median_seconds']} s each)."
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--role":
        role, args = sys.argv[2], sys.argv[3:]
        if role == "editor":
            result = run_editor(json.loads(args[0]), float(args[1]))
        elif role == "publisher":
            result = run_publisher(float(args[0]))
        else:
            result = run_readers(
                int(args[0]), int(args[1]), json.loads(args[2]), json.loads(args[3]), int(args[4])
            )
        print(json.dumps(result))
    else:
        main()
