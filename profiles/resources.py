"""django-import-export resources: one per model, with the workbook's column names.

They serve the admin's per-model import and export (CSV or .xlsx, one sheet). The column
names and their order are those of the workbook's sheets (`profiles.workbook.spec`), so a
sheet exported from one model's admin page can be pasted into the workbook and back. The
whole-workbook import (several sheets, validated together, applied in bulk) is
`profiles.workbook`; these resources are the per-row path, for one model at a time.

What django-import-export does not do by itself, and these resources add:
- headers are checked before any row (unknown, missing, duplicated, wrong delimiter);
- every text is checked for NUL and control characters (refused the same way on SQLite and
  PostgreSQL) and formula neutralisation is undone (`'=x` → `=x`);
- every exported text is neutralised against formulas (`=`, `+`, `-`, `@`, tab, CR, `'`);
- .xlsx uploads go through the same safety checks as the workbook (zip, sizes, DTDs,
  macros, real row count);
- model validation (`full_clean`: lengths, choices, year ranges, uniqueness) runs per row;
- a section's HTML is rendered when its Markdown is imported.
"""

import io

import openpyxl
import tablib
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Region,
    Section,
    ThematicArea,
    Topic,
)
from .rendering import render_markdown
from .workbook import spec
from .workbook.safety import check_xlsx, iter_sheet_rows


class ImportFileError(ValueError):
    """A file or its headers cannot be imported; the message says why, for the user."""


# --- formats -------------------------------------------------------------------------------


class SafeXLSX(XLSX):
    """.xlsx import through the workbook's safety checks; reads the first sheet, every row."""

    def create_dataset(self, in_stream):
        source = io.BytesIO(in_stream)
        check_xlsx(source)
        book = openpyxl.load_workbook(source, read_only=True, data_only=False, keep_links=False)
        try:
            rows = iter_sheet_rows(book, book.sheetnames[0])
            dataset = tablib.Dataset()
            header = next(rows, None)
            if header is None or header[0] != 1:
                raise ImportFileError("The first sheet is empty: row 1 must hold the headers.")
            width = max(cell.column for cell in header[1])
            dataset.headers = _padded(header[1], width)
            for _number, cells in rows:
                if cells:
                    if any(cell.is_formula for cell in cells):
                        raise ImportFileError(
                            f"Row {_number} holds a formula; only values are imported."
                        )
                    dataset.append(_padded(cells, width))
        finally:
            book.close()
        return dataset


def _padded(cells, width: int) -> list:
    values = [None] * width
    for cell in cells:
        if cell.column > width:
            raise ImportFileError(f"A value in column {cell.column}, which has no header.")
        values[cell.column - 1] = cell.value
    return values


