from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workbook.engine import import_workbook
from workbook.safety import MAX_UPLOAD_BYTES


class Command(BaseCommand):
    help = (
        "Import an ISCM Profiles workbook (.xlsx). Every sheet is validated first; any "
        "problem is printed as `Sheet!row: column: message`, nothing is written and the "
        "command exits with status 1. Otherwise everything is applied in one transaction "
        "and the created / updated / unchanged counts are printed per sheet."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the .xlsx workbook")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="also delete the sections, participants, links and documents of the "
            "mechanisms on the Mechanisms sheet that the workbook does not list",
        )

    def handle(self, *args, file: Path, dry_run: bool, replace: bool, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if file.stat().st_size > MAX_UPLOAD_BYTES:
            raise CommandError(
                f"{file}: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, refused unread"
            )
        with file.open("rb") as source:
            report = import_workbook(
                source=source,
                dry_run=dry_run,
                replace=replace,
                # Progress goes to stderr, so that stdout holds only the report.
                progress=self.stderr.write if options["verbosity"] >= 1 else None,
                file_name=file.name,
            )
        for note in report.notes:
            self.stdout.write(note)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            if report.problems_left_off:
                self.stderr.write(f"… and {report.problems_left_off} more problems.")
            self.stderr.write(
                f"{len(report.problems) + report.problems_left_off} problem(s): nothing was "
                "written."
            )
            raise SystemExit(1)
        for line in report.summary_lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
