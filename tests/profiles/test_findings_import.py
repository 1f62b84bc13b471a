"""Summary of Findings documents in Word or Markdown fill the same sections, word for word."""

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from django.conf import settings
from django.core.management import call_command

from profiles.findings.importer import import_findings_files
from profiles.models import Mechanism, Section

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "data" / "demo" / "summary-of-findings-almaty-process.md"
INLINE = re.compile(r"(\*\*\*.+?\*\*\*|\*\*.+?\*\*|\*.+?\*)")
HEADING = re.compile(r"^(#+\s*)?\**\s*(\d)\.\s*\**(.+?)\**\s*$")


def add_marked_runs(paragraph, text: str) -> None:
    """Markdown bold/italic in `text` as Word runs."""
    for part in INLINE.split(text):
        if not part:
            continue
        if part.startswith("***"):
            run = paragraph.add_run(part[3:-3])
            run.bold = run.italic = True
        elif part.startswith("**"):
            paragraph.add_run(part[2:-2]).bold = True
        elif part.startswith("*"):
            paragraph.add_run(part[1:-1]).italic = True
        else:
            paragraph.add_run(part)


def seed_as_docx(markdown: str, headings: str) -> bytes:
    """The seed, written as an editor would in Word.

    headings="bold": "1. Title" paragraphs in bold; "styles": Heading 2 style, "1) Title";
    "auto": Heading 2 style with Word's own automatic numbering (no number in the text).
    """
    document = docx.Document()
    for line in markdown.splitlines():
        line = line.strip()
        if not line:
            continue
        heading = HEADING.match(line)
        if heading and len(heading.group(3).split()) < 25:
            number, title = heading.group(2), heading.group(3).strip("* ")
            if headings == "bold":
                document.add_paragraph().add_run(f"{number}. {title}").bold = True
            elif headings == "styles":
                document.add_paragraph(f"{number}) {title}", style="Heading 2")
            else:
                document.add_paragraph(title, style="List Number")
            continue
        add_marked_runs(document.add_paragraph(), line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def sections_of(slug: str) -> dict[str, str]:
    return {
        s.topic.key: s.body
        for s in Section.objects.filter(mechanism__slug=slug).select_related("topic")
    }


@pytest.fixture
def markdown_sections(demo_data) -> dict[str, str]:
    """The sections as imported from the Markdown seed."""
    Section.objects.all().delete()
    report = import_findings_files(files=[("seed.md", SEED.read_bytes())])
    assert report.ok, report.problems
    sections = sections_of("almaty-process")
    assert len(sections) == 5
    Section.objects.all().delete()
    return sections


@pytest.mark.parametrize("headings", ["bold", "styles", "auto"])
def test_word_version_of_the_seed_fills_the_same_sections_word_for_word(
    markdown_sections, headings
):
    data = seed_as_docx(SEED.read_text(encoding="utf-8"), headings)
    report = import_findings_files(files=[("seed.docx", data)])
    assert report.ok, report.problems
    [outcome] = report.outcomes
    assert outcome.mechanism_slug == "almaty-process" and not outcome.mechanism_created
    assert sections_of("almaty-process") == markdown_sections
    structures = Section.objects.get(mechanism__slug="almaty-process", topic__key="structures")
    assert structures.body_html.startswith("<p>The operations of the Almaty Process")


def test_a_document_for_another_mechanism_is_matched_by_its_alias(demo_data):
    bali = Mechanism.objects.get(slug="bali-process")
    text = (
        SEED.read_text(encoding="utf-8")
        .replace(
            "***Almaty Process on Refugee Protection and International Migration***",
            f"_{bali.name}_",
        )
        .replace("Almaty Process", "Bali Process")
    )
    report = import_findings_files(files=[("bali.md", text.encode())])
    assert report.ok, report.problems
    assert report.outcomes[0].mechanism_slug == "bali-process"
    assert len(sections_of("bali-process")) == 5


def test_an_unknown_mechanism_is_created_as_a_draft(demo_data):
    text = SEED.read_text(encoding="utf-8").replace(
        "Almaty Process on Refugee Protection and International Migration",
        "Imaginary Dialogue on Migration",
    )
    report = import_findings_files(files=[("new.md", text.encode())])
    assert report.ok
    created = Mechanism.objects.get(name="Imaginary Dialogue on Migration")
    assert not created.is_published and created.sections.count() == 5


def test_dry_run_reports_changes_without_writing(demo_data):
    text = SEED.read_text(encoding="utf-8").replace(
        "its thematic areas have remained unchanged", "its thematic areas changed"
    )
    before = sections_of("almaty-process")
    report = import_findings_files(files=[("seed.md", text.encode())], dry_run=True)
    assert report.outcomes[0].updated == ["evolution"]
    assert report.outcomes[0].unchanged == [
        "contribution",
        "structures",
        "partnerships",
        "added-value",
    ]
    assert sections_of("almaty-process") == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "no-headings.md",
            b"Name of the Inter-state consultation mechanism (ISCM): Bali Process\n\nJust text.\n",
            "Expected 5 numbered topic headings",
        ),
        ("no-name.md", b"1. Evolution\n\ntext\n", "does not name its mechanism"),
        ("latin.txt", "Côte d'Ivoire".encode("latin-1"), "not UTF-8 text"),
        ("nul.txt", b"Name\x00of", "contains NUL characters"),
        ("slides.pptx", b"PK", "only .docx, .md and .txt"),
        ("broken.docx", b"not a zip", "This is not a Word document (.docx)"),
    ],
)
def test_unreadable_documents_are_refused_and_nothing_is_written(demo_data, name, data, message):
    before = sections_of("almaty-process")
    text = SEED.read_text(encoding="utf-8").replace("unchanged", "changed")
    report = import_findings_files(files=[("good.md", text.encode()), (name, data)])
    assert not report.ok
    [problem] = report.problems
    assert problem.startswith(f"{name}: ") and message in problem
    assert sections_of("almaty-process") == before


