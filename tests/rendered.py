"""Received documents rendered once per test run.

Filing a received fax converts its document (PDF to fax TIFF) and renders a preview of each
page plus a thumbnail: about half a second per fax. Tests of the pages, the permissions or
retention only need *a* received fax, and they file the same few documents again and again
(``text_pdf(2)``). ``reuse_rendering()`` keeps the real inbound path (routing, the database
row, history, audit, notification, encrypted storage) and replaces only the two rendering
steps by memoised ones: the first fax of a given document is rendered for real, and every
later one stores the same bytes (the TIFF, each preview) that this rendering produced.

The pipeline itself is tested without this, in tests/documents and tests/carriers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from faxes.documents import convert_inbound, make_previews
from faxes.documents.inbound import InboundDocument
from faxes.documents.limits import DocumentLimits
from faxes.documents.previews import PreviewSet
from faxes.services import inbound


@dataclass(frozen=True)
class _Converted:
    document: InboundDocument
    tiff: bytes


@dataclass(frozen=True)
class _Previews:
    thumbnail: str  # the name under the fax's folder
    pages: tuple[str, ...]
    contents: dict[str, bytes]  # name under the fax's folder -> the stored plaintext


_converted: dict[tuple[str, str, DocumentLimits], _Converted] = {}
_previews: dict[str, _Previews] = {}


def _digest(data: bytes) -> str:
    return hashlib.sha256(bytes(data)).hexdigest()


def _convert_once(data: bytes, tiff_out: Any, *, filename: str = "", limits=None):
    if limits is not None:  # a caller's own limits: nothing to share
        return convert_inbound(data, tiff_out, filename=filename, limits=limits)
    # The limits in force are part of the key: a test that lowers them gets a fresh result.
    key = (_digest(data), filename, DocumentLimits.from_settings())
    if key not in _converted:
        document = convert_inbound(data, tiff_out, filename=filename)  # rejections propagate
        with open(tiff_out, "rb") as handle:
            _converted[key] = _Converted(document, handle.read())
    else:
        with open(tiff_out, "wb") as handle:
            handle.write(_converted[key].tiff)
    return _converted[key].document


def _relative(name: str, base: str) -> str:
    assert name.startswith(base), (name, base)
    return name[len(base) :]


def _previews_once(source: Any, storage: Storage, base_path: str, **options: Any) -> PreviewSet:
    if options or not isinstance(source, bytes | bytearray):
        return make_previews(source, storage, base_path, **options)
    base = base_path.rstrip("/") + "/"
    key = _digest(source)
    if key not in _previews:
        made = make_previews(source, storage, base_path)
        contents = {}
        for name in (made.thumbnail, *made.pages):
            with storage.open(name) as handle:
                contents[_relative(name, base)] = handle.read()
        _previews[key] = _Previews(
            _relative(made.thumbnail, base), tuple(_relative(n, base) for n in made.pages), contents
        )
        return made
    rendered = _previews[key]

    def store(relative: str) -> str:
        return storage.save(base + relative, ContentFile(rendered.contents[relative]))

    return PreviewSet(thumbnail=store(rendered.thumbnail), pages=tuple(map(store, rendered.pages)))


@contextmanager
def reuse_rendering() -> Iterator[None]:
    """Inside: received faxes are filed for real, their documents rendered once per run."""
    with (
        mock.patch.object(inbound, "convert_inbound", _convert_once),
        mock.patch.object(inbound, "make_previews", _previews_once),
    ):
        yield
