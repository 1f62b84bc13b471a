"""The list of mechanisms: search and facets (`/mechanisms/`), and its downloads."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import filters, selectors, tables
from ..forms import country_suggestions
from .caching import cached_page

# What shapes the page (other parameters make no new cache key).
PAGE_PARAMS = (*filters.PARAMS, "page", "download")


@require_safe
@cached_page(params=PAGE_PARAMS)
def mechanism_list(request: HttpRequest) -> HttpResponse:
    vocabulary = selectors.vocabulary()
    filterset, notices = filters.bind(request.GET, vocabulary)
    chips = filterset.chips()
    if fmt := tables.requested_format(request):
        narrowed = "; ".join(chip.label for chip in chips)
        title = f"ISCM mechanisms — {narrowed}" if narrowed else "ISCM mechanisms"
        table = selectors.result_table(filterset, request.build_absolute_uri, title)
        return tables.download_response(request, table, fmt)
    results = selectors.result_page(filterset, request.GET.get("page"))
    empty = not results.total and bool(chips)
    return render(
        request,
        "profiles/mechanism_list.html",
        {
            "filterset": filterset,
            "query": filterset.data,
            "notices": notices,
            "chips": chips,
            "results": results,
            "page": results.page,
            "facets": selectors.facets(filterset, results.total),
            "causes": selectors.empty_causes(filterset) if empty else [],
            "suggestions": selectors.did_you_mean(filterset) if empty else [],
            "sorts": filters.SORTS,
            "views": filters.VIEWS,
            "roles": filters.ROLES,
            "country_names": country_suggestions(),
            "downloads": tables.download_links(request),
        },
    )
