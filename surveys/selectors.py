"""Every public read of survey data: published surveys, their aggregate results, and the
mechanism figures shown on profiles.

Only surveys a publisher has published are read, and only aggregates leave this module
(counts, distributions, breakdowns suppressed by `surveys.aggregates`): no individual
answer, no respondent's name. Mechanisms are shown as the public knows them, from their
published profiles (`PublishedProfile`); an unpublished mechanism is never named. Each
function runs a fixed number of queries, whatever the number of respondents, questions
or answers (the counting is done by the database). `data_version` versions all of it for
the page cache.
"""

from collections import defaultdict
from contextlib import suppress
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse

from profiles.models import Region

from . import aggregates
from . import answers as rules
from .models import Answer, Group, Question, Questionnaire, Respondent, Survey

NOT_FOUND = "No published survey has this address."
NO_REGION = "Region not recorded"
COUNTED_GROUPS = (Group.STATES, Group.ORGANISATIONS)  # "how many States and IGOs named it"


# --- the version of what survey pages show (the page cache's key) --------------------------

DATA_VERSION_KEY = "surveys:data-version"
# A server whose cache is its own (local memory) learns of another server's write within
# this; with a shared cache (Redis) every write is seen at once (`forget_data_version`).
DATA_VERSION_SECONDS = 30


def _data_version_from_db() -> str:
    """The newest history record of every survey model, in one query: every write of
    survey data (a save, a delete, a bulk write through the gateway) adds one."""
    quote = connection.ops.quote_name
    tables = [
        model.history.model._meta.db_table
        for model in (Survey, Questionnaire, Question, Respondent, Answer)
    ]
    # Table names come from the models, quoted: nothing here comes from a request.
    newest = [f"(SELECT MAX({quote('history_id')}) FROM {quote(t)})" for t in tables]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(newest))
        return "surveys-" + "-".join(str(value or 0) for value in cursor.fetchone())


def data_version() -> str:
    """A short string that changes whenever survey data does: part of the key of every cached
    public page (`profiles.selectors.PUBLIC_VERSION_SOURCES`, registered in
    `SurveysConfig.ready`). At most one query (none while it is cached)."""
    try:
        version = cache.get(DATA_VERSION_KEY)
    except Exception:  # the cache is an optimisation
        version = None
    if version is None:
        version = _data_version_from_db()
        with suppress(Exception):
            cache.set(DATA_VERSION_KEY, version, DATA_VERSION_SECONDS)
    return version


def forget_data_version() -> None:
    """Called once survey data changed (after the commit): the next read asks the database."""
    with suppress(Exception):
        cache.delete(DATA_VERSION_KEY)


def published_surveys() -> QuerySet[Survey]:
    """Every survey the public may see."""
    return Survey.objects.filter(is_published=True)


def survey_list() -> list[Survey]:
    """Published surveys, newest first, with how many respondents each holds."""
    return list(
        published_surveys()
        .annotate(
            respondent_total=Count("respondents"),
            fictional_total=Count("respondents", filter=~Q(respondents__fictional_name="")),
        )
        .order_by("-year", "title")
    )


@dataclass
class GroupRow:
    group: str
    label: str
    title: str
    reported: int | None  # as the report documents it
    stored: int = 0  # respondents whose answers are stored here
    fictional: int = 0


@dataclass
class QuestionResult:
    question: Question
    answered: int
    chart: aggregates.Chart | None = None
    breakdown: aggregates.Breakdown | None = None
    mentions: list["Mention"] = field(default_factory=list)

    @property
    def is_choice(self) -> bool:
        return self.question.is_choice


@dataclass
class TopicResults:
    title: str
    questions: list[QuestionResult]


@dataclass
class Mention:
    slug: str
    name: str
    by_group: dict[str, int] = field(default_factory=dict)
    fictional: int = 0

    @property
    def states(self) -> int:
        return self.by_group.get(Group.STATES, 0)

    @property
    def organisations(self) -> int:
        return self.by_group.get(Group.ORGANISATIONS, 0)

    @property
    def iscms(self) -> int:
        return self.by_group.get(Group.ISCMS, 0)


