"""Page previews and thumbnails stored through a Django storage."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import FileSystemStorage, InMemoryStorage
from PIL import Image

from faxes.documents import accept_document, combine_documents, make_previews

from . import factories
from .helpers import ink

BASE = "faxes/0123456789abcdef0123456789abcdef/42/"


def open_stored(storage, name: str) -> Image.Image:
    with storage.open(name, "rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
        return image


def test_previews_and_thumbnail_at_id_derived_paths(letter_pdf: bytes, tmp_path) -> None:
    storage = FileSystemStorage(location=tmp_path)
    result = make_previews(letter_pdf, storage, BASE)
    assert result.thumbnail == BASE + "thumbnail.png"
    assert result.pages == tuple(f"{BASE}pages/{n:04d}.png" for n in (1, 2, 3))
    thumb = open_stored(storage, result.thumbnail)
    assert thumb.format == "PNG" and thumb.width == 240
    for name in result.pages:
        page = open_stored(storage, name)
        assert page.width == 900
        assert page.height == round(792 * 900 / 612)
        assert ink(page) > 0.005  # the text is visible


def test_running_again_replaces_instead_of_piling_up(letter_pdf: bytes) -> None:
    storage = InMemoryStorage()
    first = make_previews(letter_pdf, storage, BASE.rstrip("/"))
    second = make_previews(letter_pdf, storage, BASE)
    assert first == second
    assert sorted(storage.listdir(BASE + "pages")[1]) == ["0001.png", "0002.png", "0003.png"]


def test_webp_previews(letter_pdf: bytes) -> None:
    storage = InMemoryStorage()
    result = make_previews(letter_pdf, storage, BASE, image_format="webp", page_width=600)
    assert result.thumbnail.endswith("thumbnail.webp")
    page = open_stored(storage, result.pages[0])
    assert (page.format, page.width) == ("WEBP", 600)


def test_landscape_pages_stay_landscape_in_previews() -> None:
    pdf = factories.text_pdf(1, factories.A4_LANDSCAPE)
    storage = InMemoryStorage()
    page = open_stored(storage, make_previews(pdf, storage, BASE).pages[0])
    assert page.width > page.height


def test_previews_of_a_standard_resolution_fax_tiff_have_the_right_shape() -> None:
    tiff = factories.multipage_tiff(2, (1728, 1100), dpi=(204, 98))
    storage = InMemoryStorage()
    result = make_previews(tiff, storage, BASE)
    assert len(result.pages) == 2
    page = open_stored(storage, result.pages[0])
    # 8.47 x 11.2 in: portrait, although the frame has more columns than rows.
    assert page.height == pytest.approx(900 * (1100 / 98) / (1728 / 204), abs=2)


def test_previews_of_an_image_document() -> None:
    doc = accept_document(factories.image_bytes("JPEG", (1200, 900), mode="RGB"))
    storage = InMemoryStorage()
    result = make_previews(combine_documents([doc]).pdf, storage, BASE)
    assert len(result.pages) == 1


def test_s3_storage(letter_pdf: bytes) -> None:
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    s3 = pytest.importorskip("storages.backends.s3")
    with moto.mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="faxes")
        storage = s3.S3Storage(
            bucket_name="faxes",
            region_name="us-east-1",
            access_key="testing",
            secret_key="testing",
            file_overwrite=False,
            default_acl="private",
        )
        result = make_previews(letter_pdf, storage, BASE)
        again = make_previews(letter_pdf, storage, BASE)
        assert again == result  # existing objects are replaced, not renamed
        assert result.pages[2] == BASE + "pages/0003.png"
        assert open_stored(storage, result.thumbnail).width == 240
