"""The two roles of DESIGN.md §1, as groups: IPD editors and IPD publishers.

Editors edit, import and preview; they cannot publish, unpublish or delete mechanisms.
Publishers may also do those three. Staff accounts are put in one of the groups.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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
PUBLISHER_PERMISSIONS = EDITOR_PERMISSIONS + [
    ("profiles", "publish_mechanism"),
    ("profiles", "delete_mechanism"),
    ("profiles", "delete_organisation"),
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for label in ("profiles", "history"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # a migration's app stub has none; it is not read
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ((EDITORS, EDITOR_PERMISSIONS), (PUBLISHERS, PUBLISHER_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


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
