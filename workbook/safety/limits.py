"""Every limit and budget an import is held to (the README's limits table)."""

from dataclasses import dataclass
from typing import IO

# --- limits ------------------------------------------------------------------------------
# Every file, workbook or document.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # an upload (or file) larger than this is refused unread
MAX_UNCOMPRESSED_BYTES = 96 * 1024 * 1024  # declared, all members together (zip bombs)
MAX_MEMBERS = 500  # zip members

# Workbooks (.xlsx).
MAX_ROWS = 50_000  # data rows per sheet, after the header row
# Data rows of all the sheets together (rows after the first of each sheet; every sheet
# of the file counts, read or not). Each row read is kept until the import is applied, so
# this, with MAX_COLUMNS, bounds the memory that rows take whatever they hold: six sheets
# of MAX_ROWS would be 300,000 rows. The benchmark's 1,000 mechanisms are 28,000 rows.
MAX_TOTAL_ROWS = 60_000
MAX_COLUMNS = 40  # cells per row
# Distinct texts (shared strings). openpyxl loads them all before the first row, and each
# costs ~250 bytes besides its characters (its parsed element stays in the tree): 1,000,000
# short ones took 320 MB and 10 s. Excel saves a workbook at the row limits, in the
# benchmark's shape, with ~75,000.
MAX_SHARED_STRINGS = 100_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# Characters of text materialised by one import, counted by the scan before anything is
# read (a shared string counts once per cell that refers to it, at its full length) and
# charged again cell by cell as rows are read (`TextBudget`). The shared strings table
# itself, which openpyxl loads whole, is held to the same number of characters.
# What bounds it is memory: Python may store a text at 4 bytes a character, and the
# profiles import renders every section body it writes and keeps all the HTML until it
# writes them, 500 rows to a query; Markdown can render to 7.4 times its length (a table
# of "&"). With every other limit reached too, each million characters of such Markdown
# cost ~60 MB on SQLite and ~80 MB on PostgreSQL (6 M took the import to 552 MB there).
# 4.5 M keeps it near 430 MB. The benchmark's 1,000 mechanisms (28,000 rows) hold 3.9 M.
MAX_TEXT_CHARS = 4_500_000
# XML elements of the parts that openpyxl parses into a whole tree (styles, workbook,
# relationships, properties, …: everything but the sheets and the shared strings, which
# it streams). A workbook written by Excel has a few thousand; each costs ~0.8 KB (a
# styles part of 200,000 elements took 160 MB).
MAX_XML_ELEMENTS = 50_000

# Word documents (.docx): python-docx parses every part into a tree, and converting a
# paragraph costs far more than parsing it. A Summary of Findings is a few pages: the
# seed (data/demo/summary-of-findings-almaty-process.md) has 20 paragraphs and 6,000
# characters; the parts python-docx writes around them (styles, numbering, theme…) hold
# 18,700 elements. At these limits `manage.py import_findings` takes at most ~1.6 s.
MAX_DOCUMENT_PARAGRAPHS = 5_000  # paragraphs (`w:p`) in all the parts together
MAX_DOCUMENT_ELEMENTS = 100_000  # XML elements in all the parts together
MAX_DOCUMENT_CHARS = 1_000_000  # characters of text (also the limit for .md/.txt)
# White space characters in a row inside a line of a findings document. The parser's
# heading pattern used to take time quadratic in such runs ("1. a", 40,000 spaces, "b"
# took 3.9 s); it is linear now, and this stays as a plain sanity limit: nobody types
# 200 spaces in a row.
MAX_DOCUMENT_SPACE_RUN = 200


CHUNK = 64 * 1024


class UnsafeFileError(ValueError):
    """The file is not one we are willing to read; the message says why."""


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_members: int = MAX_MEMBERS
    max_rows: int = MAX_ROWS
    max_total_rows: int = MAX_TOTAL_ROWS
    max_columns: int = MAX_COLUMNS
    max_shared_strings: int = MAX_SHARED_STRINGS
    max_text_chars: int = MAX_TEXT_CHARS
    max_xml_elements: int = MAX_XML_ELEMENTS
    max_document_paragraphs: int = MAX_DOCUMENT_PARAGRAPHS
    max_document_elements: int = MAX_DOCUMENT_ELEMENTS
    max_document_chars: int = MAX_DOCUMENT_CHARS
    # Characters of Markdown one import may render (section bodies, findings sections).
    max_markdown_chars: int = MAX_TEXT_CHARS


DEFAULT_LIMITS = Limits()
# Imports run inside a web request (the admin's preview, then its confirmation) must
# finish within a few seconds on a 2-core server: 10,000 data rows (all sheets together)
# took 0.9 s to preview and 1.7 s to import (docs/performance.md, bench/adversarial.py).
# Rendering Markdown on confirmation costs 0.1-0.2 µs a character of prose but ~7 µs in
# tables of "&": 2 M characters keep prose to ~1.3 s, such tables take 16 s (and runs of
# "[" are quadratic in Python-Markdown whatever the limit: a rendering matter, see
# docs/performance.md). Larger files go through `manage.py import_workbook`. So the
# Markdown one web import renders is held to 400,000 characters (~3 s for such tables,
# 0.1 s of prose: 60 Summaries of Findings), and runs of "[" are bounded per paragraph
# (profiles/rendering.py).
WEB_MAX_ROWS = 10_000
WEB_MAX_TEXT_CHARS = 2_000_000
WEB_MAX_MARKDOWN_CHARS = 400_000
WEB_LIMITS = Limits(
    max_rows=WEB_MAX_ROWS,
    max_total_rows=WEB_MAX_ROWS,
    max_text_chars=WEB_MAX_TEXT_CHARS,
    max_markdown_chars=WEB_MAX_MARKDOWN_CHARS,
)


class TextBudget:
    """Counts the characters an import materialises and refuses past its limit.

    Declared sizes do not bound expanded text: one long shared string referenced by every
    cell of a small file expands to gigabytes. Every text cell read is charged here, as it
    is read, so that the import stops before it holds more than the budget. (`check_xlsx`
    counts the same characters before reading; this guards any reader that skips it.)
    """

    def __init__(self, limit: int = MAX_TEXT_CHARS):
        self.limit = limit
        self.spent = 0

    def charge(self, characters: int, where: str) -> None:
        self.spent += characters
        if self.spent > self.limit:
            raise UnsafeFileError(
                f"{where}: the file holds more than {self.limit:,} characters of text in "
                "all (a text repeated in many cells counts every time): refused. Split it "
                "into smaller files."
            )


def _size_of(source: IO[bytes]) -> int:
    position = source.tell()
    source.seek(0, 2)
    size = source.tell()
    source.seek(position)
    return size
