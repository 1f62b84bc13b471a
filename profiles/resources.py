"""The per-model import/export resources of the admin, generated from the profile sheets.

Each is `workbook.resources.resource_for(sheet)`: the columns, keys, renames and cell rules
are those of `profiles.sheets`, so a sheet exported from one model's admin page can be
pasted into the workbook and back. The whole-workbook import is `workbook.engine`; these
serve django-import-export's per-model pages, one model at a time, row by row.
"""

from workbook.resources import ImportFileError, SheetResource, resource_for
from workbook.safety import WEB_LIMITS

from . import sheets
from .models import Mechanism, Organisation, Region, ThematicArea, Topic
from .rendering import (
    MAX_IMPORT_MARKDOWN_COST,
    markdown_cost,
    markdown_problem,
    render_markdown,
)

NATURAL_KEYS = {
    Mechanism: "slug",
    Organisation: "acronym",
    Topic: "key",
    Region: "slug",
    ThematicArea: "slug",
}


class SectionBase(SheetResource):
    """A section's HTML is rendered when its Markdown is imported (within a cost budget)."""

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if "body" in (dataset.headers or []):
            cost = characters = 0
            for number, body in enumerate(dataset["body"], start=2):
                problem = markdown_problem(str(body or ""))
                if problem:
                    raise ImportFileError(
                        f"Row {number}: body: this text cannot be rendered: {problem}."
                    )
                cost += markdown_cost(str(body or ""))
                characters += len(str(body or ""))
            if characters > WEB_LIMITS.max_markdown_chars:
                raise ImportFileError(
                    f"The bodies in this file hold more than {WEB_LIMITS.max_markdown_chars:,} "
                    "characters in all, more than one import here renders: split the file."
                )
            if cost > MAX_IMPORT_MARKDOWN_COST:
                raise ImportFileError(
                    "The bodies in this file hold too many “[” characters (links) in all "
                    "to be rendered in one import: split the file."
                )

    def before_save_instance(self, instance, row, **kwargs):
        instance.body_html = render_markdown(instance.body)

    class Meta:
        abstract = True


OrganisationResource = resource_for(sheets.ORGANISATIONS, natural_keys=NATURAL_KEYS)
# Publication is exported but never imported here: only publishers may change it.
MechanismResource = resource_for(
    sheets.MECHANISMS, natural_keys=NATURAL_KEYS, read_only=("published",)
)
SectionResource = resource_for(sheets.SECTIONS, natural_keys=NATURAL_KEYS, base=SectionBase)
ParticipationResource = resource_for(
    sheets.PARTICIPANTS, natural_keys=NATURAL_KEYS, name="ParticipationResource"
)
MechanismLinkResource = resource_for(sheets.LINKS, natural_keys=NATURAL_KEYS)
DocumentResource = resource_for(sheets.DOCUMENTS, natural_keys=NATURAL_KEYS)

RESOURCES = {
    "Mechanisms": MechanismResource,
    "Sections": SectionResource,
    "Participants": ParticipationResource,
    "Links": MechanismLinkResource,
    "Documents": DocumentResource,
    "Organisations": OrganisationResource,
}
