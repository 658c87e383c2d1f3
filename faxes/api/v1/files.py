"""Stored fax files: opening one for a download, and their sizes for list answers
(``file_size``, ``tiff_file_size``).

Stored files are never overwritten, so a size never changes: on local disk a
stat is cheapest; on remote storage (S3) each size is fetched once and kept in
the cache, so a page of 100 faxes does not cost 200 HEAD requests each time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO

from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from rest_framework.exceptions import NotFound

from faxes.api.v1.base import BadRequest
from faxes.models import Fax

CACHE_SECONDS = 7 * 24 * 3600


def wants_tiff(params: Mapping[str, str]) -> bool:
    """The download's ``?format=``: original (PDF, the default) or tiff."""
    kind = (params.get("format") or "original").strip().lower()
    if kind not in ("original", "pdf", "tiff"):
        raise BadRequest("format must be original (PDF) or tiff.")
    return kind == "tiff"


def open_file(fax: Fax, tiff: bool, missing: str) -> IO[bytes]:
    """The fax's PDF or TIFF, open for reading; 404 (``missing`` when there is none)."""
    if fax.attachment_purged_at is not None:
        raise NotFound("This fax's files were deleted (retention).")
    stored = fax.tiff if tiff else fax.document
    if not stored:
        raise NotFound(missing)
    try:
        return stored.open("rb")
    except FileNotFoundError:
        raise NotFound("File not found.") from None


def _size(storage, name: str) -> int | None:
    try:
        return storage.size(name)
    except (OSError, NotImplementedError, ValueError):
        return None
    except Exception:  # remote storage errors (botocore) vary; a size is never worth a 500
        return None


def file_sizes(names: Iterable[str | None]) -> dict[str, int | None]:
    wanted = list(dict.fromkeys(name for name in names if name))
    if not wanted:
        return {}
    storage = default_storage
    if isinstance(storage, FileSystemStorage):
        return {name: _size(storage, name) for name in wanted}
    keys = {f"v1:file-size:{name}": name for name in wanted}
    cached = cache.get_many(list(keys))
    sizes = {keys[key]: value for key, value in cached.items()}
    missing = {key: name for key, name in keys.items() if key not in cached}
    fresh = {key: _size(storage, name) for key, name in missing.items()}
    cache.set_many({k: v for k, v in fresh.items() if v is not None}, CACHE_SECONDS)
    sizes.update({missing[key]: value for key, value in fresh.items()})
    return sizes
