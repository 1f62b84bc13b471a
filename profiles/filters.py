"""The query string of /mechanisms/: search, facets, sort and view, as a django-filter FilterSet.

Within a facet the chosen values are alternatives (kind = RCP or global); across facets
they all apply. Several countries mean mechanisms in which *all* of them take part (in the
chosen role, if one is chosen). Every facet filters through a subquery on the snapshot's
key, so a mechanism is listed once however many of its regions or countries match.

The query string is cleaned before it is bound (`clean_query`): an unknown value is dropped
with a notice instead of making the form invalid (django-filter would then show nothing),
so every page is a list, and links built from the cleaned query are canonical.
"""

from collections.abc import Callable
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django_countries import countries as all_countries

from workbook.columns import country_code

from . import countries
from .models import YEAR_MAX, YEAR_MIN, Mechanism, PublishedParticipant, PublishedProfile
from .selectors.common import KIND_LABELS, STATUS_LABELS
from .selectors.lists import Vocabulary
from .selectors.search import among, country_names, normalise_query, search_filter

SORTS = {"relevance": "Relevance", "name": "Name", "year": "Oldest first", "-year": "Newest first"}
VIEWS = {"cards": "Cards", "table": "Table"}
ROLES = {"member": "Member", "observer": "Observer"}
FACETS = ("kind", "region", "theme", "country", "role", "status", "year_min", "year_max")
PARAMS = ("q", *FACETS, "sort", "view")
# More countries than anyone compares at once; each adds a subquery.
MAX_COUNTRIES = 10
# Notices quote what was typed, shortened: a notice is not a place for 10,000 characters.
QUOTE_CHARS = 40


def _country_choices() -> list[tuple[str, str]]:
    return [(countries.alpha3(code), name) for code, name in all_countries]


def resolve_country(text: str) -> str:
    """The alpha-3 code of a country typed as a code or a name ("" if none)."""
    code = country_code(text) or country_names().get(countries.fold(text).strip().lower(), "")
    return countries.alpha3(code) if code else ""


@dataclass(frozen=True)
class Chip:
    """A value that narrows the list, shown as a link that removes it."""

    param: str
    value: str
    name: str  # of the facet: "Kind"
    text: str  # of the value: "Global process"
    remove_url: str

    @property
    def label(self) -> str:
        return f"{self.name}: {self.text}"


class MechanismFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="filter_q")
    kind = django_filters.MultipleChoiceFilter(
        label="Kind", choices=Mechanism.Kind.choices, distinct=False
    )
    region = django_filters.MultipleChoiceFilter(label="Region", method="filter_region")
    theme = django_filters.MultipleChoiceFilter(label="Thematic area", method="filter_theme")
    country = django_filters.MultipleChoiceFilter(
        label="Country", choices=_country_choices, method="filter_country"
    )
    # How the chosen countries take part; it applies through `country`.
    role = django_filters.ChoiceFilter(label="Role", choices=list(ROLES.items()), method="keep")
    status = django_filters.MultipleChoiceFilter(
        label="Status", choices=Mechanism.Status.choices, distinct=False
    )
    year_min = django_filters.NumberFilter(
        label="Established from", field_name="established", lookup_expr="gte"
    )
    year_max = django_filters.NumberFilter(
        label="Established until", field_name="established", lookup_expr="lte"
    )
    # Applied by the selectors (relevance needs the search's rank).
    sort = django_filters.ChoiceFilter(label="Sort by", choices=list(SORTS.items()), method="keep")
    view = django_filters.ChoiceFilter(label="Show as", choices=list(VIEWS.items()), method="keep")

    class Meta:
        model = PublishedProfile
        fields: list[str] = []

    def __init__(self, data=None, *, vocabulary: Vocabulary, **kwargs):
        super().__init__(data, queryset=PublishedProfile.objects.all(), **kwargs)
        self.vocabulary = vocabulary
        self._found_by_search: dict[str, list[int]] = {}
        self.filters["region"].extra["choices"] = [
            (r.slug, r.name) for r in vocabulary.regions.values()
        ]
        self.filters["theme"].extra["choices"] = [
            (t.slug, t.name) for t in vocabulary.themes.values()
        ]

    def keep(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=among(self.found_by_search(value)))

    def found_by_search(self, q: str) -> list[int]:
        """The snapshots the search finds, looked up once per request: the results, their
        count and every facet's counts filter on these ids rather than each running the
        full-text match again (7 times per page)."""
        found = self._found_by_search.get(q)
        if found is None:
            found = list(
                search_filter(PublishedProfile.objects.all(), q).values_list("pk", flat=True)
            )
            self._found_by_search[q] = found
        return found

    def filter_region(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        through = PublishedProfile.regions.through.objects.filter(region__slug__in=value)
        return queryset.filter(pk__in=through.values("publishedprofile_id"))

    def filter_theme(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        through = PublishedProfile.thematic_areas.through.objects.filter(
            thematicarea__slug__in=value
        )
        return queryset.filter(pk__in=through.values("publishedprofile_id"))

    def filter_country(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return self.taking_part(queryset, value, self.form.cleaned_data.get("role"))

    @staticmethod
    def taking_part(queryset: QuerySet, value: list[str], role: str | None) -> QuerySet:
        """Mechanisms in which every country of `value` takes part (in `role`, if given)."""
        for code3 in value:
            taking_part = PublishedParticipant.objects.filter(country=countries.from_alpha3(code3))
            if role:
                taking_part = taking_part.filter(role=role)
            queryset = queryset.filter(pk__in=taking_part.values("profile_id"))
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.filtered(queryset)

    def filtered(
        self,
        queryset: QuerySet | None = None,
        *,
        without: str = "",
        only_countries: list | None = None,
    ) -> QuerySet:
        """The results, optionally without one facet (its counts apply all the others) or
        with another list of countries (what removing one of them would give)."""
        queryset = self.queryset.all() if queryset is None else queryset
        for name, value in self.form.cleaned_data.items():
            if name == without:
                continue
            if name == "country":
                role = None if without == "role" else self.form.cleaned_data.get("role")
                chosen = value if only_countries is None else only_countries
                queryset = self.taking_part(queryset, chosen, role)
            else:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def values(self) -> dict:
        """The cleaned values (the form is always valid: the data was cleaned first)."""
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def search(self) -> str:
        return self.values.get("q") or ""

    @property
    def sort_order(self) -> str:
        return self.values.get("sort") or ("relevance" if self.search else "name")

    @property
    def display(self) -> str:
        return self.values.get("view") or "cards"

    @property
    def chosen_countries(self) -> list[str]:
        """The chosen countries' alpha-3 codes."""
        return list(self.values.get("country") or [])

    @property
    def active(self) -> bool:
        """Whether anything narrows the list (a search or a facet)."""
        return bool(self.chips())

    def url_without(self, param: str, value: str | None = None) -> str:
        """This page's query string without `param` (or only its `value`), from page 1."""
        query = self.data.copy()
        if value is None:
            query.pop(param, None)
        else:
            query.setlist(param, [v for v in query.getlist(param) if v != value])
        if not query.getlist("country"):
            query.pop("role", None)  # how no country takes part means nothing
        return f"?{query.urlencode()}" if query else "?"

    def chips(self) -> list[Chip]:
        """Each value that narrows the list, with the address of the list without it."""
        vocab, values = self.vocabulary, self.values
        labels: dict[str, tuple[str, Callable[[str], str]]] = {
            "q": ("Search", lambda v: f"“{v}”"),
            "kind": ("Kind", KIND_LABELS.__getitem__),
            "region": ("Region", lambda v: vocab.regions[v].name),
            "theme": ("Theme", lambda v: vocab.themes[v].name),
            "country": ("Country", lambda v: countries.name(countries.from_alpha3(v))),
            "role": ("Taking part as", lambda v: ROLES[v].lower()),
            "status": ("Status", STATUS_LABELS.__getitem__),
            "year_min": ("Established from", str),
            "year_max": ("Established until", str),
        }
        found = []
        for param, (name, label) in labels.items():
            if param == "role" and not self.chosen_countries:
                continue
            value = values.get(param)
            several = isinstance(value, list)
            for one in value if several else [value]:
                if one in (None, ""):
                    continue
                text = str(int(one)) if param.startswith("year") else str(one)
                remove = self.url_without(param, text if several else None)
                found.append(Chip(param, text, name, label(text), remove))
        return found


@dataclass(frozen=True)
class CleanQuery:
    data: QueryDict  # only valid values, countries as alpha-3 codes
    notices: list[str]


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def clean_query(query: QueryDict, vocabulary: Vocabulary) -> CleanQuery:
    """The query string's valid values (one search, known facet values, years in range),
    and a notice for each value dropped or changed."""
    data, notices = QueryDict(mutable=True), []
    fields = MechanismFilterSet(vocabulary=vocabulary).form.fields

    q, note = normalise_query(query.get("q", ""))
    if note:
        notices.append(note)
    if q:
        data["q"] = q

    for name in ("kind", "region", "theme", "status"):
        field: forms.ChoiceField = fields[name]
        for value in dict.fromkeys(query.getlist(name)):
            if field.valid_value(value):
                data.appendlist(name, value)
            elif value.strip():
                notices.append(f"Ignored the unknown {field.label.lower()} “{_quote(value)}”.")

    chosen: list[str] = []
    for value in query.getlist("country"):
        if not value.strip():
            continue  # the empty "add a country" box
        code3 = resolve_country(value[:100])
        if not code3:
            notices.append(f"Ignored “{_quote(value)}”: no country has this name or code.")
        elif code3 not in chosen:
            chosen.append(code3)
    if len(chosen) > MAX_COUNTRIES:
        notices.append(f"Only the first {MAX_COUNTRIES} countries chosen are used.")
    data.setlist("country", chosen[:MAX_COUNTRIES])

    for name, choices in (("role", ROLES), ("sort", SORTS), ("view", VIEWS)):
        value = query.get(name, "")
        if value in choices:
            data[name] = value
        elif value.strip():
            notices.append(f"Ignored the unknown {name} “{_quote(value)}”.")
    if data.get("sort") == "relevance" and not q:
        del data["sort"]  # nothing to rank: the list is by name

    years = {}
    for name in ("year_min", "year_max"):
        value = query.get(name, "").strip()
        if not value:
            continue
        try:
            year = int(value)
        except ValueError:
            year = None
        if year is None or not YEAR_MIN <= year <= YEAR_MAX:
            between = f"give a year between {YEAR_MIN} and {YEAR_MAX}"
            notices.append(f"Ignored the year “{_quote(value)}”: {between}.")
        else:
            years[name] = year
    if len(years) == 2 and years["year_min"] > years["year_max"]:
        years = {"year_min": years["year_max"], "year_max": years["year_min"]}
        notices.append("The years were the wrong way round; they have been swapped.")
    for name, year in years.items():
        data[name] = str(year)
    return CleanQuery(data, notices)


def bind(query: QueryDict, vocabulary: Vocabulary) -> tuple[MechanismFilterSet, list[str]]:
    """The filter set of a request's query string, and the notices about what was dropped."""
    cleaned = clean_query(query, vocabulary)
    return MechanismFilterSet(cleaned.data, vocabulary=vocabulary), cleaned.notices