@dataclass
class Results:
    survey: Survey
    groups: list[GroupRow]
    by_region: aggregates.Breakdown
    topics: list[TopicResults]
    mentions: list[Mention]
    respondents: int
    fictional: int

    @property
    def any_suppressed(self) -> bool:
        if self.by_region.any_suppressed:
            return True
        return any(
            q.breakdown is not None and q.breakdown.any_suppressed
            for topic in self.topics
            for q in topic.questions
        )


def get_survey(slug: str) -> Survey:
    survey = published_surveys().filter(slug=slug).first()
    if survey is None:
        raise Http404(NOT_FOUND)
    return survey


def get_results(slug: str) -> Results:
    """The aggregate results of the published survey `slug`, or Http404. Seven queries."""
    survey = get_survey(slug)
    regions = list(Region.objects.order_by("order", "name"))
    questionnaires = {q.group: q for q in Questionnaire.objects.filter(survey=survey)}
    groups = [
        GroupRow(g.value, str(g.label), q.title, q.reported_responses)
        for g in Group
        if (q := questionnaires.get(g.value)) is not None
    ]
    by_group = {row.group: row for row in groups}
    respondents = list(
        Respondent.objects.filter(survey=survey)
        .values("group", "region_id")
        .annotate(n=Count("id"), fictional=Count("id", filter=~Q(fictional_name="")))
        .order_by()
    )
    columns, position = _region_columns(regions, respondents)
    region_counts = [0] * len(columns)
    for row in respondents:
        region_counts[position[row["region_id"]]] += row["n"]
        if row["group"] in by_group:
            by_group[row["group"]].stored += row["n"]
            by_group[row["group"]].fictional += row["fictional"]
    by_region = aggregates.breakdown(columns, [("All respondents", region_counts)])
    questions = list(
        Question.objects.filter(questionnaire__survey=survey)
        .select_related("topic", "questionnaire")
        .order_by(F("topic__order").asc(nulls_last=True), "questionnaire__group", "order", "code")
    )
    results = _question_results(survey, questions, columns, position)
    mentions = _mentions(survey)
    for result in results.values():
        if result.question.type == Question.Type.MECHANISMS:
            result.mentions = mentions.get(result.question.pk, [])
    topics: dict[str, TopicResults] = {}
    for question in questions:
        title = str(question.topic) if question.topic_id else "Other questions"
        topics.setdefault(title, TopicResults(title, [])).questions.append(results[question.pk])
    return Results(
        survey=survey,
        groups=groups,
        by_region=by_region,
        topics=list(topics.values()),
        mentions=mentions.get(None, []),
        respondents=sum(row.stored for row in groups),
        fictional=sum(row.fictional for row in groups),
    )


def _region_columns(regions: list[Region], respondents: list[dict]):
    columns = [region.name for region in regions]
    position: dict[int | None, int] = {region.pk: i for i, region in enumerate(regions)}
    if any(row["region_id"] is None for row in respondents):
        position[None] = len(columns)
        columns.append(NO_REGION)
    return columns, position


def _question_results(survey, questions, columns, position) -> dict[int, QuestionResult]:
    """Per question: how many answered; for choice questions the distribution and its
    breakdown by region. Two queries."""
    answered = dict(
        Answer.objects.filter(question__questionnaire__survey=survey)
        .values_list("question")
        .annotate(n=Count("id"))
        .order_by()
    )
    choice_ids = [q.pk for q in questions if q.is_choice]
    counts: dict[int, dict[str, list[int]]] = defaultdict(dict)
    bases: dict[int, list[int]] = {pk: [0] * len(columns) for pk in choice_ids}
    types = {q.pk: q.type for q in questions}
    for question_id, value, region_id, n in (
        Answer.objects.filter(question__in=choice_ids)
        .values_list("question", "value", "respondent__region")
        .annotate(n=Count("id"))
        .order_by()
    ):
        column = position.get(region_id, position.get(None, 0))
        bases[question_id][column] += n
        for choice in rules.choices_of(types[question_id], value):
            row = counts[question_id].setdefault(choice, [0] * len(columns))
            row[column] += n
    results = {}
    for question in questions:
        result = QuestionResult(question, answered.get(question.pk, 0))
        if question.is_choice:
            rows = [
                (choice, counts[question.pk].get(choice, [0] * len(columns)))
                for choice in question.choice_list
            ]
            result.chart = aggregates.chart(
                [(choice, sum(row)) for choice, row in rows], result.answered
            )
            result.breakdown = aggregates.breakdown(columns, rows, bases[question.pk])
        results[question.pk] = result
    return results


