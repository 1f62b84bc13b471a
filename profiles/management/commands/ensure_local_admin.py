import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Make sure a local superuser exists (quick start only). Its password is printed once, "
        "when the account is created."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Admin account “{username}” exists (its password was printed when it was "
                f"created; reset it with: python manage.py changepassword {username})."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        line = "=" * 64
        self.stdout.write(
            f"{line}\nLocal admin account created — this is shown only once:\n"
            f"  http://127.0.0.1:8000/admin/\n  username: {username}\n  password: {password}\n"
            f"{line}"
        )
