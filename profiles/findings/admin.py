"""Admin: upload a Summary of Findings document, see what it would do, then confirm."""

import os
import secrets
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from workbook.admin import UPLOAD_DIR, clean_old_uploads, too_large_message, upload_path
from workbook.safety import MAX_UPLOAD_BYTES

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
                    clean_old_uploads()
                    UPLOAD_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
                    token = secrets.token_urlsafe(24)
                    upload_path(token, suffix).write_bytes(data)
                    request.session[FINDINGS_SESSION_KEY] = {
                        "token": token,
                        "suffix": suffix,
                        "name": name,
                        "user": request.user.pk,
                    }
        return TemplateResponse(
            request,
            "admin/profiles/findings_import.html",
            self._findings_context(request, form=form, report=report),
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
        location = upload_path(pending["token"], pending["suffix"])
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
                self._findings_context(request, form=FindingsUploadForm(), report=report),
            )
        messages.success(request, "Imported " + report.outcomes[0].describe() + ".")
        return redirect("admin:profiles_mechanism_changelist")
