"""Counts beside each facet value of /mechanisms/, and why a page has no results.

Counted in the database, one query per facet, for the current results. Counts are
disjunctive: a facet's counts apply every *other* facet (and the search), so ticking a
value shows what that count said. Countries are the exception, since choosing several
narrows to mechanisms where all take part: their counts are within the current results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet

from .. import countries
from ..models import Mechanism, PublishedParticipant, PublishedProfile
from . import search

if TYPE_CHECKING:
    from ..filters import MechanismFilterSet

# Countries offered as checkboxes: the chosen ones, then the most frequent in the results.
TOP_COUNTRIES = 12


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str  # the query parameter
    label: str
    values: list[FacetValue]


def _counted(
    name: str, label: str, choices: list[tuple[str, str]], counts: dict, chosen: list
) -> Facet:
    return Facet(
        name,
        label,
        [FacetValue(v, text, counts.get(v, 0), v in chosen) for v, text in choices],
    )


def _column_counts(results: QuerySet, column: str) -> dict[str, int]:
    rows = results.order_by().values(column).annotate(n=Count("pk")).values_list(column, "n")
    return dict(rows)


def _through_counts(results: QuerySet, relation: str, key: str) -> dict[int, int]:
    through = getattr(PublishedProfile, relation).through.objects
    rows = (
        through.filter(publishedprofile_id__in=results.values("pk"))
        .order_by()
        .values(key)
        .annotate(n=Count("publishedprofile_id"))
        .values_list(key, "n")
    )
    return dict(rows)


def country_facet(filterset: MechanismFilterSet, total: int) -> Facet:
    """The chosen countries (each in every result: the count is the total), then the
    TOP_COUNTRIES taking part most often in the results (in the chosen role, if any)."""
    chosen = filterset.chosen_countries
    taking_part = PublishedParticipant.objects.filter(
        profile_id__in=filterset.qs.values("pk")
    ).exclude(country="")
    if role := filterset.values.get("role"):
        taking_part = taking_part.filter(role=role)
    others = (
        taking_part.exclude(country__in=[countries.from_alpha3(c) for c in chosen])
        .order_by()
        .values("country")
        .annotate(n=Count("profile_id", distinct=True))
        .order_by("-n", "country")
        .values_list("country", "n")[:TOP_COUNTRIES]
    )
    values = [
        FacetValue(code3, countries.name(countries.from_alpha3(code3)), total, True)
        for code3 in chosen
    ]
    ranked = sorted((-n, countries.name(c), c) for c, n in others)
    values += [FacetValue(countries.alpha3(c), name, -n, False) for n, name, c in ranked]
    return Facet("country", "Member country", values)


def facets(filterset: MechanismFilterSet, total: int) -> list[Facet]:
    """Kind, region, thematic area, status and country, with counts (five queries)."""
    vocab, values = filterset.vocabulary, filterset.values
    region_keys = {r.pk: key for key, r in vocab.regions.items()}
    theme_keys = {t.pk: key for key, t in vocab.themes.items()}
    regions = _through_counts(filterset.filtered(without="region"), "regions", "region_id")
    themes = _through_counts(
        filterset.filtered(without="theme"), "thematic_areas", "thematicarea_id"
    )
    return [
        _counted(
            "kind",
            "Kind",
            Mechanism.Kind.choices,
            _column_counts(filterset.filtered(without="kind"), "kind"),
            values.get("kind") or [],
        ),
        _counted(
            "region",
            "Region",
            [(key, r.name) for key, r in vocab.regions.items()],
            {region_keys[pk]: n for pk, n in regions.items() if pk in region_keys},
            values.get("region") or [],
        ),
        _counted(
            "theme",
            "Thematic area",
            [(key, t.name) for key, t in vocab.themes.items()],
            {theme_keys[pk]: n for pk, n in themes.items() if pk in theme_keys},
            values.get("theme") or [],
        ),
        _counted(
            "status",
            "Status",
            Mechanism.Status.choices,
            _column_counts(filterset.filtered(without="status"), "status"),
            values.get("status") or [],
        ),
        country_facet(filterset, total),
    ]


@dataclass(frozen=True)
class Cause:
    """A filter of an empty page: how many results there would be without it."""

    label: str
    count: int
    remove_url: str


def empty_causes(filterset: MechanismFilterSet) -> list[Cause]:
    """For each active filter of a page without results, the count without it (one query
    each: a bounded number, as there are few parameters and at most ten countries)."""
    causes = []
    grouped: dict[str, list] = {}
    for chip in filterset.chips():
        if chip.param == "country":
            others = [c for c in filterset.chosen_countries if c != chip.value]
            count = filterset.filtered(only_countries=others).count()
            causes.append(Cause(chip.label, count, chip.remove_url))
        else:
            grouped.setdefault(chip.param, []).append(chip)
    for param, chips in grouped.items():
        count = filterset.filtered(without=param).count()
        label = f"{chips[0].name}: {' or '.join(chip.text for chip in chips)}"
        causes.append(Cause(label, count, filterset.url_without(param)))
    return sorted(causes, key=lambda c: -c.count)


def did_you_mean(filterset: MechanismFilterSet) -> list[str]:
    """Names close to a search that finds nothing by itself (when only the other filters
    emptied the page, their counts say so)."""
    q = filterset.search
    if not q or filterset.found_by_search(q):
        return []
    return search.suggestions(q)
