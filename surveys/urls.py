"""Surveys (2019 assessment answers): built in the surveys issue."""

app_name = "surveys"
urlpatterns: list = []
