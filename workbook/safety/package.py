"""The package (zip) scan shared by .xlsx and .docx: which parts will be parsed as XML,
and a streaming expat pass over each that refuses DTDs and counts what it holds."""

import posixpath
import zipfile
from dataclasses import dataclass
from pyexpat import ExpatError, ParserCreate
from typing import IO
from urllib.parse import unquote

from .limits import (
    CHUNK,
    Limits,
    UnsafeFileError,
    _size_of,
)

WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
WORD_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}
# Content types are compared in lower case.
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedstrings+xml"
)
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
RELATIONSHIPS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
CONTENT_TYPES = "[Content_Types].xml"
# Relationship kinds whose targets are binary (their readers never parse them as XML).
BINARY_RELATIONSHIPS = {
    "activeXControlBinary",
    "audio",
    "font",
    "hdphoto",
    "image",
    "media",
    "oleObject",
    "package",
    "printerSettings",
    "thumbnail",
    "vbaProject",
    "video",
}
# The first bytes of anything an XML parser could read (after ASCII white space): `<` in
# UTF-8, UTF-16 or UTF-32, a byte order mark, or `<?xm` in EBCDIC.
XML_STARTS = (
    b"<",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00<",
    b"\x00\x00\x00<",
    b"\x00\x00\xfe\xff",
    b"\x4c\x6f\xa7\x94",
)

# --- the package: which parts will be parsed as XML ----------------------------------------


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Scan:
    """Streams one XML part with expat: refuses DTDs and entities, and counts.

    Subclasses add what they count (`start` for each element, `text` for character
    data); the counts themselves live in the package-wide `tally`.
    """

    def __init__(self, member: str, tally: "_Tally"):
        self.member = member
        self.tally = tally
        self.parser = ParserCreate()
        self.parser.buffer_text = True
        self.parser.buffer_size = CHUNK
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external
        self.parser.StartElementHandler = self.start
        self.parser.CharacterDataHandler = self.text

    def _doctype(self, *args) -> None:
        raise UnsafeFileError(
            f"The {self.tally.label} part {self.member} declares a DOCTYPE: files with XML "
            "DTDs or entity declarations are refused."
        )

    def _entity(self, *args) -> None:
        raise UnsafeFileError(
            f"The {self.tally.label} part {self.member} declares an XML entity: refused."
        )

    def _external(self, *args) -> int:
        raise UnsafeFileError(
            f"The {self.tally.label} part {self.member} refers to an external entity."
        )

    def start(self, name: str, attrs: dict) -> None:
        self.tally.element(self.member)

    def text(self, data: str) -> None:
        pass

    def finish(self) -> None:
        pass

    def feed(self, archive: zipfile.ZipFile, name: str) -> None:
        try:
            with archive.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except ExpatError as error:
            raise UnsafeFileError(
                f"The {self.tally.label} part {self.member} is not well-formed XML ({error})."
            ) from None
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise UnsafeFileError(f"The {self.tally.label} is damaged ({error}).") from None
        self.finish()


class _Tally:
    """What the scan counts for the whole package; refuses as soon as a limit is passed."""

    def __init__(self, limits: Limits, label: str, max_elements: int):
        self.limits = limits
        self.label = label
        self.max_elements = max_elements
        self.elements = 0

    def element(self, member: str) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise UnsafeFileError(self.too_many_elements(member))

    def too_many_elements(self, member: str) -> str:
        return (
            f"The {self.label}'s parts hold more than {self.max_elements:,} XML elements "
            f"(reached in {member}): refused."
        )


class _TypesScan(_Scan):
    """`[Content_Types].xml`: the content type of each part, by extension or by name."""

    def __init__(self, member, tally):
        super().__init__(member, tally)
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}

    def start(self, name, attrs):
        super().start(name, attrs)
        local = _local(name)
        kind = attrs.get("ContentType", "").strip().lower()
        if local == "Default":
            self.defaults[attrs.get("Extension", "").lower()] = kind
        elif local == "Override":
            for part in _part_names(attrs.get("PartName", "")):
                self.overrides[part.lower()] = kind


class _RelationshipsScan(_Scan):
    """A `*.rels` part: the internal targets of its relationships, with their kinds."""

    def __init__(self, member, tally):
        super().__init__(member, tally)
        self.targets: list[tuple[str, str]] = []  # (part name, relationship type)
        folder, _, file = member.rpartition("_rels/")
        self.base = folder + file[: -len(".rels")] if file.lower().endswith(".rels") else ""
        self.base = posixpath.dirname(self.base)

    def start(self, name, attrs):
        super().start(name, attrs)
        if _local(name) != "Relationship" or attrs.get("TargetMode", "") == "External":
            return
        kind = attrs.get("Type", "")
        for part in _part_names(attrs.get("Target", ""), self.base):
            self.targets.append((part, kind))


