from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.management.commands._errors import command_error
from accounts.models import Account
from accounts.services import create_api_token


class Command(BaseCommand):
    help = "Create an API token for an account; prints the secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("account_id")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--scopes", required=True, help="Comma-separated, e.g. fax:read,fax:send"
        )
        parser.add_argument("--expires-in-days", type=int, help="Expire after this many days")

    def handle(self, *args, **options) -> None:
        account = Account.objects.filter(pk=options["account_id"]).first()
        if account is None:
            raise CommandError(f"No account with id {options['account_id']!r}.")
        expires_at = None
        if options["expires_in_days"] is not None:
            if options["expires_in_days"] < 1:
                raise CommandError("--expires-in-days must be at least 1.")
            expires_at = timezone.now() + timedelta(days=options["expires_in_days"])
        try:
            issued = create_api_token(
                account, name=options["name"], scopes=options["scopes"], expires_at=expires_at
            )
        except ValidationError as exc:
            raise command_error(exc) from None
        self.stdout.write(issued.secret)
