#!/usr/bin/env python
"""Discovery pages at 5,000 published mechanisms, on PostgreSQL, against a trivial view
and a bare SQL full-text query on the same table.

    DEBUG=0 DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm .venv/bin/python bench/discovery.py

(`BENCH_MECHANISMS`, default 5000; `BENCH_ROUNDS`, default 30.) Creates a throw-away
database (`test_iscm_discovery_5000`), fills it with synthetic mechanisms (5 sections of ~300
words, 20 participant countries from regional clusters of real ISO codes), published by
the real publishing code, then requests each page through Django's full stack with the
test client, as an anonymous visitor, with the page cache off and as served (cached).
SQLite has no full-text search to compare with: the benchmark says so and stops.
"""

import logging
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path

from bench.pages import UNCACHED, trivial_page  # sets Django up

MECHANISMS = int(os.environ.get("BENCH_MECHANISMS", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
WARMUP = 3
SLOW = 2.0  # seconds: a page slower than this is timed 5 times only
# The first GATEWAY_SAMPLE mechanisms are written row by row through the write gateway, as
# an editor's are (BENCH_FILL=gateway: all of them), the rest in bulk.
FILL = os.environ.get("BENCH_FILL", "bulk")
GATEWAY_SAMPLE = 50
PUBLISH_BATCH = 250
# BENCH_KEEPDB=1 keeps the filled database for the next run (it fills it only when the
# number of published mechanisms differs).
KEEPDB = os.environ.get("BENCH_KEEPDB") == "1"
# BENCH_PLANNER="random_page_cost=1.1 …": PostgreSQL settings to measure with (set on the
# benchmark's database for its connections), e.g. to try a planner setting.
PLANNER = os.environ.get("BENCH_PLANNER", "")

urlpatterns = [
    path("bench/trivial-page", trivial_page),
    path("", include("iscm_site.urls")),
]

# Regional clusters of real ISO codes: a mechanism draws most participants from one, the
# rest from another, so that overlaps look like real ones (many pairs share a few States,
# pairs within a cluster share many).
CLUSTERS = {
    "north-africa": ("africa", "MA DZ TN LY EG MR"),
    "west-africa": ("africa", "SN ML NE BF CI GH NG GM GN SL LR TG BJ CV GW"),
    "east-africa": ("africa", "ET KE UG TZ RW BI SO SS SD DJ ER"),
    "southern-africa": ("africa", "ZA NA BW ZW ZM MW MZ AO LS SZ MG MU"),
    "europe": ("europe", "DE FR IT ES PT NL BE LU AT CH SE NO FI DK IE GB PL CZ SK HU RO BG GR"),
    "eastern-europe": ("europe", "RU UA BY MD GE AM AZ KZ KG TJ TM UZ TR"),
    "south-asia": ("asia-pacific", "AF PK IN BD LK NP MV BT"),
    "east-asia": ("asia-pacific", "CN VN TH KH LA MM MY ID PH JP KR AU NZ SG"),
    "central-america": ("americas", "US CA MX GT HN SV NI CR PA BZ DO HT JM"),
    "south-america": ("americas", "CO EC PE BO CL AR BR PY UY VE GY SR"),
    "middle-east": ("middle-east", "SA AE QA KW BH OM JO LB IQ IR SY YE PS"),
}


def _words(text: str) -> list[str]:
    return text.split()


DOMAIN = _words("""migration migrants labour mobility refugee refugees asylum protection border
management return reintegration trafficking smuggling diaspora remittances dialogue
cooperation regional consultative process governance policy capacity building data
statistics visa readmission integration displacement climate resilience health gender
children unaccompanied minors detention alternatives recruitment ethical skills partnership
ministerial conference declaration action plan working group secretariat chair troika
member states observers civil society academia private sector workshop training exchange
practices consular assistance identity documents biometrics irregular regular pathways
circular seasonal workers domestic employment development sustainable goals compact global
national coordination legislation harmonisation evaluation funding donors projects
reporting monitoring thematic priorities transit origin destination countries communities
returnees victims prosecution prevention awareness campaigns information centres
cross-border pastoralists nomadic corridors labour-market matching qualifications""")
PLACES = _words("""Almaty Budapest Prague Rabat Khartoum Bali Colombo Abu-Dhabi Puebla Lima Brasilia
Santiago Quito Bogota Panama Managua Dakar Abuja Accra Niamey Nairobi Addis-Ababa Kampala
Kigali Djibouti Pretoria Gaborone Lusaka Maputo Windhoek Cairo Tunis Algiers Tripoli Amman
Beirut Doha Muscat Riyadh Baku Tbilisi Yerevan Kyiv Chisinau Minsk Bishkek Dushanbe Tashkent
Ashgabat Kabul Islamabad Dhaka Kathmandu Delhi Bangkok Hanoi Manila Jakarta Kuala-Lumpur
Canberra Wellington Vienna Geneva Stockholm Warsaw Athens Valletta Lisbon Madrid Rome Paris
Berlin Brussels Ottawa Washington Kingston Havana""")
NOUNS = _words("Process Dialogue Forum Consultation Conference Partnership Initiative Network")
SUBJECTS = """Migration; Labour Mobility; Refugee Protection; Border Management; Return and
Reintegration; Trafficking in Persons; Migrant Smuggling; Diaspora Engagement; Remittances;
Climate Mobility; Migration Data; Migrant Health; Migration and Development; Irregular
Migration; Asylum; Seasonal Work; Consular Cooperation; Displacement; Integration; Skills
Partnerships; Ethical Recruitment; Pastoral Mobility; Children on the Move; Transit
Migration; Regional Cooperation""".replace("\n", " ").split("; ")
EVERY_CODE = [code for _, codes in CLUSTERS.values() for code in codes.split()]
RARE_WORD = "transhumance"  # in the sections of every 500th mechanism only

# Ten searches of different selectivity (label, query); each is also run as bare SQL.
SEARCHES = [
    ("common word", "migration"),
    ("two words", "refugee protection"),
    ("rare word", RARE_WORD),
    ("country name", "Morocco"),
    ("alternative country name", "Ivory Coast"),
    ("phrase", '"labour mobility"'),
    ("either word", "trafficking or smuggling"),
    ("stemmed plural, three words", "returnees reintegration communities"),
    ("misspelt name (trigram)", "Almati Proces"),
    ("no match", "zyxwvut qqqq"),
]
BARE_SQL = (
    "SELECT id FROM profiles_publishedprofile WHERE search_vector @@ "
    "websearch_to_tsquery('english', %s) ORDER BY ts_rank(search_vector, "
    "websearch_to_tsquery('english', %s)) DESC LIMIT 20"
)


def pseudo_words(rng: random.Random, count: int) -> list[str]:
    syllables = _words("ka lo mi ra te su vo ne pa di ro bu ze ga fi tu ma le so ni")
    words: dict[str, None] = {}
    while len(words) < count:
        words["".join(rng.choices(syllables, k=rng.randint(2, 4)))] = None
    return list(words)


class Writer:
    """Synthetic profile text: migration vocabulary and made-up words, both Zipf-weighted,
    so that some words are in nearly every profile and others in a handful."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.domain = DOMAIN
        self.domain_weights = _cumulative(len(DOMAIN), 0.8)
        self.other = pseudo_words(rng, 20_000)
        self.other_weights = _cumulative(len(self.other), 1.0)

    def words(self, count: int) -> list[str]:
        own = int(count * 0.65)
        chosen = self.rng.choices(self.domain, cum_weights=self.domain_weights, k=own)
        chosen += self.rng.choices(self.other, cum_weights=self.other_weights, k=count - own)
        self.rng.shuffle(chosen)
        return chosen

    def paragraph(self, count: int) -> str:
        words = self.words(count)
        sentences = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
        return " ".join(s[:1].upper() + s[1:] + "." for s in sentences)

    def body(self, extra: str = "") -> str:
        paragraphs = [self.paragraph(100) for _ in range(3)]
        if self.rng.random() < 0.2:
            paragraphs[1] += " Labour mobility is a standing item."
        if extra:
            paragraphs[2] += f" {extra}"
        return "\n\n".join(paragraphs)


def _cumulative(count: int, exponent: float) -> list[float]:
    total, weights = 0.0, []
    for rank in range(count):
        total += 1 / (rank + 1) ** exponent
        weights.append(total)
    return weights


def plan(rng: random.Random, writer: Writer, count: int) -> list[dict]:
    """Every mechanism's facts, section bodies and participants."""
    from django.utils.text import slugify

    from profiles.models import Mechanism

    names = rng.sample(
        [f"{p.replace('-', ' ')} {n} on {s}" for p in PLACES for n in NOUNS for s in SUBJECTS],
        count,
    )
    clusters = list(CLUSTERS)
    mechanisms = []
    for number, name in enumerate(names):
        first, second = rng.sample(clusters, 2)
        own, other = CLUSTERS[first][1].split(), CLUSTERS[second][1].split()
        codes = rng.sample(own, min(14, len(own)))
        codes += rng.sample(other, min(20 - len(codes), len(other)))
        if len(codes) < 20:  # two small clusters: the rest from anywhere
            codes += rng.sample(sorted(set(EVERY_CODE) - set(codes)), 20 - len(codes))
        regions = {CLUSTERS[first][0], CLUSTERS[second][0]}
        kind = Mechanism.Kind.RCP if len(regions) == 1 else Mechanism.Kind.INTERREGIONAL
        if rng.random() < 0.1:
            kind, regions = Mechanism.Kind.GLOBAL, regions | {"global"}
        established = rng.randint(1985, 2023)
        initials = "".join(w[0] for w in name.split() if w[0].isupper())
        mechanisms.append(
            {
                "slug": f"{slugify(name)}-{number}",
                "name": name,
                "short_name": initials,
                "aliases": f"Former {name.split(' on ')[0]} Group" if rng.random() < 0.3 else "",
                "kind": kind,
                "established": established,
                "status": rng.choices(list(Mechanism.Status), weights=[8, 1, 1])[0],
                "summary": writer.paragraph(40),
                "regions": sorted(regions),
                "themes": rng.sample(range(11), rng.randint(1, 4)),
                "sections": [
                    writer.body(RARE_WORD if number % 500 == 7 and t == 2 else "") for t in range(5)
                ],
                "participants": [
                    (
                        code,
                        "member" if i < 16 else "observer" if i < 19 else "partner",
                        rng.choice([None, rng.randint(established, 2024)]),
                    )
                    for i, code in enumerate(codes)
                ],
            }
        )
    return mechanisms


def fill(count: int) -> None:
    """Write and publish `count` mechanisms; print how long each part took. The first
    `GATEWAY_SAMPLE` go row by row through the write gateway as an editor's would (to time
    that path), the rest in bulk (sections rendered by the gateway's `prepare_section`);
    all are published by `profiles.services.publish`, in change sets of `PUBLISH_BATCH`,
    so every snapshot, search vector and participant row is what publishing writes."""
    from history.recording import bulk_create
    from profiles.models import Mechanism, Participation, Region, Section, ThematicArea, Topic
    from profiles.services import Actor, editing, prepare_section, publish, save_object
    from profiles.services.findings import save_sections

    rng = random.Random(9)
    started = time.perf_counter()
    planned = plan(rng, Writer(rng), count)
    print(f"Generated {count} profiles' text in {time.perf_counter() - started:.1f} s.")
    topics = list(Topic.objects.order_by("order"))
    regions = {r.slug: r.pk for r in Region.objects.all()}
    themes = [t.pk for t in ThematicArea.objects.order_by("slug")]
    facts = ("slug", "name", "short_name", "aliases", "kind", "established", "status", "summary")

    started = time.perf_counter()
    sample = planned if FILL == "gateway" else planned[:GATEWAY_SAMPLE]
    for start in range(0, len(sample), PUBLISH_BATCH):
        with editing(Actor.command("bench/discovery.py")):
            for item in sample[start : start + PUBLISH_BATCH]:
                mechanism = Mechanism(**{k: item[k] for k in facts})
                save_object(mechanism)
                mechanism.regions.set([regions[r] for r in item["regions"]])
                mechanism.thematic_areas.set([themes[t] for t in item["themes"]])
                bodies = dict(zip(topics, item["sections"], strict=True))
                save_sections(mechanism=mechanism, bodies=bodies)
                bulk_create(
                    Participation,
                    [
                        Participation(mechanism=mechanism, country=c, role=r, since=s)
                        for c, r, s in item["participants"]
                    ],
                )
    gateway = time.perf_counter() - started
    print(
        f"Write gateway, row by row: {len(sample)} mechanisms in {gateway:.1f} s "
        f"(~{gateway / len(sample) * count / 60:.1f} min for {count})."
    )

    started = time.perf_counter()
    rest = planned[len(sample) :]
    created = Mechanism.objects.bulk_create(
        [Mechanism(**{k: item[k] for k in facts}) for item in rest], batch_size=500
    )
    Mechanism.regions.through.objects.bulk_create(
        [
            Mechanism.regions.through(mechanism_id=m.pk, region_id=regions[r])
            for m, item in zip(created, rest, strict=True)
            for r in item["regions"]
        ],
        batch_size=2000,
    )
    Mechanism.thematic_areas.through.objects.bulk_create(
        [
            Mechanism.thematic_areas.through(mechanism_id=m.pk, thematicarea_id=themes[t])
            for m, item in zip(created, rest, strict=True)
            for t in item["themes"]
        ],
        batch_size=2000,
    )
    sections = []
    for mechanism, item in zip(created, rest, strict=True):
        for topic, body in zip(topics, item["sections"], strict=True):
            section = Section(mechanism=mechanism, topic=topic, body=body)
            prepare_section(section)  # the HTML the gateway renders
            sections.append(section)
    Section.objects.bulk_create(sections, batch_size=500)
    Participation.objects.bulk_create(
        [
            Participation(mechanism=m, country=c, role=r, since=s)
            for m, item in zip(created, rest, strict=True)
            for c, r, s in item["participants"]
        ],
        batch_size=2000,
    )
    print(f"Working rows in bulk: {len(rest)} mechanisms in {time.perf_counter() - started:.1f} s.")

    started = time.perf_counter()
    ids = list(Mechanism.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), PUBLISH_BATCH):
        with editing(Actor.command("bench/discovery.py")):
            publish(ids[start : start + PUBLISH_BATCH])
    print(f"Published {len(ids)} in {time.perf_counter() - started:.1f} s (services.publish).")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def planner(settings: str) -> None:
    """Set (or, given "", reset) PostgreSQL settings for the benchmark database's sessions."""
    import re

    name = connection.ops.quote_name(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {name} RESET ALL")
        for setting in settings.split():
            key, value = re.fullmatch(r"([a-z_.]+)=([\w.]+)", setting).groups()
            cursor.execute(f"ALTER DATABASE {name} SET {key} = '{value}'")
    connection.close()  # the next query opens a session with the settings


def timed(
    items: dict[str, Callable[[], object]], rounds: int
) -> dict[str, tuple[float, float, int, float] | str]:
    """Median and 95th percentile ms, and queries, of each item; the items take turns,
    request by request, so that a machine busy with other work slows them all alike.
    An item that does not answer 200 is reported by its status instead."""
    results: dict[str, tuple[float, float, int, float] | str] = dict.fromkeys(items, "")
    live, rounds_of = {}, {}
    for label, call in items.items():
        start = time.perf_counter()
        status = getattr(call(), "status_code", 200)
        if status != 200:
            results[label] = f"HTTP {status}"
            continue
        live[label] = call
        # A page that takes seconds is timed a few times only, not to hold the run up.
        rounds_of[label] = rounds if time.perf_counter() - start < SLOW else min(rounds, 5)
        for _ in range(WARMUP - 1 if rounds_of[label] == rounds else 0):
            call()
    timings: dict[str, list[float]] = {label: [] for label in live}
    for _ in range(rounds):
        for label, call in live.items():
            if len(timings[label]) == rounds_of[label]:
                continue
            start = time.perf_counter()
            call()
            timings[label].append((time.perf_counter() - start) * 1000)
    for label, call in live.items():
        with CaptureQueriesContext(connection) as queries:
            call()
        ms = sorted(timings[label])
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        slowest = max((float(q["time"]) * 1000 for q in queries.captured_queries), default=0)
        results[label] = (statistics.median(ms), p95, len(queries), slowest)
    return results


def bare_query(words: str) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(BARE_SQL, [words, words])
            cursor.fetchall()

    return run


def page(client: Client, url: str) -> Callable[[], object]:
    return lambda: client.get(url)


def items_to_time(client: Client, slugs: list[str]) -> tuple[dict, dict[str, str]]:
    """Everything timed, and for each search its bare query's label."""
    from urllib.parse import urlencode

    from profiles.selectors import published_version

    items: dict[str, Callable[[], object]] = {
        "trivial page (baseline: base.html, no query)": page(client, "/bench/trivial-page"),
        "published_version() (every page's cache key)": published_version,
    }
    bare_of = {}
    for label, words in SEARCHES:
        items[f"bare SQL: {label}"] = bare_query(words)
    for label, words in SEARCHES:
        search = f"search: {label} ({words})"
        items[search] = page(client, "/mechanisms/?" + urlencode({"q": words}))
        bare_of[search] = f"bare SQL: {label}"
    items["bare SQL: labour"] = bare_query("labour")
    faceted = "search + facets ?q=labour&theme=labour-migration&year_min=2000"
    items[faceted] = page(client, "/mechanisms/?q=labour&theme=labour-migration&year_min=2000")
    bare_of[faceted] = "bare SQL: labour"
    compared = "&".join(f"m={slug}" for slug in slugs[100:103])
    items.update(
        {
            "list /mechanisms/ (no filter)": page(client, "/mechanisms/"),
            "facets ?kind=rcp&region=africa&country=MAR": page(
                client, "/mechanisms/?kind=rcp&region=africa&country=MAR"
            ),
            "countries /countries/": page(client, "/countries/"),
            "country /countries/MAR/": page(client, "/countries/MAR/"),
            "overlap /overlap/": page(client, "/overlap/"),
            "overlap ?kind=rcp&region=europe": page(client, "/overlap/?kind=rcp&region=europe"),
            "overlap of a pair /overlap/<a>/<b>/": page(
                client, "/overlap/{}/{}/".format(*sorted(slugs[100:102]))
            ),
            "compare 3 mechanisms": page(client, f"/compare/?{compared}"),
        }
    )
    return items, bare_of


def invalidated(client: Client, urls: list[str], slug: str) -> dict[str, str]:
    """After a publication, does each cached page render again (more than one query)?"""
    from profiles.models import Mechanism
    from profiles.services import Actor, editing, publish

    for url in urls:
        client.get(url)
    with editing(Actor.command("bench/discovery.py")):
        publish([Mechanism.objects.get(slug=slug).pk])
    answers = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        answers[url] = (
            ("yes" if len(queries) > 1 else "NO")
            if response.status_code == 200
            else f"HTTP {response.status_code}"
        )
    return answers


def report(cached: dict, uncached: dict, bare_of: dict[str, str]) -> None:
    trivial = "trivial page (baseline: base.html, no query)"
    print(
        "| measured | cache off: median ms | p95 ms | queries (slowest ms) | ratio | target "
        "| as served: median ms | p95 ms | queries (slowest ms) | ratio | target |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |")
    for label in uncached:
        cells = [_cells(phase, label, trivial, bare_of) for phase in (uncached, cached)]
        print(f"| {label} | {cells[0]} | {cells[1]} |")
    print()
    print(
        "Ratio: a search page's median over (trivial page + its bare SQL query), "
        "any other page's over the trivial page, each in its own phase."
    )


def _cells(phase: dict, label: str, trivial: str, bare_of: dict[str, str]) -> str:
    figures = phase[label]
    if isinstance(figures, str):
        return f"{figures} | | | |"
    median, p95, queries, slowest = figures
    measured = f"{median:.2f} | {p95:.2f} | {queries} ({slowest:.0f})"
    if label in bare_of:  # a search: against the trivial page plus its bare query
        floor, limit = phase[trivial][0] + phase[bare_of[label]][0], 3
    elif label.startswith(("bare SQL", "published_version", "trivial")):
        return f"{measured} | |"
    else:
        floor, limit = phase[trivial][0], 10
    ratio = median / floor
    return f"{measured} | {ratio:.1f} | ≤ {limit}: {'met' if ratio <= limit else '**missed**'}"


def main() -> None:
    import tempfile

    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command

    if connection.vendor != "postgresql":
        print(
            "bench/discovery.py measures PostgreSQL full-text search: run it with "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm. Skipped on "
            f"{connection.vendor}."
        )
        return
    from profiles.models import Mechanism, PublishedProfile

    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # pages not built yet
    logging.getLogger("iscm.audit").setLevel(logging.WARNING)  # one line per publication
    # Its own database name: test runs on the same server use test_<name>.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_iscm_discovery_{MECHANISMS}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=KEEPDB)
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    version = connection.pg_version // 10000
    try:
        if PublishedProfile.objects.count() != MECHANISMS:
            Mechanism.objects.all().delete()
            started = time.perf_counter()
            fill(MECHANISMS)
            print(f"Fill: {time.perf_counter() - started:.1f} s in all.")
        slugs = list(Mechanism.objects.order_by("pk").values_list("slug", flat=True))
        planner(PLANNER)
        with connection.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            page_cost = cursor.fetchone()[0]
        # Static files as a deployment serves them: collected, with a manifest (now, so
        # that files added while the database filled are in it).
        settings.STATIC_ROOT = tempfile.mkdtemp(prefix="iscm-bench-static-")
        call_command("collectstatic", interactive=False, verbosity=0)
        cache.clear()
        client = Client(raise_request_exception=False)  # a broken page is reported, not fatal
        with override_settings(ROOT_URLCONF=__name__):
            items, bare_of = items_to_time(client, slugs)
            with override_settings(CACHES=UNCACHED):
                uncached = timed(items, ROUNDS)
            cached = timed(items, ROUNDS)
            urls = ["/mechanisms/?q=migration", "/mechanisms/?kind=rcp", "/countries/MAR/"]
            urls += ["/overlap/", "/countries/"]
            fresh = invalidated(client, urls, slugs[0])
    finally:
        planner("")
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=KEEPDB)
    print()
    print(
        f"Database: PostgreSQL {version}; {MECHANISMS} published "
        f"mechanisms; page cache: {backend}; {ROUNDS} rounds after {WARMUP} warm-up requests; "
        f"random_page_cost {page_cost} (settings.PG_OPTIONS){f'; {PLANNER}' if PLANNER else ''}."
    )
    print()
    report(cached, uncached, bare_of)
    print()
    print("Rendered again after a publication (cache invalidated):")
    for url, again in fresh.items():
        print(f"- {url}: {again}")


if __name__ == "__main__":
    main()
