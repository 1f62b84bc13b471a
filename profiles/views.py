"""Public pages. Thin: validate the query, read through selectors, render."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import selectors
from .forms import MechanismFilterForm
from .models import Mechanism


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
