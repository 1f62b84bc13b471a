"""Admin for bulk data: the whole-workbook import (preview, then confirm) and template, and
the per-model import/export mixin (django-import-export's pages with our formats, limits
and resources generated from the sheets).

Between preview and confirmation an uploaded file waits in the database
(`workbook.pending`, a `PendingUpload` row): every app server shares it, it belongs to
the user who uploaded it, is used once and expires. A refused file is never stored. The
browser only ever holds the row's random id, which the confirmation checks against the
user, the kind of import and the expiry; the file is re-validated against the database
as it is then.
"""

import io
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ExportForm, ImportForm
from import_export.tmp_storages import BaseStorage

from . import pending
from .engine import import_workbook
from .pending import Kind
from .registry import all_sheets, import_permissions
from .resources import EXPORT_FORMATS, IMPORT_FORMATS, ImportFileError
from .safety import MAX_UPLOAD_BYTES, WEB_LIMITS, UnsafeFileError
from .writer import write_sheets

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "workbook_upload"
PREVIEW_ROWS = 300  # rows shown per sheet and status in the preview
# A request body this much larger than the file limit cannot hold an acceptable file
# (multipart headers and the CSRF token take a few hundred bytes).
MULTIPART_ALLOWANCE = 64 * 1024

NO_PENDING_WORKBOOK = (
    "There is no workbook waiting for confirmation (it has been imported already, has "
    "expired or was replaced by a newer upload): upload it again."
)
NO_PENDING_FILE = (
    "There is no file waiting for confirmation (it has been imported already, has expired "
    "or was replaced by a newer upload): nothing was written. Upload it again."
)


def too_large_message(limit: int = MAX_UPLOAD_BYTES) -> str:
    return f"The file is larger than {limit // (1024 * 1024)} MB: refused."


def request_too_large(request: HttpRequest, limit: int) -> bool:
    """Whether the request's declared body is beyond any acceptable upload of `limit` bytes."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # the upload form's own size check still applies
    return length > limit + MULTIPART_ALLOWANCE


def read_upload(upload) -> bytes:
    """An upload's bytes (it has passed the size check: at most the limit)."""
    return b"".join(upload.chunks())


def pending_id(request: HttpRequest, session_key: str) -> str | None:
    """The id of the upload to confirm: the one the preview page posted, else the session's.

    Only a lookup key: `pending.take` checks it against the user, kind and expiry.
    """
    from_session = request.session.pop(session_key, None)
    posted = request.POST.get("upload")
    if posted:
        return posted
    return from_session.get("id") if isinstance(from_session, dict) else None


# --- per-model import (django-import-export) -------------------------------------------------


@dataclass
class _ModelImport:
    """Who is importing into which model, for the request being served."""

    owner: Any
    model_label: str
    unsaved: "PendingUploadStorage | None" = None


_current_import: ContextVar[_ModelImport | None] = ContextVar("workbook_model_import", default=None)


class PendingUploadMissing(LookupError):
    """No pending file for this user, model and id (unknown, someone else's, used, expired)."""


