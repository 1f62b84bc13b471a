from django.urls import path

from . import views

app_name = "profiles"
urlpatterns = [
    path("", views.home, name="home"),
    path("mechanisms/", views.mechanism_list, name="mechanism_list"),
    path("mechanisms/<slug:slug>/", views.mechanism_detail, name="mechanism_detail"),
]
