"""Benchmark: OCR throughput of received faxes (the text layer of faxes/documents/ocr.py).

    .venv/bin/python bench/ocr.py [--pages 5] [--languages eng] [--ocrmypdf PATH]

Each case is a received fax of full pages of 10 pt body text (a typical faxed letter), as the
portal files it: the PDF built from the fax TIFF, and that TIFF (fine 204x196, or standard
204x98 stretched to square pixels). Prints wall seconds per page, pages per second, CPU
seconds per page (what a busy machine cannot shorten) and the share of the page's words
read back from the searchable PDF. ``--ocrmypdf`` also times
OCRmyPDF (its command, if installed) on the same PDF for comparison.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")


def received_fax(pages: int, resolution) -> tuple[bytes, bytes, list[str]]:
    from faxes.documents import RenderOptions, convert_inbound, render_fax_tiff
    from tests.documents.factories import LETTER, build_pdf, text_page

    specs = [text_page(n + 1, LETTER, font_size=10, line_count=48) for n in range(pages)]
    words = [w for spec in specs for line in spec.lines for w in re.findall(r"\w+", line.text)]
    sent = io.BytesIO()
    render_fax_tiff(build_pdf(specs), sent, RenderOptions(resolution=resolution))
    with tempfile.NamedTemporaryFile(suffix=".tiff") as tiff:
        filed = convert_inbound(sent.getvalue(), tiff.name)
        return filed.pdf, Path(tiff.name).read_bytes(), words


def recall(expected: list[str], pdf: bytes) -> float:
    from collections import Counter

    from pypdf import PdfReader

    read = Counter(
        re.findall(
            r"\w+", " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
        )
    )
    wanted = Counter(expected)
    return sum(min(n, read[w]) for w, n in wanted.items()) / sum(wanted.values())


def cpu() -> float:
    """CPU seconds of this process and its finished children (tesseract, ocrmypdf)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def row(case: str, pages: int, seconds: float, cpu_seconds: float) -> None:
    print(
        f"{case:<22}{pages:>6}{seconds / pages:>8.2f}{pages / seconds:>8.2f}"
        f"{cpu_seconds / pages:>11.2f}",
        end="",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--languages", default="eng", help='tesseract -l, e.g. "deu+eng"')
    parser.add_argument("--ocrmypdf", default="", help="path of the ocrmypdf command")
    args = parser.parse_args()

    import django

    django.setup()
    from faxes.documents import ocr
    from faxes.documents.faxspec import Resolution

    if ocr.tesseract_path() is None:
        sys.exit("tesseract is not installed (scripts/bootstrap installs it)")
    print(f"tesseract: {ocr.tesseract_path()}, cores: {os.cpu_count()}, "
          f"load: {os.getloadavg()[0]:.1f}, languages: {args.languages}")  # fmt: skip
    print(
        f"{'case':<22}{'pages':>6}{'s/page':>8}{'pages/s':>8}{'CPU s/page':>11}"
        f"{'words read':>12}{'PDF KB':>12}"
    )
    for resolution in (Resolution.FINE, Resolution.STANDARD):
        pdf, tiff, words = received_fax(args.pages, resolution)
        started, cpu_start = time.perf_counter(), cpu()
        result = ocr.add_text_layer(pdf, tiff, languages=args.languages)
        seconds = time.perf_counter() - started
        sizes = f"{len(pdf) // 1024}->{len(result.pdf) // 1024}"
        row("portal, " + resolution.value, args.pages, seconds, cpu() - cpu_start)
        print(f"{recall(words, result.pdf):>12.1%}{sizes:>12}")
        if args.ocrmypdf:
            command = shutil.which(args.ocrmypdf) or args.ocrmypdf
            with tempfile.TemporaryDirectory() as folder:
                source, out = Path(folder, "in.pdf"), Path(folder, "out.pdf")
                source.write_bytes(pdf)
                env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
                started, cpu_start = time.perf_counter(), cpu()
                options = ["-q", "-l", args.languages, "--output-type", "pdf", "--jobs", "1"]
                subprocess.run([command, *options, str(source), str(out)], check=True, env=env)
                seconds = time.perf_counter() - started
                searchable = out.read_bytes()
            sizes = f"{len(pdf) // 1024}->{len(searchable) // 1024}"
            row("ocrmypdf, " + resolution.value, args.pages, seconds, cpu() - cpu_start)
            print(f"{recall(words, searchable):>12.1%}{sizes:>12}")


if __name__ == "__main__":
    main()
