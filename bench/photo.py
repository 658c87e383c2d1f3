"""Line time of a full-page photograph, and how well the line-time model predicts calls.

Run: ``.venv/bin/python bench/photo.py`` (``bench/render.py`` uses :func:`compare` for its
photo comparison with Ghostscript)

* a 3000 x 4000 phone photo JPEG with sensor noise, accepted, combined and rendered as the
  portal does (fine resolution, header line), then transmitted through the spandsp modem
  pair in each loopback mode: its page's CCITT data, the simulated line time, the model's
  estimate (``faxes/modem/linetime.py``), the loopback's simulated-time cap for that call and
  the wall time;
* the model against measured calls: one and three blank pages, ten typed pages.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchenv import django_ready

django_ready()

import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from faxes.documents import (  # noqa: E402
    FAX_WIDTH,
    FaxHeader,
    RenderOptions,
    Resolution,
    accept_document,
    combine_documents,
    render_fax_tiff,
)
from faxes.documents.faxspec import X_DPI  # noqa: E402
from faxes.documents.pdfium_util import PDFIUM_LOCK, open_pdf  # noqa: E402
from faxes.documents.raster import place, render_gray  # noqa: E402
from faxes.modem import (  # noqa: E402
    FaxOptions,
    LineBudget,
    Mode,
    call_seconds,
    tiff_page_bytes,
    transmit,
)
from tests.documents.factories import phone_photo_jpeg  # noqa: E402 (the tests' picture)

FINE_LPI = 196
HEADER = FaxHeader(text="Bench clinic", sender_number="+12025550110")


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


def render_photo(data: bytes, path: Path, *, header: FaxHeader | None = HEADER) -> bytes:
    """Accept, combine and render a picture as the portal does (fine resolution); the
    combined PDF is returned, the fax TIFF written to ``path``."""
    combined = combine_documents([accept_document(data, filename="photo.jpg")])
    render_fax_tiff(combined.pdf, path, RenderOptions(resolution=Resolution.FINE, header=header))
    return combined.pdf


def photo(folder: Path) -> None:
    data = phone_photo_jpeg((3000, 4000))
    path = folder / "photo.tiff"
    render_photo(data, path)
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


# --- similarity to the grey original, against Ghostscript -------------------------------

SEEN_DPI = 100  # the page as a reader sees it: detail finer than this is blurred away


def scene_photo_jpeg(size: tuple[int, int] = (2400, 3200), seed: int = 2) -> bytes:
    """A photo with edges as well as shading: a lit backdrop, objects of several greys with
    hard and soft edges, fine stripes, a white card with dark print, and sensor noise."""
    rng = np.random.default_rng(seed)
    width, height = size
    y = np.linspace(0, 1, height)[:, None]
    x = np.linspace(0, 1, width)[None, :]
    light = 60 + 150 * np.exp(-((x - 0.3) ** 2 + (y - 0.25) ** 2) / 0.25)
    scene = Image.fromarray(np.clip(light, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(scene)
    for _ in range(14):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.04, 0.15) * width
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape(
            (cx - r, cy - r * rng.uniform(0.5, 1.5), cx + r, cy + r), fill=int(rng.uniform(20, 235))
        )
    for row in range(int(0.70 * height), int(0.85 * height), 12):  # fabric-like stripes
        draw.rectangle((int(0.05 * width), row, int(0.45 * width), row + 5), fill=40)
    draw.rectangle((int(0.55 * width), int(0.62 * height), int(0.92 * width), int(0.9 * height)),
                   fill=235)  # fmt: skip
    for n, row in enumerate(range(int(0.65 * height), int(0.87 * height), 60)):
        draw.text((int(0.58 * width), row), f"Label line {n}: 12 mg", fill=25, font_size=40)
    soft = np.asarray(scene, np.float64)
    pixels = np.clip(soft[..., None] + rng.normal(0, 12, (height, width, 3)), 0, 255)
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG", quality=88)
    return out.getvalue()


def _gaussian(a: np.ndarray, sigma: float, axis: int) -> np.ndarray:
    radius = int(3 * sigma + 0.5)
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padding = [(0, 0), (0, 0)]
    padding[axis] = (radius, radius)
    padded = np.pad(a, padding, mode="edge")
    out = np.zeros_like(a)
    for offset, weight in enumerate(taps):
        window = [slice(None), slice(None)]
        window[axis] = slice(offset, offset + a.shape[axis])
        out += weight * padded[tuple(window)]
    return out


def seen(page: np.ndarray) -> np.ndarray:
    """A page (0 = ink to 255 = paper, at 204 x 196 dpi) as seen at about 100 dpi: blurred by
    a Gaussian of sigma 1/100 in, then area-sampled to 100 dots per inch."""
    blurred = _gaussian(page.astype(np.float32), X_DPI / SEEN_DPI, 1)
    blurred = _gaussian(blurred, FINE_LPI / SEEN_DPI, 0)
    size = (round(page.shape[1] * SEEN_DPI / X_DPI), round(page.shape[0] * SEEN_DPI / FINE_LPI))
    return np.asarray(Image.fromarray(blurred, "F").resize(size, Image.Resampling.BOX))


@dataclass(frozen=True)
class Similarity:
    psnr: float  # dB
    ssim: float
    mae: float  # grey levels

    def __str__(self) -> str:
        return f"PSNR {self.psnr:5.2f} dB  SSIM {self.ssim:.3f}  MAE {self.mae:5.2f}"


def similarity(halftoned: np.ndarray, original: np.ndarray) -> Similarity:
    """How close a 1-bit page (True = ink) is to the grey original, both :func:`seen`."""
    a = seen(np.where(halftoned, 0, 255).astype(np.float32)).astype(np.float64)
    b = seen(original).astype(np.float64)
    mse = float(np.mean((a - b) ** 2))

    def local(v: np.ndarray) -> np.ndarray:
        return _gaussian(_gaussian(v, 1.5, 0), 1.5, 1)

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    ma, mb = local(a), local(b)
    va, vb, cov = local(a * a) - ma * ma, local(b * b) - mb * mb, local(a * b) - ma * mb
    ssim = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma**2 + mb**2 + c1) * (va + vb + c2))
    return Similarity(
        10 * np.log10(255**2 / max(mse, 1e-9)), float(ssim.mean()), float(np.mean(np.abs(a - b)))
    )


def grey_original(pdf: bytes) -> tuple[np.ndarray, int]:
    """The first page as pdfium renders it in grey at fine resolution (what the halftone
    starts from), cropped to the page; and its left edge on the 1728-dot line."""
    with open_pdf(pdf) as document, PDFIUM_LOCK:
        page = document[0]
        placement = place(*page.get_size())
        gray = np.empty((placement.height, FAX_WIDTH), np.uint8)
        render_gray(page, placement, out=gray)
        page.close()
    return gray[:, placement.x : placement.x + placement.width], placement.x


def ink_of(path: Path) -> np.ndarray:
    with Image.open(path) as page:
        return np.asarray(page.convert("L")) < 128


def ghostscript(pdf_path: Path, out: Path, device: str) -> None:
    argv = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", f"-sDEVICE={device}", "-r204x196",
            f"-sOutputFile={out}", str(pdf_path)]  # fmt: skip
    subprocess.run(argv, check=True, capture_output=True)


def compare_one(name: str, data: bytes, folder: Path) -> None:
    sent = folder / f"{name}.tiff"
    pdf = render_photo(data, sent)
    sizes = tiff_page_bytes(sent)
    seconds, _, _ = line_time(sent)
    plain = folder / f"{name}-plain.tiff"
    render_photo(data, plain, header=None)  # no header line: the same geometry as Ghostscript's
    original, left = grey_original(pdf)
    rows, width = original.shape
    ours = ink_of(plain)[:rows, left : left + width]
    print(f"{name}: 1728 x {ink_of(sent).shape[0]} dots, fine resolution, header line")
    print(f"  {'':22}{'T.6 bytes':>10}{'model s':>9}{'measured s':>12}  similarity at 100 dpi")
    print(f"  {'faxportal':22}{sizes[0]:>10,}{call_seconds(sizes):>9.1f}{seconds:>12.1f}  "
          f"{similarity(ours, original)}")  # fmt: skip
    if shutil.which("gs") is None:
        print("  ghostscript (gs) not installed (apt-get install ghostscript): comparison skipped")
        return
    pdf_path = folder / f"{name}.pdf"
    pdf_path.write_bytes(pdf)
    gs_g4, gs_g3 = folder / f"{name}-gs.tiff", folder / f"{name}-gs.g3"
    ghostscript(pdf_path, gs_g4, "tiffg4")
    ghostscript(pdf_path, gs_g3, "faxg3")
    theirs = ink_of(gs_g4)  # gs puts the page at the left of the line, padded on the right
    common = min(width, theirs.shape[1])
    gs_sizes = tiff_page_bytes(gs_g4)
    measured = "-"
    if theirs.shape[1] == FAX_WIDTH:  # a narrower page is refused by the receiver
        measured = f"{line_time(gs_g4)[0]:.1f}"
    close = similarity(theirs[:rows, :common], original[:, :common])
    print(f"  {'ghostscript tiffg4':22}{gs_sizes[0]:>10,}{call_seconds(gs_sizes):>9.1f}"
          f"{measured:>12}  {close}")  # fmt: skip
    print(f"  {'ghostscript faxg3':22}{gs_g3.stat().st_size:>10,}  (MH-coded file)")


def compare(extra: list[Path]) -> None:
    print(
        "\nFull-page photos: line data, line time at 14,400 bit/s (ECM), closeness to the "
        "grey original"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        compare_one("phone photo 3000x4000", phone_photo_jpeg((3000, 4000)), folder)
        compare_one("scene photo 2400x3200", scene_photo_jpeg(), folder)
        for path in extra:
            compare_one(path.name, path.read_bytes(), folder)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        photo(Path(folder))
        model(Path(folder))


if __name__ == "__main__":
    main()
