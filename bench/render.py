"""Benchmark: render text PDFs and full-page photos to fine-resolution G4 fax TIFFs, against
Ghostscript; convert Office documents to PDF with the sandboxed LibreOffice.

    .venv/bin/python bench/render.py [--pages 50] [--repeat 3] [--photo-only] [--photo PATH]
                                     [--office-only]

Text: every case runs in its own process; peak memory is that process's ru_maxrss (from
wait4), so the figures include the interpreter and libraries, measured the same way for
Ghostscript.

Photos (``bench/photo.py`` renders and transmits them): each picture is accepted, combined and
rendered as the portal does (fine resolution, header line); the page's T.6 bytes, the line time
the model gives at 14,400 bit/s and the line time measured through the spandsp modem pair
(audio, ECM). Then the same PDF through Ghostscript's fax devices (``tiffg4`` and ``faxg3`` at
204 x 196 dpi) and how close each halftoned page is to the grey original (the page pdfium
renders in grey, before halftoning), both seen at about 100 dpi: blurred by a Gaussian of
1/100 inch (sigma) and area-sampled to 100 dpi. Figures: PSNR (dB), SSIM (8-bit, Gaussian
window of sigma 1.5) and the mean absolute error in grey levels; higher, higher, lower is
closer. Ghostscript (Debian's ``ghostscript``) is needed for the comparison only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def make_pdf(path: Path, pages: int) -> None:
    from tests.documents.factories import LETTER, build_pdf, text_page

    # Full pages of 10 pt body text: a typical faxed letter or report.
    path.write_bytes(
        build_pdf([text_page(n + 1, LETTER, font_size=10, line_count=48) for n in range(pages)])
    )


def worker(pdf: str, out: str, mode: str) -> None:
    """Runs inside the measured child process; prints a JSON line."""
    from datetime import UTC, datetime

    from benchenv import django_ready

    django_ready()

    from faxes.documents import FaxHeader, RenderOptions, render_fax_tiff

    started = time.perf_counter()
    pages = 0
    if mode == "render":
        header = FaxHeader("ACME CLINIC", "+15551230000", "UTC", datetime.now(UTC))
        pages = render_fax_tiff(Path(pdf), Path(out), RenderOptions(header=header)).page_count
    elapsed = time.perf_counter() - started
    print(json.dumps({"pages": pages, "seconds": elapsed, "encoder": encoder()}))


def encoder() -> str:
    """Which CCITT encoder the render used. Asked in the child: importing the pipeline in
    this process would inflate the children's peak RSS (Linux carries it across exec)."""
    from faxes.documents import libtiff

    lib = libtiff.library()
    return f"libtiff via ctypes ({lib.path})" if lib else "Pillow (libtiff not loadable)"


