"""Publishing: freezing working rows into the public read model (`PublishedProfile`).

A snapshot holds the normalised profile exactly as the workbook writes it (so public
downloads are the snapshot's rows), the sections' HTML, and the columns public pages
filter and search on. Publication dates are set here and nowhere else.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet
from django_countries import countries

from history.recording import Recording
from iscm_site.audit import audit

from ..exporter import workbook_rows
from ..models import Mechanism, Participation, PublishedProfile, Region, Section, ThematicArea
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


def _search_text(content: dict) -> str:
    facts = content["Mechanisms"][0]
    words = [facts["name"], facts["short_name"], facts["aliases"], facts["summary"]]
    words += [s["body"] for s in content["Sections"]]
    words += [str(countries.name(p["country"])) for p in content["Participants"] if p["country"]]
    words += [o["name"] for o in content["Organisations"]]
    words += [d["title"] for d in content["Documents"]]
    return "\n".join(w for w in words if w).lower()


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
        snapshot.search_text = _search_text(content)
        snapshot.content = content
        snapshot.sections_html = sections_html
        snapshot.published_at = rec.date
        snapshot.published_by = rec.actor.user
        snapshot.change_set = change_set
        snapshot.save()
        snapshot.regions.set([regions[s] for s in facts["regions"]])
        snapshot.thematic_areas.set([themes[s] for s in facts["thematic_areas"]])
        Mechanism.objects.filter(pk=mechanism.pk).update(is_published=True, published_at=rec.date)
        audit("publish", user=rec.actor.user, mechanism=mechanism.slug, version=mechanism.version)
        rec.add_summary(f"Published {mechanism.name}, version {mechanism.version}.")