class PendingUploadStorage(BaseStorage):
    """django-import-export's temporary storage, as `PendingUpload` rows of the importing user.

    Its API knows nothing of the request, so `ImportExportMixin` sets the user and model
    for the request it serves (a context variable); without them this storage refuses to
    work. `save` keeps the upload in memory under a new id; the mixin stores it
    (`persist`) only once the preview has passed and confirmation is offered, so a
    refused file is never stored. `read` with an id takes the row (owner, model and
    expiry checked; deleted as it is read); `remove` deletes it.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._data: bytes | None = None
        self.taken: pending.Taken | None = None

    @staticmethod
    def _context() -> _ModelImport:
        context = _current_import.get()
        if context is None:
            raise ImproperlyConfigured(
                "PendingUploadStorage serves the import pages of workbook.admin."
                "ImportExportMixin only (it needs the requesting user)."
            )
        return context

    def save(self, data) -> None:
        context = self._context()
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        self._data = bytes(data)
        self.name = pending.new_id()
        context.unsaved = self

    def persist(self, *, file_name: str, import_format: str) -> str:
        context = self._context()
        if self._data is None or not self.name:
            raise ValueError("nothing to persist: save() first")
        pending.store(
            owner=context.owner,
            kind=Kind.MODEL,
            model_label=context.model_label,
            data=self._data,
            file_name=file_name,
            import_format=import_format,
            upload_id=self.name,
        )
        context.unsaved = None
        return self.name

    def read(self):
        if self._data is None:
            context = self._context()
            self.taken = pending.take(
                self.name, owner=context.owner, kind=Kind.MODEL, model_label=context.model_label
            )
            if self.taken is None:
                raise PendingUploadMissing(self.name)
            self._data = self.taken.data
        if "b" in self.read_mode:
            return self._data
        return self._data.decode(self.encoding or "utf-8")

    def remove(self) -> None:
        if self.name:
            pending.discard(self.name, owner=self._context().owner)
        self._data = None


class SizeLimitedImportForm(ImportForm):
    """django-import-export's upload form, refusing files above the limit before reading."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload


class PendingConfirmImportForm(forms.Form):
    """The per-model confirmation: the pending upload's id and the preview's choices.

    Every field is checked: the id's shape, the format and resource as indices of this
    admin's lists (anything else is refused, never looked up).
    """

    import_file_name = forms.CharField(widget=forms.HiddenInput(), max_length=64)
    original_file_name = forms.CharField(widget=forms.HiddenInput(), required=False)
    format = forms.ChoiceField(widget=forms.HiddenInput(), choices=())
    resource = forms.ChoiceField(widget=forms.HiddenInput(), choices=(), required=False)

    def __init__(self, *args, format_count: int, resource_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(str(i), str(i)) for i in range(format_count)]
        self.fields["resource"].choices = [("", "")] + [
            (str(i), str(i)) for i in range(resource_count)
        ]

    def clean_import_file_name(self):
        upload_id = self.cleaned_data["import_file_name"]
        if not pending.is_valid_id(upload_id):
            raise forms.ValidationError("not an upload id")
        return upload_id


