"""Change sets in the admin: who changed what, from where and when, one action at a time.

Read-only for everyone (the history is never edited): the list shows when, who, the way
in, the source and the summary, filtered by the way in and the user, searched by source
and user name. A change set's page lists every row it touched, across every historical
model (one query per model, a page of at most `ROWS_PER_PAGE` rows each), so a whole
workbook import reads as one unit: each mechanism's new version links to its diff.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator, capfirst
from django_countries import countries

from .models import ChangeSet, ChangeSetRecord

ROWS_PER_PAGE = 100


def historical_models() -> list[type[Model]]:
    """Every model whose history records carry a change set, in app and model order."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ChangeSetRecord) and getattr(model, "instance_type", None)
    ]


@dataclass
class TouchedRow:
    type: str  # Created, Changed, Deleted
    description: str
    url: str = ""  # where to see this change (a mechanism's diff)
    url_label: str = ""


@dataclass
class TouchedModel:
    label: str
    param: str  # the query parameter of this table's page
    rows: list[TouchedRow]
    page: int
    has_next: bool


def _name(obj, fallback_id) -> str:
    return str(obj) if obj is not None else f"#{fallback_id} (deleted)"


def _of(record) -> str:
    return _name(record.mechanism, record.mechanism_id)


def _participant(record) -> str:
    if record.organisation_id:
        who = _name(record.organisation, record.organisation_id)
    else:
        who = str(countries.name(str(record.country)) or record.country)
    years = f", {record.since or '…'}–{record.until or '…'}" if record.since or record.until else ""
    return f"{_of(record)} — {who}: {record.get_role_display()}{years}"


# Model label → the words for one of its history records (relations fetched with it).
DESCRIPTIONS = {
    "profiles.mechanism": lambda r: f"{r.name} — version {r.version}",
    "profiles.section": lambda r: f"{_of(r)} — {_name(r.topic, r.topic_id)}",
    "profiles.participation": _participant,
    "profiles.mechanismlink": lambda r: (
        f"{_of(r)} → {_name(r.other_mechanism, r.other_mechanism_id)} ({r.get_kind_display()})"
    ),
    "profiles.document": lambda r: f"{_of(r)} — {r.title}",
    "profiles.organisation": lambda r: f"{r.acronym} — {r.name}",
}


def describe(record) -> TouchedRow:
    """One history record in words, with where to see the change (no query)."""
    opts = record.instance_type._meta
    words = DESCRIPTIONS.get(opts.label_lower)
    text = words(record) if words else f"{capfirst(opts.verbose_name)} #{record.id}"
    row = TouchedRow(record.get_history_type_display(), text)
    if opts.label_lower == "profiles.mechanism" and record.history_type != "-":
        try:
            compare = reverse(
                "admin:profiles_mechanism_versions_compare", kwargs={"object_id": record.id}
            )
        except NoReverseMatch:
            return row
        row.url, row.url_label = f"{compare}?b={record.version}", "what changed"
    return row


def touched(change_set: ChangeSet, pages: dict[str, str]) -> list[TouchedModel]:
    """The rows `change_set` wrote, per historical model; `pages`: the request's GET."""
    tables = []
    for model in historical_models():
        opts = model.instance_type._meta
        param = f"{opts.app_label}-{opts.model_name}"
        try:
            page = max(1, int(pages.get(param, 1)))
        except ValueError:
            page = 1
        relations = [
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.name not in ("history_user", "change_set")
        ]
        start = (page - 1) * ROWS_PER_PAGE
        records = model.objects.filter(change_set=change_set).order_by("history_id")
        if relations:
            records = records.select_related(*relations)
        records = list(records[start : start + ROWS_PER_PAGE + 1])
        if not records and page == 1:
            continue
        tables.append(
            TouchedModel(
                label=capfirst(opts.verbose_name_plural),
                param=param,
                rows=[describe(r) for r in records[:ROWS_PER_PAGE]],
                page=page,
                has_next=len(records) > ROWS_PER_PAGE,
            )
        )
    return tables


@admin.register(ChangeSet)
class ChangeSetAdmin(admin.ModelAdmin):
    list_display = ["created_at", "who", "via", "source", "short_summary"]
    list_display_links = ["created_at"]
    list_filter = ["via", ("user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["source", "username"]
    fields = ["created_at", "username", "user", "via", "source", "summary"]
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False
    change_form_template = "admin/history/changeset/change_form.html"

    @admin.display(description="who", ordering="username")
    def who(self, obj: ChangeSet) -> str:
        return obj.username or "command line"

    @admin.display(description="summary")
    def short_summary(self, obj: ChangeSet) -> str:
        return Truncator(obj.summary).chars(120)

    # The history is never written by hand.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        change_set = self.get_object(request, object_id)
        if change_set is not None and self.has_view_permission(request, change_set):
            extra_context["touched"] = touched(change_set, request.GET)
            extra_context["rows_per_page"] = ROWS_PER_PAGE
        return super().change_view(request, object_id, form_url, extra_context)
