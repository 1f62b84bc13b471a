"""Publishing: freezing working rows into the public read model (`PublishedProfile`).

A snapshot holds the normalised profile exactly as the workbook writes it (so public
downloads are the snapshot's rows), the sections' HTML, and the columns public pages
filter and search on. Publication dates are set here and nowhere else.
"""

import operator
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import reduce

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import QuerySet, TextField, Value

from history.recording import Recording
from iscm_site.audit import audit

from .. import countries
from ..exporter import workbook_rows
from ..models import (
    Mechanism,
    Participation,
    PublishedParticipant,
    PublishedProfile,
    Region,
    Section,
    ThematicArea,
)
from .changes import _open

CHILD_SHEETS = ("Sections", "Participants", "Links", "Documents")


def _jsonable(value):
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


def profile_contents(mechanisms: QuerySet[Mechanism]) -> dict[str, dict]:
    """Slug → the normalised profile of each mechanism (workbook rows, one list per sheet).

    Links name every other mechanism (published or not): public reads show a link only
    while its other end is published.
    """
    rows = workbook_rows(mechanisms, link_targets=Mechanism.objects.all())
    contents: dict[str, dict] = {}
    organisations = {row["acronym"]: row for row in rows["Organisations"]}
    for row in rows["Mechanisms"]:
        contents[row["slug"]] = {
            "Mechanisms": [{k: _jsonable(v) for k, v in row.items() if k != "published"}],
            **{sheet: [] for sheet in CHILD_SHEETS},
            "Organisations": [],
        }
    for sheet in CHILD_SHEETS:
        for row in rows[sheet]:
            contents[row["mechanism"]][sheet].append(dict(row))
    for content in contents.values():
        used = {content["Mechanisms"][0]["regional_organisation"]} | {
            p["organisation"] for p in content["Participants"]
        }
        content["Organisations"] = [organisations[a] for a in sorted(used) if a]
    return contents


_MARKUP = re.compile(r"[*_#>`]+|\[([^\]]*)\]\([^)]*\)")


def _plain(markdown: str) -> str:
    """Markdown as readable plain text for snippets: emphasis and link targets removed."""
    return _MARKUP.sub(lambda m: m.group(1) or "", markdown)


def vocabulary_names(region_model=Region, theme_model=ThematicArea) -> dict[str, dict]:
    """Slug → name of regions and thematic areas (the migration passes its own models)."""
    return {
        "regions": dict(region_model.objects.values_list("slug", "name")),
        "thematic_areas": dict(theme_model.objects.values_list("slug", "name")),
    }


def search_texts(content: dict, vocabulary: dict[str, dict]) -> dict[str, str]:
    """What search looks in, by weight (PostgreSQL's A–D): names, aliases, summary,
    regions, thematic areas and participants (countries by every name readers use),
    section text and document titles.

    PostgreSQL ranks with four weights, so section text and document titles share D.
    """
    facts = content["Mechanisms"][0]
    labels = [
        vocabulary[key].get(slug, slug)
        for key in ("regions", "thematic_areas")
        for slug in facts[key]
    ]
    codes = sorted({p["country"] for p in content["Participants"] if p["country"]})
    participants = [n for code in codes for n in countries.search_names(code)]
    participants += [o["name"] for o in content["Organisations"]]
    participants += [o["acronym"] for o in content["Organisations"]]
    sections = [_plain(s["body"]) for s in content["Sections"]]
    return {
        "A": "\n".join(w for w in (facts["name"], facts["short_name"]) if w),
        "B": facts["aliases"],
        "C": "\n".join(
            [facts["summary"], facts.get("membership_note", ""), *labels, *participants]
        ),
        "D": "\n".join([*sections, *(d["title"] for d in content["Documents"])]),
    }


def search_columns(content: dict, vocabulary: dict[str, dict]) -> dict[str, str]:
    """The snapshot's text columns search reads (see `PublishedProfile`)."""
    facts = content["Mechanisms"][0]
    texts = search_texts(content, vocabulary)
    sections = [_plain(s["body"]) for s in content["Sections"]]
    return {
        # SQLite's simple search: every word must appear in this (lower-cased) text.
        "search_text": "\n".join(t for t in texts.values() if t).lower(),
        "search_names": "\n".join(
            w for w in (facts["name"], facts["short_name"], *facts["aliases"].split(";")) if w
        ),
        "snippet_text": "\n".join(
            t
            for t in (facts["summary"], *sections, *(d["title"] for d in content["Documents"]))
            if t
        ),
    }


