"""Hostile Markdown in a section body renders harmlessly on the public page."""

import re

import pytest

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('x')</script>Plain text after a script.",
    "[Click me](javascript:alert('x'))",
    "[Click me](JaVaScRiPt:alert('x'))",
    "[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<img src="x" onerror="alert(1)">',
    '<p onclick="alert(1)" style="background:url(javascript:alert(1))">styled</p>',
    '<iframe src="https://example.org/evil"></iframe>',
    '<a href="https://example.org" onmouseover="alert(1)">hover</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<form action="https://example.org"><input name="password"></form>',
    "<object data='x.swf'></object><embed src='x.swf'>",
    "<math><mtext><table><mglyph><style>"
    "<img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_markdown_renders_harmlessly(
    client, make_mechanism, add_section, publish_profiles, payload
):
    mechanism = make_mechanism(slug="hostile")
    add_section(mechanism, "evolution", f"Intro paragraph.\n\n{payload}\n\nOutro paragraph.")
    publish_profiles(mechanism)
    html = client.get("/mechanisms/hostile/").content.decode()
    findings = html[html.index('id="findings"') :]
    assert "Intro paragraph." in findings and "Outro paragraph." in findings
    shown = findings.lower().split("</main>")[0]
    for forbidden in (
        "<script",
        "javascript:",
        "data:text",
        "<iframe",
        "<svg",
        "<form",
        "<object",
        "<embed",
        "<img",
        "<style",
        "<math",
        "style=",
    ):
        assert forbidden not in shown, forbidden
    assert not re.search(r"\son\w+\s*=", shown), "event handler kept"


def test_safe_markdown_keeps_links_lists_and_emphasis(
    client, make_mechanism, add_section, publish_profiles
):
    mechanism = make_mechanism(slug="friendly")
    add_section(
        mechanism,
        "evolution",
        "**Regional level:** see [the report](https://example.org/r).\n\n- one\n- two",
    )
    publish_profiles(mechanism)
    html = client.get("/mechanisms/friendly/").content.decode()
    assert "<strong>Regional level:</strong>" in html
    assert '<a href="https://example.org/r"' in html
    assert "<li>one</li>" in html
