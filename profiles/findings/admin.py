"""Admin: upload a Summary of Findings document, see what it would do, then confirm.

The document waits for confirmation as a `PendingUpload` of the user (`workbook.pending`):
in the database, used once, expiring; a refused document is never stored.
"""

from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from workbook import pending
from workbook.pending import Kind
from workbook.safety import MAX_UPLOAD_BYTES, WEB_LIMITS
from workbook.uploads import pending_id, read_upload, too_large_message

from ..services import Actor, ChangeSet
from .importer import SUFFIXES, import_findings_files

FINDINGS_SESSION_KEY = "profiles_findings_upload"
FINDINGS_PERMISSIONS = [
    "profiles.add_mechanism",
    "profiles.change_mechanism",
    "profiles.add_section",
    "profiles.change_section",
]


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


class FindingsAdminMixin:
    """The findings document import, on the mechanisms' admin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
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
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["can_import_findings"] = request.user.has_perms(FINDINGS_PERMISSIONS)
        return super().changelist_view(request, extra_context=extra_context)

    def _findings_context(self, request: HttpRequest, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import a Summary of Findings",
            "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
            **extra,
        }

    def findings_import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(FINDINGS_PERMISSIONS):
            raise PermissionDenied
        form, report, upload_id = FindingsUploadForm(), None, None
        if request.method == "POST":
            # A new upload replaces whatever was waiting, whether or not it passes.
            request.session.pop(FINDINGS_SESSION_KEY, None)
            pending.discard_all(owner=request.user, kind=Kind.FINDINGS)
            form = FindingsUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["document"]
                name = pending.clean_file_name(upload.name)
                data = read_upload(upload)
                report = import_findings_files(
                    files=[(name, data)], dry_run=True, limits=WEB_LIMITS
                )
                if report.ok:
                    upload_id = pending.store(
                        owner=request.user, kind=Kind.FINDINGS, data=data, file_name=name
                    )
                    request.session[FINDINGS_SESSION_KEY] = {"id": upload_id}
        return TemplateResponse(
            request,
            "admin/profiles/findings_import.html",
            self._findings_context(request, form=form, report=report, upload_id=upload_id),
        )

    def findings_confirm_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perms(FINDINGS_PERMISSIONS):
            raise PermissionDenied
        if request.method != "POST":
            return redirect("admin:profiles_mechanism_findings_import")
        taken = pending.take(
            pending_id(request, FINDINGS_SESSION_KEY), owner=request.user, kind=Kind.FINDINGS
        )
        if taken is None or Path(taken.file_name).suffix.lower() not in SUFFIXES:
            messages.error(
                request,
                "There is no document waiting for confirmation (it has been imported "
                "already, has expired or was replaced by a newer upload): upload it again.",
            )
            return redirect("admin:profiles_mechanism_findings_import")
        report = import_findings_files(
            files=[(taken.file_name, taken.data)],
            limits=WEB_LIMITS,
            actor=Actor.from_request(request, via=ChangeSet.Via.FINDINGS_IMPORT),
        )
        if not report.ok:
            return TemplateResponse(
                request,
                "admin/profiles/findings_import.html",
                self._findings_context(request, form=FindingsUploadForm(), report=report),
            )
        messages.success(request, "Imported " + report.outcomes[0].describe() + ".")
        return redirect("admin:profiles_mechanism_changelist")
