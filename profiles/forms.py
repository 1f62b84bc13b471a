"""Forms: query parameters of the public pages, and the admin's section and participant fields."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString
from django_countries import countries

from workbook.columns import country_code

from .models import Section
from .rendering import render_markdown


class MechanismFilterForm(forms.Form):
    """The home page's search box; it submits to /mechanisms/?q=, whose query string the
    filter set (`profiles.filters`) validates."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class SectionForm(forms.ModelForm):
    """Stores the sanitised HTML alongside the Markdown it was rendered from.

    On the mechanism's change page each section is headed by its topic, so the topic is a
    hidden field there (one section per topic; the inline offers a blank one for each topic
    that has none) and no row repeats a list of topics.
    """

    class Meta:
        model = Section
        fields = ["topic", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10, "cols": 100})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Replaces the admin's related-object wrapper too: there is nothing to choose.
        self.fields["topic"].widget = forms.HiddenInput()

    def topic_title(self) -> str:
        """The title of this form's topic, without a query (the formset caches the topics)."""
        if self.instance.topic_id:
            return self.instance.topic.title
        wanted = str(self["topic"].value() or "")
        for value, label in self.fields["topic"].choices:
            if wanted and str(value) == wanted:
                return str(label)
        return "New section"

    def preview_html(self) -> SafeString:
        """The body as the public page shows it: the text being edited when the page comes
        back with errors, otherwise the saved HTML (no Markdown is rendered for a plain view).
        """
        body = getattr(self, "cleaned_data", {}).get("body")
        if self.is_bound and body is not None and "body" in self.changed_data:
            # Section.html() stays the one place rendered HTML is marked safe.
            return Section(body_html=render_markdown(body)).html()
        return self.instance.html() if self.instance.pk else SafeString("")

    def save(self, commit: bool = True) -> Section:
        self.instance.body_html = render_markdown(self.instance.body)
        return super().save(commit=commit)


COUNTRY_DATALIST_ID = "country-names"


def country_suggestions() -> list[tuple[str, str]]:
    """(English name, alpha-2 code) of every country, for the one shared <datalist>."""
    return [(str(name), code) for code, name in countries]


class CountryNameInput(forms.TextInput):
    """A text box that suggests country names from one <datalist> shared by every row.

    Browsers offer the suggestions natively, without JavaScript, and a page with sixty
    participants carries one list of countries instead of sixty selects of 250 options.
    """

    def __init__(self, attrs: dict | None = None):
        defaults = {"list": COUNTRY_DATALIST_ID, "autocomplete": "off", "spellcheck": "false"}
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value) -> str | None:
        # A stored code (or a Country) is shown by its English name; text that is not a
        # country is shown back as typed, next to its error.
        text = "" if value is None else str(value)
        code = country_code(text)
        return countries.name(code) if code else (text or None)


class CountryNameField(forms.CharField):
    """A country typed as an ISO 3166 code (alpha-2 or alpha-3) or English name; cleans to
    the alpha-2 code, as the workbook import does (`workbook.columns.country_code`)."""

    widget = CountryNameInput
    default_error_messages = {
        "invalid_choice": "“%(value)s” is not an ISO 3166 country code or an English country "
        "name. Choose the country from the suggestions (Kosovo is XK).",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        code = country_code(text)
        if not code:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
            )
        return code

    def has_changed(self, initial, data) -> bool:
        try:
            cleaned = self.to_python(data)
        except ValidationError:
            return True
        return str(initial or "") != cleaned


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select (select2, vendored in the admin) that renders its options
    without a query per row.

    Django's widget queries the selected object for every row it renders. The inline's
    formset tells each row instead what to render (`CachedChoicesFormSet` in admin.py):
    `labels`, the labels of the row's current values (from the objects the inline's
    queryset already selected); or, on a new row, `offer_all`, every choice, so that a
    browser without JavaScript can still choose from a plain select. Anything else (a
    changed value shown back with an error) falls back to Django's query.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.labels: dict[str, str] = {}
        self.offer_all: list[tuple[str, str]] | None = None

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in ("", "None")}
        if self.offer_all is not None:
            pairs = self.offer_all
        elif selected <= self.labels.keys():
            pairs = [(key, self.labels[key]) for key in selected]
        else:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for key, label in pairs:
            options.append(self.create_option(name, key, label, key in selected, len(options)))
        return [(None, options, 0)]
