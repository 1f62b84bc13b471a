"""Word documents (.docx): the pre-scan (`check_docx`) run before python-docx parses."""

from typing import IO

from .limits import (
    DEFAULT_LIMITS,
    Limits,
    UnsafeFileError,
)
from .package import (
    CONTENT_TYPES,
    WORD_TYPES,
    _has_macros,
    _local,
    _open_package,
    _Scan,
    _Tally,
    _xml_parts,
)

# --- Word documents ----------------------------------------------------------------------


class _DocumentTally(_Tally):
    def __init__(self, limits: Limits):
        super().__init__(limits, "document", limits.max_document_elements)
        self.paragraphs = 0
        self.characters = 0

    def too_many_elements(self, member: str) -> str:
        return (
            f"The document has more than {self.max_elements:,} XML elements (reached in "
            f"{member}): the limit is {self.max_elements:,}. A Summary of Findings is a few "
            "pages: save it as a new, plain Word document."
        )


class _DocumentScan(_Scan):
    """Any part of a Word document: its elements, paragraphs and characters."""

    TEXT = {"t", "delText", "instrText"}  # elements whose text counts, white space too
    in_text = False

    def start(self, name, attrs):
        tally = self.tally
        tally.element(self.member)
        local = _local(name)
        self.in_text = local in self.TEXT
        if local == "p":
            tally.paragraphs += 1
            if tally.paragraphs > tally.limits.max_document_paragraphs:
                limit = tally.limits.max_document_paragraphs
                raise UnsafeFileError(
                    f"The document has more than {limit:,} paragraphs: the limit is "
                    f"{limit:,} (a Summary of Findings is a few pages)."
                )

    def text(self, data):
        if not self.in_text and data.isspace():
            return
        tally = self.tally
        tally.characters += len(data)
        if tally.characters > tally.limits.max_document_chars:
            limit = tally.limits.max_document_chars
            raise UnsafeFileError(
                f"The document holds more than {limit:,} characters of text: the limit is "
                f"{limit:,} (a Summary of Findings is a few pages)."
            )


def check_docx(source: IO[bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise UnsafeFileError unless `source` is a plain .docx document within `limits`."""
    not_word = (
        "This is not a Word document (.docx): open it in Word and save it as “Word "
        "Document (.docx)”."
    )
    archive = _open_package(source, limits, "document", not_word)
    with archive:
        if CONTENT_TYPES not in archive.namelist():
            raise UnsafeFileError("This zip file is not a Word document (.docx).")
        macros = "Macro-enabled documents (.docm) are refused."
        if _has_macros(archive):
            raise UnsafeFileError(macros)
        tally = _DocumentTally(limits)
        parts, declared = _xml_parts(archive, tally)
        if _has_macros(archive, declared):
            raise UnsafeFileError(macros)
        if not declared & WORD_TYPES:
            raise UnsafeFileError("This file is not a Word document (.docx).")
        for part in parts:
            _DocumentScan(part.name, tally).feed(archive, part.name)
    source.seek(0)
