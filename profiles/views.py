"""Public pages. Thin: validate the query, read through selectors, render."""

import io

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import selectors
from .exporter import write_profile_csv, write_workbook
from .forms import MechanismFilterForm
from .models import Mechanism

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    mechanisms = selectors.mechanism_list()
    by_kind = [
        (value, label, [m for m in mechanisms if m.kind == value])
        for value, label in Mechanism.Kind.choices
    ]
    return render(
        request,
        "profiles/home.html",
        {
            "mechanism_count": len(mechanisms),
            "by_kind": [group for group in by_kind if group[2]],
            "by_region": selectors.group_by_region(mechanisms),
            "form": MechanismFilterForm(),
        },
    )


@require_safe
def mechanism_list(request: HttpRequest) -> HttpResponse:
    form = MechanismFilterForm(request.GET)
    filters = form.filters()
    mechanisms = selectors.mechanism_list(**filters)
    return render(
        request,
        "profiles/mechanism_list.html",
        {
            "form": form,
            "filtered": bool(filters),
            "mechanisms": mechanisms,
            "by_region": selectors.group_by_region(mechanisms),
        },
    )


@require_safe
def mechanism_detail(request: HttpRequest, slug: str) -> HttpResponse:
    profile = selectors.get_profile(slug)
    return render(request, "profiles/mechanism_detail.html", {"profile": profile})


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
def mechanism_export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    """One published profile in the workbook format (DESIGN.md §4)."""
    mechanisms = selectors.published_for_export(slug=slug)
    buffer = io.BytesIO()
    write_workbook(buffer, mechanisms, link_targets=selectors.published_mechanisms())
    return _download(buffer.getvalue(), XLSX_TYPE, f"iscm-profile-{slug}.xlsx")


@require_safe
def mechanism_export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """One published profile as one flat CSV (sheet, record, field, value)."""
    mechanisms = selectors.published_for_export(slug=slug)
    text = io.StringIO()
    text.write("\ufeff")  # so that Excel reads the file as UTF-8
    write_profile_csv(text, mechanisms, link_targets=selectors.published_mechanisms())
    return _download(
        text.getvalue().encode("utf-8"), "text/csv; charset=utf-8", f"iscm-profile-{slug}.csv"
    )


@require_safe
def data_export_xlsx(request: HttpRequest) -> HttpResponse:
    """Every published profile in the workbook format; drafts are never included."""
    mechanisms = selectors.published_for_export()
    buffer = io.BytesIO()
    write_workbook(buffer, mechanisms, link_targets=mechanisms)
    return _download(buffer.getvalue(), XLSX_TYPE, "iscm-profiles.xlsx")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
