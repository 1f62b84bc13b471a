from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("<slug:slug>/", views.survey_detail, name="survey_detail"),
    path("<slug:slug>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("<slug:slug>/results.csv", views.results_csv, name="results_csv"),
]
