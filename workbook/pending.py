"""Files waiting between an import's preview and its confirmation (`PendingUpload`).

Every import started from the admin (whole workbook, Summary of Findings, per-model)
follows the same rules:

- the file is stored only once its preview has passed (a refused file is never stored),
  in the database that every app server shares, under an unguessable id;
- it belongs to the user who uploaded it: `take` finds it only for that user, that kind
  (and model) and before it expires, so an id posted by the browser is nothing more than
  a lookup key;
- it is used once: `take` deletes it whether the import then succeeds or fails;
- a user has at most one pending file per kind (and model): a new preview replaces the
  previous one;
- it expires after `LIFETIME`; expired rows are deleted whenever a new file is stored and
  by `manage.py clear_pending_uploads` (run it from cron, e.g. hourly).
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import PendingUpload

LIFETIME = timedelta(hours=6)
Kind = PendingUpload.Kind

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet. Anything else
# is refused before it reaches the database (PostgreSQL refuses NUL characters, for one).
_ID = re.compile(r"[A-Za-z0-9_-]{43}")
_FILE_NAME_MAX = PendingUpload._meta.get_field("file_name").max_length


@dataclass(frozen=True)
class Taken:
    """A pending file, removed from the database and handed to its confirmation."""

    id: str
    kind: str
    model_label: str
    import_format: str
    file_name: str
    data: bytes


def new_id() -> str:
    return secrets.token_urlsafe(32)


def is_valid_id(upload_id: object) -> bool:
    return isinstance(upload_id, str) and _ID.fullmatch(upload_id) is not None


def store(
    *,
    owner,
    kind: str,
    data: bytes,
    file_name: str,
    model_label: str = "",
    import_format: str = "",
    upload_id: str | None = None,
) -> str:
    """Keep `data` for `owner` until confirmed or expired; returns its id.

    Replaces the owner's previous pending file of the same kind (and model), and deletes
    every expired one.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown pending upload kind {kind!r}")
    if (kind == Kind.MODEL) != bool(model_label):
        raise ValueError("a per-model upload names its model; no other does")
    upload_id = upload_id or new_id()
    if not is_valid_id(upload_id):
        raise ValueError("a pending upload id is secrets.token_urlsafe(32)")
    now = timezone.now()
    data = bytes(data)
    with transaction.atomic():
        clear_expired(now=now)
        discard_all(owner=owner, kind=kind, model_label=model_label)
        PendingUpload.objects.create(
            id=upload_id,
            owner=owner,
            kind=kind,
            model_label=model_label,
            import_format=import_format,
            file_name=clean_file_name(file_name),
            data=data,
            size=len(data),
            created_at=now,
            expires_at=now + LIFETIME,
        )
    return upload_id


def take(upload_id: object, *, owner, kind: str, model_label: str = "") -> Taken | None:
    """Remove and return the owner's pending file `upload_id` of this kind (and model).

    None when there is none: unknown or malformed id, someone else's file, another kind
    or model, expired (then deleted too), or already taken (by a concurrent request).
    """
    if not is_valid_id(upload_id) or not getattr(owner, "pk", None):
        return None
    row = (
        PendingUpload.objects.filter(pk=upload_id, owner=owner, kind=kind, model_label=model_label)
        .only("id", "kind", "model_label", "import_format", "file_name", "data", "expires_at")
        .first()
    )
    if row is None:
        return None
    # Whoever deletes the row owns the file: a confirmation replayed at the same moment
    # deletes nothing and gets nothing.
    deleted, _ = PendingUpload.objects.filter(pk=row.pk).delete()
    if not deleted or row.expires_at <= timezone.now():
        return None
    return Taken(
        id=row.pk,
        kind=row.kind,
        model_label=row.model_label,
        import_format=row.import_format,
        file_name=row.file_name,
        data=bytes(row.data),
    )


def discard(upload_id: object, *, owner) -> bool:
    """Delete the owner's pending file `upload_id`, if there is one."""
    if not is_valid_id(upload_id) or not getattr(owner, "pk", None):
        return False
    deleted, _ = PendingUpload.objects.filter(pk=upload_id, owner=owner).delete()
    return bool(deleted)


def discard_all(*, owner, kind: str, model_label: str = "") -> int:
    """Delete the owner's pending files of this kind (and model): a new upload replaces them."""
    if not getattr(owner, "pk", None):
        return 0
    deleted, _ = PendingUpload.objects.filter(
        owner=owner, kind=kind, model_label=model_label
    ).delete()
    return deleted


def clear_expired(*, now: datetime | None = None) -> int:
    """Delete every pending file past its expiry; returns how many."""
    deleted, _ = PendingUpload.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def clean_file_name(name: object) -> str:
    """The uploaded file's own name: no folders, no control characters, at most 255
    characters with its extension kept (the findings import reads by extension)."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip() or "upload"
    if len(name) > _FILE_NAME_MAX:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) < 16:
            name = stem[: _FILE_NAME_MAX - len(extension) - 1] + dot + extension
        else:
            name = name[:_FILE_NAME_MAX]
    return name
