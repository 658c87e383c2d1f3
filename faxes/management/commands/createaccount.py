from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandParser

from accounts.management.commands._errors import command_error
from accounts.models import Account
from faxes.services.accounts import create_account


class Command(BaseCommand):
    help = "Create an account with its admin user and a default faxbox; prints the account id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Account name (unique)")
        parser.add_argument("--email", required=True, help="Admin user's e-mail (their login)")
        parser.add_argument("--password", required=True, help="Admin user's password")
        parser.add_argument("--parent", help="Parent (reseller) account id")
        parser.add_argument("--fax-number", help="E.164 number for the default faxbox")
        parser.add_argument("--timezone", default="UTC", help="IANA time zone (default UTC)")

    def handle(self, *args, **options) -> None:
        parent = None
        if options["parent"]:
            parent = Account.objects.filter(pk=options["parent"]).first()
            if parent is None:
                raise command_error(
                    ValidationError({"parent": [f"No account with id {options['parent']!r}."]})
                )
        try:
            created = create_account(
                options["name"],
                admin_email=options["email"],
                admin_password=options["password"],
                parent=parent,
                fax_number=options["fax_number"],
                timezone_name=options["timezone"],
            )
        except ValidationError as exc:
            raise command_error(exc) from None
        self.stdout.write(created.account.pk)
