from django.urls import path

from . import views

app_name = "profiles"
urlpatterns = [
    path("", views.home, name="home"),
    path("mechanisms/", views.mechanism_list, name="mechanism_list"),
    path("mechanisms/<slug:slug>/", views.mechanism_detail, name="mechanism_detail"),
    path("mechanisms/<slug:slug>/preview/", views.mechanism_preview, name="mechanism_preview"),
    path(
        "mechanisms/<slug:slug>/export.xlsx",
        views.mechanism_export_xlsx,
        name="mechanism_export_xlsx",
    ),
    path(
        "mechanisms/<slug:slug>/export.csv", views.mechanism_export_csv, name="mechanism_export_csv"
    ),
    path("data/iscm-profiles.xlsx", views.data_export_xlsx, name="data_export_xlsx"),
]
