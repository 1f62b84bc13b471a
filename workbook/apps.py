from django.apps import AppConfig


class WorkbookConfig(AppConfig):
    name = "workbook"
    verbose_name = "Workbook imports"
