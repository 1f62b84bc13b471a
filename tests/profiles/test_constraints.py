"""Uniqueness and consistency rules hold in the database itself, not only in forms."""

import pytest
from django.db import IntegrityError, transaction

from profiles.models import MechanismLink, Organisation, Participation, Section, Topic

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_one_section_per_mechanism_and_topic(make_mechanism, add_section):
    mechanism = make_mechanism()
    add_section(mechanism, "evolution", "First.")
    topic = Topic.objects.get(key="evolution")
    assert refused(lambda: Section.objects.create(mechanism=mechanism, topic=topic, body="Again."))


def test_one_participation_per_participant_role_and_period_even_open_ended(make_mechanism):
    mechanism = make_mechanism()
    Participation.objects.create(mechanism=mechanism, country="KZ", role="member")
    assert refused(
        lambda: Participation.objects.create(mechanism=mechanism, country="KZ", role="member")
    )
    # Another role, or another period, is another participation: "member in 2015,
    # observer since 2019" can be told.
    Participation.objects.create(mechanism=mechanism, country="KZ", role="observer", since=2019)
    Participation.objects.create(
        mechanism=mechanism, country="KZ", role="member", since=2013, until=2015
    )
    iom = Organisation.objects.create(acronym="IOM", name="IOM")
    Participation.objects.create(mechanism=mechanism, organisation=iom, role="secretariat")
    assert refused(
        lambda: Participation.objects.create(
            mechanism=mechanism, organisation=iom, role="secretariat"
        )
    )


def test_participant_is_a_country_or_an_organisation(make_mechanism):
    mechanism = make_mechanism()
    iom = Organisation.objects.create(acronym="IOM", name="IOM")
    assert refused(lambda: Participation.objects.create(mechanism=mechanism, role="member"))
    assert refused(
        lambda: Participation.objects.create(
            mechanism=mechanism, country="KZ", organisation=iom, role="member"
        )
    )


def test_participation_years_are_ordered_and_plausible(make_mechanism):
    mechanism = make_mechanism()
    assert refused(
        lambda: Participation.objects.create(
            mechanism=mechanism, country="KZ", since=2019, until=2015
        )
    )
    assert refused(
        lambda: Participation.objects.create(mechanism=mechanism, country="KZ", since=20190)
    )


def test_mechanism_years_and_publication_are_consistent(make_mechanism):
    assert refused(lambda: make_mechanism(established=1066))
    assert refused(lambda: make_mechanism(is_published=True, published_at=None))


def test_mechanism_cannot_link_to_itself_or_twice(make_mechanism):
    a, b = make_mechanism(), make_mechanism()
    assert refused(
        lambda: MechanismLink.objects.create(mechanism=a, other_mechanism=a, kind="formal")
    )
    MechanismLink.objects.create(mechanism=a, other_mechanism=b, kind="formal")
    assert refused(
        lambda: MechanismLink.objects.create(mechanism=a, other_mechanism=b, kind="formal")
    )
