from django.core.management.base import BaseCommand

from workbook.pending import LIFETIME, clear_expired


class Command(BaseCommand):
    help = (
        "Delete the uploads waiting for an import confirmation that have expired (they "
        f"expire {int(LIFETIME.total_seconds() // 3600)} hours after the upload). Run it "
        "from cron, e.g. hourly; every new upload also clears them."
    )

    def handle(self, *args, **options) -> None:
        deleted = clear_expired()
        self.stdout.write(f"Deleted {deleted} expired pending upload{'s' if deleted != 1 else ''}.")