def run_measured(argv: list[str]) -> tuple[float, int, str, float]:
    """(wall seconds, peak RSS in MiB, stdout, CPU seconds) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}):\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, usage.ru_maxrss // 1024, stdout, cpu  # ru_maxrss is in KiB on Linux


def ours(pdf: Path, out: Path, mode: str = "render") -> dict[str, float]:
    argv = [sys.executable, __file__, "--worker", str(pdf), str(out), mode]
    wall, rss, stdout, cpu = run_measured(argv)
    result = json.loads(stdout.strip().splitlines()[-1])
    ENCODERS.add(result["encoder"])
    return {"wall": wall, "render": result["seconds"], "rss": rss, "cpu": cpu}


ENCODERS: set[str] = set()


def ghostscript(pdf: Path, out: Path) -> dict[str, float]:
    argv = [
        "gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER",
        "-sDEVICE=tiffg4", "-r204x196", f"-sOutputFile={out}", str(pdf),
    ]  # fmt: skip
    wall, rss, _, cpu = run_measured(argv)
    return {"wall": wall, "render": wall, "rss": rss, "cpu": cpu}


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {
        "wall": min(r["wall"] for r in runs),
        "render": min(r["render"] for r in runs),
        "rss": statistics.median(r["rss"] for r in runs),
        "cpu": min(r["cpu"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--photo-only", action="store_true", help="only the photo comparison")
    parser.add_argument("--photo", type=Path, action="append", default=[], help="also this picture")
    parser.add_argument("--office-only", action="store_true", help="only the Office conversion")
    args = parser.parse_args()
    if args.office_only:
        office_bench(repeat=3)
        return
    if not args.photo_only:
        text(args)
    # Imported after the text cases: the pipeline in this process would inflate their RSS.
    import photo  # bench/photo.py

    photo.compare(args.photo)
    if not args.photo_only:
        office_bench(repeat=3)


def text(args: argparse.Namespace) -> None:

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docs = {n: folder / f"text-{n}.pdf" for n in sorted({10, args.pages, 200})}
        for pages, path in docs.items():
            make_pdf(path, pages)
        main_pdf = docs[args.pages]
        print(f"Rendering a {args.pages}-page text PDF (Letter, 10 pt) to a fine (204x196) G4 TIFF")
        print(f"best of {args.repeat} runs, each in a fresh process\n")

        have_gs = shutil.which("gs") is not None
        ours_runs, gs_runs = [], []
        for _ in range(args.repeat):  # interleaved, so a busy machine hurts both alike
            ours_runs.append(ours(main_pdf, folder / "ours.tiff"))
            if have_gs:
                gs_runs.append(ghostscript(main_pdf, folder / "gs.tiff"))
        o = best(ours_runs)
        print(f"{'':26}{'pages/s':>9}{'seconds':>9}{'CPU s':>8}{'peak RSS':>11}")
        print(
            f"{'faxportal (render call)':26}{args.pages / o['render']:>9.1f}"
            f"{o['render']:>9.3f}{'':>8}{o['rss']:>7.0f} MiB"
        )
        print(
            f"{'faxportal (whole process)':26}{args.pages / o['wall']:>9.1f}"
            f"{o['wall']:>9.3f}{o['cpu']:>8.3f}"
        )
        print(f"{'  CCITT encoder':26}{', '.join(sorted(ENCODERS))}")
        baseline = best([ours(main_pdf, folder / "none.tiff", mode="import") for _ in range(2)])
        print(
            f"{'  startup + imports only':26}{'':>9}{baseline['wall']:>9.3f}"
            f"{baseline['cpu']:>8.3f}{baseline['rss']:>7.0f} MiB"
        )
        if have_gs:
            g = best(gs_runs)
            print(
                f"{'ghostscript -sDEVICE=tiffg4':26}{args.pages / g['wall']:>9.1f}"
                f"{g['wall']:>9.3f}{g['cpu']:>8.3f}{g['rss']:>7.0f} MiB"
            )
            print(
                f"\nfaxportal vs Ghostscript: {g['wall'] / o['render']:.2f}x the speed (render "
                f"call), {g['wall'] / o['wall']:.2f}x (whole process), "
                f"{g['cpu'] / (o['cpu'] - baseline['cpu']):.2f}x the CPU efficiency"
            )
        else:
            print("ghostscript (gs) not installed: comparison skipped")

        print("\nPeak memory by document length (whole process, median of runs)")
        rss = {}
        for pages, path in docs.items():
            r = best([ours(path, folder / f"m{pages}.tiff") for _ in range(args.repeat)])
            rss[pages] = r["rss"]
            print(
                f"  {pages:>4} pages: {r['rss']:>5.0f} MiB peak, {pages / r['render']:.1f} pages/s"
            )
        ratio = rss[200] / rss[10]
        net = (rss[200] - baseline["rss"]) / max(1.0, rss[10] - baseline["rss"])
        goal = "met" if ratio <= 1.5 else "NOT met"
        print(f"  200 vs 10 pages: {ratio:.2f}x (goal <= 1.5x: {goal}); above imports: {net:.2f}x")


def office_bench(repeat: int) -> None:
    """Seconds per Office document and per page through ``faxes.documents.office`` (the
    sandbox the portal uses: a fresh profile, no network, limits). Cold: the first conversion
    of this run, LibreOffice's files not yet in the page cache of a fresh boot maybe; warm:
    the best of the next ones (every conversion still gets a fresh profile); cached: the
    same bytes again (the preview-then-send case), served from the conversion cache."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "faxportal.settings")
    import django

    django.setup()
    from faxes.documents import DocumentKind, office
    from tests.documents import office_files

    binary = office.find_binary(office.OfficeSettings())
    if binary is None:
        print("\nLibreOffice (soffice) not installed: Office conversion skipped")
        return

    class MemoryCache:
        def __init__(self) -> None:
            self.entries: dict[str, bytes] = {}

        def get(self, key: str) -> bytes | None:
            return self.entries.get(key)

        def put(self, key: str, pdf: bytes) -> None:
            self.entries[key] = pdf

    letter = [f"Paragraph {n}: " + "The results of the tests are within the normal range. " * 6
              for n in range(40)]  # fmt: skip
    documents = {
        "DOCX letter, 1 page": (office_files.docx(*letter[:8]), DocumentKind.DOCX),
        "ODT report, 10 pages": (
            office_files.odt(*[f"Page {n}. " + letter[n] for n in range(10)], page_breaks=True),
            DocumentKind.ODT,
        ),
        "XLSX sheet, 300 rows": (
            office_files.xlsx([[f"item {n}", n, n * 1.5] for n in range(300)]),
            DocumentKind.XLSX,
        ),
        "ODP slides, 5": (office_files.odp(*[f"Slide {n}" for n in range(5)]), DocumentKind.ODP),
        "TXT, 120 lines": ("\n".join(letter * 3).encode()[:12000], DocumentKind.TXT),
    }
    settings = office.OfficeSettings()
    namespace = "own network namespace" if office.network_namespace() else "profile settings only"
    print(f"\nOffice documents to PDF by LibreOffice ({namespace}; cold = first, warm = best "
          f"of {repeat} more, each with a fresh profile)")  # fmt: skip
    print(f"{'':24}{'pages':>6}{'cold s':>8}{'warm s':>8}{'warm s/page':>12}{'cached ms':>10}")
    from pypdf import PdfReader

    for label, (data, kind) in documents.items():
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            pdf = office.run_soffice(binary, data, kind, office=settings, max_pages=200)
            times.append(time.perf_counter() - started)
        pages = len(PdfReader(BytesIO(pdf)).pages)
        cache = MemoryCache()
        office.convert_to_pdf(data, kind, cache=cache)
        started = time.perf_counter()
        office.convert_to_pdf(data, kind, cache=cache)
        cached = (time.perf_counter() - started) * 1000
        warm = min(times[1:])
        print(f"{label:24}{pages:>6}{times[0]:>8.2f}{warm:>8.2f}{warm / pages:>12.2f}"
              f"{cached:>10.2f}")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:])
    else:
        main()
