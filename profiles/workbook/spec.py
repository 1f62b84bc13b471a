"""The workbook format (DESIGN.md §4): sheets, columns, and how values are written and read.

One representation serves export, comparison and import: every row, whether it comes from
the database or from a file, becomes a dict of *normalised* values (text stripped with
`\\n` line ends, years as int or None, flags as bool, lists as frozensets of keys,
countries as ISO alpha-2, references as natural keys). "Unchanged" means equal in this
representation, and an export writes exactly this representation back.

Formula neutralisation (exports never contain a live formula): a text cell that starts
with `=`, `+`, `-`, `@`, a tab, a carriage return *or an apostrophe* is written with one
extra leading apostrophe; on import one leading apostrophe is removed from every text
cell. So `=1+1` is exported as `'=1+1` and read back as `=1+1`, and a text that really
starts with an apostrophe survives too. (Excel itself never stores a typed leading
apostrophe in the cell's value, so nothing typed by hand is changed by this rule.)
"""

import functools
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django_countries import countries

from ..models import (
    YEAR_MAX,
    YEAR_MIN,
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Section,
)
from .safety import MAX_CELL_CHARS

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
TRUE_WORDS = {"yes", "y", "true", "1", "x", "✓"}
FALSE_WORDS = {"no", "n", "false", "0", ""}
_url_validator = URLValidator()


class CellProblem(ValueError):
    """A value that cannot be accepted; the message is shown to the user."""


