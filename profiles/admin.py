"""Admin for IPD editors: a mechanism's change page holds everything about it.

The mechanisms' list also offers the workbook import and exports (`workbook.admin`) and
the Summary of Findings import (`profiles.findings.admin`); sections, participants, links
and documents have list pages of their own for per-model import/export.
"""

import io

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import path

from workbook.admin import WorkbookAdminMixin
from workbook.model_admin import ImportExportMixin
from workbook.uploads import attachment

from .admin_editorial import EditorialAdminMixin, GatewayAdminMixin
from .admin_history import VersionHistoryAdminMixin
from .exporter import write_workbook
from .findings.admin import FindingsAdminMixin
from .forms import (
    COUNTRY_DATALIST_ID,
    CountryNameField,
    PreloadedAutocompleteSelect,
    SectionForm,
    country_suggestions,
)
from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Region,
    Section,
    ThematicArea,
    Topic,
)
from .resources import (
    DocumentResource,
    MechanismLinkResource,
    MechanismResource,
    OrganisationResource,
    ParticipationResource,
    SectionResource,
)


class CachedChoicesFormSet(BaseInlineFormSet):
    """Builds the choices of foreign-key selects once per formset, not once per row.

    Without this, every inline row runs its own query for each select (N+1).
    """

    cached_choice_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        self._choices_cache: dict[str, list] = {}
        super().__init__(*args, **kwargs)

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        for name in self.cached_choice_fields:
            field = form.fields.get(name)
            if field is None:
                continue
            autocomplete = getattr(field.widget, "widget", field.widget)
            if isinstance(autocomplete, PreloadedAutocompleteSelect):
                self._preload_autocomplete(form, name, field, autocomplete)
                continue
            if name not in self._choices_cache:
                self._choices_cache[name] = list(field.choices)
            field.choices = self._choices_cache[name]
            # The admin wraps selects in RelatedFieldWidgetWrapper, which renders its inner
            # widget: give the inner widget the same cached list.
            inner = getattr(field.widget, "widget", None)
            if inner is not None:
                inner.choices = self._choices_cache[name]

    def _preload_autocomplete(
        self, form: forms.Form, name: str, field, widget: PreloadedAutocompleteSelect
    ) -> None:
        """An autocomplete row renders only its current value, labelled from the object the
        inline's queryset selected with the row; a new row offers every choice (one query per
        formset), so that it can be filled without JavaScript, and keeps the "add another"
        link (an existing row does without it: one link fewer on each of sixty rows)."""
        if form.instance.pk is None:
            if name not in self._choices_cache:
                self._choices_cache[name] = [
                    (str(value), str(label)) for value, label in field.choices if value != ""
                ]
            widget.offer_all = self._choices_cache[name]
        else:
            related = getattr(form.instance, name)
            widget.labels = {str(related.pk): field.label_from_instance(related)} if related else {}
            if isinstance(field.widget, RelatedFieldWidgetWrapper):
                field.widget.can_add_related = False


