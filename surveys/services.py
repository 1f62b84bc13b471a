"""Every write to survey data, in one place (the surveys' write gateway, DESIGN.md §6).

The admin (change pages, a respondent's answers, publishing), the demo loader and the
workbook import (`surveys/applier.py`, inside the engine's change set) all write inside
`writing()`: one change set of the `history` app (who, from where, when), all or nothing;
single saves are recorded by django-simple-history's signals, bulk writes go through
`create_rows` / `update_rows` below, which record them too. Functions take keyword-only
arguments and check what a single row cannot (an answer's question belongs to its
respondent's questionnaire, its value fits the question).
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from history import recording as history
from history.models import ChangeSet
from profiles.models import Mechanism

from . import answers as rules
from . import selectors
from .models import Answer, Question, Respondent, Survey

Via = ChangeSet.Via


@contextmanager
def writing(*, via: str, user=None, source: str = "") -> Iterator[history.Recording]:
    """The one context every survey write runs in: a change set, in one transaction.

    `via` says where the write comes from (`Via`: change page, workbook import, demo…),
    `user` who made it and `source` the page or file. Inside an open change set (e.g. the
    workbook import's), the write joins it.
    """
    with history.recording(history.Actor(user=user, via=via, source=source)) as rec:
        rec.on_close(_data_changed)
        yield rec


def _data_changed(rec: history.Recording) -> None:
    # After the commit: a page rendered meanwhile from the old data must not be cached
    # under the new version.
    transaction.on_commit(selectors.forget_data_version)


class AnswersRefused(ValueError):
    """Some answers do not fit their questions; `problems` maps question code → why."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{code}: {message}" for code, message in problems.items()))


@dataclass
class AnswerChanges:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def answer_problems(
    *, respondent: Respondent, typed: Mapping[Question, str], names: rules.MechanismNames
) -> dict[str, str]:
    """Question code → why what was typed cannot be this respondent's answer."""
    problems = {}
    for question, text in typed.items():
        questionnaire = question.questionnaire
        if questionnaire.survey_id != respondent.survey_id or questionnaire.group != (
            respondent.group
        ):
            problems[question.code] = (
                f"is a question of the {questionnaire.get_group_display()} questionnaire; "
                f"{respondent.name} answers the {respondent.get_group_display()} one"
            )
            continue
        try:
            rules.parse(rules.Rule.of(question), text, names)
        except rules.AnswerProblem as problem:
            problems[question.code] = str(problem)
    return problems


def save_answers(
    *,
    respondent: Respondent,
    typed: Mapping[Question, str],
    user=None,
    source: str = "",
    via: str = Via.CHANGE_PAGE,
) -> AnswerChanges:
    """Set `respondent`'s answers to the questions in `typed`, all or nothing.

    An empty text removes the answer. Raises AnswersRefused (with every problem) when any
    answer does not fit its question.
    """
    names = rules.MechanismNames(Mechanism.objects.only("slug", "name", "short_name", "aliases"))
    problems = answer_problems(respondent=respondent, typed=typed, names=names)
    if problems:
        raise AnswersRefused(problems)
    mechanism_ids = dict(Mechanism.objects.values_list("slug", "pk"))
    existing = {
        a.question_id: a
        for a in respondent.answers.filter(question__in=list(typed)).prefetch_related("mechanisms")
    }
    changes = AnswerChanges()
    with writing(via=via, user=user, source=source):
        for question, text in typed.items():
            parsed = rules.parse(rules.Rule.of(question), text, names)
            answer = existing.get(question.pk)
            if parsed is None:
                if answer is not None:
                    answer.delete()
                    changes.deleted.append(question.code)
                continue
            wanted = {mechanism_ids[slug] for slug in parsed.mechanisms}
            if answer is None:
                answer = Answer.objects.create(
                    respondent=respondent, question=question, value=parsed.value
                )
                if wanted:
                    answer.mechanisms.set(wanted)
                changes.created.append(question.code)
                continue
            have = {m.pk for m in answer.mechanisms.all()}
            if answer.value == parsed.value and have == wanted:
                changes.unchanged.append(question.code)
                continue
            if answer.value != parsed.value:
                answer.value = parsed.value
                answer.save(update_fields=["value"])
            if have != wanted:
                answer.mechanisms.set(wanted)
            changes.updated.append(question.code)
    return changes


def set_published(*, survey: Survey, published: bool, user=None, source: str = "") -> bool:
    """Publish or unpublish `survey`; True if that changed anything.

    Callers check that the user may publish (`surveys.publish_survey`).
    """
    if survey.is_published == published:
        return False
    with writing(via=Via.PUBLISH, user=user, source=source):
        survey.is_published = published
        fields = ["is_published", "updated_at"]
        if published and survey.published_at is None:
            survey.published_at = timezone.now()
            fields.append("published_at")
        survey.save(update_fields=fields)
    return True


def can_publish(user) -> bool:
    """Whether `user` may publish or unpublish surveys (superusers hold every permission)."""
    return user.has_perm("surveys.publish_survey")


# --- bulk writes (the workbook import) ---------------------------------------------------
# Every bulk write of survey data goes through these, inside `writing()`.

BATCH = 500


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows(model, pks) -> list:
    """The rows of `model` with these primary keys (read in chunks)."""
    found = []
    for chunk in _chunks(sorted(pks)):
        found += model.objects.filter(pk__in=chunk)
    return found


def _versioned(model) -> bool:
    return hasattr(model, "history")


def create_rows(model, objs: list) -> None:
    """Bulk create, with one history record per row of a versioned model."""
    if not objs:
        return
    if _versioned(model):
        history.bulk_create(model, objs)
    else:  # e.g. the links of an answer to the mechanisms it names
        model.objects.bulk_create(objs, batch_size=BATCH)


def update_rows(model, objs: list, fields) -> None:
    """Bulk update of `fields`, with one history record per row."""
    if objs:
        history.bulk_update(model, objs, sorted(fields))


def delete_rows(model, ids: list, *, field: str = "pk") -> None:
    for chunk in _chunks(ids):
        model.objects.filter(**{f"{field}__in": chunk}).delete()
