"""The page cache of public pages and downloads.

Rendered public pages and downloads are cached (`cached_page`), keyed on the version of
what they show: lists and the whole-site download on every published snapshot's
(`selectors.public_version`), a profile's downloads (and the page of a profile without
members) on its own snapshot's and those of the profiles it is linked with
(`selectors.profile_version`). Publishing or
unpublishing changes the keys of every page that shows it, so the public never gets a page
older than the last publication.
"""

import hashlib
import logging
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

from .. import selectors

logger = logging.getLogger(__name__)

# Query parameters holding typed text (a search, a name to find): endless possible keys,
# so their pages are kept only in each process's bounded memory, never the shared cache.
FREE_TEXT = ("q", "find")
# A cached page whose key is no longer asked for (a publication moved on) expires.
PAGE_CACHE_SECONDS = 600
# Headers of a cached response that are the view's (middleware adds the rest each time).
KEPT_HEADERS = ("Content-Type", "Content-Disposition")


@cache
def code_version() -> str:
    """A digest of the templates, static files and the site's code, read once per process.

    Part of every page key, so a new release never serves pages rendered by the previous
    one (with its templates, or static file names that no longer exist) from a shared cache.
    """
    digest = hashlib.blake2b(digest_size=8)
    base = Path(settings.BASE_DIR)
    code = [(app, "*.py") for app in ("iscm_site", "history", "workbook", "profiles", "surveys")]
    for folder, pattern in (("templates", "*.html"), ("static", "*"), *code):
        for path in sorted((base / folder).rglob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _address(request: HttpRequest, params: tuple[str, ...] | None) -> str:
    """The page's address for its key: the path and the query parameters that shape the
    page (`params`; None: all of them), so that other parameters make no new key."""
    query = sorted(
        (name, values) for name, values in request.GET.lists() if params is None or name in params
    )
    return hashlib.blake2b(repr((request.path, query)).encode(), digest_size=16).hexdigest()


def _page_key(address: str, version: str) -> str:
    return f"public-page:{code_version()}:{version}:{address}"


def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    """A response that is the same for every anonymous visitor, with no per-request secret."""
    nonce = getattr(request, "_csp_nonce", None)
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not nonce  # a CSP nonce used while rendering is this request's only
        and "CSRF_COOKIE_NEEDS_UPDATE" not in request.META
    )


def _layers(*, shared: bool = True) -> list:
    """The page caches, nearest first: this process's copies (when the shared cache is
    another server's, settings' "pages"), then the shared one ("default"). Without
    `shared`, the memory of this process only, which is bounded (LocMemCache culls)."""
    aliases = [alias for alias in ("pages", "default") if alias in settings.CACHES]
    return [caches[alias] for alias in (aliases if shared else aliases[:1])]


def _cache_get(key: str, layers: list):
    missed = []
    for layer in layers:
        try:
            hit = layer.get(key)
        except Exception:  # the cache is an optimisation: log and render
            logger.warning("page cache unavailable", exc_info=True)
            hit = None
        if hit is not None:
            for nearer in missed:
                nearer.set(key, hit, PAGE_CACHE_SECONDS)
            return hit
        missed.append(layer)
    return None


def _cache_set(key: str, value, layers: list) -> None:
    for layer in layers:
        try:
            layer.set(key, value, PAGE_CACHE_SECONDS)
        except Exception:
            logger.warning("page cache unavailable", exc_info=True)


def _cached_response(hit) -> HttpResponse:
    content, headers = hit
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


def cached_page(
    version_of: Callable[..., str | None] | None = None, *, params: tuple[str, ...] | None = None
):
    """Serve an anonymous visitor's GET from the page cache, keyed on the version of what
    the page shows.

    The first key is the version of everything public (`selectors.published_version`: one
    query, and `other_versions`). A page that shows less (a profile) also gives
    `version_of(published, **kwargs)`, the version of what it shows from the snapshots
    (None: do not cache, e.g. nothing is published there):
    when a publication elsewhere moved the first key on, the page is found under the
    second, copied under the new first key, and not rendered again.

    `params` names the query parameters that shape the page (None: all). A free-text
    search (`q`) could make endless keys: its pages stay in each process's bounded memory.
    Visitors with a session (staff) always get a fresh page. A cache that does not answer
    (Redis down) only makes pages slower, never fail.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                return view(request, *args, **kwargs)
            published, others = selectors.published_version(), selectors.other_versions()
            address = _address(request, params)
            free_text = any(request.GET.get(name, "").strip() for name in FREE_TEXT)
            layers = _layers(shared=not free_text)
            keys = [_page_key(address, f"{published}:{others}")]
            if (hit := _cache_get(keys[0], layers)) is not None:
                return _cached_response(hit)
            if version_of is not None:
                version = version_of(published, **kwargs)
                if version is None:
                    return view(request, *args, **kwargs)
                keys.append(_page_key(address, f"own:{version}:{others}"))
                if (hit := _cache_get(keys[1], layers)) is not None:
                    _cache_set(keys[0], hit, layers)
                    return _cached_response(hit)
            response = view(request, *args, **kwargs)
            if _cacheable(request, response):
                headers = [(h, response[h]) for h in KEPT_HEADERS if h in response]
                for key in keys:
                    _cache_set(key, (response.content, headers), layers)
            return response

        return wrapper

    return decorator


# Lists, search and the whole-site download show every published profile: any publication
# changes them. A profile's downloads change with its own snapshot and those it is linked
# with only.
public_page = cached_page()
profile_page = cached_page(
    lambda published, *, slug: selectors.profile_version(slug, published), params=()
)
# A profile page too, unless it has members: it then names the mechanisms sharing the most
# member States with it, which a publication of any other mechanism can change.
profile_detail_page = cached_page(
    lambda published, *, slug: selectors.profile_version(slug, published, sharing=True),
    params=(),
)
