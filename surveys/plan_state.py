"""What the survey sheets' planner knows: the database as it is, loaded with a fixed number
of queries, and the rows the file adds to it (`surveys/importer.py` uses both)."""

from dataclasses import dataclass, field

from profiles.models import Mechanism, Organisation, Region, Topic

from . import answers as rules
from . import sheets
from .models import Answer, Group, Question, Questionnaire, Respondent, Survey


class _Ignored:
    """A row that changes nothing (an empty answer): reported as unchanged."""

    def __repr__(self) -> str:
        return "IGNORED"


IGNORED = _Ignored()


def group_label(group: str) -> str:
    try:
        return str(Group(group).label)
    except ValueError:
        return group


@dataclass
class QuestionSpec:
    survey: str
    group: str
    code: str
    rule: rules.Rule
    question: Question | None = None  # in the database
    values: dict | None = None  # from the file


@dataclass
class RespondentSpec:
    survey: str
    code: str
    group: str
    respondent: Respondent | None = None
    values: dict | None = None


@dataclass(frozen=True)
class StoredAnswer:
    pk: int
    value: str
    mechanisms: frozenset[str] = frozenset()

    @property
    def text(self) -> str:
        return rules.as_text(self.value, self.mechanisms)


@dataclass
class PlannedAnswer:
    respondent: RespondentSpec
    question: QuestionSpec
    parsed: rules.Parsed
    existing: StoredAnswer | None


def _file_surveys(parsed: dict) -> set[str]:
    return {
        row.values.get("survey")
        for sheet in sheets.SHEETS
        if sheet.name in parsed
        for row in parsed[sheet.name].rows
        if row.values.get("survey")
    }


