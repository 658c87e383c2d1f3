"""``manage.py renderfax``: render files exactly as the portal would fax them.

For support staff: reproduces the accept, combine and render steps on local files (same
checks, same messages), writes the fax TIFF and prints its page count.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from faxes.documents import (
    AcceptedDocument,
    Compression,
    CoverPage,
    DocumentRejected,
    FaxHeader,
    PaperSize,
    RenderOptions,
    Resolution,
    accept_file,
    combine_documents,
    render_fax_tiff,
)


class Command(BaseCommand):
    help = (
        "Render PDF/TIFF/PNG/JPEG files (plus an optional cover page) into the fax TIFF that "
        "would be sent, and print its page count."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="documents, in order")
        parser.add_argument("--out", required=True, metavar="OUT.tiff", help="TIFF to write")
        parser.add_argument(
            "--resolution", choices=[r.value for r in Resolution], default=Resolution.FINE.value
        )
        parser.add_argument(
            "--compression", choices=[c.value for c in Compression], default=Compression.G4.value
        )
        parser.add_argument(
            "--paper", choices=[p.value for p in PaperSize], default=PaperSize.LETTER.value
        )
        parser.add_argument("--header", default="", metavar="TEXT", help="faxbox header text")
        parser.add_argument("--from-number", default="", help="sender number in the header")
        parser.add_argument(
            "--timezone", default=settings.TIME_ZONE, help="faxbox timezone for dates"
        )
        cover = parser.add_argument_group("cover page (added when any of these is given)")
        cover.add_argument("--cover-subject", default="")
        cover.add_argument("--cover-message", default="")
        cover.add_argument("--cover-to", default="", help="recipient name")
        cover.add_argument("--cover-to-number", default="", help="recipient fax number")
        cover.add_argument("--cover-from", default="", help="sender name")

    def handle(self, *args: Any, **options: Any) -> None:
        documents = [self._accept(Path(name)) for name in options["files"]]
        cover = None
        if any(
            options[key]
            for key in (
                "cover_subject",
                "cover_message",
                "cover_to",
                "cover_to_number",
                "cover_from",
            )
        ):
            cover = CoverPage(
                recipient_name=options["cover_to"],
                recipient_number=options["cover_to_number"],
                sender_name=options["cover_from"] or options["header"],
                sender_number=options["from_number"],
                subject=options["cover_subject"],
                message=options["cover_message"],
                timezone=options["timezone"],
            )
        header = FaxHeader(
            text=options["header"],
            sender_number=options["from_number"],
            timezone=options["timezone"],
        )
        render = RenderOptions(
            resolution=Resolution(options["resolution"]),
            compression=Compression(options["compression"]),
            header=header,
            paper=PaperSize(options["paper"]),
        )
        out = Path(options["out"])
        try:
            combined = combine_documents(documents, cover=cover, paper=PaperSize(options["paper"]))
            result = render_fax_tiff(combined.pdf, out, render)
        except DocumentRejected as exc:
            out.unlink(missing_ok=True)
            raise CommandError(exc.message) from exc
        except OSError as exc:
            out.unlink(missing_ok=True)
            raise CommandError(f"{out}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"{result.page_count} pages written to {out} "
            f"({result.resolution.value}, {result.compression.value.upper()})"
        )

    def _accept(self, path: Path) -> AcceptedDocument:
        try:
            with path.open("rb") as stream:
                return accept_file(stream, filename=path.name)
        except DocumentRejected as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
