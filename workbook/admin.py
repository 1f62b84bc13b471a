"""Admin for bulk data: the whole-workbook import (preview, then confirm) and template, and
the per-model import/export mixin (django-import-export's pages with our formats, limits
and resources generated from the sheets).

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
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.http import content_disposition_header
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ExportForm, ImportForm

from .engine import import_workbook
from .registry import all_sheets, import_permissions
from .resources import EXPORT_FORMATS, IMPORT_FORMATS, ImportFileError
from .safety import MAX_UPLOAD_BYTES, UnsafeFileError
from .writer import write_sheets

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "workbook_upload"
UPLOAD_DIR = Path(tempfile.gettempdir()) / "iscm-workbook-uploads"
UPLOAD_MAX_AGE = 24 * 3600
PREVIEW_ROWS = 300  # rows shown per sheet and status in the preview


def too_large_message() -> str:
    return f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: refused."


class SizeLimitedImportForm(ImportForm):
    """django-import-export's upload form, refusing files above the limit before reading."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


class ImportExportMixin(ImportMixin, ExportActionMixin):
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


def clean_old_uploads() -> None:
    if not UPLOAD_DIR.exists():
        return
    limit = time.time() - UPLOAD_MAX_AGE
    for stale in UPLOAD_DIR.iterdir():
        try:
            if stale.stat().st_mtime < limit:
                stale.unlink()
        except OSError:
            pass


def upload_path(token: str, suffix: str = ".xlsx") -> Path:
    return UPLOAD_DIR / f"{token}{suffix}"


class WorkbookAdminMixin:
    """Whole-workbook import (preview, then confirm) and the template download.

    Mixed into one model admin (the mechanisms'); it imports every registered sheet.
    """

    def get_urls(self):
        wrap = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "workbook/import/",
                wrap(self.workbook_import_view),
                name=f"{prefix}_workbook_import",
            ),
            path(
                "workbook/import/confirm/",
                wrap(self.workbook_confirm_view),
                name=f"{prefix}_workbook_confirm",
            ),
            path(
                "workbook/template.xlsx",
                wrap(self.workbook_template_view),
                name=f"{prefix}_workbook_template",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_import_workbook"] = self.has_workbook_import_permission(request)
        extra_context["can_export_workbook"] = self.has_view_permission(request)
        return super().changelist_view(request, extra_context=extra_context)

    def has_workbook_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perms(import_permissions())

    def can_publish(self, request: HttpRequest) -> bool:
        """May this user change what the public sees through an import? (Override.)"""
        return request.user.is_superuser

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
                clean_old_uploads()
                UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
                token = secrets.token_urlsafe(24)
                upload = form.cleaned_data["workbook"]
                with upload_path(token).open("wb") as target:
                    for chunk in upload.chunks():
                        target.write(chunk)
                os.chmod(upload_path(token), 0o600)
                previous = request.session.get(SESSION_KEY)
                if previous:
                    upload_path(previous["token"]).unlink(missing_ok=True)
                request.session[SESSION_KEY] = {
                    "token": token,
                    "name": os.path.basename(upload.name)[:200],
                    "user": request.user.pk,
                }
                with upload_path(token).open("rb") as source:
                    report = import_workbook(
                        source=source, dry_run=True, can_publish=self.can_publish(request)
                    )
                if not report.ok:
                    upload_path(token).unlink(missing_ok=True)
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
        location = upload_path(pending["token"])
        if not location.exists():
            request.session.pop(SESSION_KEY, None)
            messages.error(request, "The uploaded workbook has expired: upload it again.")
            return redirect("admin:profiles_mechanism_workbook_import")
        with location.open("rb") as source:
            report = import_workbook(source=source, can_publish=self.can_publish(request))
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

    def workbook_template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        buffer = io.BytesIO()
        write_sheets(buffer, {}, all_sheets())
        return attachment(buffer.getvalue(), "iscm-profiles-template.xlsx")


def attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _preview(report) -> list[dict]:
    """Per sheet: counts and the rows to show (everything but unchanged rows, capped)."""
    sheets = []
    for name in (sheet.name for sheet in all_sheets()):
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
