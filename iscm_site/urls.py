from django.contrib import admin
from django.urls import include, path

from profiles.views import healthz

admin.site.site_header = "ISCM Profiles — IPD administration"
admin.site.site_title = "ISCM Profiles admin"
admin.site.index_title = "Mechanisms, sections and participants"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("surveys/", include("surveys.urls")),
    path("", include("profiles.urls")),
]
