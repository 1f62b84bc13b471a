"""The admin site: Django's, with changelist actions that refuse forged selections.

A changelist action posts the ids of the selected rows (`_selected_action`). Django filters
with them as they come, so a value that is not an id (`abc`, `1.5`, a number beyond the
column's range) raised a server error instead of a message. Every model admin registered
on this site (ours, and Django's own users and groups) checks the ids first: an invalid
selection is answered with an error message on the list page, and nothing is done.

Installed by `AdminConfig` (in INSTALLED_APPS instead of "django.contrib.admin"), which
makes `AdminSite` the default site: `admin.site` and `@admin.register` use it.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.http import HttpRequest


def invalid_ids(model_admin: admin.ModelAdmin, values: list[str]) -> list[str]:
    """The values that cannot be ids of `model_admin`'s model (in the order given)."""
    field = model_admin.model._meta.pk
    connection = connections[router.db_for_read(model_admin.model)]
    try:
        low, high = connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:  # not an integer key
        low = high = None
    invalid = []
    for value in values:
        try:
            key = field.to_python(value)
        except ValidationError:
            key = None
        out_of_range = isinstance(key, int) and low is not None and not low <= key <= high
        has_nul = isinstance(key, str) and "\x00" in key
        if key is None or out_of_range or has_nul:
            invalid.append(value)
    return invalid


class CheckedActionsMixin:
    """Refuses an action whose selected ids are not ids of the model, with a message."""

    def response_action(self, request: HttpRequest, queryset, *args, **kwargs):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        invalid = invalid_ids(self, selected)
        if invalid:
            shown = ", ".join(f"“{value[:40]}”" for value in invalid[:3])
            more = f" and {len(invalid) - 3} more" if len(invalid) > 3 else ""
            self.message_user(
                request,
                f"The selection is not valid ({shown}{more} is not the id of any "
                f"{self.model._meta.verbose_name}): nothing was done. Select the rows "
                "on the list and try again.",
                messages.ERROR,
            )
            return None  # the list page is shown again, with the message
        return super().response_action(request, queryset, *args, **kwargs)


class AdminSite(admin.AdminSite):
    """Django's admin site; every model admin registered on it checks action selections."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, CheckedActionsMixin):
            admin_class = type(
                admin_class.__name__,
                (CheckedActionsMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)


class AdminConfig(DjangoAdminConfig):
    default_site = "iscm_site.admin.AdminSite"
