"""The per-model import/export resources of the admin, generated from the profile sheets.

Each is `workbook.resources.resource_for(sheet)`: the columns, keys, renames and cell rules
are those of `profiles.sheets`, so a sheet exported from one model's admin page can be
pasted into the workbook and back. The whole-workbook import is `workbook.engine`; these
serve django-import-export's per-model pages, one model at a time, row by row.
"""

from history.models import ChangeSet
from workbook.resources import ImportFileError, SheetResource, resource_for
from workbook.safety import WEB_LIMITS

from . import sheets
from .models import Mechanism, Organisation, Region, ThematicArea, Topic
from .rendering import MAX_IMPORT_MARKDOWN_COST, markdown_cost, markdown_problem
from .services import Actor, delete_object, editing, save_object

NATURAL_KEYS = {
    Mechanism: "slug",
    Organisation: "acronym",
    Topic: "key",
    Region: "slug",
    ThematicArea: "slug",
}


class GatewayResource(SheetResource):
    """Rows are written through the write gateway (`profiles.services`).

    The confirmed import runs inside the change set the admin opens for the whole file
    (`workbook.model_admin`); the preview, which django-import-export rolls back, has
    none, so each row gets a throw-away one.
    """

    # `editing()` joins the open change set; the preview's is thrown away with its rows.
    preview_actor = Actor.command("preview", via=ChangeSet.Via.MODEL_IMPORT)

    def do_instance_save(self, instance, is_create):
        with editing(self.preview_actor):
            save_object(instance)

    def delete_instance(self, instance, row, **kwargs):
        self.before_delete_instance(instance, row, **kwargs)
        with editing(self.preview_actor):
            delete_object(instance)
        self.after_delete_instance(instance, row, **kwargs)

    class Meta:
        abstract = True


class SectionBase(GatewayResource):
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

    class Meta:
        abstract = True


OrganisationResource = resource_for(
    sheets.ORGANISATIONS, natural_keys=NATURAL_KEYS, base=GatewayResource
)
# Publication and the version are exported but never imported: publishing happens in the
# admin (publishers only), versions move with every write.
MechanismResource = resource_for(
    sheets.MECHANISMS,
    natural_keys=NATURAL_KEYS,
    read_only=("published", "version"),
    base=GatewayResource,
)
SectionResource = resource_for(sheets.SECTIONS, natural_keys=NATURAL_KEYS, base=SectionBase)
ParticipationResource = resource_for(
    sheets.PARTICIPANTS,
    natural_keys=NATURAL_KEYS,
    name="ParticipationResource",
    base=GatewayResource,
)
MechanismLinkResource = resource_for(sheets.LINKS, natural_keys=NATURAL_KEYS, base=GatewayResource)
DocumentResource = resource_for(sheets.DOCUMENTS, natural_keys=NATURAL_KEYS, base=GatewayResource)

RESOURCES = {
    "Mechanisms": MechanismResource,
    "Sections": SectionResource,
    "Participants": ParticipationResource,
    "Links": MechanismLinkResource,
    "Documents": DocumentResource,
    "Organisations": OrganisationResource,
}
