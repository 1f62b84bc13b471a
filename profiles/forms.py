"""Forms: query parameters of the public pages and the admin's section form."""

from django import forms

from .models import Mechanism, Region, Section, ThematicArea
from .rendering import render_markdown


class MechanismFilterForm(forms.Form):
    """Validates the query string of /mechanisms/; unknown values are simply ignored."""

    q = forms.CharField(label="Search", required=False, max_length=200, strip=True)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "Any kind"), *Mechanism.Kind.choices]
    )
    region = forms.ModelChoiceField(
        label="Region",
        required=False,
        queryset=Region.objects.all(),
        to_field_name="slug",
        empty_label="Any region",
    )
    theme = forms.ModelChoiceField(
        label="Theme",
        required=False,
        queryset=ThematicArea.objects.all(),
        to_field_name="slug",
        empty_label="Any theme",
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Mechanism.Status.choices]
    )

    def filters(self) -> dict:
        """The valid filters; invalid ones are dropped rather than failing the page."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: cleaned[name]
            for name in self.fields
            if name not in self.errors and cleaned.get(name) not in (None, "")
        }


class SectionForm(forms.ModelForm):
    """Stores the sanitised HTML alongside the Markdown it was rendered from."""

    class Meta:
        model = Section
        fields = ["topic", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10, "cols": 100})}

    def save(self, commit: bool = True) -> Section:
        self.instance.body_html = render_markdown(self.instance.body)
        return super().save(commit=commit)
