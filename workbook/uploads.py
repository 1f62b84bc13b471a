"""What the admin's import views share: reading uploads, size checks, pending ids, and
file responses. (Between preview and confirmation an upload waits in the database:
`workbook.pending`.)"""

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from .safety import MAX_UPLOAD_BYTES

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


def attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
