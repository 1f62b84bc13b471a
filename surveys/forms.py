"""Forms: the admin's question and respondent forms, and one respondent's answers page.

The answers form has one field per question of the respondent's questionnaire, its widget
fitting the question's type; what it accepts is what `surveys.answers` accepts (the same
rules as the workbook import), and `surveys.services.save_answers` writes it.
"""

from django import forms

from profiles.models import Mechanism

from . import answers as rules
from .models import Answer, Question, Respondent

T = Question.Type


class QuestionForm(forms.ModelForm):
    """Checks the choices, and that stored answers still fit a changed type or choices."""

    class Meta:
        model = Question
        fields = ["code", "text", "type", "choices", "topic", "order"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 2, "cols": 60}),
            "choices": forms.Textarea(attrs={"rows": 4, "cols": 30}),
        }

    def clean(self):
        cleaned = super().clean()
        kind, text = cleaned.get("type"), cleaned.get("choices") or ""
        choices = [line.strip() for line in text.splitlines() if line.strip()]
        if kind in (T.SINGLE, T.MULTIPLE):
            problem = rules.choice_problem(choices)
            if problem:
                self.add_error("choices", problem[0].upper() + problem[1:] + ".")
        elif choices:
            self.add_error("choices", "Only single and multiple choice questions have choices.")
        cleaned["choices"] = "\n".join(choices)
        instance = self.instance  # as stored: the form changes it only after clean()
        if instance.pk and kind and not self.errors:
            rule = rules.Rule(kind, () if kind == T.YES_NO else tuple(choices))
            if rule != rules.Rule.of(instance):
                self._check_answers(rule)
        return cleaned

    def _check_answers(self, rule: rules.Rule) -> None:
        names = rules.MechanismNames(
            Mechanism.objects.only("slug", "name", "short_name", "aliases")
        )
        unfit = []
        for answer in Answer.objects.filter(question=self.instance).select_related(
            "respondent__mechanism", "respondent__organisation"
        ):
            try:
                if rules.parse(rule, answer.value, names) is None:
                    raise rules.AnswerProblem("it would be empty")
            except rules.AnswerProblem as problem:
                unfit.append(f"{answer.respondent.name}: {problem}")
        if unfit:
            more = f" (and {len(unfit) - 3} more)" if len(unfit) > 3 else ""
            raise forms.ValidationError(
                f"{len(unfit)} stored answer(s) would no longer fit: {'; '.join(unfit[:3])}"
                f"{more}. Correct those answers first."
            )


class RespondentForm(forms.ModelForm):
    class Meta:
        model = Respondent
        fields = [
            "survey",
            "code",
            "group",
            "mechanism",
            "country",
            "organisation",
            "fictional_name",
            "region",
        ]

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        changed = instance.pk and cleaned.get("group") and cleaned["group"] != instance.group
        if changed and instance.answers.exists():
            self.add_error(
                "group",
                "This respondent has answers to its questionnaire: its questionnaire "
                "cannot change.",
            )
        return cleaned


def _field(question: Question, initial: str, mechanisms: list) -> forms.Field:
    label = f"{question.code}. {question.text}"
    help_text = ""
    if question.type == T.TEXT:
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
            initial=initial,
        )
    if question.type == T.NUMBER:
        return forms.CharField(
            label=label,
            required=False,
            initial=initial,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
            help_text="A number, e.g. 12 or 3.5.",
        )
    if question.type in (T.YES_NO, T.SINGLE):
        choices = [("yes", "Yes"), ("no", "No")] if question.type == T.YES_NO else None
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", "No answer"), *(choices or ((c, c) for c in question.choice_list))],
            widget=forms.RadioSelect,
            initial=initial,
        )
    if question.type == T.MULTIPLE:
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=[(c, c) for c in question.choice_list],
            widget=forms.CheckboxSelectMultiple,
            initial=rules.choices_of(T.MULTIPLE, initial),
            help_text="Leave every box empty for no answer.",
        )
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=mechanisms,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        initial=[part for part in initial.split("; ") if part],
        help_text=help_text or "Hold Ctrl (⌘ on a Mac) to select several; none for no answer.",
    )


class AnswersForm(forms.Form):
    """One field per question of `respondent`'s questionnaire, named by question id."""

    def __init__(self, *args, respondent: Respondent, questions: list, stored: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.respondent = respondent
        self.questions = {f"q{q.pk}": q for q in questions}
        mechanisms = list(Mechanism.objects.order_by("name").values_list("slug", "name"))
        for name, question in self.questions.items():
            self.fields[name] = _field(question, stored.get(question.pk, ""), mechanisms)

    def typed(self) -> dict[Question, str]:
        """What was entered, as the text `surveys.answers` reads (choices joined by “;”)."""
        typed = {}
        for name, question in self.questions.items():
            value = self.cleaned_data.get(name)
            typed[question] = "; ".join(value) if isinstance(value, list) else (value or "")
        return typed

    def apply_problems(self, problems: dict[str, str]) -> None:
        by_code = {q.code: name for name, q in self.questions.items()}
        for code, message in problems.items():
            self.add_error(by_code[code], message[0].upper() + message[1:] + ".")

    def grouped(self) -> list[tuple[str, list]]:
        """The bound fields under their topics (questions without a topic last)."""
        groups: dict[str, list] = {}
        for name, question in self.questions.items():
            title = str(question.topic) if question.topic_id else "Other questions"
            groups.setdefault(title, []).append(self[name])
        return list(groups.items())
