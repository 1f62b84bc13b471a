"""Admin for bulk data: per-model import/export (django-import-export), the whole-workbook
import with preview and confirmation, the template download, and "export selected".

The uploaded workbook is kept server-side between preview and confirmation, in a private
temporary folder, under a random token stored in the user's session: the confirmation
step trusts nothing the browser posts except the CSRF token, and re-validates the file
against the database as it is then.
"""

import io
import os
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import content_disposition_header
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ExportForm, ImportForm

from ..models import Document, Mechanism, MechanismLink, Organisation, Participation, Section
from ..resources import (
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    DocumentResource,
    ImportFileError,
    MechanismLinkResource,
    ParticipationResource,
    SectionResource,
)
from .exporter import write_template, write_workbook
from .findings_files import SUFFIXES, import_findings_files
from .importer import import_workbook
from .safety import MAX_UPLOAD_BYTES, UnsafeFileError

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "profiles_workbook_upload"
FINDINGS_SESSION_KEY = "profiles_findings_upload"
FINDINGS_PERMISSIONS = [
    "profiles.add_mechanism",
    "profiles.change_mechanism",
    "profiles.add_section",
    "profiles.change_section",
]
UPLOAD_DIR = Path(tempfile.gettempdir()) / "iscm-workbook-uploads"
UPLOAD_MAX_AGE = 24 * 3600
PREVIEW_ROWS = 300  # rows shown per sheet and status in the preview
WORKBOOK_PERMISSIONS = [
    f"profiles.{action}_{model}"
    for model in (
        "mechanism",
        "section",
        "participation",
        "mechanismlink",
        "document",
        "organisation",
    )
    for action in ("add", "change")
]


def can_publish(user) -> bool:
    """Whether `user` may publish or unpublish mechanisms (superusers hold every permission)."""
    return user.has_perm("profiles.publish_mechanism")


def too_large_message() -> str:
    return f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: refused."