def neutralise(value: str) -> str:
    """Make a text safe to put in a spreadsheet cell (see the module docstring)."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unneutralise(value: str) -> str:
    return value[1:] if value.startswith("'") else value


def norm_text(value: str | None) -> str:
    if not value:
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def norm_aliases(value: str | None) -> str:
    return "; ".join(part.strip() for part in (value or "").split(";") if part.strip())


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, slug, url, year, flag, choice, keys, country, ref
    help: str
    required: bool = True  # must the column be present in the header row?
    blank: bool = True  # may a cell be empty?
    max_length: int | None = None
    choices: type[models.TextChoices] | None = None
    default: object = ""
    width: int = 18
    wrap: bool = False
    vocabulary: str = ""  # for keys/ref: regions, themes, topics, organisations, mechanisms


@dataclass(frozen=True)
class Sheet:
    name: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    help: str
    required: bool = True
    column_map: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        self.column_map.update({column.name: column for column in self.columns})

    @property
    def headers(self) -> list[str]:
        return [column.name for column in self.columns]


def _max(model: type[models.Model], name: str) -> int:
    limit = model._meta.get_field(name).max_length
    return min(limit, MAX_CELL_CHARS) if limit else MAX_CELL_CHARS


M = Mechanism
MECHANISMS = Sheet(
    "Mechanisms",
    Mechanism,
    (
        Column(
            "slug",
            "slug",
            "Key of the mechanism, used in its address.",
            blank=False,
            max_length=_max(M, "slug"),
            width=26,
        ),
        Column(
            "name",
            "text",
            "Full name (unique).",
            blank=False,
            max_length=_max(M, "name"),
            width=40,
            wrap=True,
        ),
        Column("short_name", "text", "Acronym or short name.", max_length=_max(M, "short_name")),
        Column(
            "aliases",
            "text",
            "Former and alternative names, separated by “;”.",
            max_length=_max(M, "aliases"),
            width=30,
            wrap=True,
        ),
        Column("kind", "choice", "Kind of mechanism.", blank=False, choices=M.Kind, width=16),
        Column(
            "kind_unconfirmed",
            "flag",
            "“yes” if the kind is not confirmed by a source.",
            required=False,
            default=False,
            width=12,
        ),
        Column("established", "year", "Year established.", default=None, width=12),
        Column(
            "established_unconfirmed",
            "flag",
            "“yes” if the year is not confirmed.",
            required=False,
            default=False,
            width=12,
        ),
        Column("status", "choice", "Status.", choices=M.Status, default=M.Status.ACTIVE, width=12),
        Column(
            "regions",
            "keys",
            "Regions covered, by key or name, separated by “;”.",
            default=frozenset(),
            vocabulary="regions",
            width=24,
        ),
        Column(
            "geographic_scope",
            "text",
            "The area covered, in words.",
            required=False,
            max_length=_max(M, "geographic_scope"),
            width=28,
            wrap=True,
        ),
        Column(
            "regional_organisation",
            "ref",
            "Associated regional organisation (short name, as on the Organisations sheet).",
            required=False,
            vocabulary="organisations",
            max_length=_max(Organisation, "acronym"),
        ),
        Column(
            "secretariat",
            "text",
            "Secretariat / support unit (a trailing “?” marks an unconfirmed statement).",
            max_length=_max(M, "secretariat"),
            width=36,
            wrap=True,
        ),
        Column("website", "url", "Web address.", max_length=_max(M, "website"), width=30),
        Column(
            "thematic_areas",
            "keys",
            "Thematic areas, by key or name, separated by “;”.",
            default=frozenset(),
            vocabulary="themes",
            width=30,
        ),
        Column(
            "summary",
            "text",
            "Two or three sentences.",
            max_length=_max(M, "summary"),
            width=60,
            wrap=True,
        ),
        Column(
            "sources",
            "text",
            "Addresses the facts were taken from, one per line.",
            required=False,
            max_length=_max(M, "sources"),
            width=40,
            wrap=True,
        ),
        Column(
            "published",
            "flag",
            "“yes” if the public may see the profile. Only publishers may change it.",
            required=False,
            default=False,
            width=11,
        ),
    ),
    key=("slug",),
    help="One row per mechanism.",
)

SECTIONS = Sheet(
    "Sections",
    Section,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column("topic", "ref", "Topic key.", blank=False, vocabulary="topics", width=16),
        Column(
            "body",
            "text",
            "The section, in Markdown.",
            blank=False,
            max_length=_max(Section, "body"),
            width=100,
            wrap=True,
        ),
    ),
    key=("mechanism", "topic"),
    help="One row per mechanism and topic of the Summary of Findings.",
)

P = Participation
PARTICIPANTS = Sheet(
    "Participants",
    Participation,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "country",
            "country",
            "A country: ISO 3166 alpha-2 or alpha-3 code, or its "
            "English name (leave empty for an organisation).",
            width=12,
        ),
        Column(
            "organisation",
            "ref",
            "An organisation's short name (leave empty for a country).",
            vocabulary="organisations",
            max_length=_max(Organisation, "acronym"),
            width=16,
        ),
        Column("role", "choice", "Role.", choices=P.Role, default=P.Role.MEMBER, width=14),
        Column("since", "year", "First year in this role.", default=None, width=8),
        Column("until", "year", "Last year in this role.", default=None, width=8),
        Column(
            "unconfirmed",
            "flag",
            "“yes” if not confirmed by a source.",
            required=False,
            default=False,
            width=12,
        ),
        Column(
            "note",
            "text",
            "A short note.",
            required=False,
            max_length=_max(P, "note"),
            width=30,
            wrap=True,
        ),
    ),
    key=("mechanism", "country", "organisation", "role", "since", "until"),
    help="One row per mechanism, participant, role and period.",
)

LINKS = Sheet(
    "Links",
    MechanismLink,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism that describes the link.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "other_mechanism",
            "ref",
            "Slug of the other mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "kind", "choice", "Kind of link.", blank=False, choices=MechanismLink.Kind, width=14
        ),
        Column(
            "note", "text", "A note.", max_length=_max(MechanismLink, "note"), width=50, wrap=True
        ),
    ),
    key=("mechanism", "other_mechanism", "kind"),
    help="One row per link from one mechanism to another.",
)

DOCUMENTS = Sheet(
    "Documents",
    Document,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "title",
            "text",
            "Title (unique per mechanism).",
            blank=False,
            max_length=_max(Document, "title"),
            width=50,
            wrap=True,
        ),
        Column(
            "kind",
            "choice",
            "Kind of document.",
            required=False,
            choices=Document.Kind,
            default=Document.Kind.OTHER,
            width=14,
        ),
        Column("year", "year", "Year.", default=None, width=8),
        Column("publisher", "text", "Publisher.", max_length=_max(Document, "publisher"), width=20),
        Column("url", "url", "Web address.", max_length=_max(Document, "url"), width=40),
    ),
    key=("mechanism", "title"),
    help="One row per document of a mechanism.",
)

ORGANISATIONS = Sheet(
    "Organisations",
    Organisation,
    (
        Column(
            "acronym",
            "text",
            "Short name (the key other sheets use).",
            blank=False,
            max_length=_max(Organisation, "acronym"),
            width=16,
        ),
        Column(
            "name",
            "text",
            "Full name.",
            blank=False,
            max_length=_max(Organisation, "name"),
            width=50,
        ),
        Column(
            "kind",
            "choice",
            "Kind of organisation.",
            choices=Organisation.Kind,
            default=Organisation.Kind.IGO,
            width=14,
        ),
        Column(
            "website", "url", "Web address.", max_length=_max(Organisation, "website"), width=30
        ),
    ),
    key=("acronym",),
    help="Organisations that take part in mechanisms (optional sheet).",
    required=False,
)

# The order of the sheets in an exported workbook; imports apply them in dependency order.
SHEETS: tuple[Sheet, ...] = (MECHANISMS, SECTIONS, PARTICIPANTS, LINKS, DOCUMENTS, ORGANISATIONS)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
APPLY_ORDER = (ORGANISATIONS, MECHANISMS, SECTIONS, PARTICIPANTS, LINKS, DOCUMENTS)
ABOUT_SHEET = "About"


# --- reading one cell -------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A cell's value as text, formula neutralisation undone, checked for bad characters."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, str):
        value = str(value)
    value = unneutralise(value)
    bad = CONTROL_CHARS.search(value)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        label = "a NUL character" if bad.group() == "\x00" else f"a control character ({code})"
        raise CellProblem(f"contains {label}, which is not allowed")
    return value


def _choice(column: Column, text: str):
    wanted = text.strip().lower()
    if not wanted:
        if column.blank and column.default != "":
            return column.default
        raise CellProblem("is empty; it is required")
    for value, label in column.choices.choices:
        if wanted in (value.lower(), str(label).lower()):
            return value
    allowed = ", ".join(value for value, _ in column.choices.choices)
    raise CellProblem(f"“{text.strip()}” is not one of: {allowed} (or their names)")


def _year(value: object) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellProblem(f"“{value}” is not a year")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = cell_text(value).strip()
        if not re.fullmatch(r"\d{1,4}(\.0+)?", text):
            raise CellProblem(f"“{text}” is not a year")
        value = int(float(text))
    if not isinstance(value, int):
        raise CellProblem(f"“{value}” is not a year")
    if not YEAR_MIN <= value <= YEAR_MAX:
        raise CellProblem(
            f"{value} is out of range: a year must be between {YEAR_MIN} and {YEAR_MAX}"
        )
    return value


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = cell_text(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellProblem(f"“{text}” is not yes or no")


@functools.lru_cache(maxsize=4096)
def country_code(text: str) -> str:
    """ISO alpha-2 for an alpha-2 or alpha-3 code or an English name, any case; or ''."""
    text = text.strip()
    if not text:
        return ""
    code = countries.alpha2(text.upper()) if len(text) <= 3 else ""
    if not code:
        code = countries.by_name(text, insensitive=True) or ""
    return code


def parse_cell(column: Column, value: object):
    """The normalised value of one cell (references are resolved later)."""
    kind = column.type
    if kind == "year":
        return _year(value)
    if kind == "flag":
        return _flag(value)
    text = cell_text(value)
    if len(text) > MAX_CELL_CHARS or (column.max_length and len(text) > column.max_length):
        raise CellProblem(
            f"is too long: {len(text):,} characters, at most {column.max_length:,} allowed"
        )
    if kind == "choice":
        return _choice(column, text)
    if kind == "keys":
        return tuple(part.strip() for part in text.split(";") if part.strip())
    text = norm_aliases(text) if column.name == "aliases" else norm_text(text)
    if not text:
        if not column.blank:
            raise CellProblem("is empty; it is required")
        return ""
    if kind == "slug" and not SLUG.match(text):
        raise CellProblem(
            f"“{text}” is not a valid slug: use letters, digits, hyphens and underscores only"
        )
    if kind == "url":
        try:
            _url_validator(text)
        except ValidationError:
            raise CellProblem(f"“{text}” is not a web address (http://… or https://…)") from None
    if kind == "country":
        code = country_code(text)
        if not code:
            raise CellProblem(
                f"unknown country “{text}”: use an ISO 3166 alpha-2 or alpha-3 code or the "
                "English name"
            )
        return code
    return text


# --- the database side ------------------------------------------------------------------


def mechanism_row(
    mechanism: Mechanism,
    region_slugs: frozenset,
    theme_slugs: frozenset,
    organisation_acronym: str,
) -> dict:
    return {
        "slug": mechanism.slug,
        "name": norm_text(mechanism.name),
        "short_name": norm_text(mechanism.short_name),
        "aliases": norm_aliases(mechanism.aliases),
        "kind": mechanism.kind,
        "kind_unconfirmed": mechanism.kind_uncertain,
        "established": mechanism.established,
        "established_unconfirmed": mechanism.established_uncertain,
        "status": mechanism.status,
        "regions": region_slugs,
        "geographic_scope": norm_text(mechanism.geographic_scope),
        "regional_organisation": organisation_acronym,
        "secretariat": norm_text(mechanism.secretariat),
        "website": norm_text(mechanism.website),
        "thematic_areas": theme_slugs,
        "summary": norm_text(mechanism.summary),
        "sources": norm_text(mechanism.sources),
        "published": mechanism.is_published,
    }


# Workbook column → model attribute, where they differ.
MECHANISM_ATTRIBUTES = {
    "kind_unconfirmed": "kind_uncertain",
    "established_unconfirmed": "established_uncertain",
    "published": "is_published",
}


def section_row(section: Section, slug: str, topic_key: str) -> dict:
    return {"mechanism": slug, "topic": topic_key, "body": norm_text(section.body)}


def participant_row(p: Participation, slug: str, acronym: str) -> dict:
    return {
        "mechanism": slug,
        "country": str(p.country or ""),
        "organisation": acronym,
        "role": p.role,
        "since": p.since,
        "until": p.until,
        "unconfirmed": p.uncertain,
        "note": norm_text(p.note),
    }


def link_row(link: MechanismLink, slug: str, other_slug: str) -> dict:
    return {
        "mechanism": slug,
        "other_mechanism": other_slug,
        "kind": link.kind,
        "note": norm_text(link.note),
    }


def document_row(document: Document, slug: str) -> dict:
    return {
        "mechanism": slug,
        "title": norm_text(document.title),
        "kind": document.kind,
        "year": document.year,
        "publisher": norm_text(document.publisher),
        "url": norm_text(document.url),
    }


def organisation_row(organisation: Organisation) -> dict:
    return {
        "acronym": norm_text(organisation.acronym),
        "name": norm_text(organisation.name),
        "kind": organisation.kind,
        "website": norm_text(organisation.website),
    }


def cell_value(value: object):
    """A normalised value as written to a cell (text neutralised against formulas)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset | set | tuple | list):
        return "; ".join(sorted(value))
    if isinstance(value, str):
        return neutralise(value) if value else None
    return value
