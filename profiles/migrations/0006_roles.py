"""The roles as groups: IPD editors and IPD publishers (profiles/roles.py)."""

from django.db import migrations

# Frozen here: a later change to profiles.roles gets its own migration.
EDITORS = "IPD editors"
PUBLISHERS = "IPD publishers"
CHILDREN = ("section", "participation", "mechanismlink", "document")
EDITOR_PERMISSIONS = [
    ("profiles", f"{action}_{model}")
    for model in ("mechanism", "organisation", *CHILDREN)
    for action in ("view", "add", "change")
] + [
    *(("profiles", f"delete_{model}") for model in CHILDREN),
    *(("profiles", f"view_{model}") for model in ("topic", "region", "thematicarea")),
    ("profiles", "view_publishedprofile"),
    ("history", "view_changeset"),
]
PUBLISHER_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    ("profiles", "publish_mechanism"),
    ("profiles", "delete_mechanism"),
    ("profiles", "delete_organisation"),
]


def create_groups(apps, schema_editor):
    from profiles.roles import ensure_roles

    ensure_roles(apps, {EDITORS: EDITOR_PERMISSIONS, PUBLISHERS: PUBLISHER_PERMISSIONS})


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, PUBLISHERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("history", "0001_initial"),
        ("profiles", "0005_history_versions_published_profiles"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