class SizeLimitedImportForm(ImportForm):
    """django-import-export's upload form, refusing files above the limit before reading."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


class ProfilesImportExportMixin(ImportMixin, ExportActionMixin):
    """Per-model import and export with our formats, size limit and readable errors.

    Who may import or export is decided by IMPORT_EXPORT_IMPORT_PERMISSION_CODE ("change")
    and IMPORT_EXPORT_EXPORT_PERMISSION_CODE ("view") in settings.
    """

    import_form_class = SizeLimitedImportForm
    export_form_class = ExportForm  # the field picker's inline script breaks under our CSP
    change_form_template = None
    show_change_form_export = False

    def get_import_formats(self):
        return IMPORT_FORMATS

    def get_export_formats(self):
        return EXPORT_FORMATS

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError | UnsafeFileError):
            form.add_error("import_file", str(e))
        elif isinstance(e, UnicodeDecodeError):
            form.add_error(
                "import_file",
                "The file is not UTF-8 text: in Excel, save it as “CSV UTF-8 (Comma delimited)”.",
            )
        else:
            super().add_data_read_fail_error_to_form(form, e)


class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(
        label="Workbook (.xlsx)",
        help_text=f"At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Download the template or "
        "an export to start from.",
    )

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


def _clean_old_uploads() -> None:
    if not UPLOAD_DIR.exists():
        return
    limit = time.time() - UPLOAD_MAX_AGE
    for stale in UPLOAD_DIR.iterdir():
        try:
            if stale.stat().st_mtime < limit:
                stale.unlink()
        except OSError:
            pass


def _upload_path(token: str, suffix: str = ".xlsx") -> Path:
    return UPLOAD_DIR / f"{token}{suffix}"


class FindingsUploadForm(forms.Form):
    document = forms.FileField(
        label="Summary of Findings (.docx, .md or .txt)",
        help_text=f"At most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError("Only .docx, .md and .txt documents can be imported.")
        return upload


class WorkbookAdminMixin:
    """Whole-workbook import (preview, then confirm), template and workbook exports."""

    change_list_template = "admin/profiles/mechanism/change_list_workbook.html"
    actions = ["export_selected_workbook"]

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "workbook/import/",
                wrap(self.workbook_import_view),
                name="profiles_mechanism_workbook_import",
            ),
            path(
                "workbook/import/confirm/",
                wrap(self.workbook_confirm_view),
                name="profiles_mechanism_workbook_confirm",
            ),
            path(
                "findings/import/",
                wrap(self.findings_import_view),
                name="profiles_mechanism_findings_import",
            ),
            path(
                "findings/import/confirm/",
                wrap(self.findings_confirm_view),
                name="profiles_mechanism_findings_confirm",
            ),
            path(
                "workbook/template.xlsx",
                wrap(self.workbook_template_view),
                name="profiles_mechanism_workbook_template",
            ),
            path(
                "workbook/export.xlsx",
                wrap(self.workbook_export_view),
                name="profiles_mechanism_workbook_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_import_workbook"] = self.has_workbook_import_permission(request)
        extra_context["can_export_workbook"] = self.has_view_permission(request)
        extra_context["can_import_findings"] = request.user.has_perms(FINDINGS_PERMISSIONS)
        return super().changelist_view(request, extra_context=extra_context)

    def has_workbook_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perms(WORKBOOK_PERMISSIONS)

    def _context(self, request: HttpRequest, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a workbook",
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
            **extra,
        }

    def workbook_import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_workbook_import_permission(request):
            raise PermissionDenied
        form = WorkbookUploadForm()
        report = None
        if request.method == "POST":
            content_length = int(request.META.get("CONTENT_LENGTH") or 0)
            if content_length > MAX_UPLOAD_BYTES + 64 * 1024:
                form = WorkbookUploadForm()
                form.add_error(None, too_large_message())
            else:
                form = WorkbookUploadForm(request.POST, request.FILES)
            if form.is_bound and form.is_valid():
                _clean_old_uploads()
                UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
                token = secrets.token_urlsafe(24)
                upload = form.cleaned_data["workbook"]
                with _upload_path(token).open("wb") as target:
                    for chunk in upload.chunks():
                        target.write(chunk)
                os.chmod(_upload_path(token), 0o600)
                previous = request.session.get(SESSION_KEY)
                if previous:
                    _upload_path(previous["token"]).unlink(missing_ok=True)
                request.session[SESSION_KEY] = {
                    "token": token,
                    "name": os.path.basename(upload.name)[:200],
                    "user": request.user.pk,
                }
                with _upload_path(token).open("rb") as source:
                    report = import_workbook(
                        source=source, dry_run=True, can_publish=can_publish(request.user)
                    )
                if not report.ok:
                    _upload_path(token).unlink(missing_ok=True)
                    request.session.pop(SESSION_KEY, None)
        return TemplateResponse(
            request,
            "admin/profiles/workbook_import.html",
            self._context(
                request,
                form=form,
                report=report,
                preview=_preview(report) if report else None,
                file_name=(request.session.get(SESSION_KEY) or {}).get("name", ""),
            ),
        )

    def workbook_confirm_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_workbook_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:profiles_mechanism_workbook_import")
        pending = request.session.get(SESSION_KEY)
        if not pending or pending.get("user") != request.user.pk:
            messages.error(
                request, "There is no workbook waiting for confirmation: upload it again."
            )
            return redirect("admin:profiles_mechanism_workbook_import")
        location = _upload_path(pending["token"])
        if not location.exists():
            request.session.pop(SESSION_KEY, None)
            messages.error(request, "The uploaded workbook has expired: upload it again.")
            return redirect("admin:profiles_mechanism_workbook_import")
        with location.open("rb") as source:
            report = import_workbook(source=source, can_publish=can_publish(request.user))
        location.unlink(missing_ok=True)
        request.session.pop(SESSION_KEY, None)
        if not report.ok:
            return TemplateResponse(
                request,
                "admin/profiles/workbook_import.html",
                self._context(
                    request,
                    form=WorkbookUploadForm(),
                    report=report,
                    preview=_preview(report),
                    file_name=pending["name"],
                ),
            )
        messages.success(
            request, f"Imported {pending['name']}: " + "; ".join(report.summary_lines()) + "."
        )
        return redirect("admin:profiles_mechanism_changelist")

    def findings_import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(FINDINGS_PERMISSIONS):
            raise PermissionDenied
        form, report = FindingsUploadForm(), None
        if request.method == "POST":
            form = FindingsUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["document"]
                name = os.path.basename(upload.name)[:200]
                suffix = Path(name).suffix.lower()
                data = b"".join(upload.chunks())
                report = import_findings_files(files=[(name, data)], dry_run=True)
                if report.ok:
                    _clean_old_uploads()
                    UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
                    token = secrets.token_urlsafe(24)
                    _upload_path(token, suffix).write_bytes(data)
                    request.session[FINDINGS_SESSION_KEY] = {
                        "token": token,
                        "suffix": suffix,
                        "name": name,
                        "user": request.user.pk,
                    }
        return TemplateResponse(
            request,
            "admin/profiles/findings_import.html",
            self._context(request, title="Import a Summary of Findings", form=form, report=report),
        )

    def findings_confirm_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(FINDINGS_PERMISSIONS):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:profiles_mechanism_findings_import")
        pending = request.session.pop(FINDINGS_SESSION_KEY, None)
        if (
            not pending
            or pending.get("user") != request.user.pk
            or pending.get("suffix") not in SUFFIXES
        ):
            messages.error(
                request, "There is no document waiting for confirmation: upload it again."
            )
            return redirect("admin:profiles_mechanism_findings_import")
        location = _upload_path(pending["token"], pending["suffix"])
        if not location.exists():
            messages.error(request, "The uploaded document has expired: upload it again.")
            return redirect("admin:profiles_mechanism_findings_import")
        data = location.read_bytes()
        location.unlink(missing_ok=True)
        report = import_findings_files(files=[(pending["name"], data)])
        if not report.ok:
            return TemplateResponse(
                request,
                "admin/profiles/findings_import.html",
                self._context(
                    request,
                    title="Import a Summary of Findings",
                    form=FindingsUploadForm(),
                    report=report,
                ),
            )
        messages.success(request, "Imported " + report.outcomes[0].describe() + ".")
        return redirect("admin:profiles_mechanism_changelist")

    def workbook_template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        buffer = io.BytesIO()
        write_template(buffer)
        return _attachment(buffer.getvalue(), "iscm-profiles-template.xlsx")

    def workbook_export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        mechanisms = Mechanism.objects.all()
        buffer = io.BytesIO()
        write_workbook(buffer, mechanisms, link_targets=mechanisms)
        return _attachment(buffer.getvalue(), "iscm-profiles-all.xlsx")

    @admin.action(description="Export selected as an ISCM workbook (.xlsx)", permissions=["view"])
    def export_selected_workbook(self, request: HttpRequest, queryset):
        mechanisms = Mechanism.objects.filter(pk__in=queryset.values("pk"))
        buffer = io.BytesIO()
        write_workbook(buffer, mechanisms, link_targets=Mechanism.objects.all())
        return _attachment(buffer.getvalue(), "iscm-profiles-selected.xlsx")


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _preview(report) -> list[dict]:
    """Per sheet: counts and the rows to show (everything but unchanged rows, capped)."""
    sheets = []
    for name in ("Mechanisms", "Sections", "Participants", "Links", "Documents", "Organisations"):
        sheet = report.sheets.get(name)
        if sheet is None:
            continue
        shown = [row for row in sheet.rows if row.status != "unchanged"]
        sheets.append(
            {
                "name": name,
                "created": sheet.created,
                "updated": sheet.updated,
                "unchanged": sheet.unchanged,
                "deleted": sheet.deleted,
                "refused": sheet.refused,
                "rows": shown[:PREVIEW_ROWS],
                "more": max(0, len(shown) - PREVIEW_ROWS),
            }
        )
    return sheets


# Per-model admin pages for the models that have no page of their own (they are edited
# inline on the mechanism), so that each can be imported and exported on its own.


class ChildAdmin(ProfilesImportExportMixin, admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change):
        from ..rendering import render_markdown

        obj.body_html = render_markdown(obj.body)
        super().save_model(request, obj, form, change)


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


__all__ = [
    "Organisation",
    "ProfilesImportExportMixin",
    "WorkbookAdminMixin",
    "can_publish",
]
