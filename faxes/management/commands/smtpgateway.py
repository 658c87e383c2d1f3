"""Run the e-mail-to-fax SMTP gateway (its own process in production; runportal starts
it on the embedded defaults). ``--add-credential FAXBOX_ID`` prints a new SMTP AUTH user
name and password for a copier sending from that faxbox instead."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError, CommandParser

from faxes.models import Faxbox
from faxes.services.mail_in import create_credential
from faxes.smtp.server import Gateway


class Command(BaseCommand):
    help = "Run the SMTP gateway (e-mail to fax) until SIGTERM/SIGINT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", help="address to listen on (FAXPORTAL_SMTP_HOST)")
        parser.add_argument("--port", type=int, help="port (FAXPORTAL_SMTP_PORT)")
        parser.add_argument(
            "--add-credential",
            metavar="FAXBOX_ID",
            help="print a new SMTP AUTH user name and password for this faxbox and exit",
        )

    def handle(self, *args, **options) -> None:
        if options["add_credential"]:
            faxbox = Faxbox.objects.live().filter(pk=options["add_credential"]).first()
            if faxbox is None:
                raise CommandError("no such faxbox")
            credential, password = create_credential(faxbox)
            self.stdout.write(f"username: {credential.username}\npassword: {password}")
            return
        gateway = Gateway(options["host"], options["port"])

        def stop(*_) -> None:
            gateway.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"SMTP gateway on {gateway.host}:{gateway.port} — Ctrl-C to stop")
        gateway.serve()
