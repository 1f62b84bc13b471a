"""Shared member States: the matrix and the pairs sharing most (`/overlap/`), and one pair
(`/overlap/<first>/<second>/`, its slugs in alphabetical order)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from ..compare_forms import OverlapFilterForm
from ..selectors import overlap as selected
from ..tables import download_links, download_response, requested_format
from .caching import cached_page

SORT_LABELS = {"members": "most members", "name": "name", "overlap": "most shared"}


@require_safe
@cached_page(params=("kind", "region", "sort", "download"))
def overlap(request: HttpRequest) -> HttpResponse:
    form = OverlapFilterForm(request.GET)
    filters = form.filters()
    result = selected.overlap(**filters)
    if fmt := requested_format(request):
        title = "Member States shared between mechanisms"
        return download_response(request, selected.matrix_table(result, title), fmt)
    kept = {"kind": filters["kinds"], "region": filters["regions"]}
    address = reverse("profiles:overlap")
    sorts = [
        (value, label, f"{address}?{urlencode({**kept, 'sort': value}, doseq=True)}")
        for value, label in SORT_LABELS.items()
    ]
    return render(
        request,
        "profiles/overlap.html",
        {
            "form": form,
            "filters": filters,
            "filtered": bool(filters["kinds"] or filters["regions"]),
            "result": result,
            "sorts": sorts,
            "sort_label": SORT_LABELS[filters["sort"]],
            "shades": range(1, selected.SHADES + 1),
            "limits": {
                "matrix": selected.MATRIX_LIMIT,
                "pool": selected.PAIRS_POOL,
                "pairs": selected.TOP_PAIRS,
            },
            "downloads": download_links(request),
        },
    )


@require_safe
@cached_page(params=("download",))
def overlap_pair(request: HttpRequest, first: str, second: str) -> HttpResponse:
    if first > second:
        # One address per pair: the slugs in alphabetical order.
        address = reverse("profiles:overlap_pair", kwargs={"first": second, "second": first})
        query = request.GET.urlencode()
        return redirect(f"{address}?{query}" if query else address, permanent=True)
    pair = selected.overlap_pair(first, second)
    both = urlencode({"m": [first, second]}, doseq=True)
    if fmt := requested_format(request):
        return download_response(request, selected.pair_table(pair), fmt)
    return render(
        request,
        "profiles/overlap_pair.html",
        {
            "pair": pair,
            "compare_url": f"{reverse('profiles:compare')}?{both}",
            "downloads": download_links(request),
        },
    )
