"""The five topics of the 2019 Summary of Findings, broad regions and themes, as data."""

from django.db import migrations

from profiles.vocabularies import ensure_vocabularies


def add_vocabularies(apps, schema_editor):
    ensure_vocabularies(
        apps.get_model("profiles", "Topic"),
        apps.get_model("profiles", "Region"),
        apps.get_model("profiles", "ThematicArea"),
    )


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]

    operations = [migrations.RunPython(add_vocabularies, migrations.RunPython.noop)]