def participant_rows(content: dict) -> list[dict]:
    """The snapshot's participants, as `PublishedParticipant` fields."""
    return [
        {
            "country": p["country"] or "",
            "organisation": "" if p["country"] else p["organisation"],
            "role": p["role"],
            "since": p["since"],
            "until": p["until"],
            "unconfirmed": bool(p["unconfirmed"]),
        }
        for p in content["Participants"]
        if p["country"] or p["organisation"]
    ]


def write_search_vector(model, pk: int, content: dict, vocabulary: dict[str, dict]) -> None:
    """Store the weighted full-text vector of one snapshot (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    parts = [
        SearchVector(Value(text, output_field=TextField()), config="english", weight=weight)
        for weight, text in search_texts(content, vocabulary).items()
        if text
    ]
    model.objects.filter(pk=pk).update(search_vector=reduce(operator.add, parts))


def build_snapshots(mechanisms: QuerySet[Mechanism]) -> list[tuple[Mechanism, dict, dict]]:
    """(mechanism, content, sections HTML) for each mechanism, as it would be published."""
    chosen = list(mechanisms)
    contents = profile_contents(Mechanism.objects.filter(pk__in=[m.pk for m in chosen]))
    html: dict[int, dict[str, str]] = defaultdict(dict)
    for mechanism_id, key, body_html in Section.objects.filter(
        mechanism__in=[m.pk for m in chosen]
    ).values_list("mechanism_id", "topic__key", "body_html"):
        html[mechanism_id][key] = body_html
    return [(m, contents[m.slug], html[m.pk]) for m in chosen]


def publish(mechanism_ids: Iterable[int]) -> None:
    """Publish these mechanisms when the open change set closes (after their versions move)."""
    rec = _open()
    rec.touch("publish", *mechanism_ids)
    rec.on_close(_publish_touched)


def unpublish(mechanism_ids: Iterable[int]) -> None:
    rec = _open()
    ids = list(mechanism_ids)
    for mechanism in Mechanism.objects.filter(pk__in=ids, is_published=True):
        audit("unpublish", user=rec.actor.user, mechanism=mechanism.slug)
        rec.add_summary(f"Unpublished {mechanism.name}.")
    PublishedProfile.objects.filter(mechanism__in=ids).delete()
    Mechanism.objects.filter(pk__in=ids).update(is_published=False, published_at=None)


def _publish_touched(rec: Recording) -> None:
    ids = rec.touched.pop("publish", set())
    if not ids:
        return
    existing = {p.mechanism_id: p for p in PublishedProfile.objects.filter(mechanism__in=ids)}
    regions = {r.slug: r for r in Region.objects.all()}
    themes = {t.slug: t for t in ThematicArea.objects.all()}
    vocabulary = vocabulary_names()
    change_set = rec.ensure()
    for mechanism, content, sections_html in build_snapshots(Mechanism.objects.filter(pk__in=ids)):
        facts = content["Mechanisms"][0]
        snapshot = existing.get(mechanism.pk) or PublishedProfile(
            mechanism=mechanism, first_published_at=rec.date
        )
        snapshot.version = mechanism.version
        snapshot.slug = mechanism.slug
        snapshot.name = mechanism.name
        snapshot.short_name = mechanism.short_name
        snapshot.kind = mechanism.kind
        snapshot.status = mechanism.status
        snapshot.established = mechanism.established
        snapshot.member_count = sum(
            1 for p in content["Participants"] if p["role"] == Participation.Role.MEMBER
        )
        for column, text in search_columns(content, vocabulary).items():
            setattr(snapshot, column, text)
        snapshot.content = content
        snapshot.sections_html = sections_html
        snapshot.published_at = rec.date
        snapshot.published_by = rec.actor.user
        snapshot.change_set = change_set
        snapshot.save()
        write_search_vector(PublishedProfile, snapshot.pk, content, vocabulary)
        snapshot.participants.all().delete()
        PublishedParticipant.objects.bulk_create(
            PublishedParticipant(profile=snapshot, **row) for row in participant_rows(content)
        )
        snapshot.regions.set([regions[s] for s in facts["regions"]])
        snapshot.thematic_areas.set([themes[s] for s in facts["thematic_areas"]])
        Mechanism.objects.filter(pk=mechanism.pk).update(is_published=True, published_at=rec.date)
        audit("publish", user=rec.actor.user, mechanism=mechanism.slug, version=mechanism.version)
        rec.add_summary(f"Published {mechanism.name}, version {mechanism.version}.")
