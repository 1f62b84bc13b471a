"""The survey admin's own pages (added to the model admins in `surveys/admin.py`).

- one respondent's answers, on one page, one field per question;
- "Survey answers about <mechanism>": every answer that names it and every answer it
  gave, grouped by topic, next to the Summary of Findings sections editors are writing.

Both read with a fixed number of queries, whatever the number of answers.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from profiles.models import Mechanism, Section, Topic

from . import services
from .forms import AnswersForm
from .models import Answer, Question, Respondent

EDIT_ANSWERS = ("surveys.add_answer", "surveys.change_answer", "surveys.delete_answer")


def respondent_answers(model_admin, request: HttpRequest, respondent_id: int) -> HttpResponse:
    if not request.user.has_perm("surveys.view_answer"):
        raise PermissionDenied
    respondent = get_object_or_404(
        Respondent.objects.select_related("survey", "mechanism", "organisation", "region"),
        pk=respondent_id,
    )
    can_edit = request.user.has_perms(EDIT_ANSWERS)
    questions = list(
        Question.objects.filter(
            questionnaire__survey=respondent.survey_id, questionnaire__group=respondent.group
        )
        .select_related("topic", "questionnaire")
        .order_by("order", "code")
    )
    stored = dict(respondent.answers.values_list("question_id", "value"))
    form = AnswersForm(
        request.POST if request.method == "POST" else None,
        respondent=respondent,
        questions=questions,
        stored=stored,
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                changes = services.save_answers(
                    respondent=respondent,
                    typed=form.typed(),
                    user=request.user,
                    source=request.path,
                )
            except services.AnswersRefused as refused:
                form.apply_problems(refused.problems)
            else:
                messages.success(
                    request,
                    f"Answers of {respondent.name}: {len(changes.created)} added, "
                    f"{len(changes.updated)} changed, {len(changes.deleted)} removed.",
                )
                return redirect("admin:surveys_respondent_answers", respondent.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Respondent._meta,
        "title": f"Answers of {respondent.name}",
        "respondent": respondent,
        "form": form,
        "can_edit": can_edit,
        "questionnaire_empty": not questions,
    }
    return TemplateResponse(request, "admin/surveys/respondent_answers.html", context)


@dataclass
class TopicAnswers:
    title: str
    section: Section | None = None
    naming: list[Answer] = field(default_factory=list)
    given: list[Answer] = field(default_factory=list)


def answers_about(mechanism: Mechanism) -> list[TopicAnswers]:
    """Per topic (in order, then questions without one): the mechanism's section, the
    answers naming it and the answers it gave. Five queries."""
    groups = {t.pk: TopicAnswers(t.title) for t in Topic.objects.order_by("order")}
    other = TopicAnswers("Other questions (no topic)")
    for section in Section.objects.filter(mechanism=mechanism).select_related("topic"):
        if section.topic_id in groups:
            groups[section.topic_id].section = section
    related = (
        "question__topic",
        "question__questionnaire__survey",
        "respondent__mechanism",
        "respondent__organisation",
    )
    order = ("question__questionnaire__survey__year", "question__order", "respondent__code")
    for answer in (
        Answer.objects.filter(mechanisms=mechanism).select_related(*related).order_by(*order)
    ):
        groups.get(answer.question.topic_id, other).naming.append(answer)
    for answer in (
        Answer.objects.filter(respondent__mechanism=mechanism)
        .select_related(*related)
        .order_by(*order)
    ):
        groups.get(answer.question.topic_id, other).given.append(answer)
    return [*groups.values(), other]


def mechanism_answers(model_admin, request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.has_perm("surveys.view_answer"):
        raise PermissionDenied
    mechanism = get_object_or_404(Mechanism, slug=slug)
    topics = answers_about(mechanism)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Answer._meta,
        "title": f"Survey answers about {mechanism.name}",
        "mechanism": mechanism,
        "topics": topics,
        "naming_total": sum(len(t.naming) for t in topics),
        "given_total": sum(len(t.given) for t in topics),
    }
    return TemplateResponse(request, "admin/surveys/mechanism_answers.html", context)
