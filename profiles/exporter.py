"""Writing the workbook (and its one-profile CSV form).

Staff exports (`write_workbook`, `export_workbook`) read the working rows: every sheet with
one query (plus one per many-to-many relation), so the number of queries does not depend
on how many mechanisms are exported. Public downloads (`write_snapshot_workbook`,
`write_snapshot_csv`) write the rows frozen in published snapshots, as
`profiles.selectors.published_contents` gives them. `workbook.writer` writes both,
neutralising formulas.
"""

import csv
from collections.abc import Iterable
from typing import IO

from django.db.models import QuerySet

from workbook.columns import cell_value
from workbook.writer import write_sheets, write_staff_workbook

from . import sheets as spec  # the row functions
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
from .sheets import SHEETS, SHEETS_BY_NAME

ROLE_ORDER = {value: index for index, value in enumerate(Participation.Role.values)}


def participant_order(participation: Participation, acronym) -> tuple:
    """Where a participant comes within its mechanism: by role, countries first, then names.

    `acronym` gives an organisation's short name from its id.
    """
    return (
        ROLE_ORDER.get(participation.role, 99),
        participation.organisation_id is not None,
        str(participation.country),
        acronym(participation.organisation_id),
        participation.since or 0,
        participation.until or 0,
    )


def workbook_rows(
    mechanisms: QuerySet[Mechanism], *, link_targets: QuerySet[Mechanism] | None = None
) -> dict[str, list[dict]]:
    """The normalised rows of every sheet for `mechanisms`, in a stable order.

    Links are included only when their other end is in `link_targets` (default: the
    exported mechanisms), so that an export never names a mechanism the reader cannot see.
    Only organisations that the exported rows refer to are listed.
    """
    chosen = sorted(mechanisms, key=lambda m: m.name)
    by_id = {m.pk: m for m in chosen}
    position = {m.pk: index for index, m in enumerate(chosen)}
    selected = mechanisms.values("pk")
    if link_targets is None:
        target_slugs = {m.pk: m.slug for m in chosen}
    else:
        target_slugs = dict(link_targets.values_list("pk", "slug"))
    organisations = {o.pk: o for o in Organisation.objects.all()}
    regions = {r.pk: r.slug for r in Region.objects.all()}
    themes = {t.pk: t.slug for t in ThematicArea.objects.all()}
    topics = {t.pk: t for t in Topic.objects.all()}

    def acronym(pk: int | None) -> str:
        return organisations[pk].acronym if pk else ""

    region_sets: dict[int, set] = {}
    for mech, region in Mechanism.regions.through.objects.filter(
        mechanism__in=selected
    ).values_list("mechanism_id", "region_id"):
        region_sets.setdefault(mech, set()).add(regions[region])
    theme_sets: dict[int, set] = {}
    for mech, theme in Mechanism.thematic_areas.through.objects.filter(
        mechanism__in=selected
    ).values_list("mechanism_id", "thematicarea_id"):
        theme_sets.setdefault(mech, set()).add(themes[theme])

    used_orgs = {m.regional_organisation_id for m in chosen if m.regional_organisation_id}
    rows: dict[str, list[dict]] = {}
    rows["Mechanisms"] = [
        spec.mechanism_row(
            m,
            frozenset(region_sets.get(m.pk, ())),
            frozenset(theme_sets.get(m.pk, ())),
            acronym(m.regional_organisation_id),
        )
        for m in chosen
    ]

    sections = list(Section.objects.filter(mechanism__in=selected).order_by())
    sections.sort(key=lambda s: (position[s.mechanism_id], topics[s.topic_id].order))
    rows["Sections"] = [
        spec.section_row(s, by_id[s.mechanism_id].slug, topics[s.topic_id].key) for s in sections
    ]

    participations = list(Participation.objects.filter(mechanism__in=selected).order_by())
    used_orgs.update(p.organisation_id for p in participations if p.organisation_id)
    participations.sort(key=lambda p: (position[p.mechanism_id], *participant_order(p, acronym)))
    rows["Participants"] = [
        spec.participant_row(p, by_id[p.mechanism_id].slug, acronym(p.organisation_id))
        for p in participations
    ]

    links = [
        k
        for k in MechanismLink.objects.filter(mechanism__in=selected).order_by()
        if k.other_mechanism_id in target_slugs
    ]
    links.sort(key=lambda k: (position[k.mechanism_id], target_slugs[k.other_mechanism_id], k.kind))
    rows["Links"] = [
        spec.link_row(k, by_id[k.mechanism_id].slug, target_slugs[k.other_mechanism_id])
        for k in links
    ]

    documents = list(Document.objects.filter(mechanism__in=selected).order_by())
    documents.sort(key=lambda d: (position[d.mechanism_id], d.title))
    rows["Documents"] = [spec.document_row(d, by_id[d.mechanism_id].slug) for d in documents]

    rows["Organisations"] = [
        spec.organisation_row(o)
        for o in sorted((organisations[pk] for pk in used_orgs), key=lambda o: o.acronym)
    ]
    return rows


