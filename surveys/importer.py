"""Importing the survey sheets: check references and answers, compare with the database.

The engine (`workbook.engine`) has read and parsed every cell. `SurveysPlanner` resolves
surveys, questionnaires, questions and respondents (from the database and from the same
file), reads every answer against its question (`surveys.answers`), and refuses what does
not fit with `Sheet!row: column: message`. The database is read with a fixed number of
queries (`surveys.plan_state`); `surveys.applier` writes the plan in bulk.
"""

import re

from workbook.engine import SheetPlanner
from workbook.engine import changed_columns as diff_columns

from . import answers as rules
from . import sheets
from .applier import Applier
from .models import CODE_PATTERN, RESERVED_CODES, Group, Question
from .plan_state import (
    IGNORED,
    Database,
    PlannedAnswer,
    QuestionSpec,
    RespondentSpec,
    group_label,
)

CODE = re.compile(CODE_PATTERN)
IDENTITY_GROUP = {
    "mechanism": Group.ISCMS,
    "country": Group.STATES,
    "organisation": Group.ORGANISATIONS,
}
MAX_ORDER = 32767


class SurveysPlanner(SheetPlanner):
    """Plans and applies the survey sheets (registered in `SurveysConfig.ready`)."""

    apply_order = sheets.SHEETS

    def __init__(self, parsed, problems, report, options):
        super().__init__(parsed, problems, report, options)
        self.db = Database(parsed)
        self.questions: dict[tuple, QuestionSpec] = dict(self.db.question_specs)
        self.respondents: dict[tuple, RespondentSpec] = dict(self.db.respondent_specs)
        self.answers: dict[tuple, PlannedAnswer] = {}  # (survey, respondent, question pk/key)
        self._seen: dict[tuple, str] = {}  # case-insensitive keys already given → where

    def apply(self) -> None:
        Applier(self).run()

    # --- shared checks ------------------------------------------------------------------

    def _survey(self, sheet, row) -> str | None:
        slug = row.values.get("survey")
        if slug and slug not in self.db.surveys:
            self.refuse(sheet, row, "survey", f"unknown survey “{slug}” (create it in the admin)")
            return None
        return slug

    def _once(self, sheet, row, key: tuple, column: str | None, what: str) -> bool:
        """Refuse a row whose key (compared in any case) an earlier row already gave."""
        if not row.ok:
            return False  # already refused (e.g. the engine's own duplicate check)
        where = f"{sheet.name}!{row.number}"
        first = self._seen.setdefault(key, where)
        if first != where:
            self.refuse(sheet, row, column, f"duplicate of {first} (same {what})")
            return False
        return True

    def _questionnaire(self, sheet, row, survey: str | None, group: str | None) -> None:
        if survey and group and (survey, group) not in self.db.questionnaires:
            self.refuse(
                sheet,
                row,
                "questionnaire",
                f"survey “{survey}” has no {group_label(group)} questionnaire (add it in the "
                "admin)",
            )

    def _respondent(self, sheet, row, survey: str | None) -> RespondentSpec | None:
        code = row.values.get("respondent")
        if not survey or not code:
            return None
        spec = self.respondents.get((survey, code.lower()))
        if spec is None:
            self.refuse(
                sheet,
                row,
                "respondent",
                f"unknown respondent “{code}” in survey “{survey}” (not in the database nor on "
                "the Respondents sheet)",
            )
        return spec

    def _question(self, sheet, row, column: str, survey: str, spec: RespondentSpec, code: str):
        question = self.questions.get((survey, spec.group, code.lower()))
        if question is not None:
            return question
        elsewhere = [
            group
            for (s, group, c) in self.questions
            if s == survey and c == code.lower() and group != spec.group
        ]
        if elsewhere:
            message = (
                f"question “{code}” is in the {group_label(elsewhere[0])} questionnaire; "
                f"respondent “{spec.code}” answers the {group_label(spec.group)} questionnaire"
            )
        else:
            message = (
                f"unknown question code “{code}” in the {group_label(spec.group)} "
                f"questionnaire of survey “{survey}”"
            )
        self.refuse(sheet, row, column, message)
        return None

    def _answer(self, sheet, row, column, survey, respondent, question, text) -> str | None:
        """Plan one answer; returns the change ("new", "changed") or None (no change)."""
        try:
            parsed = rules.parse(question.rule, text, self.db.mechanism_names)
        except rules.AnswerProblem as problem:
            self.refuse(sheet, row, column, str(problem))
            return None
        key = (survey, respondent.code.lower(), question.code.lower())
        if not self._once(sheet, row, ("answer", *key), column, "respondent and question"):
            return None
        if parsed is None:
            return None
        existing = self.db.answer(respondent, question)
        if existing is not None and (existing.value, existing.mechanisms) == (
            parsed.value,
            parsed.mechanisms,
        ):
            return None
        self.answers[key] = PlannedAnswer(respondent, question, parsed, existing)
        return "changed" if existing is not None else "new"

    # --- Questions ------------------------------------------------------------------------

    def plan_questions(self, sheet, parsed, row):
        values = row.values
        survey = self._survey(sheet, row)
        group = values.get("questionnaire")
        self._questionnaire(sheet, row, survey, group)
        code = values.get("code") or ""
        if code and not CODE.match(code):
            self.refuse(
                sheet, row, "code", f"“{code}” is not a code: use letters, digits, _ . and -"
            )
        elif code.lower() in RESERVED_CODES:
            self.refuse(sheet, row, "code", f"“{code}” is a column name of the answers sheets")
        else:
            self._once(sheet, row, ("question", survey, group, code.lower()), "code", "code")
        kind = values.get("type")
        choices = [part.strip() for part in (values.get("choices") or "").split(";")]
        choices = [part for part in choices if part]
        if kind in (Question.Type.SINGLE, Question.Type.MULTIPLE):
            problem = rules.choice_problem(choices)
            if problem:
                self.refuse(sheet, row, "choices", problem)
        elif choices:
            self.refuse(
                sheet, row, "choices", "only single and multiple choice questions have choices"
            )
        values["choices"] = "; ".join(choices)
        topic = values.get("topic")
        if topic and topic not in self.db.topics:
            self.refuse(
                sheet,
                row,
                "topic",
                f"unknown topic “{topic}”; use one of " + ", ".join(self.db.topics),
            )
        if "order" in values:
            order = values["order"] or "0"
            if not order.isdigit() or int(order) > MAX_ORDER:
                self.refuse(
                    sheet, row, "order", f"“{order}” is not a whole number from 0 to {MAX_ORDER}"
                )
            else:
                values["order"] = int(order)
        if not row.ok or not survey:
            return None, []
        key = (survey, group, code.lower())
        spec = self.questions.get(key)
        existing = spec.question if spec else None
        rule = rules.Rule(kind, tuple(choices))
        if existing is not None and rule != spec.rule:
            self._check_existing_answers(sheet, row, spec, rule)
        self.questions[key] = QuestionSpec(survey, group, code, rule, existing, values)
        if existing is None:
            return None, []
        current = self.db.question_values(existing)
        return existing, diff_columns(values, current, [c for c in parsed.columns if c != "survey"])

    def _check_existing_answers(self, sheet, row, spec: QuestionSpec, rule: rules.Rule) -> None:
        """Refuse a change of type or choices that existing answers would no longer fit."""
        retyped = self.db.answers_retyped_in_file()
        unfit = []
        for respondent_code, answer in self.db.answers_to(spec.question):
            if (spec.survey, respondent_code.lower(), spec.code.lower()) in retyped:
                continue
            try:
                if rules.parse(rule, answer.text, self.db.mechanism_names) is None:
                    raise rules.AnswerProblem("it would be empty")
            except rules.AnswerProblem as problem:
                unfit.append(f"{respondent_code}: {problem}")
        if unfit:
            more = f" (and {len(unfit) - 3} more)" if len(unfit) > 3 else ""
            self.refuse(
                sheet,
                row,
                "type" if rule.type != spec.rule.type else "choices",
                f"{len(unfit)} stored answer(s) would no longer fit ({'; '.join(unfit[:3])}"
                f"{more}): correct them in the same file, or in the admin first",
            )

    # --- Respondents ----------------------------------------------------------------------

    def plan_respondents(self, sheet, parsed, row):
        values = row.values
        survey = self._survey(sheet, row)
        code = values.get("respondent") or ""
        group = values.get("questionnaire")
        known = self.respondents.get((survey, code.lower()))
        identity = dict(values)
        if known is not None and known.respondent is not None:
            # Columns the file leaves out keep the respondent's stored values.
            stored = self.db.respondent_values(known.respondent)
            identity.update({k: v for k, v in stored.items() if k not in parsed.columns})
        given = [name for name in (*IDENTITY_GROUP, "fictional_name") if identity.get(name)]
        if len(given) != 1 and (row.ok or given):
            self.refuse(
                sheet,
                row,
                given[1] if len(given) > 1 else "mechanism",
                "give exactly one of mechanism, country, organisation (or, for demo data, "
                "fictional_name)",
            )
        elif given and given[0] in IDENTITY_GROUP and group and IDENTITY_GROUP[given[0]] != group:
            self.refuse(
                sheet,
                row,
                "questionnaire",
                f"a {given[0]} answers the {group_label(IDENTITY_GROUP[given[0]])} "
                f"questionnaire, not the {group_label(group)} one",
            )
        self._questionnaire(sheet, row, survey, group)
        mechanism, organisation = values.get("mechanism"), values.get("organisation")
        if mechanism and mechanism not in self.db.known_mechanisms:
            self.refuse(sheet, row, "mechanism", f"unknown mechanism “{mechanism}”")
        if organisation and organisation not in self.db.known_organisations:
            self.refuse(
                sheet,
                row,
                "organisation",
                f"unknown organisation “{organisation}” (add it to the Organisations sheet)",
            )
        region = values.get("region")
        if region:
            slug = self.db.regions.get(region.lower())
            if slug is None:
                self.refuse(
                    sheet,
                    row,
                    "region",
                    f"unknown region “{region}”; use one of "
                    + ", ".join(sorted(set(self.db.regions.values()))),
                )
            values["region"] = slug or region
        if row.ok and survey:
            who = given[0]
            self._once(sheet, row, ("respondent", survey, code.lower()), "respondent", "code")
            self._once(
                sheet,
                row,
                ("identity", survey, who, str(identity[who]).lower()),
                who,
                f"{who} in this survey",
            )
        if not row.ok or not survey:
            return None, []
        existing = known.respondent if known else None
        owner = self.db.identity_owner(survey, given[0], identity[given[0]])
        if owner and owner.lower() != code.lower():
            self.refuse(
                sheet,
                row,
                given[0],
                f"already a respondent of survey “{survey}”, with the code “{owner}”",
            )
            return None, []
        if existing is not None and existing.group != group and self.db.has_answers(existing):
            self.refuse(
                sheet,
                row,
                "questionnaire",
                f"respondent “{code}” has answers to the {group_label(existing.group)} "
                "questionnaire: its questionnaire cannot change",
            )
            return None, []
        self.respondents[(survey, code.lower())] = RespondentSpec(
            survey, code, group, existing, values
        )
        if existing is None:
            return None, []
        current = self.db.respondent_values(existing)
        columns = [c for c in parsed.columns if c not in ("survey",)]
        return existing, diff_columns(values, current, columns)

    # --- Answers (long) -------------------------------------------------------------------

    def plan_answers(self, sheet, parsed, row):
        survey = self._survey(sheet, row)
        respondent = self._respondent(sheet, row, survey)
        code = row.values.get("question") or ""
        if respondent is None or not code:
            return None, []
        question = self._question(sheet, row, "question", survey, respondent, code)
        if question is None:
            return None, []
        change = self._answer(
            sheet, row, "answer", survey, respondent, question, row.values.get("answer") or ""
        )
        if change is None:
            return (IGNORED if row.ok else None), []
        existing = self.db.answer(respondent, question)
        return existing, (["answer"] if existing is not None else [])

    # --- Answers (wide) -------------------------------------------------------------------

    def plan_answers_wide(self, sheet, parsed, row):
        survey = self._survey(sheet, row)
        respondent = self._respondent(sheet, row, survey)
        if respondent is None:
            return None, []
        changes = []
        for column in parsed.columns:
            if column in ("survey", "respondent"):
                continue
            text = row.values.get(column) or ""
            if not text:
                continue
            question = self._question(sheet, row, column, survey, respondent, column)
            if question is None:
                continue
            change = self._answer(sheet, row, column, survey, respondent, question, text)
            if change is not None:
                changes.append((column, change))
        if not row.ok:
            return None, []
        if not changes:
            return IGNORED, []
        if all(change == "new" for _column, change in changes) and not self.db.has_answers(
            respondent.respondent
        ):
            return None, []
        return respondent.respondent or IGNORED, [column for column, _change in changes]

    def after_sheet(self, sheet, parsed) -> None:
        if sheet is not sheets.WIDE_ANSWERS:
            return
        surveys = {row.values.get("survey") for row in parsed.rows} & set(self.db.surveys)
        known = {code for (survey, _group, code) in self.questions if survey in surveys}
        for column in parsed.columns:
            if column not in ("survey", "respondent") and column.lower() not in known:
                self.problems.add(
                    sheet.name,
                    1,
                    column,
                    "unknown question code: no questionnaire of "
                    + (", ".join(f"“{s}”" for s in sorted(surveys)) or "the surveys named")
                    + " has it",
                )
