"""The default storage: every fax file (originals, rendered TIFFs, PDFs, previews,
receipts) is encrypted on its way in and decrypted on its way out.

``EncryptedFileSystemStorage`` and ``EncryptedS3Storage`` are the two backends
settings.py chooses from; both are their django-storages/Django parent with
``EncryptingStorageMixin`` in front, so names, listing, deleting and the S3 options
behave as before. Files written before encryption existed read as they are until
``manage.py encryption migrate`` encrypts them; ``encryption rewrap`` moves files to
the current key by rewriting headers only (see ``faxportal.filecrypt``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage
from django.http import FileResponse
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from faxportal import filecrypt

TEMP_SUFFIX = ".fxtmp"  # half-written replacements; never listed as files


class FileStreamResponse(FileResponse):
    """A download streamed one encryption segment (64 KiB) at a time instead of
    Django's 4 KiB blocks: each block is one slice of a decrypted segment and one
    socket write, which keeps encrypted downloads as fast as plain ones were."""

    block_size = filecrypt.SEGMENT_SIZE


def keyring() -> filecrypt.Keyring:
    entries = tuple(settings.FAXPORTAL_ENCRYPTION_KEYS)
    cached = _keyrings.get(entries)
    if cached is None:
        cached = _keyrings[entries] = filecrypt.keyring_from(entries)
    return cached


_keyrings: dict[tuple[str, ...], filecrypt.Keyring] = {}


class DecryptedFile(File):
    """An open encrypted file; ``open()`` after ``close()`` opens it again through the
    storage (``FieldFile.open()`` reuses its file object that way)."""

    def __init__(self, reader, name: str, storage):
        super().__init__(reader, name=name)
        self._storage = storage

    def open(self, mode=None, *args, **kwargs):
        """File.open's signature; its text and buffering arguments do not apply here."""
        if self.closed:
            self.file = self._storage._open(self.name, mode or "rb").file
        else:
            self.seek(0)
        return self


if TYPE_CHECKING:

    class _StorageMixinBase(Storage):
        """What the mixin is put in front of: a Storage with the two hooks Django documents
        for backends (``_open``, ``_save``), which its stubs leave out."""

        def _open(self, name: str, mode: str = "rb") -> File: ...
        def _save(self, name: str, content: File) -> str: ...

else:
    _StorageMixinBase = object


class EncryptingStorageMixin(_StorageMixinBase):
    """Encrypt in ``_save``, decrypt in ``_open``; sizes are plaintext sizes."""

    encrypts_files = True

    # --- the Storage API ----------------------------------------------------

    def _save(self, name, content):
        chunks = filecrypt.encrypt_chunks(_content_chunks(content), keyring())
        return super()._save(name, _chunk_file(chunks, name))

    def _open(self, name, mode="rb"):
        if "w" in mode or "a" in mode or "+" in mode:
            raise ValueError("encrypted files are written with save(), not opened for writing")
        raw = super()._open(name, mode)
        header = filecrypt.read_header(raw)
        if header is None:
            return raw  # written before encryption; ``encryption migrate`` fixes it
        reader = filecrypt.DecryptingReader(raw, header, keyring(), self._stored_size(raw, name))
        return DecryptedFile(reader, name, self)

    def size(self, name):
        stored = super().size(name)
        header = filecrypt.parse_header(self._read_prefix(name))
        return stored if header is None else filecrypt.plaintext_size(header, stored)

    # --- what the ``encryption`` command uses -------------------------------

    def header_of(self, name) -> filecrypt.Header | None:
        return filecrypt.parse_header(self._read_prefix(name))

    def walk(self, top: str = "") -> Iterator[str]:
        """Every stored file name under ``top``."""
        dirs, files = self.listdir(top)
        for file in sorted(files):
            if not file.endswith(TEMP_SUFFIX):
                yield f"{top}/{file}" if top else file
        for directory in sorted(dirs):
            yield from self.walk(f"{top}/{directory}" if top else directory)

    def encrypt_in_place(self, name) -> bool:
        """Encrypt a file written before encryption; False if it already is."""
        with self._raw_open(name) as raw:
            if filecrypt.read_header(raw) is not None:
                return False
            raw.seek(0)
            self._replace(name, filecrypt.encrypt_chunks(filecrypt.file_chunks(raw), keyring()))
        return True

    def rewrap(self, name) -> bool:
        """Put a file under the current key, rewriting its header only; False when it
        already is (or is not encrypted)."""
        ring = keyring()
        with self._raw_open(name) as raw:
            header = filecrypt.read_header(raw)
            if header is None or header.key_id == ring.current:
                return False
            fresh = filecrypt.rewrap_header(header, ring)
            raw.seek(header.size)
            self._replace(name, _prepend(fresh.pack(), filecrypt.file_chunks(raw, 1 << 20)))
        return True

    # --- backend specifics ----------------------------------------------------

    def _raw_open(self, name) -> IO[bytes]:
        return super()._open(name, "rb")

    def _read_prefix(self, name) -> bytes:
        with self._raw_open(name) as raw:
            return raw.read(filecrypt.MAX_HEADER_SIZE)

    def _stored_size(self, raw, name) -> int:
        return filecrypt.stored_size_of(raw)

    def _replace(self, name, chunks: Iterable[bytes]) -> None:
        raise NotImplementedError


