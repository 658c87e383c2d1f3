"""Send a fax from the command line (support staff, smoke tests)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.management.commands._errors import command_error
from faxes import lifecycle, services
from faxes.models import Fax, Faxbox


class Command(BaseCommand):
    help = "Send FILE(s) from a faxbox to one or more numbers; prints one fax id per line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--faxbox", required=True, help="Sending faxbox id")
        parser.add_argument("--to", required=True, action="append", help="Recipient (repeatable)")
        parser.add_argument("--cover-subject", default="")
        parser.add_argument("--cover-message", default="")
        parser.add_argument("--resolution", choices=["fine", "standard"], default="fine")
        parser.add_argument(
            "--paper-size", default="auto", help="letter, a4, legal, b4 or auto (the faxbox's)"
        )
        parser.add_argument("--wait", type=float, default=0, help="Seconds to wait for the result")

    def handle(self, *args, **options) -> None:
        faxbox = Faxbox.objects.select_related("account").filter(pk=options["faxbox"]).first()
        if faxbox is None or faxbox.deleted_at is not None:
            raise CommandError(f"No faxbox with id {options['faxbox']!r}.")
        documents = []
        for path in options["files"]:
            try:
                documents.append(services.UploadedFile(path.read_bytes(), path.name))
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from None
        cover = None
        if options["cover_subject"] or options["cover_message"]:
            cover = services.CoverFields(options["cover_subject"], options["cover_message"])
        try:
            result = services.submit_fax(
                account=faxbox.account, faxbox=faxbox, recipients=options["to"],
                documents=documents, cover=cover, resolution=options["resolution"],
                paper_size=options["paper_size"],
            )  # fmt: skip
        except ValidationError as exc:
            raise command_error(exc) from None
        ids = [fax.pk for fax in result.faxes]
        deadline = time.monotonic() + options["wait"]
        while options["wait"] and time.monotonic() < deadline:
            if not Fax.objects.filter(pk__in=ids).exclude(status__in=lifecycle.FINAL).exists():
                break
            time.sleep(0.25)
        for fax in Fax.objects.filter(pk__in=ids).order_by("created_at"):
            line = f"{fax.pk} {fax.to_number} {fax.status} pages={fax.pages}"
            if fax.error_message:
                line += f" error={fax.error_message!r}"
            self.stdout.write(line)
