"""Public survey pages. Thin: read through selectors, render (aggregates only).

Cached like every public page (`profiles.views.public_page`: anonymous visitors, keyed on
what is published, survey data included through `surveys.selectors.data_version`).
"""

import io

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from profiles.views import public_page

from . import downloads, selectors
from .aggregates import SUPPRESSED

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
@public_page
def survey_list(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/survey_list.html", {"surveys": selectors.survey_list()})


@require_safe
@public_page
def survey_detail(request: HttpRequest, slug: str) -> HttpResponse:
    results = selectors.get_results(slug)
    return render(
        request,
        "surveys/survey_detail.html",
        {"results": results, "survey": results.survey, "suppressed_mark": SUPPRESSED},
    )


def _download(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    results = selectors.get_results(slug)
    page_url = request.build_absolute_uri(reverse("surveys:survey_detail", args=[slug]))
    options = {"base_url": request.build_absolute_uri("/").rstrip("/"), "page_url": page_url}
    if extension == "xlsx":
        buffer = io.BytesIO()
        downloads.write_xlsx(buffer, results, **options)
        content, content_type = buffer.getvalue(), XLSX_TYPE
    else:
        text = io.StringIO()
        text.write("\ufeff")  # so that Excel reads the file as UTF-8
        downloads.write_csv(text, results, **options)
        content, content_type = text.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, f"iscm-survey-{slug}-results.{extension}"
    )
    return response


@require_safe
@public_page
def results_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    """The survey's aggregate results as a workbook (what the page shows)."""
    return _download(request, slug, "xlsx")


@require_safe
@public_page
def results_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The survey's aggregate results as one flat CSV table."""
    return _download(request, slug, "csv")