class MechanismInlineMixin:
    """What the mechanism page's inlines share: templates that label every control and keep
    the rows within the screen (static/css/admin-mechanism.css); autocomplete selects
    (`autocomplete_fields`) that render without a query per row; and no change, delete or
    view links beside a row's select (they need JavaScript and widen every row): only the
    fields in `add_related_links` keep their "add another" link.
    """

    add_related_links: tuple[str, ...] = ()

    class Media:
        css = {"all": ["css/admin-mechanism.css"]}
        js = ["js/admin-autocomplete-labels.js"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget.can_change_related = widget.can_delete_related = False
            widget.can_view_related = False
            widget.can_add_related &= db_field.name in self.add_related_links
        return formfield


class SectionFormSet(CachedChoicesFormSet):
    cached_choice_fields = ("topic",)


class SectionInline(MechanismInlineMixin, admin.StackedInline):
    model = Section
    form = SectionForm
    formset = SectionFormSet
    template = "admin/profiles/edit_inline/sections.html"
    fields = ["topic", "body"]
    ordering = ["topic__order"]
    verbose_name = "summary section"
    verbose_name_plural = "summary sections (one per topic, in Markdown)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Section]:
        return super().get_queryset(request).select_related("topic", "mechanism")

    def _missing_topics(self, request: HttpRequest, obj: Mechanism | None) -> list[Topic]:
        # Cached on the request: get_extra and get_formset_kwargs both need it.
        cache = request.__dict__.setdefault("_missing_topics", {})
        key = obj.pk if obj else None
        if key not in cache:
            topics = Topic.objects.order_by("order")
            if obj is not None:
                topics = topics.exclude(sections__mechanism=obj)
            cache[key] = list(topics)
        return cache[key]

    def get_extra(self, request: HttpRequest, obj: Mechanism | None = None, **kwargs) -> int:
        # Offer one blank section for each topic that has none yet.
        return len(self._missing_topics(request, obj))

    def get_max_num(self, request: HttpRequest, obj: Mechanism | None = None, **kwargs) -> int:
        # One section per topic, and every topic is already offered: no "add another" (its
        # blank copy would have no topic to be about).
        if "_topic_count" not in request.__dict__:
            request.__dict__["_topic_count"] = Topic.objects.count()
        return request.__dict__["_topic_count"]

    def get_formset(self, request: HttpRequest, obj: Mechanism | None = None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        initial = [{"topic": topic.pk} for topic in self._missing_topics(request, obj)]

        class WithTopicInitial(formset):
            def __init__(self, *args, **kw):
                kw.setdefault("initial", initial)
                super().__init__(*args, **kw)

        return WithTopicInitial


class ParticipationForm(forms.ModelForm):
    # Typed (code or English name) with suggestions from the page's one list of countries.
    country = CountryNameField(label="country")

    class Meta:
        model = Participation
        fields = ["country", "organisation", "role", "since", "until", "uncertain", "note"]


class ParticipationFormSet(CachedChoicesFormSet):
    cached_choice_fields = ("organisation",)
    country_datalist_id = COUNTRY_DATALIST_ID

    def country_suggestions(self) -> list[tuple[str, str]]:
        return country_suggestions()


class ParticipationInline(MechanismInlineMixin, admin.TabularInline):
    model = Participation
    form = ParticipationForm
    formset = ParticipationFormSet
    template = "admin/profiles/edit_inline/participations.html"
    autocomplete_fields = ["organisation"]
    add_related_links = ("organisation",)
    extra = 1
    verbose_name = "participant"
    verbose_name_plural = "participants (a country or an organisation on each row)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Participation]:
        return super().get_queryset(request).select_related("organisation", "mechanism")


class LinkFormSet(CachedChoicesFormSet):
    cached_choice_fields = ("other_mechanism",)


class MechanismLinkInline(MechanismInlineMixin, admin.TabularInline):
    model = MechanismLink
    fk_name = "mechanism"
    formset = LinkFormSet
    template = "admin/profiles/edit_inline/tabular.html"
    autocomplete_fields = ["other_mechanism"]
    fields = ["other_mechanism", "kind", "note"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[MechanismLink]:
        return super().get_queryset(request).select_related("other_mechanism", "mechanism")


class DocumentInline(MechanismInlineMixin, admin.TabularInline):
    model = Document
    template = "admin/profiles/edit_inline/tabular.html"
    fields = ["title", "kind", "year", "publisher", "url"]
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Document]:
        return super().get_queryset(request).select_related("mechanism")


@admin.register(Mechanism)
class MechanismAdmin(
    EditorialAdminMixin,
    VersionHistoryAdminMixin,
    FindingsAdminMixin,
    WorkbookAdminMixin,
    ImportExportMixin,
    admin.ModelAdmin,
):
    resource_classes = [MechanismResource]  # per-model import/export (django-import-export)
    change_list_template = "admin/profiles/mechanism/change_list_workbook.html"
    actions = ["export_selected_workbook", "publish_selected", "unpublish_selected"]
    compact_text_fields = {
        "aliases": 2,
        "summary": 3,
        "secretariat": 2,
        "membership_note": 2,
        "sources": 3,
    }
    list_display = [
        "name",
        "short_name",
        "kind",
        "established",
        "status",
        "member_count",
        "publication_state",
        "updated_at",
    ]
    list_display_links = ["name"]
    list_filter = ["kind", "status", "is_published", "regions", "thematic_areas"]
    search_fields = ["name", "short_name", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["publication_details", "created_at", "updated_at"]
    list_per_page = 50
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "aliases", "summary"]}),
        (
            "Facts",
            {
                "fields": [
                    ("kind", "kind_uncertain"),
                    ("established", "established_uncertain"),
                    "status",
                    "regions",
                    "geographic_scope",
                    "regional_organisation",
                    "secretariat",
                    "membership_note",
                    "website",
                    "sources",
                    "thematic_areas",
                ]
            },
        ),
        (
            "Publication",
            {
                "fields": [
                    "publication_details",
                    "created_at",
                    "updated_at",
                    "based_on_version",
                ]
            },
        ),
    ]
    inlines = [SectionInline, ParticipationInline, MechanismLinkInline, DocumentInline]

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        rows = self.compact_text_fields.get(db_field.name)
        if rows:
            kwargs["widget"] = forms.Textarea(attrs={"rows": rows, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        # A handful of regions and themes: checkboxes show them all at once, are labelled
        # and work without JavaScript (Django's two-list filter is none of these).
        if db_field.name in ("regions", "thematic_areas"):
            kwargs.setdefault("widget", forms.CheckboxSelectMultiple(attrs={"class": "choices"}))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mechanism]:
        return (
            super()
            .get_queryset(request)
            .select_related("published_profile")
            .annotate(
                member_count=Count(
                    "participations",
                    filter=Q(participations__role=Participation.Role.MEMBER),
                )
            )
        )

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: Mechanism) -> int:
        return obj.member_count

    def get_urls(self):
        return [
            path(
                "workbook/export.xlsx",
                self.admin_site.admin_view(self.workbook_export_view),
                name="profiles_mechanism_workbook_export",
            ),
            *super().get_urls(),
        ]

    def workbook_export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        mechanisms = Mechanism.objects.all()
        buffer = io.BytesIO()
        write_workbook(buffer, mechanisms, link_targets=mechanisms, other_apps=True)
        return attachment(buffer.getvalue(), "iscm-profiles-all.xlsx")

    @admin.action(description="Export selected as an ISCM workbook (.xlsx)", permissions=["view"])
    def export_selected_workbook(self, request: HttpRequest, queryset):
        mechanisms = Mechanism.objects.filter(pk__in=queryset.values("pk"))
        buffer = io.BytesIO()
        write_workbook(buffer, mechanisms, link_targets=Mechanism.objects.all())
        return attachment(buffer.getvalue(), "iscm-profiles-selected.xlsx")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["order", "title", "key"]
    list_display_links = ["title"]
    ordering = ["order"]


