"""The profiles domain: mechanisms, their summary sections and who takes part in them.

See DESIGN.md §2. Every uniqueness rule is a database constraint; forms only repeat them
to give friendlier messages.
"""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django_countries.fields import CountryField

from .rendering import validate_markdown

YEAR_MIN = 1900
YEAR_MAX = 2100


class Region(models.Model):
    """A broad world region used to group and filter mechanisms."""

    slug = models.SlugField("key", max_length=50, unique=True)
    name = models.CharField("name", max_length=100, unique=True)
    order = models.PositiveSmallIntegerField("order", default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "region"
        verbose_name_plural = "regions"

    def __str__(self) -> str:
        return self.name


class ThematicArea(models.Model):
    """Controlled vocabulary of migration themes a mechanism works on."""

    slug = models.SlugField("key", max_length=50, unique=True)
    name = models.CharField("name", max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "thematic area"
        verbose_name_plural = "thematic areas"

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """An inter-governmental organisation or regional body (IOM, UNHCR, ICMPD, ECOWAS…)."""

    class Kind(models.TextChoices):
        IGO = "igo", "Inter-governmental organisation"
        REGIONAL = "regional", "Regional organisation or body"
        OTHER = "other", "Other"

    acronym = models.CharField(
        "short name", max_length=50, unique=True, help_text="Natural key, e.g. IOM or UNHCR."
    )
    name = models.CharField("name", max_length=200)
    kind = models.CharField("kind", max_length=20, choices=Kind, default=Kind.IGO)
    website = models.URLField("website", blank=True)

    class Meta:
        ordering = ["acronym"]
        verbose_name = "organisation"
        verbose_name_plural = "organisations"

    def __str__(self) -> str:
        if self.name and self.name != self.acronym:
            return f"{self.name} ({self.acronym})"
        return self.acronym


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


class Topic(models.Model):
    """A standard heading of a Summary of Findings (the 2019 round has five)."""

    key = models.SlugField("key", max_length=50, unique=True)
    title = models.CharField("title", max_length=255)
    order = models.PositiveSmallIntegerField("order", unique=True)

    class Meta:
        ordering = ["order"]
        verbose_name = "topic"
        verbose_name_plural = "topics"

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """One mechanism's findings under one topic, written in Markdown."""

    mechanism = models.ForeignKey(
        Mechanism, verbose_name="mechanism", on_delete=models.CASCADE, related_name="sections"
    )
    topic = models.ForeignKey(
        Topic, verbose_name="topic", on_delete=models.PROTECT, related_name="sections"
    )
    body = models.TextField(
        "body",
        help_text="Markdown: **bold lead-ins**, lists, [links](https://…).",
        validators=[validate_markdown],
    )
    # Rendered and sanitised once, when the body is saved (profiles.rendering).
    body_html = models.TextField("body (HTML)", blank=True, editable=False)
    updated_at = models.DateTimeField("last updated", auto_now=True)

    class Meta:
        ordering = ["mechanism", "topic__order"]
        verbose_name = "section"
        verbose_name_plural = "sections"
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "topic"],
                name="section_one_per_mechanism_topic",
                violation_error_message="This mechanism already has a section on this topic.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mechanism} — {self.topic}"

    def html(self) -> SafeString:
        # The only place stored HTML is trusted: it was sanitised by nh3 when saved.
        return mark_safe(self.body_html)  # noqa: S308


class Participation(models.Model):
    """A country or an organisation taking part in a mechanism, in a role, over years."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        OBSERVER = "observer", "Observer"
        CHAIR = "chair", "Chair"
        SECRETARIAT = "secretariat", "Secretariat / support unit"
        PARTNER = "partner", "Partner"
        PARTICIPANT = "participant", "Participating organisation"

    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name="mechanism",
        on_delete=models.CASCADE,
        related_name="participations",
    )
    country = CountryField("country", blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
    )
    role = models.CharField("role", max_length=20, choices=Role, default=Role.MEMBER)
    since = models.PositiveSmallIntegerField("since", null=True, blank=True)
    until = models.PositiveSmallIntegerField("until", null=True, blank=True)
    uncertain = models.BooleanField(
        "unconfirmed", default=False, help_text="Not confirmed by a source."
    )
    note = models.CharField("note", max_length=255, blank=True)

    class Meta:
        ordering = ["mechanism", "role", "country", "organisation__acronym"]
        verbose_name = "participation"
        verbose_name_plural = "participations"
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=True) & ~Q(country=""))
                | (Q(organisation__isnull=False) & Q(country="")),
                name="participation_country_xor_organisation",
                violation_error_message="Give either a country or an organisation, not both.",
            ),
            models.CheckConstraint(
                condition=Q(since__isnull=True)
                | Q(until__isnull=True)
                | Q(since__lte=models.F("until")),
                name="participation_since_before_until",
                violation_error_message="“Since” must not be after “until”.",
            ),
            models.CheckConstraint(
                condition=(Q(since__isnull=True) | Q(since__gte=YEAR_MIN, since__lte=YEAR_MAX))
                & (Q(until__isnull=True) | Q(until__gte=YEAR_MIN, until__lte=YEAR_MAX)),
                name="participation_years_in_range",
                violation_error_message=f"Years must be between {YEAR_MIN} and {YEAR_MAX}.",
            ),
            # NULLs are distinct in plain unique constraints, so organisation and the open
            # years are coalesced: the rule must also hold for open-ended participations.
            models.UniqueConstraint(
                "mechanism",
                "country",
                Coalesce("organisation", 0),
                "role",
                Coalesce("since", 0),
                Coalesce("until", 0),
                name="participation_unique_period",
                violation_error_message="This participant already has this role for this "
                "period in this mechanism.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_name} — {self.get_role_display()} of {self.mechanism}"

    @property
    def participant_name(self) -> str:
        if self.organisation_id:
            return str(self.organisation)
        return str(self.country.name)

    @property
    def period(self) -> str:
        if self.since and self.until:
            return f"{self.since}–{self.until}"
        if self.since:
            return f"since {self.since}"
        if self.until:
            return f"until {self.until}"
        return ""


class MechanismLink(models.Model):
    """A relation between two mechanisms, as one of them describes it."""

    class Kind(models.TextChoices):
        FORMAL = "formal", "Formal cooperation"
        EXPERIENCE = "experience", "Experience sharing"
        PLANNED = "planned", "Planned or of interest"

    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name="mechanism",
        on_delete=models.CASCADE,
        related_name="links_from",
    )
    other_mechanism = models.ForeignKey(
        Mechanism,
        verbose_name="other mechanism",
        on_delete=models.CASCADE,
        related_name="links_to",
    )
    kind = models.CharField("kind", max_length=20, choices=Kind)
    note = models.CharField("note", max_length=500, blank=True)

    class Meta:
        ordering = ["mechanism", "kind", "other_mechanism__name"]
        verbose_name = "link to another mechanism"
        verbose_name_plural = "links to other mechanisms"
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "other_mechanism", "kind"],
                name="mechanismlink_unique",
                violation_error_message="This link already exists.",
            ),
            models.CheckConstraint(
                condition=~Q(mechanism=models.F("other_mechanism")),
                name="mechanismlink_not_to_itself",
                violation_error_message="A mechanism cannot be linked to itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mechanism} → {self.other_mechanism} ({self.get_kind_display()})"


class Document(models.Model):
    """A guideline, action plan, declaration or report of a mechanism."""

    class Kind(models.TextChoices):
        GUIDELINES = "guidelines", "Guidelines"
        ACTION_PLAN = "action_plan", "Action plan"
        DECLARATION = "declaration", "Declaration"
        OPERATING = "operating", "Operating document"
        REPORT = "report", "Report"
        OTHER = "other", "Other"

    mechanism = models.ForeignKey(
        Mechanism, verbose_name="mechanism", on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField("title", max_length=500)
    kind = models.CharField("kind", max_length=20, choices=Kind, default=Kind.OTHER)
    year = models.PositiveSmallIntegerField("year", null=True, blank=True)
    publisher = models.CharField("publisher", max_length=200, blank=True)
    url = models.URLField("address", max_length=500, blank=True)

    class Meta:
        ordering = ["mechanism", "-year", "title"]
        verbose_name = "document"
        verbose_name_plural = "documents"
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "title"],
                name="document_unique_title_per_mechanism",
                violation_error_message="This mechanism already has a document with this title.",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX),
                name="document_year_in_range",
                violation_error_message=f"The year must be between {YEAR_MIN} and {YEAR_MAX}.",
            ),
        ]

    def __str__(self) -> str:
        return self.title
