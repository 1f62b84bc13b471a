"""The public read model: what a publisher released, frozen.

Publishing a mechanism writes its `PublishedProfile`: the normalised profile exactly as
the workbook spells it (`content`, one list of rows per sheet), the sections' sanitised
HTML, and the columns public pages filter, sort and search on. Editors keep changing the
working rows (`Mechanism` and its children); the public sees none of it until a
publisher publishes again. Every public read goes through `profiles.selectors`.
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from history.models import ChangeSet

from .children import Participation
from .mechanisms import Mechanism
from .vocabularies import Region, ThematicArea


class PublishedProfile(models.Model):
    """A mechanism's profile as last published."""

    mechanism = models.OneToOneField(
        Mechanism,
        verbose_name="mechanism",
        on_delete=models.CASCADE,
        related_name="published_profile",
    )
    version = models.PositiveIntegerField("version published")
    # What public pages filter, sort and search on, copied from the published version.
    slug = models.SlugField("slug", max_length=100, unique=True)
    # Indexed: lists are by name, 20 at a time (without it, every snapshot is sorted).
    name = models.CharField("name", max_length=255, db_index=True)
    short_name = models.CharField("short name", max_length=100, blank=True)
    kind = models.CharField("kind", max_length=20, choices=Mechanism.Kind)
    status = models.CharField("status", max_length=20, choices=Mechanism.Status)
    established = models.PositiveSmallIntegerField("year established", null=True, blank=True)
    regions = models.ManyToManyField(
        Region, verbose_name="regions", related_name="published_profiles", blank=True
    )
    thematic_areas = models.ManyToManyField(
        ThematicArea,
        verbose_name="thematic areas",
        related_name="published_profiles",
        blank=True,
    )
    member_count = models.PositiveIntegerField("members", default=0)
    # Names, aliases, summary, section text and participants' names, lower-cased: what the
    # simple search looks in.
    search_text = models.TextField("search text", blank=True)
    # Name, short name and aliases, as written: what typo-tolerant (trigram) search compares.
    search_names = models.TextField("names searched", blank=True)
    # Summary, section text and document titles as plain text: where search snippets come from.
    snippet_text = models.TextField("snippet text", blank=True)
    # PostgreSQL only (NULL on SQLite): the weighted full-text vector, GIN-indexed (migration
    # 0007), written by `services.publishing` from the texts above and the countries' names.
    search_vector = SearchVectorField("search vector", null=True, blank=True, editable=False)
    # The normalised profile: {"Mechanisms": [row], "Sections": [...], "Participants": ...}.
    content = models.JSONField("content")
    # Topic key → the section's sanitised HTML, rendered once, at publication.
    sections_html = models.JSONField("sections (HTML)", default=dict)
    first_published_at = models.DateTimeField("first published")
    published_at = models.DateTimeField("last published", db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="published by",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    change_set = models.ForeignKey(
        ChangeSet,
        verbose_name="change set",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "published profile"
        verbose_name_plural = "published profiles"

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


class PublishedParticipant(models.Model):
    """One participant of a published profile (a country or an organisation, in a role):
    what facets, country pages, overlaps and comparisons count in the database.

    Written with its snapshot from the `Participants` rows of `content`, never edited.
    """

    profile = models.ForeignKey(
        PublishedProfile,
        verbose_name="published profile",
        on_delete=models.CASCADE,
        related_name="participants",
    )
    # ISO 3166 alpha-2 as the working rows; "" for an organisation.
    country = models.CharField("country", max_length=2, blank=True)
    organisation = models.CharField("organisation", max_length=50, blank=True)
    role = models.CharField("role", max_length=20, choices=Participation.Role)
    since = models.PositiveSmallIntegerField("since", null=True, blank=True)
    until = models.PositiveSmallIntegerField("until", null=True, blank=True)
    unconfirmed = models.BooleanField("unconfirmed", default=False)

    class Meta:
        verbose_name = "published participant"
        verbose_name_plural = "published participants"
        # Covers "which mechanisms does this country take part in (in this role)", the
        # country counts and the overlap self-join without reading the table.
        indexes = [
            models.Index(fields=["country", "role", "profile"], name="published_country_role")
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(country="") & ~models.Q(organisation=""))
                | (~models.Q(country="") & models.Q(organisation="")),
                name="published_participant_country_xor_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.country or self.organisation} ({self.role})"
