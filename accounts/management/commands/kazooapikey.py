from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.kazoo_auth import regenerate_api_key
from accounts.models import Account


class Command(BaseCommand):
    help = "Generate a new 64-character API key for /v2/api_auth; prints it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account_id")

    def handle(self, *args, **options) -> None:
        account = Account.objects.filter(pk=options["account_id"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['account_id']!r}.")
        self.stdout.write(regenerate_api_key(account))
