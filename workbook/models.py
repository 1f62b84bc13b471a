"""Uploads waiting between an import's preview and its confirmation.

They are kept in the database, which every app server shares (README, "Running in
production"), never in a local folder. Each belongs to the user who uploaded it, is read
once by the confirmation, and expires. `workbook/pending.py` is the only code that reads
or writes them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class PendingUpload(models.Model):
    """A file uploaded for an import, waiting for its owner to confirm the preview."""

    class Kind(models.TextChoices):
        WORKBOOK = "workbook", "whole workbook"
        FINDINGS = "findings", "Summary of Findings document"
        MODEL = "model", "per-model import"

    # secrets.token_urlsafe(32): 43 characters, 256 random bits. Only a lookup key: every
    # read also checks the owner, the kind and the expiry.
    id = models.CharField("id", max_length=64, primary_key=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="owner",
        on_delete=models.CASCADE,
        related_name="pending_uploads",
    )
    kind = models.CharField("kind", max_length=20, choices=Kind.choices)
    model_label = models.CharField(
        "model",
        max_length=100,
        blank=True,
        help_text="For a per-model import: the model's label, e.g. “profiles.organisation”.",
    )
    import_format = models.CharField(
        "format",
        max_length=20,
        blank=True,
        help_text="For a per-model import: the format the preview read the file with.",
    )
    file_name = models.CharField("original file name", max_length=255)
    data = models.BinaryField("content")
    size = models.PositiveBigIntegerField("size (bytes)")
    created_at = models.DateTimeField("uploaded at")
    expires_at = models.DateTimeField("expires at", db_index=True)

    class Meta:
        verbose_name = "pending upload"
        verbose_name_plural = "pending uploads"
        indexes = [models.Index(fields=["owner", "kind"], name="pendingupload_owner_kind")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="model") & ~Q(model_label=""))
                | (~Q(kind="model") & Q(model_label="")),
                name="pendingupload_model_label_iff_per_model",
                violation_error_message="A per-model upload names its model; no other does.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()}, {self.owner})"
