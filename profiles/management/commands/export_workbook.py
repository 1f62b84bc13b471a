from pathlib import Path

from django.core.management.base import BaseCommand

from profiles.exporter import write_workbook
from profiles.models import Mechanism


class Command(BaseCommand):
    help = (
        "Export the working copy of every published mechanism (with --include-drafts: of "
        "every mechanism) to an ISCM Profiles workbook (.xlsx), in the format "
        "import_workbook reads, with each mechanism's version (no lost edits on re-import). "
        "The other apps' sheets (survey data) follow. What the public sees is "
        "/data/iscm-profiles.xlsx."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="the .xlsx file to write")
        parser.add_argument(
            "--include-drafts", action="store_true", help="also export unpublished mechanisms"
        )

    def handle(self, *args, file: Path, include_drafts: bool, **options) -> None:
        mechanisms = Mechanism.objects.all()
        if not include_drafts:
            mechanisms = mechanisms.filter(is_published=True)
        with file.open("wb") as target:
            write_workbook(target, mechanisms, link_targets=mechanisms, other_apps=True)
        self.stdout.write(f"Wrote {mechanisms.count()} mechanisms to {file}.")