class StrictCSV(CSV):
    """CSV import that explains a wrong encoding instead of naming an exception."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode(self.encoding or "utf-8-sig")
            except UnicodeDecodeError:
                raise ImportFileError(
                    "The file is not UTF-8 text: in Excel, save it as “CSV UTF-8 (Comma "
                    "delimited)”."
                ) from None
        return super().create_dataset(in_stream, **kwargs)


IMPORT_FORMATS = [StrictCSV, SafeXLSX]
EXPORT_FORMATS = [CSV, XLSX]


# --- widgets -------------------------------------------------------------------------------


class TextWidget(widgets.CharWidget):
    """Empty cells are empty strings (never NULL); texts are trimmed."""

    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, **kwargs)

    def clean(self, value, row=None, **kwargs):
        return spec.norm_text(super().clean(value, row, **kwargs))


class ChoiceWidget(widgets.Widget):
    """A choice by its value or its label, in any case."""

    def __init__(self, choices, default=""):
        super().__init__()
        self.column = spec.Column("value", "choice", "", choices=choices, default=default)

    def clean(self, value, row=None, **kwargs):
        try:
            return spec.parse_cell(self.column, value)
        except spec.CellProblem as problem:
            raise ValueError(str(problem)) from None


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return spec.parse_cell(spec.Column("value", "flag", "", default=False), value)
        except spec.CellProblem as problem:
            raise ValueError(str(problem)) from None

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class YearWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        try:
            return spec.parse_cell(spec.Column("value", "year", "", default=None), value)
        except spec.CellProblem as problem:
            raise ValueError(str(problem)) from None

    def render(self, value, obj=None, **kwargs):
        return value


class CountryWidget(widgets.Widget):
    """ISO alpha-2 or alpha-3 code or English name, in any case; exported as alpha-2."""

    def clean(self, value, row=None, **kwargs):
        text = spec.cell_text(value).strip()
        if not text:
            return ""
        code = spec.country_code(text)
        if not code:
            raise ValueError(f"unknown country “{text}”")
        return code

    def render(self, value, obj=None, **kwargs):
        return str(value or "")


class KeysWidget(widgets.ManyToManyWidget):
    """Regions or thematic areas by key or name, separated by “;”; exported as keys."""

    def __init__(self, model):
        super().__init__(model, separator=";", field="slug")

    def clean(self, value, row=None, **kwargs):
        items = [part.strip() for part in spec.cell_text(value).split(";") if part.strip()]
        lookup = {}
        for item in self.model.objects.all():
            lookup[item.slug.lower()] = item
            lookup[item.name.lower()] = item
        unknown = [item for item in items if item.lower() not in lookup]
        if unknown:
            raise ValueError("unknown: " + ", ".join(unknown))
        return [lookup[item.lower()] for item in items]

    def render(self, value, obj=None, **kwargs):
        return "; ".join(sorted(item.slug for item in value.all())) if value is not None else ""


class NaturalKeyWidget(widgets.CachedForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        text = spec.cell_text(value).strip()
        if not text:
            return None
        try:
            return super().clean(text, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"unknown {self.model._meta.verbose_name} “{text}”") from None


def text(name: str, attribute: str | None = None) -> fields.Field:
    return fields.Field(attribute=attribute or name, column_name=name, widget=TextWidget())


# --- resources -----------------------------------------------------------------------------


class WorkbookResource(resources.ModelResource):
    """Checks headers and texts before any row is imported; neutralises exports."""

    def before_import(self, dataset, **kwargs):
        expected = [field.column_name for field in self.get_import_fields()]
        headers = [str(h or "").strip() for h in (dataset.headers or [])]
        problems = []
        for header in headers:
            if header and headers.count(header) > 1 and f"duplicate {header}" not in problems:
                problems.append(f"duplicate column header “{header}”")
        unknown = [h for h in headers if h and h not in expected]
        missing = [h for h in self._meta.import_id_fields if h not in headers]
        if unknown:
            hint = ""
            if any(";" in h or "\t" in h for h in unknown):
                hint = (
                    " The file seems to use “;” or tabs between columns: save it as CSV "
                    "with commas (“CSV UTF-8 (Comma delimited)”)."
                )
            problems.append(
                "unknown column headers: " + ", ".join(f"“{h}”" for h in unknown) + hint
            )
        if missing:
            problems.append("missing column headers: " + ", ".join(missing))
        if problems:
            raise ImportFileError(
                "; ".join(problems) + ". The columns are: " + ", ".join(expected) + "."
            )
        for index, row in enumerate(dataset):
            cleaned = []
            for header, value in zip(headers, row, strict=False):
                if isinstance(value, str):
                    try:
                        value = spec.cell_text(value)
                    except spec.CellProblem as problem:
                        raise ImportFileError(f"Row {index + 2}: {header}: {problem}.") from None
                cleaned.append(value)
            dataset[index] = cleaned

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return spec.neutralise(value) if isinstance(value, str) else value

    class Meta:
        abstract = True


class OrganisationResource(WorkbookResource):
    acronym = text("acronym")
    name = text("name")
    kind = fields.Field("kind", "kind", ChoiceWidget(Organisation.Kind, Organisation.Kind.IGO))
    website = text("website")

    class Meta:
        model = Organisation
        fields = ("acronym", "name", "kind", "website")
        import_id_fields = ("acronym",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class MechanismResource(WorkbookResource):
    slug = text("slug")
    name = text("name")
    short_name = text("short_name")
    aliases = text("aliases")
    kind = fields.Field("kind", "kind", ChoiceWidget(Mechanism.Kind))
    kind_unconfirmed = fields.Field("kind_uncertain", "kind_unconfirmed", YesNoWidget())
    established = fields.Field("established", "established", YearWidget())
    established_unconfirmed = fields.Field(
        "established_uncertain", "established_unconfirmed", YesNoWidget()
    )
    status = fields.Field("status", "status", ChoiceWidget(Mechanism.Status, "active"))
    regions = fields.Field("regions", "regions", KeysWidget(Region))
    geographic_scope = text("geographic_scope")
    regional_organisation = fields.Field(
        "regional_organisation",
        "regional_organisation",
        NaturalKeyWidget(Organisation, "acronym"),
    )
    secretariat = text("secretariat")
    website = text("website")
    thematic_areas = fields.Field("thematic_areas", "thematic_areas", KeysWidget(ThematicArea))
    summary = text("summary")
    sources = text("sources")
    # Publication is exported but never imported here: only publishers may change it.
    published = fields.Field("is_published", "published", YesNoWidget(), readonly=True)

    class Meta:
        model = Mechanism
        fields = tuple(spec.MECHANISMS.headers)
        import_id_fields = ("slug",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class SectionResource(WorkbookResource):
    mechanism = fields.Field("mechanism", "mechanism", NaturalKeyWidget(Mechanism, "slug"))
    topic = fields.Field("topic", "topic", NaturalKeyWidget(Topic, "key"))
    body = text("body")

    class Meta:
        model = Section
        fields = ("mechanism", "topic", "body")
        import_id_fields = ("mechanism", "topic")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def before_save_instance(self, instance, row, **kwargs):
        instance.body_html = render_markdown(instance.body)


class ParticipationResource(WorkbookResource):
    mechanism = fields.Field("mechanism", "mechanism", NaturalKeyWidget(Mechanism, "slug"))
    country = fields.Field("country", "country", CountryWidget())
    organisation = fields.Field(
        "organisation", "organisation", NaturalKeyWidget(Organisation, "acronym")
    )
    role = fields.Field("role", "role", ChoiceWidget(Participation.Role, "member"))
    since = fields.Field("since", "since", YearWidget())
    until = fields.Field("until", "until", YearWidget())
    unconfirmed = fields.Field("uncertain", "unconfirmed", YesNoWidget())
    note = text("note")

    class Meta:
        model = Participation
        fields = tuple(spec.PARTICIPANTS.headers)
        import_id_fields = ("mechanism", "country", "organisation", "role", "since", "until")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class MechanismLinkResource(WorkbookResource):
    mechanism = fields.Field("mechanism", "mechanism", NaturalKeyWidget(Mechanism, "slug"))
    other_mechanism = fields.Field(
        "other_mechanism", "other_mechanism", NaturalKeyWidget(Mechanism, "slug")
    )
    kind = fields.Field("kind", "kind", ChoiceWidget(MechanismLink.Kind))
    note = text("note")

    class Meta:
        model = MechanismLink
        fields = ("mechanism", "other_mechanism", "kind", "note")
        import_id_fields = ("mechanism", "other_mechanism", "kind")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class DocumentResource(WorkbookResource):
    mechanism = fields.Field("mechanism", "mechanism", NaturalKeyWidget(Mechanism, "slug"))
    title = text("title")
    kind = fields.Field("kind", "kind", ChoiceWidget(Document.Kind, "other"))
    year = fields.Field("year", "year", YearWidget())
    publisher = text("publisher")
    url = text("url")

    class Meta:
        model = Document
        fields = ("mechanism", "title", "kind", "year", "publisher", "url")
        import_id_fields = ("mechanism", "title")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


RESOURCES = {
    "Mechanisms": MechanismResource,
    "Sections": SectionResource,
    "Participants": ParticipationResource,
    "Links": MechanismLinkResource,
    "Documents": DocumentResource,
    "Organisations": OrganisationResource,
}
