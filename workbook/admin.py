"""Admin for bulk data: the whole-workbook import (preview, then confirm) and the template
download. The per-model import/export mixin is `workbook.model_admin.ImportExportMixin`;
the helpers both share are in `workbook.uploads`.

Between preview and confirmation an uploaded file waits in the database
(`workbook.pending`, a `PendingUpload` row): every app server shares it, it belongs to
the user who uploaded it, is used once and expires. A refused file is never stored. The
browser only ever holds the row's random id, which the confirmation checks against the
user, the kind of import and the expiry; the file is re-validated against the database
as it is then.
"""

import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from history.models import ChangeSet
from history.recording import Actor

from . import pending
from .engine import import_workbook
from .pending import Kind
from .registry import all_sheets, import_permissions
from .safety import WEB_LIMITS
from .uploads import (
    NO_PENDING_WORKBOOK,
    PREVIEW_ROWS,
    SESSION_KEY,
    attachment,
    pending_id,
    read_upload,
    request_too_large,
    too_large_message,
)
from .writer import write_sheets

# --- whole-workbook import -------------------------------------------------------------------


class WorkbookUploadForm(forms.Form):
    workbook = forms.FileField(
        label="Workbook (.xlsx)",
        help_text=f"At most {WEB_LIMITS.max_upload_bytes // (1024 * 1024)} MB. Download the "
        "template or an export to start from.",
    )

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        if upload.size > WEB_LIMITS.max_upload_bytes:
            raise forms.ValidationError(too_large_message(WEB_LIMITS.max_upload_bytes))
        return upload


class WorkbookAdminMixin:
    """Whole-workbook import (preview, then confirm) and the template download.

    Mixed into one model admin (the mechanisms'); it imports every registered sheet,
    within `WEB_LIMITS` (larger files: `manage.py import_workbook`).
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

    def _admin_url(self, name: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}"

    def _context(self, request: HttpRequest, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a workbook",
            "max_upload_mb": WEB_LIMITS.max_upload_bytes // (1024 * 1024),
            "max_rows": f"{WEB_LIMITS.max_rows:,}",
            **extra,
        }

    def workbook_import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_workbook_import_permission(request):
            raise PermissionDenied
        form, report, refused, status = WorkbookUploadForm(), None, "", 200
        upload_id, file_name = None, ""
        if request.method == "POST":
            # A new upload replaces whatever was waiting, whether or not it passes.
            request.session.pop(SESSION_KEY, None)
            pending.discard_all(owner=request.user, kind=Kind.WORKBOOK)
            if request_too_large(request, WEB_LIMITS.max_upload_bytes):
                refused, status = too_large_message(WEB_LIMITS.max_upload_bytes), 413
            else:
                form = WorkbookUploadForm(request.POST, request.FILES)
                if form.is_valid():
                    upload = form.cleaned_data["workbook"]
                    file_name = pending.clean_file_name(upload.name)
                    data = read_upload(upload)
                    report = import_workbook(
                        source=io.BytesIO(data),
                        dry_run=True,
                        limits=WEB_LIMITS,
                        has_perms=request.user.has_perms,
                    )
                    if report.ok and report.changes:
                        upload_id = pending.store(
                            owner=request.user, kind=Kind.WORKBOOK, data=data, file_name=file_name
                        )
                        request.session[SESSION_KEY] = {"id": upload_id}
        return TemplateResponse(
            request,
            "admin/profiles/workbook_import.html",
            self._context(
                request,
                form=form,
                refused=refused,
                report=report,
                preview=_preview(report) if report else None,
                file_name=file_name,
                upload_id=upload_id,
            ),
            status=status,
        )

    def workbook_confirm_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_workbook_import_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return redirect(self._admin_url("workbook_import"))
        taken = pending.take(
            pending_id(request, SESSION_KEY), owner=request.user, kind=Kind.WORKBOOK
        )
        if taken is None:
            messages.error(request, NO_PENDING_WORKBOOK)
            return redirect(self._admin_url("workbook_import"))
        report = import_workbook(
            source=io.BytesIO(taken.data),
            limits=WEB_LIMITS,
            has_perms=request.user.has_perms,
            actor=Actor.from_request(request, via=ChangeSet.Via.WORKBOOK_IMPORT),
            file_name=taken.file_name,
        )
        if not report.ok:
            return TemplateResponse(
                request,
                "admin/profiles/workbook_import.html",
                self._context(
                    request,
                    form=WorkbookUploadForm(),
                    report=report,
                    preview=_preview(report),
                    file_name=taken.file_name,
                ),
            )
        messages.success(
            request, f"Imported {taken.file_name}: " + "; ".join(report.summary_lines()) + "."
        )
        return redirect(self._admin_url("changelist"))

    def workbook_template_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        buffer = io.BytesIO()
        write_sheets(buffer, {}, all_sheets())
        return attachment(buffer.getvalue(), "iscm-profiles-template.xlsx")


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
