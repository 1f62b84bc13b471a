"""Request bodies are refused by their declared size, before a byte of them is read.

Django reads (and spools to disk) a multipart body as soon as anything asks for
`request.POST`, which the CSRF check does for every POST: without this, an anonymous
500 MB upload to /admin/login/ was written to a temporary file before being refused.
`RequestBodyLimitMiddleware` comes first in MIDDLEWARE and answers with a short plain-text
error instead:

- 413 for a body larger than `MAX_REQUEST_BYTES` (the upload limit plus room for the
  multipart envelope), whoever sends it;
- 413 for a body larger than `SMALL_REQUEST_BYTES` (settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
  unless it is sent to one of the admin's import pages by a signed-in staff member;
- 411 for a body without a length (chunked transfer encoding), 400 for an invalid
  Content-Length: neither can be checked before reading.

The checks need nothing but the headers, except whether a request that carries a session
cookie comes from staff: that is checked after the session and authentication middlewares
have run, in `process_view`, which Django calls for the first middleware before any
other's (so before the CSRF check reads the body).

A reverse proxy in front of the site should refuse large bodies too (README, "Running in
production"), so that they never reach an application server at all.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from workbook.safety import MAX_UPLOAD_BYTES

MULTIPART_OVERHEAD = 1024 * 1024  # boundaries, part headers and the other form fields
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD


def small_request_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2 * 1024 * 1024


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def refusal(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def too_large(limit: int) -> HttpResponse:
    return refusal(413, f"Request body too large: at most {megabytes(limit)} is accepted here.")


def declared_length(request: HttpRequest) -> int | HttpResponse | None:
    """The body's declared length (None if there is none), or the refusal to send."""
    transfer_encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").strip().lower()
    if transfer_encoding and transfer_encoding != "identity":
        return refusal(411, "A request body must declare its length (Content-Length).")
    raw = request.META.get("CONTENT_LENGTH")
    if raw is None or raw == "":
        return None
    raw = raw.strip()
    if not raw.isdigit() or not raw.isascii():
        return refusal(400, "Invalid Content-Length.")
    return int(raw)


def accepts_large_bodies(request: HttpRequest) -> bool:
    """Is this an admin import page? (Its views check the user's permissions themselves.)"""
    match = request.resolver_match
    return bool(
        match is not None
        and match.namespace == "admin"
        and (match.url_name or "").endswith("_import")
    )


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        if isinstance(length, HttpResponse):
            return length
        if length is not None and length > MAX_REQUEST_BYTES:
            return too_large(MAX_REQUEST_BYTES)
        if (
            length is not None
            and length > small_request_bytes()
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return too_large(small_request_bytes())  # no session: not signed in
        request.declared_body_length = length or 0
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        length = getattr(request, "declared_body_length", 0)
        limit = small_request_bytes()
        if length <= limit:
            return None
        user = getattr(request, "user", None)
        if (
            accepts_large_bodies(request)
            and user is not None
            and user.is_authenticated
            and user.is_active
            and user.is_staff
        ):
            return None
        return too_large(limit)
