"""The five topics of the 2019 Summary of Findings, broad regions and themes, as data."""

from django.db import migrations

TOPICS = [
    ("evolution", 1, "Evolution of programming and thematic focus"),
    (
        "contribution",
        2,
        "Contribution to migration governance at national, (inter)regional and global levels",
    ),
    ("structures", 3, "Salient ISCM structures"),
    ("partnerships", 4, "Effective partnership models by the ISCM"),
    ("added-value", 5, "Added value of membership in the ISCM for States and organizations"),
]

REGIONS = [
    ("africa", 1, "Africa"),
    ("americas", 2, "Americas and the Caribbean"),
    ("asia-pacific", 3, "Asia and the Pacific"),
    ("europe", 4, "Europe"),
    ("middle-east", 5, "Middle East and the Gulf"),
    ("global", 6, "Global"),
]

THEMES = [
    ("asylum-refugees", "Asylum and refugee protection"),
    ("border-management", "Border management"),
    ("displacement", "Displacement"),
    ("irregular-migration", "Irregular migration"),
    ("labour-migration", "Labour migration"),
    ("migrant-rights", "Migrants' rights and protection"),
    ("migration-development", "Migration and development"),
    ("migration-policy", "Migration policy and governance"),
    ("return-reintegration", "Return and reintegration"),
    ("smuggling", "Migrant smuggling"),
    ("trafficking", "Trafficking in persons"),
]


def add_vocabularies(apps, schema_editor):
    Topic = apps.get_model("profiles", "Topic")
    Region = apps.get_model("profiles", "Region")
    ThematicArea = apps.get_model("profiles", "ThematicArea")
    for key, order, title in TOPICS:
        Topic.objects.update_or_create(key=key, defaults={"order": order, "title": title})
    for slug, order, name in REGIONS:
        Region.objects.update_or_create(slug=slug, defaults={"order": order, "name": name})
    for slug, name in THEMES:
        ThematicArea.objects.update_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial")]

    operations = [migrations.RunPython(add_vocabularies, migrations.RunPython.noop)]
