"""The admin's per-model import/export: django-import-export's pages, with our formats,
limits and resources generated from the sheets, and the pending file kept in the database
(`PendingUploadStorage`, bound to the user who uploaded it) instead of a temp folder.
"""

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ExportActionMixin, ImportMixin
from import_export.forms import ExportForm, ImportForm
from import_export.tmp_storages import BaseStorage

from history.models import ChangeSet
from history.recording import Actor, Conflict, recording
from iscm_site.audit import audit

from . import pending
from .pending import Kind
from .resources import EXPORT_FORMATS, IMPORT_FORMATS, ImportFileError
from .safety import MAX_UPLOAD_BYTES, UnsafeFileError
from .uploads import (
    NO_PENDING_FILE,
    too_large_message,
)

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
                "PendingUploadStorage serves the import pages of workbook.model_admin."
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
        actor = Actor.from_request(request, via=ChangeSet.Via.MODEL_IMPORT, source=taken.file_name)
        try:
            # The whole file is one change set; rows are written by the resources.
            with recording(actor):
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
                    transaction.set_rollback(True)
        except Conflict as error:
            messages.error(request, f"{taken.file_name} was not imported: {error}")
            return HttpResponseRedirect(self._import_url())
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                f"{taken.file_name} was not imported: the data no longer passes the checks "
                f"({'; '.join(_result_problems(result))}). Nothing was written; upload it "
                "again to see a new preview.",
            )
            return HttpResponseRedirect(self._import_url())
        audit(
            "import.applied",
            request=request,
            kind=f"model:{self.model._meta.model_name}",
            source=taken.file_name,
            rows=result.total_rows,
        )
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
