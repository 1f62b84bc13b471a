from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "profiles"
    verbose_name = "ISCM profiles"

    def ready(self) -> None:
        from workbook.registry import SheetSet, register

        from .exporter import about_lines
        from .sheets import SHEETS

        register(
            SheetSet(
                app_label="profiles",
                sheets=SHEETS,
                planner="profiles.importer.ProfilesPlanner",
                import_permissions=tuple(
                    f"profiles.{action}_{model}"
                    for model in (
                        "mechanism",
                        "section",
                        "participation",
                        "mechanismlink",
                        "document",
                        "organisation",
                    )
                    for action in ("add", "change")
                ),
                about=about_lines,
            )
        )
