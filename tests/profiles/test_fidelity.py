"""The Almaty Process page shows the seed Summary of Findings word for word."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

SEED = Path(__file__).parents[2] / "data" / "demo" / "summary-of-findings-almaty-process.md"

pytestmark = pytest.mark.django_db


def seed_sections() -> dict[int, list[str]]:
    """The seed's paragraphs under each numbered heading, as plain text.

    Read independently of the importer: split on blank lines, a heading is a paragraph
    starting (after Markdown marks) with its number.
    """
    sections: dict[int, list[str]] = {}
    current = None
    for block in SEED.read_text(encoding="utf-8").split("\n\n"):
        plain = re.sub(r"[*#]", "", block).strip()
        heading = re.match(r"^(\d)\.\s", plain)
        if heading:
            current = int(heading.group(1))
            sections[current] = []
        elif current and plain:
            sections[current].append(" ".join(plain.split()))
    return sections


class SectionText(HTMLParser):
    """Collects the text of each findings section, keyed by the number in its heading."""

    def __init__(self) -> None:
        super().__init__()
        self.in_findings = False
        self.in_heading = False
        self.heading = ""
        self.current: int | None = None
        self.text: dict[int, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        if dict(attrs).get("id") == "findings":
            self.in_findings = True
        if self.in_findings and tag == "h3":
            self.in_heading, self.heading = True, ""
        if self.in_findings and tag == "h2" and self.text:
            self.in_findings = False  # the next part of the page begins

    def handle_endtag(self, tag):
        if tag == "h3" and self.in_heading:
            self.in_heading = False
            number = re.match(r"\s*(\d)", self.heading)
            self.current = int(number.group(1)) if number else None
            if self.current:
                self.text[self.current] = []

    def handle_data(self, data):
        if self.in_heading:
            self.heading += data
        elif self.in_findings and self.current:
            self.text[self.current].append(data)


def page_sections(html: str) -> dict[int, str]:
    parser = SectionText()
    parser.feed(html)
    return {number: " ".join("".join(parts).split()) for number, parts in parser.text.items()}


def test_almaty_page_shows_every_seed_paragraph_under_its_heading(client, demo_data):
    html = client.get("/mechanisms/almaty-process/").content.decode()
    expected = seed_sections()
    shown = page_sections(html)
    assert sorted(expected) == [1, 2, 3, 4, 5]
    assert sorted(shown) == [1, 2, 3, 4, 5]
    for number, paragraphs in expected.items():
        for paragraph in paragraphs:
            assert paragraph in shown[number], f"section {number} lost: {paragraph[:60]}…"
        # Nothing from another section leaks in.
        assert len(shown[number]) == len(" ".join(paragraphs))


def test_almaty_page_keeps_bold_lead_ins_and_quoted_titles(client, demo_data):
    html = client.get("/mechanisms/almaty-process/").content.decode()
    assert "<strong>Regional level:</strong>" in html
    assert "<strong>National level:</strong>" in html
    assert "<strong>NGOs and Academia</strong>" in html
    assert "“Operating Modalities”" in html
    assert "&quot;Outcome Protocol of the 1st Technical Expert Group Meeting" in html or (
        '"Outcome Protocol of the 1st Technical Expert Group Meeting' in html
    )
