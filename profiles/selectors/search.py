"""Search over published snapshots: which match, in what order, and why (snippets, members).

PostgreSQL: full-text search (`websearch_to_tsquery`, English stemming) against the
stored, weighted, GIN-indexed `search_vector`, ranked; united with typo-tolerant trigram
matches on the names and aliases ("Almati" finds the Almaty Process). SQLite (the quick
start): every word of the query must appear in the lower-cased `search_text`, or a name
must be close to the query (difflib), so a misspelt name is found there too.

Snippets and matched members are computed for the rows of one page only.
"""

import difflib
import re
from functools import cache

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_countries import countries as all_countries

from .. import countries
from ..models import PublishedParticipant, PublishedProfile

MAX_QUERY_CHARS = 200
# A name matches when word_similarity(query, names) exceeds PostgreSQL's
# pg_trgm.word_similarity_threshold (0.6 unless the database settings lower it): the `%>`
# operator can use the trigram GIN index, where a comparison with a constant cannot.
# "Almati" → "Almaty" scores 0.71, "Budapest proces" → "Budapest Process" 0.94; unrelated
# names of the demo at most 0.4.
TRIGRAM_SUGGEST = 0.3
SUGGESTIONS = 3
# Private-use characters mark the matched words in ts_headline's output: the text is
# escaped first, then they become <mark>, so nothing in the text itself becomes markup.
START, STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
_SENTINELS = re.compile(f"[{START}{STOP}]")
# Characters PostgreSQL refuses in text (NUL) or that only disturb a search (controls).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WORD = re.compile(r"\w")
SNIPPET_CHARS = 220


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def normalise_query(raw: str) -> tuple[str, str]:
    """(the query to search for, a notice about what was changed or "")."""
    text = " ".join(_CONTROL.sub(" ", raw).split())
    note = ""
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rstrip()
        note = f"Your search was shortened to its first {MAX_QUERY_CHARS} characters."
    if text and not _WORD.search(text):
        return "", "Your search has no letters or digits to look for, so every mechanism is shown."
    return text, note


def words(q: str) -> list[str]:
    """The query's words for the simple search: lower case, punctuation around them removed
    ("5+5" and "d'ivoire" stay whole)."""
    found = (w.strip(".,;:!?\"'()[]{}<>«»“”‘’-") for w in q.lower().split())
    return list(dict.fromkeys(w for w in found if w and _WORD.search(w)))


def _tsquery(q: str) -> SearchQuery:
    return SearchQuery(q, search_type="websearch", config="english")


def _similarity(q: str) -> TrigramWordSimilarity:
    return TrigramWordSimilarity(Value(q), "search_names")


def search_filter(queryset: QuerySet, q: str) -> QuerySet:
    """The snapshots `q` finds."""
    if is_postgresql():
        return queryset.filter(
            Q(search_vector=_tsquery(q)) | Q(search_names__trigram_word_similar=q)
        )
    every_word = Q()
    for word in words(q):
        # SQLite's LIKE ignores ASCII case; the text holds countries' unaccented names too.
        folded = countries.fold(word)
        match = Q(search_text__contains=word)
        if folded != word:
            match |= Q(search_text__contains=folded)
        every_word &= match
    return queryset.filter(every_word | Q(pk__in=_close_pks(q)))


def among(ids: list[int]) -> list[int] | RawSQL:
    """`pk__in` for a list of ids that may hold thousands: on PostgreSQL one array
    parameter (`IN (SELECT unnest(%s))`) rather than one literal per id, which every facet
    count would parse, plan and format again (~15 ms each at 5,000 ids)."""
    if is_postgresql():
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


def by_relevance(queryset: QuerySet, q: str) -> QuerySet:
    """The snapshots ordered best match first (then by name)."""
    if is_postgresql():
        # Full-text matches first, by their rank; then names found only by trigrams, by
        # similarity (computed for those rows alone: for every match it cost 65 ms at 5,000).
        rank = Case(
            When(
                Q(search_vector=_tsquery(q)),
                then=Value(1.0) + SearchRank(F("search_vector"), _tsquery(q)),
            ),
            default=_similarity(q),
            output_field=FloatField(),
        )
        return queryset.annotate(rank=rank).order_by("-rank", "name")
    # Without ranking functions: a mechanism named by more of the words comes first.
    rank = Value(0, output_field=IntegerField())
    for word in words(q):
        rank = rank + Case(When(search_names__contains=word, then=1), default=0)
    return queryset.annotate(rank=rank).order_by("-rank", "name")


def _highlight(text: str) -> SafeString:
    """Escaped text in which only the sentinel pairs became <mark> elements."""
    marked = _MARKED.sub(r"<mark>\1</mark>", escape(text))
    return mark_safe(_SENTINELS.sub("", marked))  # noqa: S308 - escaped above


