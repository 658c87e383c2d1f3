"""Page sizes in T.30 through the software modem: the DCS announces the scan line and page
length the far end's DIS allows, a B4-wide page goes only to a machine with the 255 mm line,
and a sender with a fitted copy sends that to a machine that takes less."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from faxes.modem import FaxOptions, ImageSize, Mode, transmit
from faxes.modem.endpoint import dcs_format, far_end_takes

from .helpers import requires_spandsp

pytestmark = requires_spandsp

W215, W255 = ImageSize.WIDTH_215MM, ImageSize.WIDTH_255MM
A4_ONLY = W215 | ImageSize.A4_LENGTH
LONG = ImageSize.A4_LENGTH | ImageSize.B4_LENGTH | ImageSize.LETTER_LENGTH | ImageSize.LEGAL_LENGTH


def page_tiff(path: Path, width: int, rows: int) -> Path:
    image = Image.new("1", (width, rows), 1)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, width - 40, rows - 40), outline=0, width=3)
    draw.text((100, 100), f"{width} x {rows}", fill=0)
    image.save(path, compression="group4", dpi=(204, 196))
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("sizes")
    return {
        "b4": page_tiff(root / "b4.tif", 2048, 2809),
        "legal": page_tiff(root / "legal.tif", 1728, 2744),
        "a4": page_tiff(root / "a4.tif", 1728, 2292),
    }


def send(spandsp, doc: Path, tmp_path: Path, mode=Mode.T38, **options):
    result = transmit(
        doc, mode=mode, options=FaxOptions(**options), received_tiff=tmp_path / "rx.tif",
        library=spandsp,
    )  # fmt: skip
    size = None
    if result.received_tiff is not None:
        with Image.open(result.received_tiff) as received:
            size = received.size
    return result, size


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
def test_b4_goes_2048_wide_to_a_machine_with_the_255mm_line(spandsp, pages, tmp_path, mode):
    result, size = send(spandsp, pages["b4"], tmp_path, mode)
    assert result.success, result
    assert size == (2048, 2809)
    assert result.scan_width_mm == 255 and not result.fell_back


def test_b4_is_refused_by_a_215mm_machine_without_a_fitted_copy(spandsp, pages, tmp_path):
    result, _ = send(spandsp, pages["b4"], tmp_path, receiver_image_sizes=W215 | LONG)
    assert not result.success and result.completion_code == 12  # NOSIZESUPPORT


@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
def test_b4_falls_back_to_the_fitted_copy_on_a_215mm_machine(spandsp, pages, tmp_path, mode):
    result, size = send(
        spandsp, pages["b4"], tmp_path, mode, receiver_image_sizes=W215 | LONG,
        document_size=W255 | ImageSize.B4_LENGTH, fallback_tiff=str(pages["a4"]),
    )  # fmt: skip
    assert result.success, result
    assert result.fell_back and result.scan_width_mm == 215
    assert size == (1728, 2292)


def test_legal_pages_get_b4_length_where_offered(spandsp, pages, tmp_path):
    legal = {"document_size": W215 | ImageSize.B4_LENGTH, "fallback_tiff": str(pages["a4"])}
    result, size = send(
        spandsp, pages["legal"], tmp_path, receiver_image_sizes=W215 | ImageSize.A4_LENGTH
        | ImageSize.B4_LENGTH, **legal,
    )  # fmt: skip
    assert result.success and not result.fell_back
    assert result.page_length == "b4" and size == (1728, 2744)
    # A machine with A4 length only gets the copy fitted to it, never a longer page.
    result, size = send(spandsp, pages["legal"], tmp_path, receiver_image_sizes=A4_ONLY, **legal)
    assert result.success and result.fell_back
    assert result.page_length == "a4" and size == (1728, 2292)


def test_a4_pages_need_nothing_more(spandsp, pages, tmp_path):
    result, size = send(
        spandsp, pages["a4"], tmp_path, receiver_image_sizes=A4_ONLY,
        fallback_tiff=str(pages["legal"]),
    )  # fmt: skip
    assert result.success and not result.fell_back
    assert (result.scan_width_mm, result.page_length) == (215, "a4") and size == (1728, 2292)


def test_dis_and_dcs_bits() -> None:
    # FIF octet 3 holds T.30 bits 17-24 (bit n at (n - 1) % 8, as spandsp lays them out).
    def fif(*bits: int) -> bytes:
        octets = bytearray(4)
        for bit in bits:
            octets[(bit - 1) // 8] |= 1 << ((bit - 1) % 8)
        return bytes(octets)

    assert dcs_format(fif()) == (215, "a4")
    assert dcs_format(fif(17, 19)) == (255, "b4")
    assert dcs_format(fif(18, 20)) == (303, "unlimited")
    assert far_end_takes(fif(), A4_ONLY)
    assert not far_end_takes(fif(), W215 | ImageSize.B4_LENGTH)
    assert far_end_takes(fif(20), W215 | ImageSize.B4_LENGTH)
    assert not far_end_takes(fif(19), W255 | ImageSize.B4_LENGTH)
    assert far_end_takes(fif(17, 19), W255 | ImageSize.B4_LENGTH)
