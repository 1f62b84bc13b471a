"""Applying the survey sheets' plan: bulk writes, inside the engine's transaction.

`SurveysPlanner.apply()` (surveys/importer.py) hands its plan here. Every write goes
through `surveys.services` (`writing`, `create_rows`, `update_rows`, `delete_rows`), the one
place survey data is written. The number of queries does not grow with the number of rows
(apart from batching).
"""

from profiles.models import Mechanism, Organisation, Region

from . import services
from .models import Answer, Question, Respondent


class Applier:
    def __init__(self, planner):
        self.planner = planner
        self.db = planner.db

    def run(self) -> None:
        with services.writing(via=services.Via.WORKBOOK_IMPORT):
            self._questions()
            self._respondents()
            self._answers()

    def _questions(self) -> None:
        topics = {key: topic.pk for key, topic in self.db.topics.items()}
        new, changed, fields, created = [], [], set(), []
        for row, existing, changed_columns in self.planner.plan.get("Questions", []):
            values = row.values
            attributes = {
                "code": values["code"],
                "text": values["text"],
                "type": values["type"],
                "choices": "\n".join(values["choices"].split("; ")) if values["choices"] else "",
                "topic_id": topics.get(values.get("topic") or ""),
                "order": values.get("order", existing.order if existing else 0),
            }
            if existing is None:
                questionnaire = self.db.questionnaires[(values["survey"], values["questionnaire"])]
                question = Question(questionnaire=questionnaire, **attributes)
                new.append(question)
                key = (values["survey"], values["questionnaire"], values["code"].lower())
                created.append((key, question))
                continue
            for column in changed_columns:
                name = {"topic": "topic_id"}.get(column, column)
                setattr(existing, name, attributes[name])
                fields.add(name)
            changed.append(existing)
        services.create_rows(Question, new)
        services.update_rows(Question, changed, fields)
        for key, question in created:  # the planned answers need their questions' ids
            self.planner.questions[key].question = question

    def _respondents(self) -> None:
        entries = self.planner.plan.get("Respondents", [])
        if not entries:
            return
        slugs = {row.values.get("mechanism") for row, _e, _c in entries} - {None, ""}
        acronyms = {row.values.get("organisation") for row, _e, _c in entries} - {None, ""}
        mechanisms = dict(Mechanism.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        organisations = dict(
            Organisation.objects.filter(acronym__in=acronyms).values_list("acronym", "pk")
        )
        regions = dict(Region.objects.values_list("slug", "pk"))
        new, changed, fields, created = [], [], set(), []
        for row, existing, changed_columns in entries:
            values = row.values
            attributes = {
                "code": values["respondent"],
                "group": values["questionnaire"],
                "mechanism_id": mechanisms.get(values.get("mechanism") or ""),
                "country": values.get("country") or "",
                "organisation_id": organisations.get(values.get("organisation") or ""),
                "fictional_name": values.get("fictional_name") or "",
                "region_id": regions.get(values.get("region") or ""),
            }
            if existing is None:
                respondent = Respondent(survey=self.db.surveys[values["survey"]], **attributes)
                new.append(respondent)
                created.append(((values["survey"], values["respondent"].lower()), respondent))
                continue
            names = {
                "respondent": "code",
                "questionnaire": "group",
                "mechanism": "mechanism_id",
                "organisation": "organisation_id",
                "region": "region_id",
            }
            for column in changed_columns:
                name = names.get(column, column)
                setattr(existing, name, attributes[name])
                fields.add(name)
            changed.append(existing)
        services.create_rows(Respondent, new)
        services.update_rows(Respondent, changed, fields)
        for key, respondent in created:
            self.planner.respondents[key].respondent = respondent

    def _answers(self) -> None:
        planned = list(self.planner.answers.values())
        if not planned:
            return
        slugs = {slug for p in planned for slug in p.parsed.mechanisms}
        mechanism_ids = dict(Mechanism.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        new = [
            Answer(
                respondent=p.respondent.respondent,
                question=p.question.question,
                value=p.parsed.value,
            )
            for p in planned
            if p.existing is None
        ]
        values = {
            p.existing.pk: p.parsed.value
            for p in planned
            if p.existing is not None and p.existing.value != p.parsed.value
        }
        changed = services.rows(Answer, values)
        for answer in changed:
            answer.value = values[answer.pk]
        services.create_rows(Answer, new)
        services.update_rows(Answer, changed, {"value"})
        # The mechanisms named: replace the links of every answer whose set changed.
        answer_ids = iter(a.pk for a in new)
        through = Answer.mechanisms.through
        links, unlinked = [], []
        for p in planned:
            if p.existing is None:
                answer_id = next(answer_ids)
            elif p.existing.mechanisms != p.parsed.mechanisms:
                answer_id = p.existing.pk
                unlinked.append(answer_id)
            else:
                continue
            links += [
                through(answer_id=answer_id, mechanism_id=mechanism_ids[slug])
                for slug in sorted(p.parsed.mechanisms)
            ]
        services.delete_rows(through, unlinked, field="answer_id")
        services.create_rows(through, links)
