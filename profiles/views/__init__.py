"""Public pages and the staff draft preview. Thin: validate the query, read through
selectors (published snapshots only), render. One module per kind of page; the page
cache is in `caching`.
"""

from .caching import cached_page, code_version, profile_page, public_page
from .compare import compare
from .countries import country_detail, country_list, membership_table
from .downloads import data_export_xlsx, mechanism_export_csv, mechanism_export_xlsx
from .lists import mechanism_list
from .overlap import overlap, overlap_pair
from .pages import healthz, home, mechanism_detail, mechanism_preview

__all__ = [
    "cached_page",
    "code_version",
    "compare",
    "country_detail",
    "country_list",
    "data_export_xlsx",
    "healthz",
    "home",
    "mechanism_detail",
    "mechanism_export_csv",
    "mechanism_export_xlsx",
    "mechanism_list",
    "mechanism_preview",
    "membership_table",
    "overlap",
    "overlap_pair",
    "profile_page",
    "public_page",
]
