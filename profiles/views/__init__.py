"""Public pages and the staff draft preview. Thin: validate the query, read through
selectors (published snapshots only), render. One module per kind of page; the page
cache is in `caching`.
"""

from .caching import cached_page, code_version, profile_page, public_page
from .downloads import data_export_xlsx, mechanism_export_csv, mechanism_export_xlsx
from .pages import healthz, home, mechanism_detail, mechanism_list, mechanism_preview

__all__ = [
    "cached_page",
    "code_version",
    "data_export_xlsx",
    "healthz",
    "home",
    "mechanism_detail",
    "mechanism_export_csv",
    "mechanism_export_xlsx",
    "mechanism_list",
    "mechanism_preview",
    "profile_page",
    "public_page",
]