def write_workbook(
    target: IO[bytes],
    mechanisms: QuerySet[Mechanism],
    *,
    link_targets: QuerySet[Mechanism] | None = None,
    other_apps: bool = False,
) -> None:
    """Write the workbook of `mechanisms` (every sheet, then an About sheet) to `target`.

    `other_apps` adds the sheets of every other registered app (e.g. the survey data):
    for the staff's whole-workbook exports, never for public downloads.
    """
    rows = workbook_rows(mechanisms, link_targets=link_targets)
    if other_apps:
        write_staff_workbook(target, rows, list(SHEETS))
    else:
        write_sheets(target, rows, list(SHEETS))


def write_template(target: IO[bytes]) -> None:
    """The empty workbook: every sheet with its headers, and the About sheet."""
    write_workbook(target, Mechanism.objects.none())


def snapshot_rows(contents: Iterable[dict], *, link_targets: set[str]) -> dict[str, list[dict]]:
    """The workbook rows of published profiles, from their snapshots' `content`.

    `contents` come in the order to write them (by name). Links are kept only when their
    other end is in `link_targets` (the published slugs); organisations are listed once
    however many profiles name them. A snapshot's Mechanisms row is published by
    definition; a column its content lacks (added to the sheet after it was published)
    is written empty.
    """
    rows: dict[str, list[dict]] = {sheet.name: [] for sheet in SHEETS}
    organisations: dict[str, dict] = {}
    for content in contents:
        for sheet in SHEETS:
            for row in content.get(sheet.name, ()):
                if sheet.name == "Organisations":
                    organisations.setdefault(row["acronym"], row)
                elif sheet.name != "Links" or row["other_mechanism"] in link_targets:
                    rows[sheet.name].append(_complete(sheet, row))
    rows["Organisations"] = [
        _complete(SHEETS_BY_NAME["Organisations"], organisations[acronym])
        for acronym in sorted(organisations)
    ]
    return rows


def _complete(sheet, row: dict) -> dict:
    if sheet.name == "Mechanisms":
        row = {**row, "published": True}
    return {name: row.get(name) for name in sheet.headers}


def write_snapshot_workbook(
    target: IO[bytes], contents: Iterable[dict], *, link_targets: set[str]
) -> None:
    """Published profiles (snapshot contents) as the workbook: every sheet, then About."""
    write_sheets(target, snapshot_rows(contents, link_targets=link_targets), list(SHEETS))


def write_snapshot_csv(
    target: IO[str], contents: Iterable[dict], *, link_targets: set[str]
) -> None:
    """Published profiles (snapshot contents) as one flat CSV, like `write_profile_csv`."""
    _write_flat_csv(target, snapshot_rows(contents, link_targets=link_targets))


def write_profile_csv(
    target: IO[str],
    mechanisms: QuerySet[Mechanism],
    *,
    link_targets: QuerySet[Mechanism] | None = None,
) -> None:
    """One profile as one flat CSV: columns sheet, record, field, value.

    Each workbook row becomes one record (numbered within its sheet), each of its cells
    one line, so that the CSV holds exactly what the workbook holds.
    """
    _write_flat_csv(target, workbook_rows(mechanisms, link_targets=link_targets))


def _write_flat_csv(target: IO[str], rows: dict[str, list[dict]]) -> None:
    writer = csv.writer(target)
    writer.writerow(["sheet", "record", "field", "value"])
    for sheet in SHEETS:
        for number, row in enumerate(rows[sheet.name], start=1):
            for name in sheet.headers:
                value = cell_value(row[name])
                writer.writerow([sheet.name, number, name, "" if value is None else value])


def about_lines() -> list[tuple[str, str]]:
    """The vocabularies, listed on the About sheet."""
    return [
        ("Topics", "; ".join(f"{t.key} ({t.title})" for t in Topic.objects.order_by("order"))),
        ("Regions", "; ".join(f"{r.slug} ({r.name})" for r in Region.objects.all())),
        ("Thematic areas", "; ".join(f"{t.slug} ({t.name})" for t in ThematicArea.objects.all())),
    ]
