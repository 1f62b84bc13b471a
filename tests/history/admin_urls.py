"""The site's URLs with the mechanism admin's history pages, for the history tests.

`profiles.admin.MechanismAdmin` takes `VersionHistoryAdminMixin` among its bases; until it
does, the `history_admin` fixture serves the real admin with the mixin added to the
registered MechanismAdmin (same views, same permissions), under this URLconf. Once the
mixin is in place, the fixture does nothing and the tests run against the site as it is.
"""

import pytest
from django.contrib import admin
from django.urls import path

import iscm_site.urls
from profiles.admin_history import VersionHistoryAdminMixin
from profiles.models import Mechanism


def has_history_pages() -> bool:
    return isinstance(admin.site._registry.get(Mechanism), VersionHistoryAdminMixin)


def _site() -> admin.AdminSite:
    site = admin.AdminSite(name=admin.site.name)
    site._registry = dict(admin.site._registry)
    registered = type(admin.site._registry[Mechanism])
    if not has_history_pages():
        with_history = type(registered.__name__, (VersionHistoryAdminMixin, registered), {})
        site._registry[Mechanism] = with_history(Mechanism, admin.site)
    return site


urlpatterns = [
    path("admin/", _site().urls),
    *(p for p in iscm_site.urls.urlpatterns if str(p.pattern) != "admin/"),
]


@pytest.fixture
def history_admin(settings) -> None:
    if not has_history_pages():
        settings.ROOT_URLCONF = __name__
