"""What the document pipeline renders is what a receiving fax machine decodes."""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image, ImageChops, ImageDraw, ImageFont

from faxes.documents import (
    FaxHeader,
    RenderOptions,
    Resolution,
    accept_document,
    combine_documents,
    render_fax_tiff,
)
from faxes.modem import Mode, transmit

from .helpers import requires_spandsp

pytestmark = requires_spandsp

A4 = (1240, 1754)  # at 150 dpi
LETTER = (1275, 1650)


def page(size: tuple[int, int], n: int) -> Image.Image:
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=32)
    for line in range(12):
        draw.text((80, 120 + line * 60), f"Page {n} line {line}: 0123456789 ABCDEF", fill=0,
                  font=font)  # fmt: skip
    draw.rectangle((80, 900, size[0] - 80, size[1] - 120), outline=0, width=5)
    return image


def make_input(kind: str, size: tuple[int, int]) -> bytes:
    pages = [page(size, n + 1) for n in range(2)]
    out = io.BytesIO()
    if kind == "pdf":
        pages[0].save(out, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    elif kind == "tiff":
        pages[0].save(out, "TIFF", compression="tiff_lzw", save_all=True, append_images=pages[1:])
    elif kind == "png":
        pages[0].save(out, "PNG")
    else:
        pages[0].convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def frames(path: Path) -> list[Image.Image]:
    with Image.open(path) as image:
        result = []
        for index in range(image.n_frames):
            image.seek(index)
            result.append(image.convert("1").copy())
        return result


@pytest.mark.parametrize("kind", ["pdf", "tiff", "png", "jpeg"])
@pytest.mark.parametrize("size", [A4, LETTER], ids=["a4", "letter"])
@pytest.mark.parametrize("resolution", [Resolution.FINE, Resolution.STANDARD])
@pytest.mark.parametrize("mode", [Mode.AUDIO, Mode.T38])
def test_rendered_fax_is_received_pixel_identical(tmp_path, kind, size, resolution, mode):
    document = accept_document(make_input(kind, size), filename=f"in.{kind}")
    combined = combine_documents([document])
    sent = tmp_path / "sent.tiff"
    header = FaxHeader(text="Roundtrip", sender_number="+1")
    render_fax_tiff(combined.pdf, sent, RenderOptions(resolution=resolution, header=header))
    result = transmit(sent, mode=mode, received_tiff=tmp_path / "received.tiff")
    assert result.success, result
    expected_pages = 2 if kind in ("pdf", "tiff") else 1
    assert result.pages_sent == result.pages_received == expected_pages
    sent_frames, received_frames = frames(sent), frames(result.received_tiff)
    assert len(received_frames) == expected_pages
    for original, received in zip(sent_frames, received_frames, strict=True):
        assert original.size == received.size
        assert ImageChops.difference(original, received).getbbox() is None


def test_faxloop_command_reports_and_writes_the_received_tiff(tmp_path):
    source = tmp_path / "letter.pdf"
    source.write_bytes(make_input("pdf", LETTER))
    out = StringIO()
    received = tmp_path / "got.tiff"
    call_command("faxloop", str(source), "--mode", "t38", "--ecm", "--out", str(received),
                 stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "result           OK" in text and "pages            2 sent, 2 received" in text
    assert "ECM              on" in text and "14400 bit/s" in text
    assert len(frames(received)) == 2


def test_faxloop_command_fails_on_a_noisy_line(tmp_path):
    source = tmp_path / "letter.pdf"
    source.write_bytes(make_input("png", LETTER))
    out = StringIO()
    with pytest.raises(CommandError, match="transmission failed: 51"):
        call_command("faxloop", str(source), "--noise", "-30", "--out", str(tmp_path / "x.tiff"),
                     stdout=out)  # fmt: skip
    assert "FAILED" in out.getvalue()


def test_faxloop_command_refuses_bad_input(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"\x00\x01hello")  # binary: plain text is faxed now
    with pytest.raises(CommandError):
        call_command("faxloop", str(bad))
    with pytest.raises(CommandError, match="noise"):
        source = tmp_path / "a.png"
        source.write_bytes(make_input("png", A4))
        call_command("faxloop", str(source), "--mode", "t38", "--noise", "-40")
