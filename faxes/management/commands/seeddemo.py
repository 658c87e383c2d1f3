"""Demo accounts for a fresh install (idempotent)."""

from django.core.management.base import BaseCommand

from accounts.models import Account
from faxes.services import create_faxbox
from faxes.services.accounts import create_account

DEMO_PASSWORD = "demo-fax-portal"  # noqa: S105 - published demo login
DEMO_ACCOUNTS = [
    # name, admin login, main fax number
    ("Demo Clinic", "demo@example.com", "+12025550101"),
    ("Demo Pharmacy", "pharmacy@example.com", "+12025550102"),
]


class Command(BaseCommand):
    help = "Create the demo accounts if they do not exist and print their logins."

    def handle(self, *args, **options) -> None:
        for name, email, number in DEMO_ACCOUNTS:
            account = Account.objects.filter(name=name).first()
            if account is None:
                created = create_account(
                    name,
                    admin_email=email,
                    admin_password=DEMO_PASSWORD,
                    fax_number=number,
                    timezone_name="America/New_York",
                )
                account = created.account
                if name == "Demo Clinic":
                    create_faxbox(account, name="Front desk", numbers=["+12025550103"])
            self.stdout.write(f"{name}: log in as {email} / {DEMO_PASSWORD} (fax {number})")
