"""Two to four mechanisms side by side (`/compare/?m=<slug>&m=<slug>`).

Fewer than two, more than four, unknown or repeated addresses give the same page with a
notice and a picker. A query that named something the page had to leave out (unknown
slugs, more than four) is answered 400, so that such addresses are neither cached nor
indexed; the page still compares what it could.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ..compare_forms import CompareForm
from ..selectors import compare as selected
from ..tables import download_links, download_response, requested_format
from .caching import cached_page


def _compare(request: HttpRequest) -> HttpResponse:
    form = CompareForm(request.GET)
    selection = form.selection()
    comparison = None
    if len(selection.chosen) >= selected.MIN_COMPARED:
        comparison = selected.compare(selection.slugs)
        if fmt := requested_format(request):
            table = selected.facts_table(comparison, request.build_absolute_uri)
            return download_response(request, table, fmt)
    picker = selected.picker(form.find_text(), selection.chosen + selection.extra)
    return render(
        request,
        "profiles/compare.html",
        {
            "form": form,
            "selection": selection,
            "comparison": comparison,
            "picker": picker,
            "chosen": [c.slug for c in selection.chosen + selection.extra],
            "max_compared": selected.MAX_COMPARED,
            "downloads": download_links(request) if comparison else [],
        },
        status=400 if selection.ignored else 200,
    )


@require_safe
@cached_page(params=("m", "find", "download"))
def compare(request: HttpRequest) -> HttpResponse:
    return _compare(request)
