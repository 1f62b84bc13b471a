"""Filling a mechanism's sections from a Summary of Findings document, through the gateway."""

import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.text import slugify

from ..findings.parser import ParsedFindings
from ..models import Mechanism, Section, Topic
from .changes import save_object


def _normalise_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


def find_mechanism_by_name(name: str) -> Mechanism | None:
    """Match a mechanism by its name, short name or one of its aliases, ignoring case."""
    wanted = _normalise_name(name)
    if not wanted:
        return None
    candidates = Mechanism.objects.filter(
        Q(name__iexact=name) | Q(short_name__iexact=name) | Q(aliases__icontains=name.strip())
    )
    for mechanism in candidates:
        names = [mechanism.name, mechanism.short_name, *mechanism.alias_list]
        if wanted in {_normalise_name(n) for n in names}:
            return mechanism
    # Documents sometimes give a longer or shorter form of the name ("Almaty Process on
    # Refugee Protection…" vs "Almaty Process"): accept one unambiguous containment.
    matches = [
        m
        for m in Mechanism.objects.only("id", "name", "short_name", "aliases")
        if any(
            n and (n in wanted or wanted in n)
            for n in map(_normalise_name, [m.name, m.short_name, *m.alias_list])
            if len(n) >= 8
        )
    ]
    return Mechanism.objects.get(pk=matches[0].pk) if len(matches) == 1 else None


@dataclass
class SectionChanges:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def save_sections(*, mechanism: Mechanism, bodies: dict[Topic, str]) -> SectionChanges:
    """Create or update `mechanism`'s sections (inside `editing()`)."""
    changes = SectionChanges()
    existing = {s.topic_id: s for s in mechanism.sections.all()}
    for topic, body in bodies.items():
        section = existing.get(topic.pk)
        if section is None:
            save_object(Section(mechanism=mechanism, topic=topic, body=body))
            changes.created.append(topic.key)
        else:
            section.body = body
            if save_object(section):
                changes.updated.append(topic.key)
            else:
                changes.unchanged.append(topic.key)
    return changes


@dataclass
class FindingsResult:
    mechanism: Mechanism
    mechanism_created: bool
    changes: SectionChanges


def apply_findings(*, parsed: ParsedFindings, create_missing: bool = True) -> FindingsResult:
    """Fill a mechanism's sections from a parsed Summary of Findings (inside `editing()`).

    The mechanism is matched by name or alias; an unknown one is created as a draft
    (unpublished) when `create_missing` is true. What the public sees does not change.
    """
    topics = list(Topic.objects.order_by("order"))
    mechanism = find_mechanism_by_name(parsed.mechanism_name)
    created = False
    if mechanism is None:
        if not create_missing:
            raise Mechanism.DoesNotExist(
                f"No mechanism is called “{parsed.mechanism_name}” (nor has it as alias)."
            )
        mechanism = Mechanism(
            name=parsed.mechanism_name,
            slug=_unique_slug(parsed.mechanism_name),
            kind=Mechanism.Kind.RCP,
            is_published=False,
        )
        save_object(mechanism)
        created = True
    bodies = {topic: parsed.sections[topic.order] for topic in topics}
    changes = save_sections(mechanism=mechanism, bodies=bodies)
    return FindingsResult(mechanism=mechanism, mechanism_created=created, changes=changes)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "mechanism"
    slug, number = base, 2
    while Mechanism.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug
