"""Summary of Findings documents, in one place.

- `parser.py`: the text parser (mechanism name, numbered topic headings, bodies);
- `word.py`: .docx → the Markdown-ish lines the parser reads;
- `importer.py`: reading files (.docx, .md, .txt) safely and applying them, all or none;
- `admin.py`: the admin's upload, preview and confirmation.
"""

from .parser import FindingsError, ParsedFindings, parse_findings

__all__ = ["FindingsError", "ParsedFindings", "parse_findings"]
