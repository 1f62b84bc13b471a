"""Every XML part that a reader will parse is scanned, whatever its name.

The DTD and entity check, and the counting, used to read only parts named *.xml, *.rels or
*.vml; a part renamed `word/document.dat` (its content type and relationships updated
to match) was parsed by python-docx without being looked at. Parts are now found as the
readers find them: through `[Content_Types].xml` and the relationships.
"""

import io
import re
import struct
import zipfile
import zlib

import docx
import pytest
from docx.shared import Pt

from profiles.findings.importer import import_findings_files
from profiles.models import Mechanism, Section
from tests.profiles.test_findings_import import SEED, seed_as_docx
from tests.profiles.test_workbook_bad_input import member, problems, rewrite, save, valid_book

pytestmark = pytest.mark.django_db

EXTERNAL_ENTITY = b'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def renamed(data: bytes, old: str, new: str, prolog: bytes = b"") -> bytes:
    """Rename the part `old` to `new` (and its relationships part), updating the content
    types and every relationship that targets it, and put `prolog` before its root."""
    folder, _, file = old.rpartition("/")
    new_folder, _, new_file = new.rpartition("/")
    assert folder == new_folder
    old_rels = f"{folder}/_rels/{file}.rels"
    replace: dict[str, bytes | None] = {old: None}
    add = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        content = archive.read(old)
        if content.startswith(b"<?xml"):
            declaration, _, body = content.partition(b"?>")
            add[new] = declaration + b"?>" + prolog + body
        else:
            add[new] = prolog + content
        if old_rels in names:
            replace[old_rels] = None
            add[f"{folder}/_rels/{new_file}.rels"] = archive.read(old_rels)
        for name in names:
            if name == "[Content_Types].xml" or (name.endswith(".rels") and name != old_rels):
                # Part names and targets, absolute or relative, end with the file's name.
                text = archive.read(name)
                for quote in ("/", '"'):
                    text = text.replace(f'{quote}{file}"'.encode(), f'{quote}{new_file}"'.encode())
                replace[name] = text
    return rewrite(data, replace, add)


def findings_problems(name: str, data: bytes) -> list[str]:
    before = (Mechanism.objects.count(), Section.objects.count())
    report = import_findings_files(files=[(name, data)])
    assert (Mechanism.objects.count(), Section.objects.count()) == before, "nothing written"
    return report.problems


def test_a_renamed_main_document_part_declaring_an_external_entity_is_refused(demo_data):
    seed = seed_as_docx(SEED.read_text(encoding="utf-8"), "bold")
    attack = renamed(seed, "word/document.xml", "word/document.dat", EXTERNAL_ENTITY)
    assert b"document.dat" in member(attack, "[Content_Types].xml")
    assert findings_problems("findings.docx", attack) == [
        "findings.docx: The document part word/document.dat declares a DOCTYPE: files with "
        "XML DTDs or entity declarations are refused."
    ]


def test_a_renamed_main_document_part_is_still_read(demo_data):
    # The scan follows the package, so an honest file with unusual part names still imports.
    Section.objects.filter(mechanism__slug="almaty-process").delete()
    seed = seed_as_docx(SEED.read_text(encoding="utf-8"), "bold")
    report = import_findings_files(
        files=[("findings.docx", renamed(seed, "word/document.xml", "word/document.dat"))]
    )
    assert report.ok, report.problems
    assert Section.objects.filter(mechanism__slug="almaty-process").count() == 5


def test_a_renamed_styles_part_declaring_entities_is_refused(demo_data):
    seed = seed_as_docx(SEED.read_text(encoding="utf-8"), "bold")
    bomb = b'<!DOCTYPE w:styles [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    attack = renamed(seed, "word/styles.xml", "word/look", bomb)
    [problem] = findings_problems("findings.docx", attack)
    assert problem.startswith("findings.docx: The document part word/look declares a DOCTYPE")


def png() -> bytes:
    """A 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_document_with_a_picture_is_imported(demo_data):
    # Binary parts (pictures, thumbnails) are reached by relationships but not parsed as XML.
    Section.objects.filter(mechanism__slug="almaty-process").delete()
    seed = seed_as_docx(SEED.read_text(encoding="utf-8"), "bold")
    document = docx.Document(io.BytesIO(seed))
    document.add_picture(io.BytesIO(png()), width=Pt(10))
    buffer = io.BytesIO()
    document.save(buffer)
    report = import_findings_files(files=[("findings.docx", buffer.getvalue())])
    assert report.ok, report.problems
    assert Section.objects.filter(mechanism__slug="almaty-process").count() == 5


# --- workbooks ---------------------------------------------------------------------------

ENTITY_BOMB = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'


def test_a_worksheet_renamed_to_any_name_is_scanned(db):
    data = save(valid_book())
    attack = renamed(data, "xl/worksheets/sheet2.xml", "xl/worksheets/sections.bin", ENTITY_BOMB)
    assert problems(attack) == [
        "The workbook part xl/worksheets/sections.bin declares a DOCTYPE: files with XML DTDs "
        "or entity declarations are refused."
    ]


def test_a_worksheet_reached_only_by_a_relationship_is_scanned(db):
    # Its content type says it is not XML (by extension), but openpyxl follows the
    # workbook's relationship and parses it all the same.
    data = save(valid_book())
    attack = renamed(data, "xl/worksheets/sheet2.xml", "xl/worksheets/sheet2.dat", ENTITY_BOMB)
    types = member(attack, "[Content_Types].xml")
    types = re.sub(rb'<Override PartName="/xl/worksheets/sheet2.dat"[^>]*/>', b"", types)
    types = types.replace(
        b"</Types>", b'<Default Extension="dat" ContentType="application/octet-stream"/></Types>'
    )
    attack = rewrite(attack, {"[Content_Types].xml": types})
    assert b"sheet2.dat" not in types
    assert problems(attack) == [
        "The workbook part xl/worksheets/sheet2.dat declares a DOCTYPE: files with XML DTDs "
        "or entity declarations are refused."
    ]
