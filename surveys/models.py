"""The surveys domain: surveys, their questionnaires and questions, respondents, answers.

See DESIGN.md §2 (`surveys`). A survey sends one questionnaire to each respondent group
(ISCMs, States, inter-governmental organisations); a respondent is a mechanism, a country
or an organisation (or, in demo data only, a fictional respondent that is none of them),
and answers the questionnaire of its group. The mechanisms an answer names are stored as
links, so that "two States referred to the Almaty Process" is computed, never typed.

Every model is versioned (django-simple-history, records stamped with their change set:
`history`); `surveys.services` is where they are written. Every rule that one row can
carry is a database constraint. Rules that span rows (an
answer's question belongs to its respondent's questionnaire; its value fits the
question's type and choices) are checked by `surveys.answers`, which the admin, the
services and the workbook import all use.
"""

import functools
import operator

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from history.models import ChangeSetRecord
from profiles.models import Mechanism, Organisation, Region, Topic

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
# Question codes are column headers of the wide answers sheet, next to these two.
RESERVED_CODES = ("survey", "respondent")


class Group(models.TextChoices):
    """Who a questionnaire is for, and so which questionnaire a respondent answers."""

    ISCMS = "iscms", "ISCMs"
    STATES = "states", "States"
    ORGANISATIONS = "organisations", "Inter-governmental organisations"


class Survey(models.Model):
    """One assessment round (e.g. the 2019 assessment of ISCMs) and the report it fed."""

    slug = models.SlugField("slug", max_length=100, unique=True)
    title = models.CharField("title", max_length=255, unique=True)
    year = models.PositiveSmallIntegerField("year")
    summary = models.TextField("summary", blank=True, help_text="Two or three sentences.")
    report_title = models.CharField(
        "report title",
        max_length=500,
        blank=True,
        help_text="The report's title as published (cite publications by their published title).",
    )
    report_publisher = models.CharField("report publisher", max_length=200, blank=True)
    report_year = models.PositiveSmallIntegerField("report year", null=True, blank=True)
    report_isbn = models.CharField("report ISBN", max_length=20, blank=True)
    report_url = models.URLField("report address", max_length=500, blank=True)
    is_published = models.BooleanField(
        "published",
        default=False,
        help_text="Only published surveys' aggregate results are shown to the public.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("last updated", auto_now=True)
    published_at = models.DateTimeField("published", null=True, blank=True)

    history = HistoricalRecords(bases=[ChangeSetRecord], excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = "survey"
        verbose_name_plural = "surveys"
        # Editors change content; only publishers decide what the public sees.
        permissions = [("publish_survey", "Can publish or unpublish surveys")]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="survey_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2100),
                name="survey_year_in_range",
                violation_error_message="The year must be between 1900 and 2100.",
            ),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="survey_published_has_date",
                violation_error_message="A published survey needs a publication date.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:survey_detail", kwargs={"slug": self.slug})


class Questionnaire(models.Model):
    """The questionnaire a survey sent to one respondent group."""

    survey = models.ForeignKey(
        Survey, verbose_name="survey", on_delete=models.CASCADE, related_name="questionnaires"
    )
    group = models.CharField("respondent group", max_length=20, choices=Group)
    title = models.CharField("title", max_length=255)
    reported_responses = models.PositiveIntegerField(
        "responses reported",
        null=True,
        blank=True,
        help_text="How many answered, as the survey's report documents it (e.g. 46 States). "
        "Shown as documented; the results are computed from the answers stored here.",
    )

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["survey", "group"]
        verbose_name = "questionnaire"
        verbose_name_plural = "questionnaires"
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "group"],
                name="questionnaire_one_per_group",
                violation_error_message="This survey already has a questionnaire for this group.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} — {self.get_group_display()}"