def _mentions(survey: Survey) -> dict[int | None, list[Mention]]:
    """Published mechanisms named in the survey's answers: how many respondents of each
    group named each, per question and (key None) in any answer. One query."""
    through = Answer.mechanisms.through
    rows = (
        through.objects.filter(
            answer__respondent__survey=survey,
            mechanism__published_profile__isnull=False,
        )
        .values_list(
            "answer__question",
            "mechanism__published_profile__slug",
            "mechanism__published_profile__name",
            "answer__respondent__group",
            "answer__respondent",
            "answer__respondent__fictional_name",
        )
        .order_by()
    )
    per_question: dict[int, dict[str, Mention]] = defaultdict(dict)
    anywhere: dict[str, Mention] = {}
    seen: dict[str, set] = defaultdict(set)
    for question_id, slug, name, group, respondent_id, fictional in rows:
        for key, table in ((question_id, per_question[question_id]), (None, anywhere)):
            mention = table.setdefault(slug, Mention(slug, name))
            if (key, group, respondent_id) in seen[slug]:
                continue
            seen[slug].add((key, group, respondent_id))
            mention.by_group[group] = mention.by_group.get(group, 0) + 1
            mention.fictional += bool(fictional)
    ordered = {
        key: sorted(table.values(), key=lambda m: (-sum(m.by_group.values()), m.name))
        for key, table in per_question.items()
    }
    ordered[None] = sorted(
        anywhere.values(), key=lambda m: (-(m.states + m.organisations), -m.iscms, m.name)
    )
    return ordered


@dataclass
class SurveyMentions:
    """How many surveyed States and IGOs named one mechanism, in one published survey."""

    slug: str
    title: str
    year: int
    states: int = 0
    organisations: int = 0
    fictional: int = 0

    @property
    def total(self) -> int:
        return self.states + self.organisations

    def get_absolute_url(self) -> str:
        return reverse("surveys:survey_detail", kwargs={"slug": self.slug})


def mechanism_mentions(slug: str) -> list[SurveyMentions]:
    """For the published mechanism `slug`: per published survey, how many States and IGOs
    named it in their answers (computed from the answers, never typed). One query."""
    respondent = "answer__respondent"
    rows = (
        Answer.mechanisms.through.objects.filter(
            mechanism__published_profile__slug=slug,
            answer__respondent__survey__is_published=True,
            answer__respondent__group__in=COUNTED_GROUPS,
        )
        .values_list(
            f"{respondent}__survey__slug",
            f"{respondent}__survey__title",
            f"{respondent}__survey__year",
            f"{respondent}__group",
        )
        .annotate(
            n=Count(respondent, distinct=True),
            fictional=Count(
                respondent, distinct=True, filter=~Q(answer__respondent__fictional_name="")
            ),
        )
        .order_by()
    )
    found: dict[str, SurveyMentions] = {}
    for survey_slug, title, year, group, n, fictional in rows:
        entry = found.setdefault(survey_slug, SurveyMentions(survey_slug, title, year))
        if group == Group.STATES:
            entry.states += n
        else:
            entry.organisations += n
        entry.fictional += fictional
    return sorted(found.values(), key=lambda m: (-m.year, m.title))


@dataclass
class Participation:
    """A country's answer to one published survey (that it answered, not what)."""

    slug: str
    title: str
    year: int
    questionnaire: str

    def get_absolute_url(self) -> str:
        return reverse("surveys:survey_detail", kwargs={"slug": self.slug})


def country_participation(code: str) -> list[Participation]:
    """The published surveys the country `code` (ISO alpha-2) answered, for its country
    page. One query."""
    questionnaires = Questionnaire.objects.filter(
        survey=OuterRef("survey"), group=OuterRef("group")
    ).values("title")[:1]
    rows = (
        Respondent.objects.filter(country=code.upper(), survey__is_published=True)
        .annotate(questionnaire=Subquery(questionnaires))
        .values_list("survey__slug", "survey__title", "survey__year", "questionnaire")
        .order_by("-survey__year", "survey__title")
    )
    return [Participation(slug, title, year, title_q or "") for slug, title, year, title_q in rows]
