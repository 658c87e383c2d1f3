"""Benchmark the software fax modem: wall time per page and peak memory.

Run: ``.venv/bin/python bench/modem.py``

* wall seconds per page for audio, G.711 A-law and T.38 on a 10-page document
  (best of a few runs, after a warm-up that builds the G.711 tables);
* peak RSS of a fresh process sending 1 vs 20 pages, to show memory is flat
  (audio is streamed frame by frame, never accumulated).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw, ImageFont

from faxes.modem import FaxOptions, Mode, load_spandsp, transmit


def make_document(path: Path, pages: int) -> Path:
    """A4 fine pages with ~50 lines of text each (a typical typed letter)."""
    font = ImageFont.load_default(size=32)
    images = []
    for number in range(1, pages + 1):
        img = Image.new("1", (1728, 2292), 1)
        draw = ImageDraw.Draw(img)
        for row in range(50):
            text = f"{number}.{row:02d} Lorem ipsum dolor sit amet, consectetur adipiscing elit"
            draw.text((100, 100 + 42 * row), text, font=font, fill=0)
        images.append(img)
    images[0].save(
        path, compression="group4", dpi=(204, 196), save_all=True, append_images=images[1:]
    )
    return path


def time_per_page(doc: Path, pages: int, mode: Mode, repeats: int) -> tuple[float, float]:
    """Return (best wall seconds per page, simulated line seconds per page)."""
    best = float("inf")
    line = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        result = transmit(doc, mode=mode, options=FaxOptions(max_line_seconds=3600))
        elapsed = time.perf_counter() - started
        if not result.success or result.pages_received != pages:
            raise SystemExit(f"{mode}: transmission failed: {result}")
        assert result.received_tiff is not None
        result.received_tiff.unlink()
        best = min(best, elapsed)
        line = result.line_seconds
    return best / pages, line / pages


def rss_kib() -> dict[str, int]:
    """Current/peak RSS figures of this process in KiB, from /proc (Linux).

    VmHWM is per address space, so it starts afresh in an exec'd child
    (ru_maxrss would report the parent's peak: Linux carries it across exec).
    RssAnon is heap/stack; RssFile includes the input TIFF, which libtiff
    mmaps, so it legitimately grows with the document's size on disk.
    """
    wanted = {"VmHWM", "RssAnon", "RssFile"}
    figures: dict[str, int] = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in wanted:
                    figures[key] = int(value.split()[0])
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        figures = {"VmHWM": peak, "RssAnon": peak, "RssFile": 0}
    return figures


def child_peak_rss(doc: Path, mode: Mode) -> None:
    """Child process body: print baseline and peak memory (KiB) around one call."""
    load_spandsp()
    transmit(doc, mode=mode, options=FaxOptions(max_line_seconds=1))  # warm tables/lib
    baseline = rss_kib()
    peaks = dict(baseline)
    done = threading.Event()

    def sample() -> None:
        # ctypes drops the GIL inside spandsp, so this thread sees the peaks.
        while not done.wait(0.002):
            for key, value in rss_kib().items():
                peaks[key] = max(peaks[key], value)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = transmit(doc, mode=mode, options=FaxOptions(max_line_seconds=7200))
    finally:
        done.set()
        sampler.join()
    for key, value in rss_kib().items():
        peaks[key] = max(peaks[key], value)
    if result.received_tiff is not None:
        result.received_tiff.unlink()
    print(
        json.dumps(
            {
                "baseline": baseline,
                "peak": peaks,
                "ok": result.success,
                "pages": result.pages_received,
            }
        )
    )


def measure_rss(doc: Path, mode: Mode) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child-rss", str(doc), mode.value],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child-rss", nargs=2, metavar=("DOC", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rss:
        child_peak_rss(Path(args.child_rss[0]), Mode(args.child_rss[1]))
        return

    lib = load_spandsp()
    print(f"libspandsp: {lib.path}")
    with tempfile.TemporaryDirectory(prefix="bench-modem-") as tmp:
        root = Path(tmp)
        ten = make_document(root / "ten.tif", 10)
        one = make_document(root / "one.tif", 1)
        twenty = make_document(root / "twenty.tif", 20)
        transmit(one, mode=Mode.G711_ALAW, options=FaxOptions(max_line_seconds=1))  # warm-up

        print("\nwall time, 10-page A4 fine document (best of", args.repeats, "runs)")
        for mode in (Mode.AUDIO, Mode.G711_ALAW, Mode.T38):
            wall, line = time_per_page(ten, 10, mode, args.repeats)
            print(
                f"  {mode.value:10s} {wall * 1000:7.1f} ms/page  "
                f"({line:5.1f} s simulated line time/page, {line / wall:6.0f}x real time)"
            )

        print(
            "\npeak memory of a fresh process, KiB (baseline: after imports + warm-up;"
            " anon = heap, file = mapped files incl. the mmapped input TIFF)"
        )
        for mode in (Mode.AUDIO, Mode.T38):
            for doc, pages in ((one, 1), (twenty, 20)):
                m = measure_rss(doc, mode)
                base, peak = m["baseline"], m["peak"]
                ok = m["ok"] and m["pages"] == pages
                size = doc.stat().st_size // 1024
                print(
                    f"  {mode.value:6s} {pages:2d} page(s) ({size:4d} KiB TIFF): "
                    f"peak RSS {peak['VmHWM']:6d} (+{peak['VmHWM'] - base['VmHWM']:5d})  "
                    f"anon +{peak['RssAnon'] - base['RssAnon']:5d}  "
                    f"file +{peak['RssFile'] - base['RssFile']:5d}  "
                    f"{'ok' if ok else 'FAILED'}"
                )


if __name__ == "__main__":
    main()
