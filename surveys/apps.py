from django.apps import AppConfig

MODELS = ("question", "respondent", "answer")


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from workbook.registry import SheetSet, register

        from .sheets import SHEETS

        register(
            SheetSet(
                app_label="surveys",
                sheets=SHEETS,
                planner="surveys.importer.SurveysPlanner",
                # The sheets are optional: the import page stays the profiles' own, and a
                # file holding survey sheets needs the survey permissions too.
                sheet_permissions=tuple(
                    f"surveys.{action}_{model}" for model in MODELS for action in ("add", "change")
                ),
                staff_rows="surveys.exporter.staff_rows",
            )
        )