def snippets(pks: list[int], q: str) -> dict[int, SafeString]:
    """A highlighted passage of each snapshot's summary, sections or document titles where
    the query matched (one query; only for snapshots whose text contains a match)."""
    if not pks or not q:
        return {}
    rows = PublishedProfile.objects.filter(pk__in=pks)
    if is_postgresql():
        headline = SearchHeadline(
            "snippet_text",
            _tsquery(q),
            config="english",
            start_sel=START,
            stop_sel=STOP,
            max_words=30,
            min_words=12,
            max_fragments=2,
        )
        found = rows.annotate(snippet=headline).values_list("pk", "snippet")
        return {pk: _highlight(text) for pk, text in found if text and START in text}
    return {
        pk: snippet
        for pk, text in rows.values_list("pk", "snippet_text")
        if (snippet := _simple_snippet(text, words(q)))
    }


def _simple_snippet(text: str, wanted: list[str]) -> SafeString | None:
    """The passage around the first query word in `text`, with the words marked."""
    if not wanted or not text:
        return None
    lowered = countries.fold(text).lower()
    folded = [countries.fold(w) for w in wanted]
    hits = [i for w in folded if (i := lowered.find(w)) >= 0]
    if not hits:
        return None
    start = max(0, min(hits) - SNIPPET_CHARS // 3)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    passage = text[start : start + SNIPPET_CHARS]
    pattern = re.compile("|".join(re.escape(w) for w in sorted(folded, key=len, reverse=True)))
    # Folding keeps one character per character for Latin letters, so positions line up.
    source = countries.fold(passage).lower()
    marked, last = [], 0
    if len(source) == len(passage):
        for match in pattern.finditer(source):
            marked += [passage[last : match.start()], START, passage[match.start() : match.end()]]
            marked.append(STOP)
            last = match.end()
    marked.append(passage[last:])
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_CHARS < len(text) else ""
    return _highlight(prefix + "".join(marked).replace("\n", " ") + suffix)


@cache
def country_names() -> dict[str, str]:
    """Every name a country is searched by (unaccented, lower case) → its alpha-2 code."""
    names: dict[str, str] = {}
    for code, _name in all_countries:
        for name in countries.search_names(code):
            names.setdefault(countries.fold(name).lower(), code)
    return names


@cache
def _country_pattern() -> tuple[re.Pattern, dict[str, str]]:
    names = country_names()
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), names


def countries_named(q: str) -> list[str]:
    """Alpha-2 codes of the countries the query names ("Turkey", "ivory coast", "Türkiye")."""
    pattern, names = _country_pattern()
    found = (names[m.group(0)] for m in pattern.finditer(countries.fold(q).lower()))
    return list(dict.fromkeys(found))


def matched_members(pks: list[int], q: str) -> dict[int, list[str]]:
    """The countries named in the query that take part in each snapshot (one query, and
    none if the query names no country)."""
    codes = countries_named(q) if q else []
    if not pks or not codes:
        return {}
    found: dict[int, list[str]] = {}
    rows = (
        PublishedParticipant.objects.filter(profile_id__in=pks, country__in=codes)
        .values_list("profile_id", "country")
        .distinct()
    )
    for pk, code in rows:
        found.setdefault(pk, []).append(code)
    return {pk: [countries.name(c) for c in codes if c in present] for pk, present in found.items()}


def suggestions(q: str) -> list[str]:
    """Names close to a query that found nothing: "did you mean…?" (mechanisms, countries)."""
    if not q:
        return []
    if is_postgresql():
        rows = (
            PublishedProfile.objects.annotate(similarity=_similarity(q))
            .filter(similarity__gte=TRIGRAM_SUGGEST)
            .order_by("-similarity", "name")
            .values_list("short_name", "name")[:SUGGESTIONS]
        )
        names = [short or name for short, name in rows]
    else:
        names = _close_names(q)
    _pattern, country_names = _country_pattern()
    close = difflib.get_close_matches(countries.fold(q).lower(), country_names, n=2, cutoff=0.75)
    names += [countries.name(country_names[c]) for c in close]
    return list(dict.fromkeys(names))[:SUGGESTIONS]


# SQLite: a name (or a word of it) this close to the whole query (difflib's ratio) is a
# match, as a trigram match is on PostgreSQL ("Almati" → "Almaty" scores 0.83); a little
# less close is offered as "did you mean".
CLOSE_MATCH, CLOSE_SUGGESTION = 0.8, 0.75


def _closeness(q: str) -> list[tuple[float, int, str]]:
    """(best ratio, pk, short name or name) of every published mechanism (SQLite only:
    it reads every snapshot's names, which the quick start's few dozen allow)."""
    wanted = countries.fold(q).lower()
    scored = []
    for pk, short, name, searched in PublishedProfile.objects.values_list(
        "pk", "short_name", "name", "search_names"
    ):
        candidates = countries.fold(searched).lower().split("\n")
        candidates += [w for c in candidates for w in c.split() if len(w) >= 4]
        best = max(difflib.SequenceMatcher(None, wanted, c).ratio() for c in candidates)
        scored.append((best, pk, short or name))
    return scored


def _close_pks(q: str) -> list[int]:
    return [pk for best, pk, _name in _closeness(q) if best >= CLOSE_MATCH]


def _close_names(q: str) -> list[str]:
    """SQLite's "did you mean": names, or a word of them, close to the query (difflib)."""
    scored = sorted((-best, name) for best, _pk, name in _closeness(q) if best >= CLOSE_SUGGESTION)
    return [name for _score, name in scored[:SUGGESTIONS]]
