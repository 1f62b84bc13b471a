"""Survey template tags.

- `{% load surveys %}{% survey_mentions mechanism_slug %}`: on a mechanism's profile, how
  many surveyed States and IGOs named it, per published survey, computed from the answers
  (`surveys.selectors.mechanism_mentions`: one query). Renders nothing when none did.
- `{% survey_participation country_code %}`: on a country's page, the published surveys
  it answered (not what it answered).
- `{% choice_results result %}`, `{% breakdown_table breakdown table_id caption %}`: the
  results page's repeated blocks, rendered by `surveys.rendering`.
"""

from django import template
from django.utils.safestring import SafeString

from .. import rendering, selectors

register = template.Library()


@register.inclusion_tag("surveys/_mechanism_mentions.html")
def survey_mentions(mechanism) -> dict:
    """`mechanism`: a slug, or anything with a `slug` (a mechanism, a published profile)."""
    slug = getattr(mechanism, "slug", mechanism)
    return {"mentions": selectors.mechanism_mentions(str(slug)) if slug else []}


@register.inclusion_tag("surveys/_country_participation.html")
def survey_participation(country) -> dict:
    """`country`: an ISO alpha-2 code, or anything with a `code` (a django-countries value)."""
    code = str(getattr(country, "code", country) or "")
    return {"surveys": selectors.country_participation(code) if code else []}


@register.simple_tag
def choice_results(result) -> SafeString:
    return rendering.choice_block(result)


@register.simple_tag
def breakdown_table(breakdown, table_id: str, caption: str) -> SafeString:
    return rendering.breakdown_table(breakdown, table_id, caption)
