"""Names shared by the public read selectors: labels of choices, the 404 message, the
addresses of a country's page and of two mechanisms' overlap."""

from django.urls import reverse

from ..models import Document, Mechanism, MechanismLink, Participation

NOT_FOUND = "No published mechanism has this address."

KIND_LABELS = dict(Mechanism.Kind.choices)
STATUS_LABELS = dict(Mechanism.Status.choices)
ROLE_LABELS = dict(Participation.Role.choices)
LINK_KIND_LABELS = dict(MechanismLink.Kind.choices)
DOCUMENT_KIND_LABELS = dict(Document.Kind.choices)


class Labelled:
    """The names of a mechanism's kind and status (it has `kind` and `status` keys)."""

    kind: str
    status: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def country_url(iso3: str) -> str:
    """The address of a country's page ("" for none: an organisation, an unknown code)."""
    return reverse("profiles:country_detail", kwargs={"iso3": iso3}) if iso3 else ""


def pair_url(slug: str, other: str) -> str:
    """The overlap page of two mechanisms, their slugs in its canonical (alphabetical) order."""
    first, second = sorted((slug, other))
    return reverse("profiles:overlap_pair", kwargs={"first": first, "second": second})