@admin.register(Organisation)
class OrganisationAdmin(GatewayAdminMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [OrganisationResource]
    list_display = ["acronym", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["acronym", "name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ThematicArea)
class ThematicAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


# Per-model admin pages for the models that have no page of their own (they are edited
# inline on the mechanism), so that each can be imported and exported on its own.


class ChildAdmin(GatewayAdminMixin, ImportExportMixin, admin.ModelAdmin):
    list_select_related = ["mechanism"]
    search_fields = ["mechanism__name", "mechanism__slug"]
    list_per_page = 100


@admin.register(Section)
class SectionAdmin(ChildAdmin):
    resource_classes = [SectionResource]
    list_display = ["mechanism", "topic", "updated_at"]
    list_select_related = ["mechanism", "topic"]
    list_filter = ["topic"]
    fields = ["mechanism", "topic", "body"]


@admin.register(Participation)
class ParticipationAdmin(ChildAdmin):
    resource_classes = [ParticipationResource]
    list_display = ["mechanism", "participant_name", "role", "since", "until", "uncertain"]
    list_select_related = ["mechanism", "organisation"]
    list_filter = ["role", "uncertain"]


@admin.register(MechanismLink)
class MechanismLinkAdmin(ChildAdmin):
    resource_classes = [MechanismLinkResource]
    list_display = ["mechanism", "other_mechanism", "kind"]
    list_select_related = ["mechanism", "other_mechanism"]
    list_filter = ["kind"]


@admin.register(Document)
class DocumentAdmin(ChildAdmin):
    resource_classes = [DocumentResource]
    list_display = ["title", "mechanism", "kind", "year"]
    list_filter = ["kind"]
