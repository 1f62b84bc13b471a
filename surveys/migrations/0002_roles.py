"""The survey permissions of the two roles (profiles migration 0006 creates the groups).

Editors view, add and change surveys, questionnaires, questions, respondents and answers,
and may delete questions, respondents and answers; they cannot publish. Publishers may
also publish or unpublish a survey and delete surveys and questionnaires.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "IPD editors"
PUBLISHERS = "IPD publishers"
MODELS = ("survey", "questionnaire", "question", "respondent", "answer")
EDITOR_PERMISSIONS = [
    f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")
] + [f"delete_{model}" for model in ("question", "respondent", "answer")]
PUBLISHER_PERMISSIONS = EDITOR_PERMISSIONS + [
    "publish_survey",
    "delete_survey",
    "delete_questionnaire",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("surveys")
    app_config.models_module = True  # a migration's app stub has none; it is not read
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in ((EDITORS, EDITOR_PERMISSIONS), (PUBLISHERS, PUBLISHER_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="surveys", codename__in=wanted)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, PUBLISHERS]):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="surveys"))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("profiles", "0006_roles"),
        ("surveys", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
