"""The list of mechanisms: search and facets (`/mechanisms/`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import selectors
from ..forms import MechanismFilterForm
from .caching import cached_page


@require_safe
@cached_page(params=tuple(MechanismFilterForm.base_fields))
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
