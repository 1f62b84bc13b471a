"""Downloads of published profiles: one profile, or every one, in the workbook format."""

import io

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from .. import selectors
from ..exporter import write_snapshot_csv, write_snapshot_workbook
from .caching import cached_page, profile_page

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
@profile_page
def mechanism_export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    """One published profile in the workbook format (DESIGN.md §4)."""
    contents, targets = selectors.published_contents(slug=slug)
    buffer = io.BytesIO()
    write_snapshot_workbook(buffer, contents, link_targets=targets)
    return _download(buffer.getvalue(), XLSX_TYPE, f"iscm-profile-{slug}.xlsx")


@require_safe
@profile_page
def mechanism_export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """One published profile as one flat CSV (sheet, record, field, value)."""
    contents, targets = selectors.published_contents(slug=slug)
    text = io.StringIO()
    text.write("\ufeff")  # so that Excel reads the file as UTF-8
    write_snapshot_csv(text, contents, link_targets=targets)
    return _download(
        text.getvalue().encode("utf-8"), "text/csv; charset=utf-8", f"iscm-profile-{slug}.csv"
    )


@require_safe
@cached_page(params=())
def data_export_xlsx(request: HttpRequest) -> HttpResponse:
    """Every published profile in the workbook format; drafts are never included."""
    contents, targets = selectors.published_contents()
    buffer = io.BytesIO()
    write_snapshot_workbook(buffer, contents, link_targets=targets)
    return _download(buffer.getvalue(), XLSX_TYPE, "iscm-profiles.xlsx")
