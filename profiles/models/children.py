"""What a profile holds beyond its facts: sections, participants, links and documents."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString, mark_safe
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from history.models import ChangeSetRecord

from ..rendering import validate_markdown
from .base import YEAR_MAX, YEAR_MIN
from .mechanisms import Mechanism
from .vocabularies import Organisation, Topic


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

    history = HistoricalRecords(
        bases=[ChangeSetRecord], excluded_fields=["updated_at", "body_html"]
    )

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

    history = HistoricalRecords(bases=[ChangeSetRecord])

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

    history = HistoricalRecords(bases=[ChangeSetRecord])

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

    history = HistoricalRecords(bases=[ChangeSetRecord])

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
