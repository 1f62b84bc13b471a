"""Opening untrusted Office files (.xlsx, .docx) without letting them exhaust memory or time.

openpyxl and python-docx trust what a file says about itself (its `<dimension>`, its
sizes) and build what it describes. Before either sees a byte, `check_xlsx` and
`check_docx` look at the package (the zip) with one shared scan:

- it is a zip archive of at most `MAX_MEMBERS` members whose *declared* uncompressed sizes
  add up to at most `MAX_UNCOMPRESSED_BYTES` (Python's zipfile never inflates a member
  beyond its declared size: a member that lies fails its CRC check instead), and it holds
  no macros (`vbaProject.bin`, a macro-enabled content type);
- every part that a reader will parse as XML is found the way the readers find it: through
  `[Content_Types].xml` (a `Default` content type by extension or an `Override` by part
  name, whenever the content type ends in "xml") and through the relationships
  (`_rels/.rels` and every `*.rels` part, whose internal targets are followed whatever
  their names; a target of a binary kind, such as an image, is scanned too when its bytes
  look like XML), and also every member named `*.xml`, `*.rels` or `*.vml`;
- each of those parts is streamed once with expat, which refuses any DOCTYPE or ENTITY
  declaration and counts what the part really holds, whatever it claims:
  - workbook: the rows of every sheet (`MAX_ROWS` per sheet, `MAX_TOTAL_ROWS` for all
    sheets together) and the cells of every row (`MAX_COLUMNS`); the shared strings
    (`MAX_SHARED_STRINGS` of them, `max_text_chars` characters in all); the text that
    reading the cells will materialise, each shared-string reference counted at the
    length of the string it refers to (`max_text_chars`); and the XML elements of the
    parts that openpyxl parses whole rather than streams (`MAX_XML_ELEMENTS`);
  - document: its XML elements (`MAX_DOCUMENT_ELEMENTS`), paragraphs
    (`MAX_DOCUMENT_PARAGRAPHS`) and characters of text (`MAX_DOCUMENT_CHARS`), in all
    the parts together, before python-docx builds a tree of any of them.

A file beyond any limit is refused with a message saying which limit, before it is read.
Then `iter_sheet_rows` streams the rows of one sheet as (Excel row number, cells), reading
every real row whatever the sheet's declared dimension says, and charging every text it
materialises to a `TextBudget` (a second guard: the scan has already counted them).

Memory: with these limits `manage.py import_workbook` stays under 500 MB on any file
(figures for the adversarial files at the limits: docs/performance.md, bench/adversarial.py).
"""

# The modules, by concept: limits.py (every limit and budget), package.py (the zip and XML
# scan shared by both formats), xlsx.py (workbooks), docx.py (Word documents).

from .docx import (
    check_docx,
)
from .limits import (
    CHUNK,
    DEFAULT_LIMITS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENT_ELEMENTS,
    MAX_DOCUMENT_PARAGRAPHS,
    MAX_DOCUMENT_SPACE_RUN,
    MAX_MEMBERS,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_TEXT_CHARS,
    MAX_TOTAL_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_XML_ELEMENTS,
    WEB_LIMITS,
    WEB_MAX_ROWS,
    WEB_MAX_TEXT_CHARS,
    Limits,
    TextBudget,
    UnsafeFileError,
)
from .package import (
    BINARY_RELATIONSHIPS,
    CONTENT_TYPES,
    RELATIONSHIPS_TYPE,
    SHARED_STRINGS_TYPE,
    WORD_TYPES,
    WORKBOOK_TYPES,
    WORKSHEET_TYPE,
    XML_STARTS,
)
from .xlsx import (
    Cell,
    check_xlsx,
    iter_sheet_rows,
    open_workbook,
)

__all__ = [
    "BINARY_RELATIONSHIPS",
    "CHUNK",
    "CONTENT_TYPES",
    "DEFAULT_LIMITS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_DOCUMENT_CHARS",
    "MAX_DOCUMENT_ELEMENTS",
    "MAX_DOCUMENT_PARAGRAPHS",
    "MAX_DOCUMENT_SPACE_RUN",
    "MAX_MEMBERS",
    "MAX_ROWS",
    "MAX_SHARED_STRINGS",
    "MAX_TEXT_CHARS",
    "MAX_TOTAL_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_UPLOAD_BYTES",
    "MAX_XML_ELEMENTS",
    "RELATIONSHIPS_TYPE",
    "SHARED_STRINGS_TYPE",
    "WEB_LIMITS",
    "WEB_MAX_ROWS",
    "WEB_MAX_TEXT_CHARS",
    "WORD_TYPES",
    "WORKBOOK_TYPES",
    "WORKSHEET_TYPE",
    "XML_STARTS",
    "Cell",
    "Limits",
    "TextBudget",
    "UnsafeFileError",
    "check_docx",
    "check_xlsx",
    "iter_sheet_rows",
    "open_workbook",
]
