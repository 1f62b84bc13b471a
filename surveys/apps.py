from django.apps import AppConfig

MODELS = ("question", "respondent", "answer")


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        from profiles.selectors import PUBLIC_VERSION_SOURCES
        from workbook.registry import SheetSet, register

        from .selectors import data_version
        from .sheets import SHEETS

        # Survey figures appear on profiles: cached public pages are keyed on them too.
        if data_version not in PUBLIC_VERSION_SOURCES:
            PUBLIC_VERSION_SOURCES.append(data_version)

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