class Question(models.Model):
    """One question of a questionnaire; its type says what an answer may be."""

    class Type(models.TextChoices):
        TEXT = "text", "Free text"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        NUMBER = "number", "Number"
        YES_NO = "yes_no", "Yes / no"
        MECHANISMS = "mechanisms", "Mechanisms named"

    questionnaire = models.ForeignKey(
        Questionnaire,
        verbose_name="questionnaire",
        on_delete=models.CASCADE,
        related_name="questions",
    )
    code = models.CharField(
        "code",
        max_length=30,
        help_text="Unique within the questionnaire, in any case (Q1 and q1 are the same): "
        "letters, digits, “_”, “.” and “-”. It heads the question's column in a wide "
        "answers sheet.",
    )
    text = models.TextField("question")
    type = models.CharField("type", max_length=20, choices=Type)
    choices = models.TextField(
        "choices",
        blank=True,
        help_text="Single and multiple choice only: one choice per line (no “;”).",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name="topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_questions",
        help_text="The Summary of Findings topic the question informs, if any.",
    )
    order = models.PositiveSmallIntegerField("order", default=0)

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["questionnaire", "order", "code"]
        verbose_name = "question"
        verbose_name_plural = "questions"
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                "questionnaire",
                name="question_code_unique_in_questionnaire",
                violation_error_message="This questionnaire already has a question with this "
                "code (codes are compared in any case).",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=CODE_PATTERN),
                name="question_code_format",
                violation_error_message="A code is letters, digits, “_”, “.” and “-”, "
                "starting with a letter or digit.",
            ),
            models.CheckConstraint(
                condition=~Q(code__iexact=RESERVED_CODES[0]) & ~Q(code__iexact=RESERVED_CODES[1]),
                name="question_code_not_reserved",
                violation_error_message="“survey” and “respondent” are column names of the "
                "answers sheets: choose another code.",
            ),
            models.CheckConstraint(
                condition=(Q(type__in=["single", "multiple"]) & ~Q(choices=""))
                | (~Q(type__in=["single", "multiple"]) & Q(choices="")),
                name="question_choices_match_type",
                violation_error_message="Single and multiple choice questions need choices; "
                "other questions have none.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:80]}"

    @property
    def choice_list(self) -> list[str]:
        if self.type == self.Type.YES_NO:
            return ["Yes", "No"]
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def is_choice(self) -> bool:
        return self.type in (self.Type.SINGLE, self.Type.MULTIPLE, self.Type.YES_NO)


# Who a respondent is: for each, the condition "it is set" and "it is not".
IDENTITIES = {
    "mechanism": (Q(mechanism__isnull=False), Q(mechanism__isnull=True)),
    "country": (~Q(country=""), Q(country="")),
    "organisation": (Q(organisation__isnull=False), Q(organisation__isnull=True)),
    "fictional_name": (~Q(fictional_name=""), Q(fictional_name="")),
}


def _exactly_one_identity() -> Q:
    """Exactly one of the IDENTITIES is set (and the other three are not)."""
    options = []
    for name, (is_set, _unset) in IDENTITIES.items():
        option = is_set
        for other, (_set, unset) in IDENTITIES.items():
            if other != name:
                option &= unset
        options.append(option)
    return functools.reduce(operator.or_, options)


class Respondent(models.Model):
    """Who answered one questionnaire of a survey: a mechanism, a country or an organisation.

    Demo data may use a *fictional* respondent instead ("Demo State 01"): it carries a
    made-up name and no link to any real State, mechanism or organisation, so invented
    answers are never attributed to one. Exactly one of the four is set (a constraint).
    """

    survey = models.ForeignKey(
        Survey, verbose_name="survey", on_delete=models.CASCADE, related_name="respondents"
    )
    code = models.CharField(
        "code",
        max_length=50,
        help_text="Unique within the survey, in any case: how the answers sheets refer to "
        "this respondent (e.g. KZ, almaty-process, IOM, R017).",
    )
    group = models.CharField(
        "questionnaire",
        max_length=20,
        choices=Group,
        help_text="The questionnaire answered: ISCMs for a mechanism, States for a country, "
        "organisations for an organisation.",
    )
    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name="mechanism",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    country = CountryField("country", blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    fictional_name = models.CharField(
        "fictional respondent",
        max_length=100,
        blank=True,
        help_text="Demo data only: the name of a made-up respondent that is no real State, "
        "mechanism or organisation. Leave empty for a real respondent.",
    )
    region = models.ForeignKey(
        Region,
        verbose_name="region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_respondents",
        help_text="The region the respondent is counted under in the results.",
    )

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["survey", "group", "code"]
        verbose_name = "respondent"
        verbose_name_plural = "respondents"
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_identity(),
                name="respondent_exactly_one_identity",
                violation_error_message="A respondent is exactly one of: a mechanism, a "
                "country, an organisation (or, in demo data, a fictional respondent).",
            ),
            models.CheckConstraint(
                condition=(Q(mechanism__isnull=True) | Q(group=Group.ISCMS))
                & (Q(country="") | Q(group=Group.STATES))
                & (Q(organisation__isnull=True) | Q(group=Group.ORGANISATIONS)),
                name="respondent_group_fits_identity",
                violation_error_message="A mechanism answers the ISCMs questionnaire, a "
                "country the States questionnaire, an organisation the organisations one.",
            ),
            models.UniqueConstraint(
                Lower("code"),
                "survey",
                name="respondent_code_unique_in_survey",
                violation_error_message="This survey already has a respondent with this code.",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="respondent_code_not_empty"),
            models.UniqueConstraint(
                fields=["survey", "mechanism"],
                condition=Q(mechanism__isnull=False),
                name="respondent_mechanism_once_per_survey",
                violation_error_message="This mechanism already answered this survey.",
            ),
            models.UniqueConstraint(
                fields=["survey", "country"],
                condition=~Q(country=""),
                name="respondent_country_once_per_survey",
                violation_error_message="This country already answered this survey.",
            ),
            models.UniqueConstraint(
                fields=["survey", "organisation"],
                condition=Q(organisation__isnull=False),
                name="respondent_organisation_once_per_survey",
                violation_error_message="This organisation already answered this survey.",
            ),
            models.UniqueConstraint(
                fields=["survey", "fictional_name"],
                condition=~Q(fictional_name=""),
                name="respondent_fictional_name_once_per_survey",
                violation_error_message="This survey already has a fictional respondent with "
                "this name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.mechanism_id:
            return str(self.mechanism)
        if self.organisation_id:
            return str(self.organisation)
        if self.country:
            return str(self.country.name)
        return f"{self.fictional_name} (fictional)"

    @property
    def is_fictional(self) -> bool:
        return bool(self.fictional_name)


class Answer(models.Model):
    """One respondent's answer to one question.

    `value` holds the answer in its normalised text form (`surveys.answers`): the text, the
    choice, the choices separated by “; ” in the question's order, “yes” or “no”, or the
    number. For a "mechanisms named" question the mechanisms are links (what every count
    uses); `value` keeps their slugs as written, so that the answer's history shows them.
    """

    respondent = models.ForeignKey(
        Respondent, verbose_name="respondent", on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, verbose_name="question", on_delete=models.CASCADE, related_name="answers"
    )
    value = models.TextField("answer", blank=True)
    mechanisms = models.ManyToManyField(
        Mechanism,
        verbose_name="mechanisms named",
        related_name="survey_mentions",
        blank=True,
    )

    history = HistoricalRecords(bases=[ChangeSetRecord])

    class Meta:
        ordering = ["respondent", "question__order"]
        verbose_name = "answer"
        verbose_name_plural = "answers"
        constraints = [
            models.UniqueConstraint(
                fields=["respondent", "question"],
                name="answer_one_per_respondent_question",
                violation_error_message="This respondent already answered this question.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.respondent} — {self.question.code}"