class EncryptedFileSystemStorage(EncryptingStorageMixin, FileSystemStorage):
    """Local files. ``path()`` still names the file on disk, which holds ciphertext:
    code wanting the content reads it through ``open()`` (see ``local_copy``)."""

    def _raw_open(self, name) -> IO[bytes]:
        return File(open(self.path(name), "rb"))

    def size(self, name):
        stored = os.path.getsize(self.path(name))
        header = filecrypt.parse_header(self._read_prefix(name))
        return stored if header is None else filecrypt.plaintext_size(header, stored)

    def _replace(self, name, chunks: Iterable[bytes]) -> None:
        """Write the new bytes beside the file, then swap them in atomically: a crash
        leaves the old file (and at worst a stray ``.fxtmp``), never half a file."""
        target = Path(self.path(name))
        mode = target.stat().st_mode & 0o777
        fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=TEMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, mode)
            if not target.exists():  # purged meanwhile: do not bring it back
                raise FileNotFoundError(str(target))
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class EncryptedS3Storage(EncryptingStorageMixin, S3Storage):
    def get_object_parameters(self, name):
        # Ciphertext: never gzipped or typed as what it was.
        return {"ContentType": "application/octet-stream", **super().get_object_parameters(name)}

    def _read_prefix(self, name) -> bytes:
        key = self._normalize_name(clean_name(name))
        body = self.bucket.Object(key).get(Range=f"bytes=0-{filecrypt.MAX_HEADER_SIZE - 1}")
        return body["Body"].read()

    def _stored_size(self, raw, name) -> int:
        return raw.size  # S3File: the object's Content-Length, no download

    def _replace(self, name, chunks: Iterable[bytes]) -> None:
        """One PUT of the whole object to the same key: S3 shows the old object or the
        new one, never a mix."""
        S3Storage._save(self, name, _chunk_file(chunks, name))


def _chunk_file(chunks: Iterable[bytes], name: str) -> File:
    """Bytes as the File a storage's ``_save`` reads."""
    # The ignore: Django's File wraps any file object; its stubs take only typing.IO.
    return File(filecrypt.ChunkReader(chunks), name=name)  # type: ignore[arg-type]


def _content_chunks(content) -> Iterator[bytes]:
    if hasattr(content, "chunks"):
        for chunk in content.chunks():
            yield chunk.encode() if isinstance(chunk, str) else chunk
        return
    yield from filecrypt.file_chunks(content)


def _prepend(first: bytes, rest: Iterable[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