@dataclass
class Database:
    """The database as the planner compares the file with it (a fixed number of queries)."""

    parsed: dict
    _answers: dict | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        wanted = _file_surveys(self.parsed)
        self.surveys = {s.slug: s for s in Survey.objects.all()}
        self.questionnaires = {
            (q.survey.slug, q.group): q
            for q in Questionnaire.objects.select_related("survey").filter(survey__slug__in=wanted)
        }
        self.topics = {t.key: t for t in Topic.objects.all()}
        self.topic_key = {t.pk: t.key for t in self.topics.values()}
        self.regions: dict[str, str] = {}
        self.region_slug = {}
        for region in Region.objects.all():
            self.regions[region.name.lower()] = region.slug
            self.regions[region.slug.lower()] = region.slug
            self.region_slug[region.pk] = region.slug
        mechanisms = list(Mechanism.objects.only("slug", "name", "short_name", "aliases"))
        self.mechanism_names = rules.MechanismNames(mechanisms)
        self.known_mechanisms = {m.slug for m in mechanisms}
        self.known_organisations = set(Organisation.objects.values_list("acronym", flat=True))
        # The profiles sheets of the same file may add mechanisms and organisations.
        for row in getattr(self.parsed.get("Mechanisms"), "rows", []):
            slug = row.values.get("slug")
            if slug:
                self.known_mechanisms.add(slug)
                self.mechanism_names.add(slug, row.values.get("name") or "")
        for row in getattr(self.parsed.get("Organisations"), "rows", []):
            if row.values.get("acronym"):
                self.known_organisations.add(row.values["acronym"])

        self.question_specs: dict[tuple, QuestionSpec] = {}
        for q in Question.objects.select_related("questionnaire__survey").filter(
            questionnaire__survey__slug__in=wanted
        ):
            survey, group = q.questionnaire.survey.slug, q.questionnaire.group
            self.question_specs[(survey, group, q.code.lower())] = QuestionSpec(
                survey, group, q.code, rules.Rule.of(q), q
            )
        self.respondent_specs: dict[tuple, RespondentSpec] = {}
        self._identities: dict[tuple, str] = {}
        for r in Respondent.objects.select_related("survey", "mechanism", "organisation").filter(
            survey__slug__in=wanted
        ):
            survey = r.survey.slug
            self.respondent_specs[(survey, r.code.lower())] = RespondentSpec(
                survey, r.code, r.group, r
            )
            for identity, value in (
                ("mechanism", r.mechanism.slug if r.mechanism_id else ""),
                ("country", str(r.country or "")),
                ("organisation", r.organisation.acronym if r.organisation_id else ""),
                ("fictional_name", r.fictional_name),
            ):
                if value:
                    self._identities[(survey, identity, value.lower())] = r.code

    # --- comparison --------------------------------------------------------------------

    def question_values(self, question: Question) -> dict:
        survey = question.questionnaire.survey.slug
        topic = self.topic_key.get(question.topic_id, "")
        return sheets.question_row(question, survey, question.questionnaire.group, topic)

    def respondent_values(self, respondent: Respondent) -> dict:
        return sheets.respondent_row(
            respondent,
            respondent.survey.slug,
            respondent.mechanism.slug if respondent.mechanism_id else "",
            respondent.organisation.acronym if respondent.organisation_id else "",
            self.region_slug.get(respondent.region_id, ""),
        )

    def identity_owner(self, survey: str, identity: str, value) -> str | None:
        return self._identities.get((survey, identity, str(value).lower()))

    # --- answers (loaded once, when first needed) --------------------------------------

    def _load_answers(self) -> dict:
        if self._answers is None:
            wanted = _file_surveys(self.parsed)
            slugs: dict[int, set[str]] = {}
            for answer_id, slug in Answer.mechanisms.through.objects.filter(
                answer__respondent__survey__slug__in=wanted
            ).values_list("answer_id", "mechanism__slug"):
                slugs.setdefault(answer_id, set()).add(slug)
            self._answers = {
                (respondent_id, question_id): StoredAnswer(pk, value, frozenset(slugs.get(pk, ())))
                for pk, respondent_id, question_id, value in Answer.objects.filter(
                    respondent__survey__slug__in=wanted
                ).values_list("pk", "respondent_id", "question_id", "value")
            }
            self._answered = {respondent_id for respondent_id, _q in self._answers}
            self._by_question: dict[int, list[tuple[int, StoredAnswer]]] = {}
            for (respondent_id, question_id), answer in self._answers.items():
                self._by_question.setdefault(question_id, []).append((respondent_id, answer))
        return self._answers

    def answer(self, respondent: RespondentSpec, question: QuestionSpec) -> StoredAnswer | None:
        if respondent.respondent is None or question.question is None:
            return None
        return self._load_answers().get((respondent.respondent.pk, question.question.pk))

    def has_answers(self, respondent: Respondent | None) -> bool:
        if respondent is None:
            return False
        self._load_answers()
        return respondent.pk in self._answered

    def answers_to(self, question: Question) -> list[tuple[str, StoredAnswer]]:
        codes = {
            spec.respondent.pk: spec.code
            for spec in self.respondent_specs.values()
            if spec.respondent is not None
        }
        self._load_answers()
        return [
            (codes[respondent_id], answer)
            for respondent_id, answer in self._by_question.get(question.pk, [])
            if respondent_id in codes
        ]

    def answers_retyped_in_file(self) -> set[tuple[str, str, str]]:
        """(survey, respondent, question code), in lower case, of every answer in the file."""
        found = set()
        for row in getattr(self.parsed.get(sheets.ANSWERS.name), "rows", []):
            values = row.values
            if values.get("answer"):
                found.add(
                    (
                        values.get("survey"),
                        (values.get("respondent") or "").lower(),
                        (values.get("question") or "").lower(),
                    )
                )
        wide = self.parsed.get(sheets.WIDE_ANSWERS.name)
        for row in getattr(wide, "rows", []):
            for column, text in row.values.items():
                if column not in ("survey", "respondent") and text:
                    found.add(
                        (
                            row.values.get("survey"),
                            (row.values.get("respondent") or "").lower(),
                            column.lower(),
                        )
                    )
        return found
