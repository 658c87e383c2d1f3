"""Pages turned for viewing: a per-fax record of quarter turns, applied to the page
images and the inline PDF. The stored documents are never changed."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader, PdfWriter

from faxes.models import Fax

TURNS = (0, 90, 180, 270)
_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def rotation_of(fax: Fax, page: int) -> int:
    value = (fax.page_rotations or {}).get(str(page), 0)
    return value if value in TURNS else 0


def rotate_page(fax: Fax, page: int, *, clockwise: bool = True) -> int:
    """Turn one page a quarter (kept for this fax); returns its new rotation."""
    if not 1 <= page <= (fax.pages or 0):
        raise ValueError("no such page")
    turned = (rotation_of(fax, page) + (90 if clockwise else 270)) % 360
    rotations = {k: v for k, v in (fax.page_rotations or {}).items() if k != str(page)}
    if turned:
        rotations[str(page)] = turned
    fax.page_rotations = rotations
    Fax.objects.filter(pk=fax.pk).update(page_rotations=rotations)
    return turned


def rotated_png(data: bytes, degrees: int) -> bytes:
    if degrees not in _CLOCKWISE:
        return data
    with Image.open(io.BytesIO(data)) as image:
        turned = image.transpose(_CLOCKWISE[degrees])
        out = io.BytesIO()
        turned.save(out, "PNG", optimize=False)
        return out.getvalue()


def rotated_pdf(fax: Fax, data: bytes) -> bytes:
    """The fax's PDF with its pages turned as staff left them (for inline viewing)."""
    if not any(rotation_of(fax, int(k)) for k in (fax.page_rotations or {}) if k.isdigit()):
        return data
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    for number, page in enumerate(reader.pages, start=1):
        degrees = rotation_of(fax, number)
        if degrees:
            page.rotate(degrees)
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
