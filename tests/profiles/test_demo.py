"""`manage.py load_demo`: the quick start's data set, loaded faithfully and idempotently."""

import pytest
from django.core.management import call_command

from profiles.models import Mechanism, Participation, Section

pytestmark = pytest.mark.django_db


def test_load_demo_loads_25_published_mechanisms_and_the_seed(db):
    call_command("load_demo", verbosity=0)
    assert Mechanism.objects.filter(is_published=True).count() == 25
    almaty = Mechanism.objects.get(slug="almaty-process")
    assert almaty.sections.count() == 5
    members = set(almaty.participations.filter(role="member").values_list("country", flat=True))
    assert members == {"AF", "AZ", "KZ", "KG", "TJ", "TR"}
    observers = set(almaty.participations.filter(role="observer").values_list("country", flat=True))
    assert observers == {"IR", "IT", "PK", "TM"}


def test_load_demo_twice_changes_nothing_and_keeps_edits(db):
    call_command("load_demo", verbosity=0)
    almaty = Mechanism.objects.get(slug="almaty-process")
    almaty.summary = "Edited by IPD."
    almaty.save()
    counts = (Mechanism.objects.count(), Participation.objects.count(), Section.objects.count())
    call_command("load_demo", verbosity=0)
    assert (
        Mechanism.objects.count(),
        Participation.objects.count(),
        Section.objects.count(),
    ) == counts
    assert Mechanism.objects.get(slug="almaty-process").summary == "Edited by IPD."


def test_uncertain_reference_values_stay_flagged(demo_data):
    midiocc = Mechanism.objects.get(slug="midiocc")  # "interregional forum?"
    assert midiocc.kind == Mechanism.Kind.INTERREGIONAL and midiocc.kind_uncertain
    mtm = Mechanism.objects.get(slug="mtm-dialogue")  # "2002?"
    assert mtm.established == 2002 and mtm.established_uncertain
    # Confirmed by the corrected reference: the flag goes with the "?".
    idm = Mechanism.objects.get(slug="idm")
    assert idm.established == 2001 and not idm.established_uncertain
    colombo_observers = Participation.objects.filter(
        mechanism__slug="colombo-process", role="observer"
    )
    assert colombo_observers.count() == 8
    assert all(p.uncertain for p in colombo_observers)  # every one ends in "?"
    # "IOM support?"; the Rabat Process's "ICMPD?" was confirmed by the corrected reference.
    assert Mechanism.objects.get(slug="regional-conference-on-migration").secretariat_unconfirmed
    assert not Mechanism.objects.get(slug="rabat-process").secretariat_unconfirmed


def test_organisations_are_told_from_country_codes(demo_data):
    # "EC" is Ecuador's ISO code, but in MIDWA's observers it is the European Commission.
    midwa = Participation.objects.filter(mechanism__slug="midwa", role="observer")
    assert {p.participant_name for p in midwa if p.organisation_id} >= {
        "European Commission (EC)",
        "International Organization for Migration (IOM)",
    }
    assert not midwa.filter(country="EC").exists()
    # The Bali Process's members: States, and four "(member organisations)".
    bali = Participation.objects.filter(mechanism__slug="bali-process", role="member")
    assert {p.organisation.acronym for p in bali if p.organisation_id} == {
        "IOM",
        "UNHCR",
        "UNODC",
        "ILO",
    }
    assert {"AU", "ID", "US"} <= {p.country for p in bali if not p.organisation_id}
    assert bali.get(country="MM").uncertain  # "MMR?"


def test_aliases_are_kept_from_short_names(demo_data):
    assert (
        "Puebla Process"
        in Mechanism.objects.get(slug="regional-conference-on-migration").alias_list
    )
    assert Mechanism.objects.get(slug="pafom").alias_list == [
        "Intra-Regional Forum on Migration in Africa"
    ]


def test_mechanisms_without_a_membership_list_carry_the_reference_note(demo_data):
    notes = dict(
        Mechanism.objects.exclude(membership_note="").values_list("slug", "membership_note")
    )
    assert notes == {
        "gfmd": "Open to all States Members and Observers of the United Nations "
        "(no membership list)",
        "idm": "IOM policy forum for governments plus IGOs/NGOs and other stakeholders "
        "(no membership list)",
        "pafom": "All African Union Member States (no separate membership list)",
    }
    assert not Participation.objects.filter(mechanism__slug__in=notes).exists()
