"""The demo data set: 25 ISCMs from public reference facts, plus the Almaty Process
Summary of Findings. Loading is idempotent: running it again changes nothing.

Reference conventions (data/demo/iscm-facts.csv): lists are separated by `;`, a trailing
`?` marks an unconfirmed value (kept as an "unconfirmed" flag), `XKX` is Kosovo, and a
list ending in "(member organisations)" or "(participating organisations)" gives the
role of the organisations in it.
"""

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django_countries import countries

from history.recording import bulk_create

from .findings.parser import parse_findings
from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Region,
    Section,
    ThematicArea,
    Topic,
)
from .services import Actor, ChangeSet, editing, publish, save_object, save_sections
from .vocabularies import ensure_vocabularies

DEMO_DIR = Path(settings.BASE_DIR) / "data" / "demo"
FACTS_FILE = "iscm-facts.csv"
CURATION_FILE = "curation.json"
SEED_FILE = "summary-of-findings-almaty-process.md"

KINDS = {
    "regional consultative process": Mechanism.Kind.RCP,
    "interregional forum": Mechanism.Kind.INTERREGIONAL,
    "global process": Mechanism.Kind.GLOBAL,
}
ROLE_SUFFIX = re.compile(r"\s*\((member|participating) organisations\)\s*$", re.IGNORECASE)


@dataclass
class DemoReport:
    mechanisms: int
    participations: int
    sections: int


def unconfirmed(value: str) -> tuple[str, bool]:
    value = value.strip()
    return (value[:-1].strip(), True) if value.endswith("?") else (value, False)


def split_names(name: str, short: str) -> tuple[str, str, list[str]]:
    """Name, short name and aliases from the reference's two name columns."""
    aliases: list[str] = []
    former = re.match(r"^(.*?)\s*\(formerly (.+)\)$", name)
    if former:
        name, alias = former.groups()
        aliases.append(alias)
    former = re.match(r"^(.*?)\s*\(formerly (.+)\)$", short)
    if former:
        short, alias = former.groups()
        aliases.append(alias)
    bracketed = re.match(r"^(.*?)\s*\((.+)\)$", short)
    if bracketed:
        short, alias = bracketed.groups()
        aliases.append(alias)
    parts = [p.strip() for p in short.split("/") if p.strip()]
    short = parts[0] if parts else ""
    for part in parts[1:]:
        if part.lower() != short.lower():
            aliases.append(part)
    return name.strip(), short, aliases


def _participants(cell: str, default_role: str, orgs: dict[str, Organisation]):
    role = default_role
    suffix = ROLE_SUFFIX.search(cell)
    if suffix:
        role = (
            Participation.Role.MEMBER
            if suffix.group(1).lower() == "member"
            else Participation.Role.PARTICIPANT
        )
        cell = cell[: suffix.start()]
    for token in cell.split(";"):
        token, uncertain = unconfirmed(token)
        if not token:
            continue
        # Organisations first: some acronyms look like country codes (EC is Ecuador).
        if token in orgs:
            yield {"organisation": orgs[token], "country": "", "role": role, "uncertain": uncertain}
            continue
        code = countries.alpha2(token)
        if not code:
            raise ValueError(f"Unknown country or organisation in the reference data: {token!r}")
        yield {
            "organisation": None,
            "country": code,
            "role": default_role,
            "uncertain": uncertain,
        }


def load(data_dir: Path = DEMO_DIR) -> DemoReport:
    """Load what is missing, through the write gateway, as one change set; publish it."""
    curation = json.loads((data_dir / CURATION_FILE).read_text(encoding="utf-8"))
    ensure_vocabularies(Topic, Region, ThematicArea)
    regions = {r.slug: r for r in Region.objects.all()}
    themes = {t.slug: t for t in ThematicArea.objects.all()}
    with editing(Actor.command(FACTS_FILE, via=ChangeSet.Via.DEMO)):
        orgs = {o.acronym: o for o in Organisation.objects.all()}
        for acronym, name, kind in curation["organisations"]:
            if acronym not in orgs:
                orgs[acronym] = Organisation(acronym=acronym, name=name, kind=kind)
                save_object(orgs[acronym])
        with (data_dir / FACTS_FILE).open(encoding="utf-8", newline="") as facts:
            rows = list(csv.DictReader(facts))
        existing = set(Mechanism.objects.values_list("slug", flat=True))
        created: list[Mechanism] = []
        for row in rows:
            extra = curation["mechanisms"][row["acronym_or_short_name"]]
            if extra["slug"] in existing:
                continue  # keep whatever editors changed since
            mechanism = _mechanism(row, extra, orgs)
            save_object(mechanism)
            created.append(mechanism)
            mechanism.regions.set([regions[slug] for slug in extra["regions"]])
            mechanism.thematic_areas.set([themes[slug] for slug in extra["themes"]])
            people = [
                *_participants(row["member_states"], Participation.Role.MEMBER, orgs),
                *_participants(row["observers"], Participation.Role.OBSERVER, orgs),
            ]
            for acronym, role in extra.get("participants", []):
                people.append(
                    {"organisation": orgs[acronym], "country": "", "role": role, "uncertain": False}
                )
            bulk_create(Participation, [Participation(mechanism=mechanism, **p) for p in people])

        by_slug = {m.slug: m for m in Mechanism.objects.all()}
        have_links = set(
            MechanismLink.objects.values_list("mechanism__slug", "other_mechanism__slug", "kind")
        )
        for slug, other, kind, note in curation["links"]:
            if (slug, other, kind) not in have_links:
                save_object(
                    MechanismLink(
                        mechanism=by_slug[slug],
                        other_mechanism=by_slug[other],
                        kind=kind,
                        note=note,
                    )
                )
        have_documents = set(Document.objects.values_list("mechanism__slug", "title"))
        for slug, title, kind, year, publisher, url in curation["documents"]:
            if (slug, title) not in have_documents:
                save_object(
                    Document(
                        mechanism=by_slug[slug],
                        title=title,
                        kind=kind,
                        year=year,
                        publisher=publisher,
                        url=url,
                    )
                )
        load_seed_findings(data_dir / SEED_FILE, by_slug["almaty-process"])
        # The demo is published; so is a mechanism flagged published whose snapshot is
        # missing (a database from before snapshots existed).
        publish(
            [m.pk for m in created]
            + list(
                Mechanism.objects.filter(
                    is_published=True, published_profile__isnull=True
                ).values_list("pk", flat=True)
            )
        )
    return DemoReport(
        mechanisms=Mechanism.objects.count(),
        participations=Participation.objects.count(),
        sections=Section.objects.count(),
    )


def _mechanism(row: dict, extra: dict, orgs: dict[str, Organisation]) -> Mechanism:
    name, short, aliases = split_names(row["name"], row["acronym_or_short_name"])
    kind, kind_uncertain = unconfirmed(row["kind"])
    year, year_uncertain = unconfirmed(row["year_established"])
    return Mechanism(
        slug=extra["slug"],
        name=name,
        short_name=short,
        aliases="; ".join(aliases),
        kind=KINDS[kind],
        kind_uncertain=kind_uncertain,
        established=int(year) if year else None,
        established_uncertain=year_uncertain,
        status=extra.get("status", Mechanism.Status.ACTIVE),
        geographic_scope=row["region"],
        secretariat=row["secretariat_or_support"],
        membership_note=row.get("membership_note") or "",
        website=extra.get("website", ""),
        sources="\n".join(url.strip() for url in row["source"].split(" ; ") if url.strip()),
        summary=extra.get("summary", ""),
        regional_organisation=orgs.get(extra.get("organisation", "")),
    )


def load_seed_findings(path: Path, mechanism: Mechanism) -> None:
    """Fill the seed's sections unless an editor has already written them."""
    if mechanism.sections.exists():
        return
    topics = list(Topic.objects.order_by("order"))
    parsed = parse_findings(path.read_text(encoding="utf-8"), [t.title for t in topics])
    save_sections(mechanism=mechanism, bodies={t: parsed.sections[t.order] for t in topics})
