from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from profiles.findings.importer import import_findings_files
from workbook.safety import MAX_UPLOAD_BYTES


class Command(BaseCommand):
    help = (
        "Import “Summary of Findings” documents (.docx, .md, .txt): find the mechanism's "
        "name and the numbered topic headings, match the mechanism by name or alias (or "
        "create a draft), and fill its sections. All documents are read first; if one "
        "cannot be read, nothing is written and the command exits with status 1."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, write nothing"
        )

    def handle(self, *args, files: list[Path], dry_run: bool, **options) -> None:
        documents = []
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise CommandError(f"{path}: larger than {MAX_UPLOAD_BYTES // 2**20} MB")
            documents.append((str(path), path.read_bytes()))
        report = import_findings_files(files=documents, dry_run=dry_run)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            self.stderr.write("Nothing was written.")
            raise SystemExit(1)
        for outcome in report.outcomes:
            self.stdout.write(outcome.describe())
        self.stdout.write("Dry run: nothing was written." if dry_run else "Imported.")
