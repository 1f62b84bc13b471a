"""What an answer may be: one reading of an answer against its question, for every path.

The admin's answer form, the services and the workbook import (long and wide sheets) all
turn what was typed into an answer's stored form here, so the rules cannot drift apart:

| type | typed | stored `value` |
| --- | --- | --- |
| free text | any text | the text, trimmed, `\\n` line ends |
| single choice | one choice, in any case | the choice as the question spells it |
| multiple choice | choices separated by “;” | the choices, in the question's order, “; ” |
| number | a number (12, -3.5) | the number, without trailing zeros |
| yes / no | yes/no, true/false, 1/0, y/n | “yes” or “no” |
| mechanisms named | slugs, names or short names, “;” | the slugs, sorted, “; ” (and links) |

An empty cell is no answer at all (nothing is stored or changed).
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from workbook.columns import FALSE_WORDS, TRUE_WORDS, CellProblem, norm_text

from .models import Question

T = Question.Type
MAX_NUMBER_DIGITS = 15
NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")


class AnswerProblem(CellProblem):
    """An answer that does not fit its question; the message is shown to the user."""


@dataclass(frozen=True)
class Rule:
    """What an answer is checked against: a question's type and choices."""

    type: str
    choices: tuple[str, ...] = ()

    @classmethod
    def of(cls, question: Question) -> "Rule":
        choices = () if question.type == T.YES_NO else tuple(question.choice_list)
        return cls(question.type, choices)


@dataclass(frozen=True)
class Parsed:
    value: str
    mechanisms: frozenset[str] = frozenset()  # slugs


class MechanismNames:
    """Mechanisms by slug, name, short name or alias, in any case (loaded once)."""

    def __init__(self, mechanisms):
        self.by_key: dict[str, str] = {}
        for mechanism in mechanisms:
            for name in (mechanism.name, mechanism.short_name, *mechanism.alias_list):
                if name:
                    self.by_key.setdefault(name.strip().lower(), mechanism.slug)
        # Slugs win over any name that happens to spell another mechanism's slug.
        for mechanism in mechanisms:
            self.by_key[mechanism.slug.lower()] = mechanism.slug

    def add(self, slug: str, name: str = "") -> None:
        self.by_key[slug.lower()] = slug
        if name:
            self.by_key.setdefault(name.strip().lower(), slug)

    def slug(self, text: str) -> str | None:
        return self.by_key.get(text.strip().lower())


def choice_problem(choices: list[str]) -> str | None:
    """Why a list of choices cannot be a question's, or None."""
    if len(choices) < 2:
        return "a choice question needs at least two choices"
    seen: set[str] = set()
    for choice in choices:
        if ";" in choice:
            return f"the choice “{choice}” contains “;”, which separates choices"
        if choice.lower() in seen:
            return f"the choice “{choice}” is listed twice"
        seen.add(choice.lower())
    return None


def _number(text: str) -> str:
    if not NUMBER.match(text):
        raise AnswerProblem(f"“{text}” is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AnswerProblem(f"“{text}” is not a number") from None
    if len(number.as_tuple().digits) > MAX_NUMBER_DIGITS:
        raise AnswerProblem(f"“{text}” has more than {MAX_NUMBER_DIGITS} digits")
    normal = format(number.normalize(), "f")
    return "0" if normal in ("-0", "+0") else normal


def parse(rule: Rule, text: str, mechanisms: MechanismNames | None = None) -> Parsed | None:
    """The stored form of `text` as an answer under `rule`; None for no answer.

    Raises AnswerProblem with a message naming what is wrong.
    """
    text = norm_text(text)
    if not text:
        return None
    if rule.type == T.TEXT:
        return Parsed(text)
    if rule.type == T.NUMBER:
        return Parsed(_number(text.replace(" ", "")))
    if rule.type == T.YES_NO:
        word = text.lower()
        if word in TRUE_WORDS:
            return Parsed("yes")
        if word in FALSE_WORDS:
            return Parsed("no")
        raise AnswerProblem(f"“{text}” is not yes or no")
    if rule.type in (T.SINGLE, T.MULTIPLE):
        by_lower = {choice.lower(): choice for choice in rule.choices}
        parts = [part.strip() for part in text.split(";") if part.strip()]
        if rule.type == T.SINGLE and len(parts) > 1:
            raise AnswerProblem("only one choice may be given (this is a single choice question)")
        chosen = set()
        for part in parts:
            choice = by_lower.get(part.lower())
            if choice is None:
                raise AnswerProblem(
                    f"“{part}” is not one of the choices: " + "; ".join(rule.choices)
                )
            chosen.add(choice)
        return Parsed("; ".join(choice for choice in rule.choices if choice in chosen))
    if rule.type == T.MECHANISMS:
        if mechanisms is None:
            raise ValueError("mechanism names are needed to read a mechanisms-named answer")
        slugs = set()
        for part in (part.strip() for part in text.split(";")):
            if not part:
                continue
            slug = mechanisms.slug(part)
            if slug is None:
                raise AnswerProblem(
                    f"unknown mechanism “{part}”: give its slug, name or short name"
                )
            slugs.add(slug)
        return Parsed("; ".join(sorted(slugs)), frozenset(slugs))
    raise AnswerProblem(f"unknown question type “{rule.type}”")


def as_text(value: str, mechanism_slugs) -> str:
    """An answer as typed back into a cell or a form (the inverse of `parse`)."""
    if mechanism_slugs:
        return "; ".join(sorted(mechanism_slugs))
    return value


def choices_of(question_type: str, value: str) -> list[str]:
    """The choices a stored answer holds (one for single choice and yes/no)."""
    if question_type == T.YES_NO:
        return {"yes": ["Yes"], "no": ["No"]}.get(value, [])
    if question_type == T.SINGLE:
        return [value] if value else []
    if question_type == T.MULTIPLE:
        return [part for part in value.split("; ") if part]
    return []
