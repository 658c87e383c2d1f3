"""``manage.py faxloop``: send a file through the software modem pair and report T.30.

For support staff: renders FILE as the portal would send it, transmits the
TIFF between two simulated fax machines (audio, G.711 or T.38), prints the
T.30 result and statistics, and writes what the receiver decoded.
"""

from __future__ import annotations

import dataclasses
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from faxes import modem
from faxes.documents import (
    DocumentRejected,
    FaxHeader,
    RenderOptions,
    Resolution,
    accept_file,
    combine_documents,
    render_fax_tiff,
)


class Command(BaseCommand):
    help = "Transmit FILE through the loopback fax modem pair and print the T.30 result."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--mode", choices=[m.value for m in modem.Mode], default="audio")
        parser.add_argument("--ecm", action="store_true", help="use error correction mode")
        parser.add_argument("--noise", type=float, metavar="DBM0", help="line noise, e.g. -50")
        parser.add_argument("--drop-rate", type=float, default=0.0, help="share of frames lost")
        parser.add_argument("--resolution", choices=[r.value for r in Resolution], default="fine")
        parser.add_argument("--header", default="", help="header line text")
        parser.add_argument("--out", metavar="RECEIVED.tiff", help="where to write the result")

    def handle(self, *args: Any, **options: Any) -> None:
        if not modem.modem_available():
            raise CommandError("libspandsp is not installed (apt-get install libspandsp2).")
        path = Path(options["file"])
        try:
            with path.open("rb") as stream:
                document = accept_file(stream, filename=path.name)
            combined = combine_documents([document])
        except DocumentRejected as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        try:
            impairments = modem.Impairments(
                noise_dbm0=options["noise"], drop_rate=options["drop_rate"]
            )
            fax_options = modem.FaxOptions(
                tx_ident="FAXLOOP TX", rx_ident="FAXLOOP RX", ecm=options["ecm"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["out"] or path.with_suffix(".received.tiff").name)
        with tempfile.NamedTemporaryFile(suffix=".tiff") as sent:
            render_fax_tiff(
                combined.pdf,
                sent.name,
                RenderOptions(
                    resolution=Resolution(options["resolution"]),
                    header=FaxHeader(text=options["header"]) if options["header"] else None,
                ),
            )
            # The simulated-time cap follows what the call carries, as on a real line.
            budget = modem.LineBudget(modem.tiff_page_bytes(sent.name))
            fax_options = dataclasses.replace(fax_options, budget=budget)
            try:
                result = modem.transmit(
                    sent.name, mode=options["mode"], options=fax_options,
                    impairments=impairments, received_tiff=out,
                )  # fmt: skip
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        self._report(result, out)
        if not result.success:
            raise CommandError(f"transmission failed: {result.error_code} {result.completion_text}")

    def _report(self, result: modem.TransmissionResult, out: Path) -> None:
        rows = [
            ("result", "OK" if result.success else "FAILED"),
            ("T.30 completion", f"{result.completion_code} {result.completion_text}"),
            ("error code", str(result.error_code or "-")),
            ("mode", str(result.mode)),
            ("pages", f"{result.pages_sent} sent, {result.pages_received} received "
                      f"of {result.pages_in_file}"),
            ("bit rate", f"{result.bit_rate} bit/s"),
            ("ECM", "on" if result.ecm_used else "off"),
            ("bad rows", str(result.bad_rows)),
            ("remote ident", f"{result.tx_remote_ident!r} / {result.rx_remote_ident!r}"),
            ("line time", f"{result.line_seconds:.1f} s"),
            ("received TIFF", str(out) if result.pages_received else "-"),
        ]  # fmt: skip
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            self.stdout.write(f"{label:<{width}}  {value}")
