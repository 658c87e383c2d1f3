"""Line time of a full-page photograph, and how well the line-time model predicts calls.

Run: ``.venv/bin/python bench/photo.py``

* a 3000 x 4000 phone photo JPEG with sensor noise, accepted, combined and rendered as the
  portal does (fine resolution, header line), then transmitted through the spandsp modem
  pair in each loopback mode: its page's CCITT data, the simulated line time, the model's
  estimate (``faxes/modem/linetime.py``), the loopback's simulated-time cap for that call and
  the wall time;
* the model against measured calls: one and three blank pages, ten typed pages.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PIL import Image

from faxes.documents import (
    FaxHeader,
    RenderOptions,
    Resolution,
    accept_document,
    combine_documents,
    render_fax_tiff,
)
from faxes.modem import FaxOptions, LineBudget, Mode, call_seconds, tiff_page_bytes, transmit
from tests.documents.factories import phone_photo_jpeg  # the picture the tests send


def line_time(path: Path, mode: Mode = Mode.AUDIO) -> tuple[float, int, float]:
    """(simulated line seconds, bit rate, wall seconds) of one successful call."""
    started = time.perf_counter()
    result = transmit(path, mode=mode, options=FaxOptions(max_line_seconds=7200))
    wall = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"{path.name} ({mode}): transmission failed: {result.completion_text}")
    if result.received_tiff is not None:
        result.received_tiff.unlink()
    return result.line_seconds, result.bit_rate, wall


def photo(folder: Path) -> None:
    data = phone_photo_jpeg((3000, 4000))
    combined = combine_documents([accept_document(data, filename="photo.jpg")])
    path = folder / "photo.tiff"
    header = FaxHeader(text="Bench clinic", sender_number="+12025550110")
    render_fax_tiff(combined.pdf, path, RenderOptions(resolution=Resolution.FINE, header=header))
    sizes = tiff_page_bytes(path)
    with Image.open(path) as page:
        length_in = page.height / 196
    print(f"phone photo 3000x4000 JPEG ({len(data) / 1e6:.1f} MB), fine resolution:")
    print(f"  page: 1728 x {round(length_in * 196)} dots ({length_in:.2f} in long), "
          f"{sizes[0] / 1000:.0f} kB of T.6 data")  # fmt: skip
    budget = LineBudget(sizes)
    for mode in (Mode.AUDIO, Mode.G711_ALAW, Mode.T38):
        seconds, rate, wall = line_time(path, mode)
        print(
            f"  {mode:10s} {seconds:6.1f} s of line time ({seconds / 60:.1f} min) at {rate} "
            f"bit/s; model {call_seconds(sizes, rate):6.1f} s; loopback cap "
            f"{budget.cap_seconds(rate):6.0f} s; wall {wall:.2f} s"
        )


def model(folder: Path) -> None:
    from modem import make_document  # bench/modem.py

    blank = Image.new("1", (1728, 2200), 1)
    one = folder / "blank1.tif"
    blank.save(one, compression="group4", dpi=(204, 196))
    three = folder / "blank3.tif"
    blank.save(
        three, compression="group4", dpi=(204, 196), save_all=True, append_images=[blank] * 2
    )
    typed = make_document(folder / "typed10.tif", 10)
    print("line-time model against measured calls (audio, ECM, 14,400 bit/s):")
    for name, path in (("1 blank page", one), ("3 blank pages", three), ("10 typed", typed)):
        sizes = tiff_page_bytes(path)
        seconds, rate, _ = line_time(path)
        estimate = call_seconds(sizes, rate)
        print(
            f"  {name:14s} {sum(sizes) / 1000:7.1f} kB  measured {seconds:6.1f} s  "
            f"model {estimate:6.1f} s  ({(estimate / seconds - 1) * 100:+.1f} %)"
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        photo(Path(folder))
        model(Path(folder))


if __name__ == "__main__":
    main()
