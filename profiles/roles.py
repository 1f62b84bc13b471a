"""The two roles of DESIGN.md §1, as groups: IPD editors and IPD publishers.

Editors edit, import, preview and restore; they cannot publish, unpublish or delete
mechanisms. Publishers may also do those three. Staff accounts are put in one of the
groups. Created by migration `0006_roles`; `ensure_roles()` recreates them (tests that
flush the database, or a database whose groups were deleted).
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

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
ROLES = {EDITORS: EDITOR_PERMISSIONS, PUBLISHERS: PUBLISHER_PERMISSIONS}


def ensure_roles(apps=global_apps, roles: dict | None = None) -> None:
    """Create the groups (if missing) and give them their permissions."""
    roles = roles or ROLES
    labels = {label for permissions in roles.values() for label, _codename in permissions}
    for label in sorted(labels):
        app_config = apps.get_app_config(label)
        # A migration's app stub has no models module; create_permissions only checks it.
        app_config.models_module = getattr(app_config, "models_module", None) or True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in roles.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
