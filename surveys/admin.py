"""Admin for survey data: build a questionnaire with its questions, enter one respondent's
answers on one page, see every answer to one question, and every answer about a mechanism.

Individual answers are staff-only. Every page that writes does so inside
`surveys.services.writing()` (one attributed change set). Only publishers
(`surveys.publish_survey`) may publish or unpublish a survey; the check is made on the
server, whatever the form posts. The two pages of `surveys/admin_views.py` are added to
the respondents' and answers' admins:

- `admin:surveys_respondent_answers` (respondent id): that respondent's answers, one
  field per question, widgets fitting the question types;
- `admin:surveys_answer_mechanism` (mechanism slug): "Survey answers about <mechanism>",
  every answer that names it and every answer it gave, grouped by topic next to its
  Summary of Findings sections (link it from the mechanism's change page with
  `templates/admin/surveys/_mechanism_answers_link.html`).
"""

import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from workbook.uploads import attachment

from . import admin_views, services
from .exporter import write_workbook
from .forms import QuestionForm, RespondentForm
from .models import Answer, Question, Questionnaire, Respondent, Survey


class WritingAdminMixin:
    """Every write of these admin pages runs in one attributed change set."""

    def _writing(self, request: HttpRequest):
        return services.writing(
            via=services.Via.CHANGE_PAGE, user=request.user, source=request.path
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with self._writing(request):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with self._writing(request):
            return super().delete_view(request, object_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        # List actions (publish, delete selected) write from the list page.
        if request.method == "POST":
            with services.writing(
                via=services.Via.ADMIN_ACTION, user=request.user, source=request.path
            ):
                return super().changelist_view(request, extra_context)
        return super().changelist_view(request, extra_context)


class QuestionnaireInline(admin.TabularInline):
    model = Questionnaire
    fields = ["group", "title", "reported_responses", "questions_link"]
    readonly_fields = ["questions_link"]
    extra = 0

    @admin.display(description="questions")
    def questions_link(self, obj: Questionnaire) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:surveys_questionnaire_change", args=[obj.pk])
        return format_html('<a href="{}">Edit its questions</a>', url)


@admin.register(Survey)
class SurveyAdmin(WritingAdminMixin, admin.ModelAdmin):
    list_display = ["title", "year", "respondent_count", "is_published", "updated_at"]
    list_filter = ["is_published", "year"]
    search_fields = ["title", "slug", "report_title"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["published_at", "created_at", "updated_at"]
    actions = ["publish", "unpublish", "export_survey_data"]
    inlines = [QuestionnaireInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "year", "summary"]}),
        (
            "Report",
            {
                "fields": [
                    "report_title",
                    "report_publisher",
                    "report_year",
                    "report_isbn",
                    "report_url",
                ]
            },
        ),
        ("Publication", {"fields": ["is_published", "published_at", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return super().get_queryset(request).annotate(respondent_total=Count("respondents"))

    @admin.display(description="respondents", ordering="respondent_total")
    def respondent_count(self, obj: Survey) -> int:
        return obj.respondent_total

    def get_readonly_fields(self, request: HttpRequest, obj: Survey | None = None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not services.can_publish(request.user):
            readonly.append("is_published")
        return readonly

    def save_model(self, request: HttpRequest, obj: Survey, form, change: bool) -> None:
        stored = Survey.objects.filter(pk=obj.pk).values_list("is_published", flat=True).first()
        if obj.is_published != bool(stored) and not services.can_publish(request.user):
            raise PermissionDenied("Only publishers may publish or unpublish a survey.")
        if obj.is_published and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return services.can_publish(request.user)

    @admin.action(description="Publish selected surveys", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset) -> None:
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish selected surveys", permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset) -> None:
        self._set_published(request, queryset, False)

    def _set_published(self, request: HttpRequest, queryset, published: bool) -> None:
        if not services.can_publish(request.user):
            raise PermissionDenied
        changed = sum(
            services.set_published(
                survey=survey, published=published, user=request.user, source=request.path
            )
            for survey in queryset
        )
        state = "published" if published else "unpublished"
        messages.success(request, f"{changed} survey(s) {state}.")

    @admin.action(description="Export survey data (.xlsx, with every answer)", permissions=["view"])
    def export_survey_data(self, request: HttpRequest, queryset) -> HttpResponse:
        buffer = io.BytesIO()
        write_workbook(buffer, Survey.objects.filter(pk__in=queryset.values("pk")))
        return attachment(buffer.getvalue(), "iscm-survey-data.xlsx")


class QuestionInline(admin.TabularInline):
    model = Question
    form = QuestionForm
    fields = ["order", "code", "text", "type", "choices", "topic"]
    extra = 1
    ordering = ["order", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).select_related("topic", "questionnaire")


@admin.register(Questionnaire)
class QuestionnaireAdmin(WritingAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "group", "reported_responses", "question_count"]
    list_filter = ["survey", "group"]
    list_select_related = ["survey"]
    inlines = [QuestionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Questionnaire]:
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description="questions", ordering="question_total")
    def question_count(self, obj: Questionnaire) -> int:
        return obj.question_total


class AnswerInline(admin.TabularInline):
    """Every answer to one question, across respondents (read-only)."""

    model = Answer
    fields = ["respondent", "value"]
    readonly_fields = ["respondent", "value"]
    extra = 0
    can_delete = False
    verbose_name_plural = "answers to this question (change them on each respondent's page)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return (
            super()
            .get_queryset(request)
            .select_related("respondent__mechanism", "respondent__organisation")
            .order_by("respondent__code")
        )


@admin.register(Question)
class QuestionAdmin(WritingAdminMixin, admin.ModelAdmin):
    form = QuestionForm
    list_display = ["code", "text", "type", "topic", "questionnaire", "answer_count"]
    list_display_links = ["code"]
    list_filter = ["questionnaire__survey", "questionnaire__group", "type", "topic"]
    list_select_related = ["questionnaire__survey", "topic"]
    search_fields = ["code", "text"]
    fields = ["questionnaire", "order", "code", "text", "type", "choices", "topic"]
    inlines = [AnswerInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return super().get_queryset(request).annotate(answer_total=Count("answers"))

    @admin.display(description="answers", ordering="answer_total")
    def answer_count(self, obj: Question) -> int:
        return obj.answer_total

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = self.fields
        return super().get_form(request, obj, change, **kwargs)


@admin.register(Respondent)
class RespondentAdmin(WritingAdminMixin, admin.ModelAdmin):
    form = RespondentForm
    list_display = ["code", "name", "group", "region", "survey", "answer_count", "answers_link"]
    list_filter = ["survey", "group", "region"]
    list_select_related = ["survey", "mechanism", "organisation", "region"]
    search_fields = ["code", "fictional_name", "mechanism__name", "organisation__acronym"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Respondent]:
        return super().get_queryset(request).annotate(answer_total=Count("answers"))

    @admin.display(description="answers", ordering="answer_total")
    def answer_count(self, obj: Respondent) -> int:
        return obj.answer_total

    @admin.display(description="")
    def answers_link(self, obj: Respondent) -> str:
        url = reverse("admin:surveys_respondent_answers", args=[obj.pk])
        return format_html('<a href="{}">Enter or correct answers</a>', url)

    def get_urls(self):
        return [
            path(
                "<int:respondent_id>/answers/",
                self.admin_site.admin_view(self.answers_view),
                name="surveys_respondent_answers",
            ),
            *super().get_urls(),
        ]

    def answers_view(self, request: HttpRequest, respondent_id: int) -> HttpResponse:
        return admin_views.respondent_answers(self, request, respondent_id)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    """All answers, read-only: they are entered on each respondent's answers page."""

    list_display = ["respondent", "question_code", "question_text", "value"]
    list_filter = [
        "respondent__survey",
        "question__questionnaire__group",
        "question__topic",
        "question__type",
    ]
    list_select_related = [
        "respondent__mechanism",
        "respondent__organisation",
        "question__questionnaire",
    ]
    search_fields = ["value", "question__code", "question__text", "respondent__code"]
    list_per_page = 100

    @admin.display(description="question", ordering="question__code")
    def question_code(self, obj: Answer) -> str:
        return obj.question.code

    @admin.display(description="question text")
    def question_text(self, obj: Answer) -> str:
        return obj.question.text[:80]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "mechanism/<slug:slug>/",
                self.admin_site.admin_view(self.mechanism_view),
                name="surveys_answer_mechanism",
            ),
            *super().get_urls(),
        ]

    def mechanism_view(self, request: HttpRequest, slug: str) -> HttpResponse:
        return admin_views.mechanism_answers(self, request, slug)
