"""Change sets: who changed what, from where and when, as one unit.

Rows are versioned by django-simple-history (each app declares `HistoricalRecords` with
`ChangeSetRecord` as a base). Every write through a write gateway happens inside one
`ChangeSet` (history.recording.recording): an admin save, a whole workbook import, one
findings document, a restore, a publication. Listing a change set lists every row it
touched, across models.
"""

from django.conf import settings
from django.db import models


class ChangeSet(models.Model):
    """One attributed write: everything one action of one person (or command) changed."""

    class Via(models.TextChoices):
        CHANGE_PAGE = "change_page", "Admin change page"
        ADMIN_ACTION = "admin_action", "Admin action"
        MODEL_IMPORT = "model_import", "Per-model import"
        WORKBOOK_IMPORT = "workbook_import", "Workbook import"
        FINDINGS_IMPORT = "findings_import", "Summary of Findings import"
        RESTORE = "restore", "Restore of an earlier version"
        PUBLISH = "publish", "Publication"
        DEMO = "demo", "Demo data"
        COMMAND = "command", "Command line"

    created_at = models.DateTimeField("when", auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="who",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_sets",
    )
    # Kept as text as well: the history must still say who after an account is deleted.
    username = models.CharField("user name", max_length=150, blank=True)
    via = models.CharField("from", max_length=20, choices=Via)
    source = models.CharField(
        "source",
        max_length=500,
        blank=True,
        help_text="The page, the imported file's name or the document's name.",
    )
    summary = models.TextField("summary", blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "change set"
        verbose_name_plural = "change sets"

    def __str__(self) -> str:
        who = self.username or "command line"
        label = self.get_via_display()
        return f"#{self.pk} {label}{f' ({self.source})' if self.source else ''} by {who}"


class ChangeSetRecord(models.Model):
    """Abstract base of every historical model: which change set wrote the record."""

    change_set = models.ForeignKey(
        ChangeSet,
        verbose_name="change set",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True
