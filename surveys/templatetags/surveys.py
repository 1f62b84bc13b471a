"""`{% load surveys %}{% survey_mentions mechanism_slug %}`: on a mechanism's profile, how
many surveyed States and IGOs named it, per published survey, computed from the answers
(`surveys.selectors.mechanism_mentions`: one query). Renders nothing when none did."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("surveys/_mechanism_mentions.html")
def survey_mentions(mechanism) -> dict:
    """`mechanism`: a slug, or anything with a `slug` (a mechanism, a published profile)."""
    slug = getattr(mechanism, "slug", mechanism)
    return {"mentions": selectors.mechanism_mentions(str(slug)) if slug else []}
