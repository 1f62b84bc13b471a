"""Country pages: every participating country (`/countries/`), one country's mechanisms
(`/countries/<iso3>/`) and the country × mechanism membership table download."""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from .. import countries
from ..selectors import countries as selected
from ..tables import FORMATS, Table, download_links, download_response, requested_format
from .caching import cached_page


class CountrySearchForm(forms.Form):
    """Validates /countries/?q=; a query that is not valid (too long) is ignored."""

    q = forms.CharField(
        label="Find a country",
        required=False,
        max_length=100,
        strip=True,
        widget=forms.SearchInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def query(self) -> str:
        return self.cleaned_data["q"] if self.is_valid() else ""


@require_safe
@cached_page(params=("q", "download"))
def country_list(request: HttpRequest) -> HttpResponse:
    form = CountrySearchForm(request.GET)
    q = form.query()
    rows = selected.country_list(q)
    if fmt := requested_format(request):
        return download_response(request, _list_table(request, rows, q), fmt)
    return render(
        request,
        "profiles/country_list.html",
        {
            "form": form,
            "q": q,
            "countries": rows,
            "published_count": selected.published_count(),
            "downloads": download_links(request),
            "membership_downloads": [
                (fmt, reverse("profiles:membership_table", kwargs={"fmt": fmt})) for fmt in FORMATS
            ],
        },
    )


@require_safe
@cached_page(params=("download",))
def country_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    code = countries.from_alpha3(iso3)
    if not code:
        raise Http404(
            f"“{iso3[:20]}” is not an ISO 3166 alpha-3 country code (such as KAZ for "
            "Kazakhstan). The list of countries links to each country's page."
        )
    if iso3 != iso3.upper():
        address = reverse("profiles:country_detail", kwargs={"iso3": iso3.upper()})
        query = request.GET.urlencode()
        return redirect(f"{address}?{query}" if query else address, permanent=True)
    page = selected.country_page(code)
    if page.groups and (fmt := requested_format(request)):
        return download_response(request, _detail_table(request, page), fmt)
    # A real country that takes part in nothing published has no page: it says so, with a
    # 404 status, as /countries/ does not list it either.
    return render(
        request,
        "profiles/country_detail.html",
        {
            "page": page,
            "downloads": download_links(request),
            "published_count": 0 if page.groups else selected.published_count(),
        },
        status=200 if page.groups else 404,
    )


@require_safe
@cached_page(params=())
def membership_table(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("The membership table downloads as .xlsx or .csv.")
    fixed = (("Country", "English name"), ("ISO code", "ISO 3166 alpha-3"))
    fixed += (("Mechanisms", "Published mechanisms it takes part in, in any role"),)
    data = selected.membership_table(reserved=tuple(label for label, _ in fixed))
    columns = fixed + tuple(
        (column.label, f"{column.name}: the country's roles and years") for column in data.columns
    )
    rows = [
        {
            "Country": country.name,
            "ISO code": country.iso3,
            "Mechanisms": country.total,
            **{column.label: cells.get(column.slug, "") for column in data.columns},
        }
        for country, cells in data.rows
    ]
    table = Table(
        title="Countries in published ISCMs: roles in each mechanism",
        columns=columns,
        rows=rows,
        data_as_of=data.data_as_of,
        filename="iscm-country-memberships",
    )
    return download_response(request, table, fmt)


def _list_table(request: HttpRequest, rows: list[selected.CountrySummary], q: str) -> Table:
    title = "Countries taking part in published ISCMs"
    return Table(
        title=f"{title} matching “{q}”" if q else title,
        columns=(
            ("Country", "English name"),
            ("ISO code", "ISO 3166 alpha-3"),
            ("Member of", "Published mechanisms it is a member of"),
            ("Observer in", "Published mechanisms it is an observer in"),
            ("Mechanisms", "Published mechanisms it takes part in, in any role"),
            ("Country page", "Its page on this site"),
        ),
        rows=[
            {
                "Country": row.name,
                "ISO code": row.iso3,
                "Member of": row.member,
                "Observer in": row.observer,
                "Mechanisms": row.total,
                "Country page": request.build_absolute_uri(row.url) if row.url else "",
            }
            for row in rows
        ],
        data_as_of=selected.data_as_of() if rows else None,
        filename="iscm-countries",
    )


def _detail_table(request: HttpRequest, page: selected.CountryPage) -> Table:
    return Table(
        title=f"{page.name} ({page.iso3}) in published ISCMs",
        columns=(
            ("Kind", "Kind of mechanism"),
            ("Mechanism", "Name"),
            ("Short name", "Short name or acronym"),
            ("Status", "Status of the mechanism"),
            ("Role", f"How {page.name} takes part"),
            ("Since", "First year in this role, where recorded"),
            ("Until", "Last year in this role, where recorded"),
            ("Unconfirmed", "yes: the source marks this participation as unconfirmed"),
            ("Profile", "The mechanism's profile on this site"),
        ),
        rows=[
            {
                "Kind": mechanism.kind_label,
                "Mechanism": mechanism.name,
                "Short name": mechanism.short_name,
                "Status": mechanism.status_label,
                "Role": role.role_label,
                "Since": role.since,
                "Until": role.until,
                "Unconfirmed": role.unconfirmed,
                "Profile": request.build_absolute_uri(mechanism.url),
            }
            for mechanism in page.mechanisms
            for role in mechanism.roles
        ],
        data_as_of=page.data_as_of,
        filename=f"iscm-{page.iso3.lower()}",
    )