class ImportExportMixin(ImportMixin, ExportActionMixin):
    """Per-model import and export with our formats, size limit and readable errors.

    Who may import or export is decided by IMPORT_EXPORT_IMPORT_PERMISSION_CODE ("change")
    and IMPORT_EXPORT_EXPORT_PERMISSION_CODE ("view") in settings. The file waiting for
    confirmation is a `PendingUpload` of the importing user (`PendingUploadStorage`), and
    the confirmation (`process_import`) checks everything it is sent.
    """

    import_form_class = SizeLimitedImportForm
    confirm_form_class = PendingConfirmImportForm
    export_form_class = ExportForm  # the field picker's inline script breaks under our CSP
    tmp_storage_class = PendingUploadStorage
    change_form_template = None
    show_change_form_export = False

    def get_import_formats(self):
        return IMPORT_FORMATS

    def get_export_formats(self):
        return EXPORT_FORMATS

    def get_tmp_storage_class(self):
        return PendingUploadStorage

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

    def _model_import(self, request: HttpRequest) -> _ModelImport:
        return _ModelImport(owner=request.user, model_label=self.opts.label_lower)

    def _import_url(self) -> str:
        return reverse(
            "admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name
        )

    def import_action(self, request, **kwargs):
        token = _current_import.set(self._model_import(request))
        try:
            return super().import_action(request, **kwargs)
        finally:
            _current_import.reset(token)

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {
            **super().get_confirm_form_kwargs(request, import_form),
            "format_count": len(self.get_import_formats()),
            "resource_count": len(self.get_import_resource_classes(request)),
        }

    def get_confirm_form_initial(self, request, import_form):
        """Called once the preview has passed: only now is the upload stored."""
        initial = super().get_confirm_form_initial(request, import_form)
        context = _current_import.get()
        if import_form is not None and context is not None and context.unsaved is not None:
            input_format = self.get_import_formats()[int(import_form.cleaned_data["format"])]
            file_name = pending.clean_file_name(import_form.cleaned_data["import_file"].name)
            initial["import_file_name"] = context.unsaved.persist(
                file_name=file_name, import_format=input_format.__name__
            )
            initial["original_file_name"] = file_name
        return initial

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Import the user's previewed file, once; refuse anything else with a message.

        The posted id must name a pending upload of this user, for this model, not expired
        (it is deleted as it is read, whatever happens next); the posted format must be
        the one the preview used. Nothing the browser posts names a file.
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if not form.is_valid():
            if pending.is_valid_id(request.POST.get("import_file_name")):
                pending.discard(request.POST["import_file_name"], owner=request.user)
            messages.error(
                request,
                "This import could not be confirmed: the confirmation was incomplete or "
                "altered. Nothing was written; upload the file again.",
            )
            return HttpResponseRedirect(self._import_url())

        input_format = self.get_import_formats()[int(form.cleaned_data["format"])](
            encoding=self.from_encoding
        )
        token = _current_import.set(self._model_import(request))
        try:
            storage = self.get_tmp_storage_class()(
                name=form.cleaned_data["import_file_name"],
                encoding=None if input_format.is_binary() else self.from_encoding,
                read_mode=input_format.get_read_mode(),
                **self.get_tmp_storage_class_kwargs(),
            )
            try:
                data = storage.read()
            except PendingUploadMissing:
                messages.error(request, NO_PENDING_FILE)
                return HttpResponseRedirect(self._import_url())
            except ValueError:  # not text in the posted format's encoding
                data = None
        finally:
            _current_import.reset(token)
        taken = storage.taken
        if data is None or taken.import_format != type(input_format).__name__:
            messages.error(
                request,
                f"{taken.file_name} was not imported: the confirmation does not match its "
                "preview. Nothing was written; upload the file again.",
            )
            return HttpResponseRedirect(self._import_url())
        try:
            dataset = input_format.create_dataset(data)
        except Exception as error:  # the formats raise many kinds; none may be a 500
            messages.error(
                request,
                f"{taken.file_name} could not be read ({error}). Nothing was written.",
            )
            return HttpResponseRedirect(self._import_url())
        result = self.process_dataset(
            dataset,
            form,
            request,
            file_name=taken.file_name,
            raise_errors=False,
            rollback_on_validation_errors=True,
            **kwargs,
        )
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                f"{taken.file_name} was not imported: the data no longer passes the checks "
                f"({'; '.join(_result_problems(result))}). Nothing was written; upload it "
                "again to see a new preview.",
            )
            return HttpResponseRedirect(self._import_url())
        return self.process_result(result, request)


def _result_problems(result, limit: int = 3) -> list[str]:
    problems = [str(error.error) for error in result.base_errors]
    for number, errors in result.row_errors():
        problems.extend(f"row {number}: {error.error}" for error in errors)
    for row in result.invalid_rows:
        for field, texts in row.error_dict.items():
            problems.extend(f"row {row.number}: {field}: {text}" for text in texts)
    shown = problems[:limit]
    if len(problems) > limit:
        shown.append(f"and {len(problems) - limit} more")
    return shown or ["unknown error"]


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

    def can_publish(self, request: HttpRequest) -> bool:
        """May this user change what the public sees through an import? (Override.)"""
        return request.user.is_superuser

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
                        can_publish=self.can_publish(request),
                        limits=WEB_LIMITS,
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
            return redirect("admin:profiles_mechanism_workbook_import")
        taken = pending.take(
            pending_id(request, SESSION_KEY), owner=request.user, kind=Kind.WORKBOOK
        )
        if taken is None:
            messages.error(request, NO_PENDING_WORKBOOK)
            return redirect("admin:profiles_mechanism_workbook_import")
        report = import_workbook(
            source=io.BytesIO(taken.data), can_publish=self.can_publish(request), limits=WEB_LIMITS
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
