"""Downloads of what a public list shows (search results, a country, the overlap matrix…).

A list page builds a `Table` of exactly the rows it shows (all of them, not one page),
with names and labels rather than import codes, and serves it with `download_response`
when its query string asks for `download=xlsx` or `download=csv`. Each file says what it
is, the date of the latest publication it contains ("data as of") and how to cite it.

The .xlsx has the table, then an About sheet; the .csv is the table alone, each row
ending with the "data as of" date and the citation, so the file stands on its own.
Written through `workbook.writer` (and `workbook.columns.cell_value` for the CSV), which
neutralise spreadsheet formulas.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from workbook.columns import Column, Sheet, cell_value
from workbook.writer import write_sheets

from .models import PublishedProfile

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("xlsx", "csv")
SITE = "ISCM Profiles (IOM International Partnerships Division)"
AS_OF, CITATION = "Data as of", "Citation"


@dataclass(frozen=True)
class Table:
    """A list as shown: `columns` are (label, what it means); each row maps label → value."""

    title: str
    columns: tuple[tuple[str, str], ...]
    rows: list[dict]
    # The latest publication among the rows (None: nothing published is shown).
    data_as_of: date | datetime | None
    filename: str  # without extension, e.g. "iscm-mechanisms"


def as_of(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def citation(table: Table, page_url: str) -> str:
    """The site's citation line for this table."""
    dated = f", data as of {as_of(table.data_as_of)}" if table.data_as_of else ""
    return f"{SITE}, “{table.title}”{dated}. {page_url} (accessed {timezone.localdate()})."


def page_url(request: HttpRequest) -> str:
    """The page's own address, without the download parameter."""
    query = request.GET.copy()
    query.pop("download", None)
    encoded = query.urlencode()
    return request.build_absolute_uri(request.path + (f"?{encoded}" if encoded else ""))


def download_links(request: HttpRequest) -> list[tuple[str, str]]:
    """(format, address) of this page's downloads: the page's query plus `download=…`."""
    links = []
    for fmt in FORMATS:
        query = request.GET.copy()
        query.pop("page", None)  # a download holds every row, not one page
        query["download"] = fmt
        links.append((fmt, f"{request.path}?{query.urlencode()}"))
    return links


def requested_format(request: HttpRequest) -> str | None:
    """ "xlsx" or "csv" if the query asks for a download (anything else: the page)."""
    fmt = request.GET.get("download", "")
    return fmt if fmt in FORMATS else None


def write_xlsx(target, table: Table, url: str) -> None:
    sheet = Sheet(
        "Data",
        PublishedProfile,
        tuple(Column(label, "text", meaning, width=28) for label, meaning in table.columns),
        key=(),
        help=table.title,
    )
    intro = [
        ("Title", table.title),
        (AS_OF, as_of(table.data_as_of)),
        ("Source", url),
        (CITATION, citation(table, url)),
    ]
    write_sheets(target, {"Data": table.rows}, [sheet], intro=intro)


def write_csv(target, table: Table, url: str) -> None:
    writer = csv.writer(target)
    labels = [label for label, _meaning in table.columns]
    writer.writerow([*labels, AS_OF, CITATION])
    dated, cited = as_of(table.data_as_of), citation(table, url)
    for row in table.rows:
        values = [cell_value(row[label]) for label in labels]
        writer.writerow(["" if v is None else v for v in values] + [dated, cited])


def download_response(request: HttpRequest, table: Table, fmt: str) -> HttpResponse:
    url = page_url(request)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(buffer, table, url)
        content, content_type = buffer.getvalue(), XLSX_TYPE
    else:
        text = io.StringIO()
        text.write("\ufeff")  # so that Excel reads the file as UTF-8
        write_csv(text, table, url)
        content, content_type = text.getvalue().encode("utf-8"), "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, f"{table.filename}.{fmt}")
    return response