def _part_names(uri: str, base: str = "") -> set[str]:
    """The zip member names a part name or relationship target may stand for, as written
    and percent-decoded ("/xl/a%20b.xml" → "xl/a%20b.xml", "xl/a b.xml")."""
    names = set()
    for form in (uri, unquote(uri)):
        form = form.split("#", 1)[0].replace("\\", "/")
        if not form.startswith("/"):
            form = posixpath.join("/", base, form)
        path = posixpath.normpath(form).lstrip("/")
        if path and path != ".":
            names.add(path)
    return names


@dataclass
class _Part:
    name: str
    content_type: str
    relationship_types: frozenset[str]


def _open_package(source: IO[bytes], limits: Limits, label: str, not_a_zip: str):
    if _size_of(source) > limits.max_upload_bytes:
        raise UnsafeFileError(
            f"The file is larger than {limits.max_upload_bytes // (1024 * 1024)} MB: refused."
        )
    source.seek(0)
    if not zipfile.is_zipfile(source):
        raise UnsafeFileError(not_a_zip)
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnsafeFileError(f"This is not a readable {label} ({error}).") from None
    members = archive.infolist()
    if len(members) > limits.max_members:
        archive.close()
        raise UnsafeFileError(
            f"The {label} has {len(members):,} parts: more than the {limits.max_members} "
            "a file of this kind needs."
        )
    declared = sum(member.file_size for member in members)
    if declared > limits.max_uncompressed_bytes:
        archive.close()
        raise UnsafeFileError(
            f"The {label} unpacks to {declared // (1024 * 1024):,} MB, more than the "
            f"{limits.max_uncompressed_bytes // (1024 * 1024)} MB limit: refused."
        )
    return archive


def _xml_parts(archive: zipfile.ZipFile, tally: _Tally) -> tuple[list[_Part], set[str]]:
    """Every part a reader may parse as XML, found through the content types and the
    relationships (see the module docstring), scanning the content types and the
    relationship parts on the way. Returns the other parts to scan, and every content type
    the package declares."""
    members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    by_lower: dict[str, list[str]] = {}
    for name in members:
        by_lower.setdefault(name.lower(), []).append(name)

    def matching(part: str) -> list[str]:
        return by_lower.get(part.lower(), [])

    types = _TypesScan(CONTENT_TYPES, tally)
    types.feed(archive, CONTENT_TYPES)

    def content_type(name: str) -> str:
        override = types.overrides.get(name.lower())
        if override is not None:
            return override
        return types.defaults.get(name.rpartition(".")[2].lower() if "." in name else "", "")

    relationships = [
        name
        for name in members
        if name.lower().endswith(".rels") or content_type(name) == RELATIONSHIPS_TYPE
    ]
    kinds: dict[str, set[str]] = {}
    for name in relationships:
        scan = _RelationshipsScan(name, tally)
        scan.feed(archive, name)
        for part, kind in scan.targets:
            for member in matching(part):
                kinds.setdefault(member, set()).add(kind)

    parts = []
    for name in members:
        if name == CONTENT_TYPES or name in relationships:
            continue
        kind = content_type(name)
        targeted = name in kinds
        if kind.endswith("xml") or name.lower().endswith((".xml", ".vml")):
            xml = True
        elif targeted and not all(
            k.rpartition("/")[2] in BINARY_RELATIONSHIPS for k in kinds[name]
        ):
            xml = True  # the target of a relationship whose kind is XML
        elif targeted:  # of a binary kind only: scanned anyway if it looks like XML
            with archive.open(name) as stream:
                xml = stream.read(64).lstrip(b" \t\r\n").startswith(XML_STARTS)
        else:
            xml = False  # reached by no relationship and of no XML type: no reader parses it
        if xml:
            parts.append(_Part(name, kind, frozenset(kinds.get(name, ()))))
    declared = set(types.defaults.values()) | set(types.overrides.values())
    return parts, declared


def _has_macros(archive: zipfile.ZipFile, declared: set[str] | None = None) -> bool:
    """A VBA project among the members, or (once known) a macro-enabled content type."""
    if any(name.lower().endswith("vbaproject.bin") for name in archive.namelist()):
        return True
    return any("macroenabled" in value for value in declared or ())
