"""Public pages (home, list, profile), the staff draft preview and the health check."""

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import selectors
from ..forms import MechanismFilterForm
from ..models import Mechanism
from .caching import cached_page, profile_detail_page


@require_safe
@cached_page(params=())
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
@profile_detail_page
def mechanism_detail(request: HttpRequest, slug: str) -> HttpResponse:
    profile = selectors.get_profile(slug)
    return render(request, "profiles/mechanism_detail.html", {"profile": profile})


@never_cache
@require_safe
def mechanism_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The working copy as its public page will look once published. Staff only.

    Anyone else (anonymous visitors included) gets the same 404 as for an unknown address:
    no login redirect that would confirm a draft exists.
    """
    user = request.user
    if not (user.is_active and user.is_staff and user.has_perm("profiles.view_mechanism")):
        raise Http404("No published mechanism has this address.")
    draft = selectors.draft_profile(slug)
    response = render(
        request,
        "profiles/mechanism_detail.html",
        {"profile": draft.profile, "preview": draft},
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


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
