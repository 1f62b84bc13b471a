"""Writing the workbook (and its one-profile CSV form) from the database.

Every sheet is read with one query (plus one per many-to-many relation), so the number
of queries does not depend on how many mechanisms are exported. Rows are written with
openpyxl's write-only mode; every text cell goes through `spec.cell_value`, which
neutralises formulas.
"""

import csv
from collections.abc import Iterable
from typing import IO

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..models import (
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
from . import spec
from .spec import SHEETS, Sheet

ROLE_ORDER = {value: index for index, value in enumerate(Participation.Role.values)}


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
    participations.sort(
        key=lambda p: (
            position[p.mechanism_id],
            ROLE_ORDER.get(p.role, 99),
            p.organisation_id is not None,
            str(p.country),
            acronym(p.organisation_id),
            p.since or 0,
            p.until or 0,
        )
    )
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


HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def _write_sheet(book: Workbook, sheet: Sheet, rows: Iterable[dict]) -> None:
    ws = book.create_sheet(sheet.name)
    ws.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    ws.append(header)
    wrapped = [column.wrap for column in sheet.columns]
    names = sheet.headers
    any_wrap = any(wrapped)
    cell_value = spec.cell_value
    for row in rows:
        values = [cell_value(row[name]) for name in names]
        if any_wrap:
            for index, value in enumerate(values):
                if wrapped[index] and isinstance(value, str) and ("\n" in value or len(value) > 60):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.alignment = WRAP
                    values[index] = cell
        ws.append(values)


def _write_about(book: Workbook) -> None:
    ws = book.create_sheet(spec.ABOUT_SHEET)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 90
    bold = Font(bold=True)
    lines = [
        ("ISCM Profiles workbook", "", ""),
        (
            "",
            "",
            "Edit the sheets and import the file again (admin, or "
            "`manage.py import_workbook`). Lists inside a cell are separated by “;”. Keys are "
            "natural: mechanism slug, topic key, ISO country code, organisation short name. "
            "A leading apostrophe (') is added to texts that start with = + - @ or ' so that "
            "no cell is ever run as a formula; it is removed again on import.",
        ),
        ("", "", ""),
        ("sheet", "column", "meaning"),
    ]
    for sheet in SHEETS:
        lines.append((sheet.name, "", sheet.help))
        for column in sheet.columns:
            meaning = column.help
            if column.choices is not None:
                meaning += (
                    " One of: "
                    + ", ".join(f"{value} ({label})" for value, label in column.choices.choices)
                    + "."
                )
            if not column.required:
                meaning += " (Optional column.)"
            lines.append(("", column.name, meaning))
    lines.append(("", "", ""))
    lines.append(
        ("Topics", "", "; ".join(f"{t.key} ({t.title})" for t in Topic.objects.order_by("order")))
    )
    lines.append(("Regions", "", "; ".join(f"{r.slug} ({r.name})" for r in Region.objects.all())))
    lines.append(
        (
            "Thematic areas",
            "",
            "; ".join(f"{t.slug} ({t.name})" for t in ThematicArea.objects.all()),
        )
    )
    for a, b, c in lines:
        cells = []
        for value in (a, b, c):
            cell = WriteOnlyCell(ws, value=spec.neutralise(value) if value else None)
            if value in ("sheet", "column", "meaning") or (a and not b and value == a):
                cell.font = bold
            cell.alignment = WRAP
            cells.append(cell)
        ws.append(cells)


def write_workbook(
    target: IO[bytes],
    mechanisms: QuerySet[Mechanism],
    *,
    link_targets: QuerySet[Mechanism] | None = None,
) -> None:
    """Write the workbook of `mechanisms` (every sheet, then an About sheet) to `target`."""
    rows = workbook_rows(mechanisms, link_targets=link_targets)
    book = Workbook(write_only=True)
    for sheet in SHEETS:
        _write_sheet(book, sheet, rows[sheet.name])
    _write_about(book)
    book.save(target)


def write_template(target: IO[bytes]) -> None:
    """The empty workbook: every sheet with its headers, and the About sheet."""
    write_workbook(target, Mechanism.objects.none())


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
    rows = workbook_rows(mechanisms, link_targets=link_targets)
    writer = csv.writer(target)
    writer.writerow(["sheet", "record", "field", "value"])
    for sheet in SHEETS:
        for number, row in enumerate(rows[sheet.name], start=1):
            for name in sheet.headers:
                value = spec.cell_value(row[name])
                writer.writerow([sheet.name, number, name, "" if value is None else value])
