from django.core.management.base import BaseCommand

from profiles import demo
from surveys import demo as survey_demo


class Command(BaseCommand):
    help = (
        "Load the demo data set (25 ISCMs from public reference facts and the Almaty Process "
        "Summary of Findings), all published, and the 2019 survey's structure with fictional "
        "answers. Idempotent: existing mechanisms are left as they are."
    )

    def handle(self, *args, **options) -> None:
        report = demo.load()
        self.stdout.write(
            f"Demo data: {report.mechanisms} mechanisms, {report.participations} "
            f"participations, {report.sections} sections."
        )
        surveys = survey_demo.load()
        self.stdout.write(
            f"Survey data: {surveys.respondents} respondents, {surveys.answers} answers (the "
            "demo's respondents and answers are fictional)."
        )