def test_word_document_declaring_entities_is_refused(demo_data):
    data = seed_as_docx(SEED.read_text(encoding="utf-8"), "bold")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == "word/document.xml":
                content = content.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY e "x">]>', 1)
            dst.writestr(item, content)
    report = import_findings_files(files=[("evil.docx", out.getvalue())])
    assert report.problems == [
        "evil.docx: The document part word/document.xml declares a DOCTYPE: files with XML "
        "DTDs or entity declarations are refused."
    ]


def test_command_imports_several_files_or_none(demo_data, tmp_path):
    Section.objects.all().delete()
    word = tmp_path / "almaty.docx"
    word.write_bytes(seed_as_docx(SEED.read_text(encoding="utf-8"), "styles"))
    bad = tmp_path / "bad.md"
    bad.write_text("Nothing useful here.", encoding="utf-8")

    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_findings", str(word), str(bad), stderr=err)
    assert exit_info.value.code == 1
    assert f"{bad}: The document does not name its mechanism" in err.getvalue()
    assert not Section.objects.exists()

    out = io.StringIO()
    call_command("import_findings", str(word), stdout=out)
    assert "(almaty-process, matched); sections: 5 created" in out.getvalue()
    assert Section.objects.count() == 5


def test_admin_upload_previews_the_changes_then_saves_on_confirmation(admin_client, demo_data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    Section.objects.all().delete()
    data = seed_as_docx(SEED.read_text(encoding="utf-8"), "styles")
    response = admin_client.post(
        "/admin/profiles/mechanism/findings/import/",
        {"document": SimpleUploadedFile("almaty.docx", data)},
    )
    body = response.content.decode()
    assert "Preview" in body and "almaty-process" in body
    assert "evolution, contribution, structures, partnerships, added-value" in body
    assert not Section.objects.exists()

    response = admin_client.post("/admin/profiles/mechanism/findings/import/confirm/", follow=True)
    assert "Imported almaty.docx" in response.content.decode()
    assert Section.objects.count() == 5


def test_admin_upload_refuses_unreadable_documents(admin_client, demo_data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        "/admin/profiles/mechanism/findings/import/",
        {"document": SimpleUploadedFile("notes.md", b"No structure at all.")},
    )
    body = response.content.decode()
    assert "The document was refused: nothing was written" in body
    assert "Confirm import" not in body
    response = admin_client.post(
        "/admin/profiles/mechanism/findings/import/",
        {"document": SimpleUploadedFile("deck.pptx", b"PK")},
    )
    assert "Only .docx, .md and .txt documents can be imported." in response.content.decode()


def test_staff_without_permissions_cannot_upload_findings(client, db):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("viewer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_mechanism"))
    client.force_login(user)
    assert client.get("/admin/profiles/mechanism/findings/import/").status_code == 403
    assert client.post("/admin/profiles/mechanism/findings/import/confirm/").status_code == 403
