"""Generated test documents: nothing binary is committed, every fixture is built here.

The PDFs are written by hand (a few objects, a Helvetica font, real text operators) so
that they contain vector text exactly where the tests expect it; the images are drawn
with Pillow.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

LETTER = (612.0, 792.0)
A4 = (595.28, 841.89)
LETTER_LANDSCAPE = (792.0, 612.0)
A4_LANDSCAPE = (841.89, 595.28)


@dataclass(frozen=True)
class TextLine:
    """One line of Helvetica text; x/y are PDF points from the bottom-left corner."""

    x: float
    y: float
    size: float
    text: str


@dataclass(frozen=True)
class PlacedImage:
    """A greyscale image drawn at (x, y, width, height) in PDF points."""

    image: Image.Image
    rect: tuple[float, float, float, float]
    in_form: bool = False  # wrapped in a form XObject, as many PDF producers do


@dataclass(frozen=True)
class PageSpec:
    width: float = LETTER[0]
    height: float = LETTER[1]
    lines: Sequence[TextLine] = field(default_factory=tuple)
    rotate: int = 0
    images: Sequence[PlacedImage] = field(default_factory=tuple)


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def build_pdf(pages: Sequence[PageSpec]) -> bytes:
    """A minimal, valid PDF with one Helvetica text object per line (and optional images)."""
    objects: list[bytes] = [b"", b"", b""]  # catalog, page tree, font: filled in below

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    page_numbers = []
    for page in pages:
        ops = []
        xobjects = []
        for index, placed in enumerate(page.images):
            gray = placed.image.convert("L")
            data = zlib.compress(gray.tobytes())
            number = add(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray"
                b" /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
                % (gray.width, gray.height, len(data))
                + data
                + b"\nendstream"
            )
            x, y, w, h = placed.rect
            if placed.in_form:
                body = b"q %.2f 0 0 %.2f %.2f %.2f cm /Im0 Do Q" % (w, h, x, y)
                number = add(
                    b"<< /Type /XObject /Subtype /Form /BBox [0 0 %.2f %.2f]"
                    b" /Resources << /XObject << /Im0 %d 0 R >> >> /Length %d >>\nstream\n"
                    % (x + w, y + h, number, len(body))
                    + body
                    + b"\nendstream"
                )
                xobjects.append(f"/Im{index} {number} 0 R")
                ops.append(b"/Im%d Do" % index)
                continue
            xobjects.append(f"/Im{index} {number} 0 R")
            ops.append(b"q %.2f 0 0 %.2f %.2f %.2f cm /Im%d Do Q" % (w, h, x, y, index))
        for line in page.lines:
            ops.append(
                b"BT /F1 %.2f Tf %.2f %.2f Td " % (line.size, line.x, line.y)
                + _pdf_string(line.text)
                + b" Tj ET"
            )
        content = b"\n".join(ops)
        contents = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        rotate = f" /Rotate {page.rotate}" if page.rotate else ""
        resources = "/Font << /F1 3 0 R >>"
        if xobjects:
            resources += f" /XObject << {' '.join(xobjects)} >>"
        page_numbers.append(
            add(
                (
                    f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page.width} {page.height}]"
                    f" /Resources << {resources} >> /Contents {contents} 0 R{rotate} >>"
                ).encode()
            )
        )
    kids = " ".join(f"{n} 0 R" for n in page_numbers)
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode()
    objects[2] = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def text_page(
    n: int,
    size: tuple[float, float] = LETTER,
    *,
    font_size: float = 11,
    rotate: int = 0,
    line_count: int = 40,
) -> PageSpec:
    """A page of body text with a big title, so every page has ink at known places."""
    width, height = size
    lines = [TextLine(54, height - 90, 24, f"Page {n} title")]
    y = height - 130
    for row in range(line_count):
        if y < 60:
            break
        lines.append(
            TextLine(
                54,
                y,
                font_size,
                f"Line {row + 1} of page {n}: the quick brown fox jumps over the lazy dog 0123",
            )
        )
        y -= font_size * 1.4
    return PageSpec(width, height, tuple(lines), rotate)


def text_pdf(pages: int = 3, size: tuple[float, float] = LETTER, **kwargs: object) -> bytes:
    return build_pdf([text_page(n + 1, size, **kwargs) for n in range(pages)])  # type: ignore[arg-type]


def encrypted_pdf(user_password: str = "secret", owner_password: str = "owner") -> bytes:  # noqa: S107
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(2))))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def text_image(
    size: tuple[int, int] = (850, 1100),
    *,
    mode: str = "L",
    text: str = "Hello fax",
    font_size: int = 40,
) -> Image.Image:
    """White page with dark text rows across its whole height."""
    fill = 0 if mode in ("1", "L") else (20, 20, 120)
    image = Image.new(mode, size, 255 if mode in ("1", "L") else (255, 255, 255))
    draw = ImageDraw.Draw(image)
    y = font_size
    row = 0
    while y < size[1] - font_size:
        draw.text((font_size, y), f"{text} {row}", fill=fill, font=_font(font_size))
        y += font_size * 2
        row += 1
    return image


def image_bytes(
    kind: str,
    size: tuple[int, int] = (850, 1100),
    *,
    mode: str = "L",
    dpi: tuple[float, float] | None = (100, 100),
    **save: object,
) -> bytes:
    """`kind` is a Pillow format name: PNG, JPEG or TIFF."""
    image = text_image(size, mode=mode)
    out = io.BytesIO()
    options: dict[str, object] = dict(save)
    if dpi:
        options["dpi"] = dpi
    image.save(out, kind, **options)
    return out.getvalue()


def multipage_tiff(
    pages: int = 3,
    size: tuple[int, int] = (1728, 2200),
    *,
    compression: str = "group4",
    dpi: tuple[float, float] = (204, 196),
    mode: str = "1",
) -> bytes:
    frames = [text_image(size, mode=mode, text=f"TIFF page {n + 1}") for n in range(pages)]
    out = io.BytesIO()
    frames[0].save(
        out, "TIFF", save_all=True, append_images=frames[1:], compression=compression, dpi=dpi
    )
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG that claims a huge canvas: the classic decompression bomb header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def phone_photo_jpeg(size: tuple[int, int] = (3000, 4000), seed: int = 1) -> bytes:
    """A phone picture of a page: smooth shading under sensor noise, no resolution tags."""
    import numpy as np

    rng = np.random.default_rng(seed)
    width, height = size
    y = np.linspace(0, 1, height)[:, None]
    x = np.linspace(0, 1, width)[None, :]
    base = 80 + 120 * (0.5 + 0.5 * np.sin(6 * x + 3 * y))
    pixels = np.clip(base[..., None] + rng.normal(0, 25, (height, width, 3)), 0, 255)
    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(out, "JPEG", quality=85)
    return out.getvalue()
