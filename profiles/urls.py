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
    path("countries/", views.country_list, name="country_list"),
    path("countries/memberships.<str:fmt>", views.membership_table, name="membership_table"),
    path("countries/<str:iso3>/", views.country_detail, name="country_detail"),
    path("compare/", views.compare, name="compare"),
    path("overlap/", views.overlap, name="overlap"),
    path("overlap/<slug:first>/<slug:second>/", views.overlap_pair, name="overlap_pair"),
    path("data/iscm-profiles.xlsx", views.data_export_xlsx, name="data_export_xlsx"),
]
