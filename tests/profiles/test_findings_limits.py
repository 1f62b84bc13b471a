"""Summary of Findings documents are counted before python-docx builds anything.

A 94 KB .docx whose document part held 600,000 empty paragraphs kept a worker busy until
gunicorn killed it (issue "Imports that no upload can hurt", point 2). Paragraphs, XML
elements and characters are now counted while the parts are streamed, and a document
beyond a limit is refused with a message saying which.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from profiles.findings import importer
from profiles.findings.importer import import_findings_files
from profiles.models import Mechanism, Section
from tests.profiles.test_findings_import import SEED
from workbook.safety import MAX_DOCUMENT_CHARS, MAX_DOCUMENT_ELEMENTS, MAX_DOCUMENT_PARAGRAPHS

pytestmark = pytest.mark.django_db

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx(body: bytes) -> bytes:
    """A minimal Word document whose body is the XML `body`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{MAIN}"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        package.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{W}"><w:body>'.encode() + body + b"</w:body></w:document>",
        )
    return out.getvalue()


def paragraph(text: str, bold: bool = False) -> bytes:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f"<w:p><w:r>{props}<w:t xml:space='preserve'>{text}</w:t></w:r></w:p>".encode()


def seed_paragraphs() -> bytes:
    """The seed as Word paragraphs: headings and the name label in bold."""
    out = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            out.append(paragraph(line.lstrip("#").strip().replace("**", ""), line[0] in "#*"))
    return b"".join(out)


def refused(name: str, data: bytes, monkeypatch) -> list[str]:
    """Import `data`: python-docx must never be asked to build it, nothing may be written."""

    def never(source):
        raise AssertionError("python-docx must not read a document the scan refuses")

    monkeypatch.setattr(importer, "docx_to_markdown", never)
    before = (Mechanism.objects.count(), Section.objects.count())
    report = import_findings_files(files=[(name, data)])
    assert not report.applied
    assert (Mechanism.objects.count(), Section.objects.count()) == before, "nothing written"
    return report.problems


def test_six_hundred_thousand_empty_paragraphs_are_refused_unread(demo_data, monkeypatch):
    attack = docx(b"<w:p/>" * 600_000)
    assert len(attack) < 100 * 1024  # the attack: a small file…
    assert refused("findings.docx", attack, monkeypatch) == [
        f"findings.docx: The document has more than {MAX_DOCUMENT_PARAGRAPHS:,} paragraphs: "
        f"the limit is {MAX_DOCUMENT_PARAGRAPHS:,} (a Summary of Findings is a few pages)."
    ]


def test_the_same_attack_uploaded_in_the_admin_gets_the_message(admin_client, demo_data):
    response = admin_client.post(
        "/admin/profiles/mechanism/findings/import/",
        {"document": SimpleUploadedFile("findings.docx", docx(b"<w:p/>" * 600_000))},
    )
    assert response.status_code == 200
    assert f"The document has more than {MAX_DOCUMENT_PARAGRAPHS:,} paragraphs" in (
        response.content.decode()
    )
    assert "Confirm" not in response.content.decode()


def test_too_many_xml_elements_in_few_paragraphs_are_refused(demo_data, monkeypatch):
    # One paragraph of empty runs: few paragraphs, but a tree of 100,000+ elements.
    attack = docx(b"<w:p>" + b"<w:r/>" * MAX_DOCUMENT_ELEMENTS + b"</w:p>")
    [problem] = refused("findings.docx", attack, monkeypatch)
    assert problem.startswith(
        f"findings.docx: The document has more than {MAX_DOCUMENT_ELEMENTS:,} XML elements"
    )


def test_too_much_text_is_refused(demo_data, monkeypatch):
    text = "Findings. " * (MAX_DOCUMENT_CHARS // 10)
    attack = docx(seed_paragraphs() + paragraph(text + "!"))
    assert refused("findings.docx", attack, monkeypatch) == [
        f"findings.docx: The document holds more than {MAX_DOCUMENT_CHARS:,} characters of "
        f"text: the limit is {MAX_DOCUMENT_CHARS:,} (a Summary of Findings is a few pages)."
    ]


def test_white_space_counts_as_text(demo_data, monkeypatch):
    attack = docx(seed_paragraphs() + paragraph(" " * (MAX_DOCUMENT_CHARS + 1)))
    [problem] = refused("findings.docx", attack, monkeypatch)
    assert f"more than {MAX_DOCUMENT_CHARS:,} characters" in problem


def test_a_long_markdown_document_is_refused(demo_data, monkeypatch):
    text = SEED.read_text(encoding="utf-8") + "\n" + "More findings. " * (MAX_DOCUMENT_CHARS // 15)
    assert refused("findings.md", text.encode(), monkeypatch) == [
        f"findings.md: The document holds more than {MAX_DOCUMENT_CHARS:,} characters of "
        f"text: the limit is {MAX_DOCUMENT_CHARS:,} (a Summary of Findings is a few pages)."
    ]


def test_a_document_at_the_paragraph_limit_is_imported(demo_data):
    # The limits leave room for long documents: the seed, then filler paragraphs up to the
    # limit, is read and its sections filled (short ones: a section body holds at most what
    # one Excel cell does, 32,767 characters, so that it round-trips through the workbook).
    Section.objects.filter(mechanism__slug="almaty-process").delete()
    seed = seed_paragraphs()
    filler = MAX_DOCUMENT_PARAGRAPHS - seed.count(b"<w:p>")
    data = docx(seed + paragraph("Ok.") * filler)
    report = import_findings_files(files=[("findings.docx", data)])
    assert report.ok, report.problems
    sections = Section.objects.filter(mechanism__slug="almaty-process")
    assert sections.count() == 5
    assert max(s.body.count("Ok.") for s in sections) == filler


def test_a_long_run_of_spaces_within_a_line_is_refused(demo_data, monkeypatch):
    # The heading pattern takes time quadratic in such runs ("1. a", 40,000 spaces, "b":
    # 3.9 s; a million, allowed by the size limit, would take ~40 minutes).
    text = SEED.read_text(encoding="utf-8") + "\n\n1. a" + " " * 10_000 + "b\n"
    line = text.count("\n", 0, text.index("1. a")) + 1
    assert refused("findings.md", text.encode(), monkeypatch) == [
        f"findings.md: line {line} holds more than 200 spaces in a row: remove them (use a "
        "table or a list to line text up)"
    ]


def test_a_heading_like_line_with_long_runs_of_spaces_is_parsed_in_linear_time():
    from profiles.findings.parser import HEADING

    line = "1. a" + " " * 400_000 + "b" + " " * 100_000
    match = HEADING.match(line)  # took minutes with the former lazy title pattern
    assert match.group("number") == "1"
    assert match.group("title") == "a" + " " * 400_000 + "b"
