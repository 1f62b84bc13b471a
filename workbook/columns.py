"""Columns and sheets of a workbook, and how one cell is read and written.

Every app describes its sheets with `Sheet` and `Column` (see `profiles/sheets.py`) and
registers them with the engine (`workbook.registry`). One representation serves export,
comparison and import: every row, whether it comes from the database or from a file,
becomes a dict of *normalised* values (text stripped with `\\n` line ends, years as int or
None, flags as bool, lists as frozensets of keys, countries as ISO alpha-2, references as
natural keys). "Unchanged" means equal in this representation, and an export writes
exactly this representation back.

Formula neutralisation (exports never contain a live formula): a text cell that starts
with `=`, `+`, `-`, `@`, a tab, a carriage return *or an apostrophe* is written with one
extra leading apostrophe; on import one leading apostrophe is removed from every text
cell. So `=1+1` is exported as `'=1+1` and read back as `=1+1`, and a text that really
starts with an apostrophe survives too. (Excel itself never stores a typed leading
apostrophe in the cell's value, so nothing typed by hand is changed by this rule.)
"""

import functools
import re
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django_countries import countries

from .safety import MAX_CELL_CHARS

ABOUT_SHEET = "About"  # explains the columns; ignored on import
YEAR_MIN = 1900
YEAR_MAX = 2100
NUMBER_MAX = 2_147_483_647  # the largest value every database's integer column holds

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
    type: str  # text, slug, url, year, number (positive whole), flag, choice, keys, country, ref
    help: str
    required: bool = True  # must the column be present in the header row?
    blank: bool = True  # may a cell be empty?
    max_length: int | None = None
    choices: type[models.TextChoices] | None = None
    default: object = ""
    width: int = 18
    wrap: bool = False
    vocabulary: str = ""  # for keys/ref: regions, themes, topics, organisations, mechanisms
    attribute: str = ""  # the model attribute, where it differs from the column's name

    @property
    def field_name(self) -> str:
        return self.attribute or self.name


@dataclass(frozen=True)
class Sheet:
    name: str
    model: type[models.Model]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    help: str
    required: bool = True
    # A "wide" sheet takes any other header too (e.g. one column per question code): each
    # is read like this column, under its own header name.
    more: Column | None = None
    column_map: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        self.column_map.update({column.name: column for column in self.columns})

    @property
    def headers(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column | None:
        """The column a header names: a listed one, or (wide sheets) one like `more`."""
        if name in self.column_map:
            return self.column_map[name]
        return replace(self.more, name=name) if self.more is not None else None


def max_length_of(model: type[models.Model], name: str) -> int:
    limit = model._meta.get_field(name).max_length
    return min(limit, MAX_CELL_CHARS) if limit else MAX_CELL_CHARS


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


def _number(value: object) -> int | None:
    """A positive whole number (e.g. a version), or None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = cell_text(value).strip()
        if not re.fullmatch(r"\d{1,12}(\.0+)?", text):
            raise CellProblem(f"“{text}” is not a whole number (1, 2, 3…)")
        value = int(text.split(".")[0])
    if isinstance(value, bool) or not isinstance(value, int):
        raise CellProblem(f"“{value}” is not a whole number (1, 2, 3…)")
    if value < 1:
        raise CellProblem(f"{value} is not a positive whole number: the smallest is 1")
    if value > NUMBER_MAX:
        raise CellProblem(f"{value:,} is too large: at most {NUMBER_MAX:,}")
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


@functools.cache
def _country_names() -> dict[str, str]:
    """Every English country name (with the configured overrides), lower case → alpha-2.

    Built once: django-countries' `by_name` scans every country on each call (0.45 ms),
    which made 10,000 unknown names take seconds.
    """
    names: dict[str, str] = {}
    for code, entry in countries.countries.items():
        if isinstance(entry, dict):
            labels = entry.get("names") or [entry.get("name", "")]
        else:
            labels = [entry]
        for label in labels:
            names.setdefault(str(label).lower(), code)
    return names


def country_code(text: str) -> str:
    """ISO alpha-2 for an alpha-2 or alpha-3 code or an English name, any case; or ''."""
    text = text.strip()
    if not text:
        return ""
    code = countries.alpha2(text.upper()) if len(text) <= 3 else ""
    return code or _country_names().get(text.lower(), "")


def parse_cell(column: Column, value: object):
    """The normalised value of one cell (references are resolved later)."""
    kind = column.type
    if kind == "year":
        return _year(value)
    if kind == "number":
        return _number(value)
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
