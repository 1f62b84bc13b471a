"""The mechanism itself: its facts, publication state and version."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from history.models import ChangeSetRecord

from .base import YEAR_MAX, YEAR_MIN
from .vocabularies import Organisation, Region, ThematicArea


class MechanismHistoryBase(ChangeSetRecord):
    """What a mechanism's history record holds beyond its own columns."""

    region_keys = models.TextField("regions", blank=True)
    theme_keys = models.TextField("thematic areas", blank=True)

    class Meta:
        abstract = True


class Mechanism(models.Model):
    """An inter-state consultation mechanism on migration (ISCM)."""

    class Kind(models.TextChoices):
        RCP = "rcp", "Regional consultative process"
        INTERREGIONAL = "interregional", "Interregional forum"
        GLOBAL = "global", "Global process"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DORMANT = "dormant", "Dormant"
        CLOSED = "closed", "Closed"

    slug = models.SlugField("slug", max_length=100, unique=True)
    name = models.CharField("name", max_length=255, unique=True)
    short_name = models.CharField("short name", max_length=100, blank=True)
    aliases = models.TextField(
        "aliases",
        blank=True,
        help_text="Former and alternative names, separated by “;”. They are searchable.",
    )
    kind = models.CharField("kind", max_length=20, choices=Kind)
    kind_uncertain = models.BooleanField(
        "kind unconfirmed", default=False, help_text="The kind is not confirmed by a source."
    )
    established = models.PositiveSmallIntegerField("year established", null=True, blank=True)
    established_uncertain = models.BooleanField(
        "year unconfirmed", default=False, help_text="The year is not confirmed by a source."
    )
    status = models.CharField("status", max_length=20, choices=Status, default=Status.ACTIVE)
    regions = models.ManyToManyField(
        Region, verbose_name="regions", related_name="mechanisms", blank=True
    )
    geographic_scope = models.CharField(
        "geographic scope",
        max_length=255,
        blank=True,
        help_text="The area covered, in words, e.g. “Central Asia / Eurasia”.",
    )
    regional_organisation = models.ForeignKey(
        Organisation,
        verbose_name="associated regional organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="associated_mechanisms",
    )
    secretariat = models.TextField(
        "secretariat / support unit",
        blank=True,
        help_text="Who runs the secretariat or support unit. A trailing “?” marks an "
        "unconfirmed statement and is shown as such.",
    )
    membership_note = models.TextField(
        "membership note",
        blank=True,
        help_text="Who takes part, for a mechanism that keeps no membership list "
        "(e.g. “Open to all States Members and Observers of the United Nations”).",
    )
    website = models.URLField("website", max_length=500, blank=True)
    sources = models.TextField(
        "sources", blank=True, help_text="Addresses the facts were taken from, one per line."
    )
    summary = models.TextField("summary", blank=True, help_text="Two or three sentences.")
    thematic_areas = models.ManyToManyField(
        ThematicArea, verbose_name="thematic areas", related_name="mechanisms", blank=True
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Only published mechanisms are shown to the public."
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("last updated", auto_now=True)
    published_at = models.DateTimeField("published", null=True, blank=True)
    # Optimistic locking: bumped by every write through the gateway (children included).
    version = models.PositiveIntegerField("version", default=1, editable=False)

    # One record per change set that touched the profile, written by the gateway when the
    # change set closes (profiles.services.changes), carrying the version and vocabularies.
    history = HistoricalRecords(
        bases=[MechanismHistoryBase], excluded_fields=["created_at", "updated_at"]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "mechanism"
        verbose_name_plural = "mechanisms"
        # Editors change content; only publishers decide what the public sees.
        permissions = [("publish_mechanism", "Can publish or unpublish mechanisms")]
        constraints = [
            models.CheckConstraint(
                condition=Q(established__isnull=True)
                | Q(established__gte=YEAR_MIN, established__lte=YEAR_MAX),
                name="mechanism_established_in_range",
                violation_error_message=f"The year must be between {YEAR_MIN} and {YEAR_MAX}.",
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="mechanism_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="mechanism_published_has_date",
                violation_error_message="A published mechanism needs a publication date.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("profiles:mechanism_detail", kwargs={"slug": self.slug})

    @property
    def alias_list(self) -> list[str]:
        return [alias.strip() for alias in self.aliases.split(";") if alias.strip()]

    @property
    def secretariat_unconfirmed(self) -> bool:
        return "?" in self.secretariat
