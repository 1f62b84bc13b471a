"""Query forms of the compare (`/compare/?m=…`) and overlap (`/overlap/?kind=…`) pages.

Neither page fails on a bad query string: values that name nothing are dropped and
reported, so the page can say what it ignored.
"""

import re
from dataclasses import dataclass, field

from django import forms

from .models import Mechanism, Region
from .selectors.compare import MAX_COMPARED, Choice, published_choices
from .selectors.overlap import SORTS

# Of a long query string, only this many mechanisms are read (the rest are reported).
MAX_READ = 20
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")


def _shown(value: str) -> str:
    """A value quoted back to the reader, shortened (the template escapes it)."""
    return value if len(value) <= 60 else value[:59] + "…"


class ValuesField(forms.MultipleChoiceField):
    """Several values of a query parameter; those not among the choices are dropped by
    the form (and reported), not an error."""

    widget = forms.MultipleHiddenInput

    def validate(self, value):
        pass


@dataclass
class Selection:
    """What `?m=…` asked to compare, once checked against the published mechanisms."""

    chosen: list[Choice] = field(default_factory=list)  # at most MAX_COMPARED, in order
    extra: list[Choice] = field(default_factory=list)  # published, beyond MAX_COMPARED
    unknown: list[str] = field(default_factory=list)  # no published mechanism has them
    repeated: list[Choice] = field(default_factory=list)
    unread: int = 0  # values past MAX_READ

    @property
    def ignored(self) -> bool:
        """Did the query name anything the page had to leave out?"""
        return bool(self.extra or self.unknown or self.unread)

    @property
    def asked(self) -> int:
        """How many distinct published mechanisms the query named."""
        return len(self.chosen) + len(self.extra)

    @property
    def slugs(self) -> list[str]:
        return [c.slug for c in self.chosen]


class CompareForm(forms.Form):
    m = ValuesField(label="Mechanisms to compare", required=False)
    find = forms.CharField(label="Find mechanisms by name", required=False, max_length=100)

    def selection(self) -> Selection:
        """The published mechanisms asked for, in the order asked (one query)."""
        values = [v.strip() for v in self.data.getlist("m") if isinstance(v, str)]
        values = [v for v in values if v]
        read, unread = values[:MAX_READ], len(values) - min(len(values), MAX_READ)
        published = published_choices([v for v in read if SLUG.match(v)])
        selection = Selection(unread=unread)
        seen: set[str] = set()
        for value in read:
            choice = published.get(value)
            if choice is None:
                if _shown(value) not in selection.unknown:
                    selection.unknown.append(_shown(value))
            elif value in seen:
                if choice not in selection.repeated:
                    selection.repeated.append(choice)
            else:
                seen.add(value)
                target = (
                    selection.chosen if len(selection.chosen) < MAX_COMPARED else selection.extra
                )
                target.append(choice)
        return selection

    def find_text(self) -> str:
        self.is_valid()
        return "" if "find" in self.errors else self.cleaned_data.get("find", "")


class OverlapFilterForm(forms.Form):
    """Kinds, regions and the order of the matrix; unknown values are left out."""

    kind = ValuesField(label="Kind", required=False, choices=Mechanism.Kind.choices)
    region = ValuesField(label="Region", required=False)
    sort = forms.ChoiceField(
        label="Order",
        required=False,
        choices=[(s, s) for s in SORTS],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = list(Region.objects.values_list("slug", "name"))
        self.ignored: list[str] = []

    def clean(self):
        cleaned = super().clean()
        for name in ("kind", "region"):
            known = {value for value, _label in self.fields[name].choices}
            values = list(dict.fromkeys(cleaned.get(name) or []))[:MAX_READ]
            cleaned[name] = [v for v in values if v in known]
            self.ignored += [_shown(v) for v in values if v not in known]
        return cleaned

    def filters(self) -> dict:
        """kinds, regions and sort, as `selectors.overlap` takes them."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        if "sort" in self.errors:
            self.ignored.append(_shown(self.data.get("sort", "")))
        return {
            "kinds": cleaned.get("kind", []),
            "regions": cleaned.get("region", []),
            "sort": cleaned.get("sort") or SORTS[0],
        }

    def _choices(self, name: str) -> list[tuple[str, str, bool]]:
        """(value, label, chosen) of a filter, for its checkboxes."""
        chosen = set(getattr(self, "cleaned_data", {}).get(name, []))
        return [(v, label, v in chosen) for v, label in self.fields[name].choices]

    @property
    def kind_choices(self) -> list[tuple[str, str, bool]]:
        return self._choices("kind")

    @property
    def region_choices(self) -> list[tuple[str, str, bool]]:
        return self._choices("region")
