"""The profiles app's sheets of the workbook (DESIGN.md §4): Mechanisms, Sections,
Participants, Links, Documents and the optional Organisations.

Each `Sheet` lists its columns once; the engine (`workbook`) reads and validates them,
`profiles.importer` plans and applies them, `profiles.exporter` writes them, and the
per-model import/export resources (`profiles.resources`) are generated from them.
The sheets are registered with the engine in `ProfilesConfig.ready()`.
"""

from workbook.columns import Column, Sheet, max_length_of, norm_aliases, norm_text

from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Section,
)

_max = max_length_of


M = Mechanism
MECHANISMS = Sheet(
    "Mechanisms",
    Mechanism,
    (
        Column(
            "slug",
            "slug",
            "Key of the mechanism, used in its address.",
            blank=False,
            max_length=_max(M, "slug"),
            width=26,
        ),
        Column(
            "name",
            "text",
            "Full name (unique).",
            blank=False,
            max_length=_max(M, "name"),
            width=40,
            wrap=True,
        ),
        Column("short_name", "text", "Acronym or short name.", max_length=_max(M, "short_name")),
        Column(
            "aliases",
            "text",
            "Former and alternative names, separated by “;”.",
            max_length=_max(M, "aliases"),
            width=30,
            wrap=True,
        ),
        Column("kind", "choice", "Kind of mechanism.", blank=False, choices=M.Kind, width=16),
        Column(
            "kind_unconfirmed",
            "flag",
            "“yes” if the kind is not confirmed by a source.",
            required=False,
            default=False,
            attribute="kind_uncertain",
            width=12,
        ),
        Column("established", "year", "Year established.", default=None, width=12),
        Column(
            "established_unconfirmed",
            "flag",
            "“yes” if the year is not confirmed.",
            required=False,
            default=False,
            attribute="established_uncertain",
            width=12,
        ),
        Column("status", "choice", "Status.", choices=M.Status, default=M.Status.ACTIVE, width=12),
        Column(
            "regions",
            "keys",
            "Regions covered, by key or name, separated by “;”.",
            default=frozenset(),
            vocabulary="regions",
            width=24,
        ),
        Column(
            "geographic_scope",
            "text",
            "The area covered, in words.",
            required=False,
            max_length=_max(M, "geographic_scope"),
            width=28,
            wrap=True,
        ),
        Column(
            "regional_organisation",
            "ref",
            "Associated regional organisation (short name, as on the Organisations sheet).",
            required=False,
            vocabulary="organisations",
            max_length=_max(Organisation, "acronym"),
        ),
        Column(
            "secretariat",
            "text",
            "Secretariat / support unit (a trailing “?” marks an unconfirmed statement).",
            max_length=_max(M, "secretariat"),
            width=36,
            wrap=True,
        ),
        Column(
            "membership_note",
            "text",
            "Who takes part, for a mechanism that keeps no membership list.",
            required=False,
            max_length=_max(M, "membership_note"),
            width=36,
            wrap=True,
        ),
        Column("website", "url", "Web address.", max_length=_max(M, "website"), width=30),
        Column(
            "thematic_areas",
            "keys",
            "Thematic areas, by key or name, separated by “;”.",
            default=frozenset(),
            vocabulary="themes",
            width=30,
        ),
        Column(
            "summary",
            "text",
            "Two or three sentences.",
            max_length=_max(M, "summary"),
            width=60,
            wrap=True,
        ),
        Column(
            "sources",
            "text",
            "Addresses the facts were taken from, one per line.",
            required=False,
            max_length=_max(M, "sources"),
            width=40,
            wrap=True,
        ),
        Column(
            "published",
            "flag",
            "“yes” if the public sees a published version of the profile. For information "
            "only: an import never changes it (publishers publish in the admin).",
            required=False,
            default=False,
            attribute="is_published",
            width=11,
        ),
        Column(
            "version",
            "number",
            "The profile's version when the file was exported; leave it as it is. An import "
            "refuses the row (and the mechanism's rows on the other sheets) if the profile "
            "has changed since. Empty: no check (a new mechanism).",
            required=False,
            default=None,
            width=10,
        ),
    ),
    key=("slug",),
    help="One row per mechanism.",
)

SECTIONS = Sheet(
    "Sections",
    Section,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column("topic", "ref", "Topic key.", blank=False, vocabulary="topics", width=16),
        Column(
            "body",
            "text",
            "The section, in Markdown.",
            blank=False,
            max_length=_max(Section, "body"),
            width=100,
            wrap=True,
        ),
    ),
    key=("mechanism", "topic"),
    help="One row per mechanism and topic of the Summary of Findings.",
)

P = Participation
PARTICIPANTS = Sheet(
    "Participants",
    Participation,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "country",
            "country",
            "A country: ISO 3166 alpha-2 or alpha-3 code, or its "
            "English name (leave empty for an organisation).",
            width=12,
        ),
        Column(
            "organisation",
            "ref",
            "An organisation's short name (leave empty for a country).",
            vocabulary="organisations",
            max_length=_max(Organisation, "acronym"),
            width=16,
        ),
        Column("role", "choice", "Role.", choices=P.Role, default=P.Role.MEMBER, width=14),
        Column("since", "year", "First year in this role.", default=None, width=8),
        Column("until", "year", "Last year in this role.", default=None, width=8),
        Column(
            "unconfirmed",
            "flag",
            "“yes” if not confirmed by a source.",
            required=False,
            default=False,
            attribute="uncertain",
            width=12,
        ),
        Column(
            "note",
            "text",
            "A short note.",
            required=False,
            max_length=_max(P, "note"),
            width=30,
            wrap=True,
        ),
    ),
    key=("mechanism", "country", "organisation", "role", "since", "until"),
    help="One row per mechanism, participant, role and period.",
)

LINKS = Sheet(
    "Links",
    MechanismLink,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism that describes the link.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "other_mechanism",
            "ref",
            "Slug of the other mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "kind", "choice", "Kind of link.", blank=False, choices=MechanismLink.Kind, width=14
        ),
        Column(
            "note", "text", "A note.", max_length=_max(MechanismLink, "note"), width=50, wrap=True
        ),
    ),
    key=("mechanism", "other_mechanism", "kind"),
    help="One row per link from one mechanism to another.",
)

DOCUMENTS = Sheet(
    "Documents",
    Document,
    (
        Column(
            "mechanism",
            "ref",
            "Slug of the mechanism.",
            blank=False,
            vocabulary="mechanisms",
            width=26,
        ),
        Column(
            "title",
            "text",
            "Title (unique per mechanism).",
            blank=False,
            max_length=_max(Document, "title"),
            width=50,
            wrap=True,
        ),
        Column(
            "kind",
            "choice",
            "Kind of document.",
            required=False,
            choices=Document.Kind,
            default=Document.Kind.OTHER,
            width=14,
        ),
        Column("year", "year", "Year.", default=None, width=8),
        Column("publisher", "text", "Publisher.", max_length=_max(Document, "publisher"), width=20),
        Column("url", "url", "Web address.", max_length=_max(Document, "url"), width=40),
    ),
    key=("mechanism", "title"),
    help="One row per document of a mechanism.",
)

ORGANISATIONS = Sheet(
    "Organisations",
    Organisation,
    (
        Column(
            "acronym",
            "text",
            "Short name (the key other sheets use).",
            blank=False,
            max_length=_max(Organisation, "acronym"),
            width=16,
        ),
        Column(
            "name",
            "text",
            "Full name.",
            blank=False,
            max_length=_max(Organisation, "name"),
            width=50,
        ),
        Column(
            "kind",
            "choice",
            "Kind of organisation.",
            choices=Organisation.Kind,
            default=Organisation.Kind.IGO,
            width=14,
        ),
        Column(
            "website", "url", "Web address.", max_length=_max(Organisation, "website"), width=30
        ),
    ),
    key=("acronym",),
    help="Organisations that take part in mechanisms (optional sheet).",
    required=False,
)

# The order of the sheets in an exported workbook; imports apply them in dependency order.
SHEETS: tuple[Sheet, ...] = (MECHANISMS, SECTIONS, PARTICIPANTS, LINKS, DOCUMENTS, ORGANISATIONS)
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
APPLY_ORDER = (ORGANISATIONS, MECHANISMS, SECTIONS, PARTICIPANTS, LINKS, DOCUMENTS)


# --- the database side ------------------------------------------------------------------


def mechanism_row(
    mechanism: Mechanism,
    region_slugs: frozenset,
    theme_slugs: frozenset,
    organisation_acronym: str,
) -> dict:
    return {
        "slug": mechanism.slug,
        "name": norm_text(mechanism.name),
        "short_name": norm_text(mechanism.short_name),
        "aliases": norm_aliases(mechanism.aliases),
        "kind": mechanism.kind,
        "kind_unconfirmed": mechanism.kind_uncertain,
        "established": mechanism.established,
        "established_unconfirmed": mechanism.established_uncertain,
        "status": mechanism.status,
        "regions": region_slugs,
        "geographic_scope": norm_text(mechanism.geographic_scope),
        "regional_organisation": organisation_acronym,
        "secretariat": norm_text(mechanism.secretariat),
        "membership_note": norm_text(mechanism.membership_note),
        "website": norm_text(mechanism.website),
        "thematic_areas": theme_slugs,
        "summary": norm_text(mechanism.summary),
        "sources": norm_text(mechanism.sources),
        "published": mechanism.is_published,
        "version": mechanism.version,
    }


# Exported for information, accepted on import and never applied nor compared: what the
# public sees changes only by publishing, and versions move with every write (the
# imported `version` is checked against the database's, see `profiles.importer`).
MECHANISM_READ_ONLY = frozenset({"published", "version"})


# Workbook column → model attribute, where they differ.
MECHANISM_ATTRIBUTES = {c.name: c.attribute for c in MECHANISMS.columns if c.attribute}


def section_row(section: Section, slug: str, topic_key: str) -> dict:
    return {"mechanism": slug, "topic": topic_key, "body": norm_text(section.body)}


def participant_row(p: Participation, slug: str, acronym: str) -> dict:
    return {
        "mechanism": slug,
        "country": str(p.country or ""),
        "organisation": acronym,
        "role": p.role,
        "since": p.since,
        "until": p.until,
        "unconfirmed": p.uncertain,
        "note": norm_text(p.note),
    }


def link_row(link: MechanismLink, slug: str, other_slug: str) -> dict:
    return {
        "mechanism": slug,
        "other_mechanism": other_slug,
        "kind": link.kind,
        "note": norm_text(link.note),
    }


def document_row(document: Document, slug: str) -> dict:
    return {
        "mechanism": slug,
        "title": norm_text(document.title),
        "kind": document.kind,
        "year": document.year,
        "publisher": norm_text(document.publisher),
        "url": norm_text(document.url),
    }


def organisation_row(organisation: Organisation) -> dict:
    return {
        "acronym": norm_text(organisation.acronym),
        "name": norm_text(organisation.name),
        "kind": organisation.kind,
        "website": norm_text(organisation.website),
    }
