"""Fax files encrypted at rest: a streaming AES-GCM format with per-file keys.

Every stored file gets its own random 256-bit data key, wrapped (AES-GCM) by a key
of ``FAXPORTAL_ENCRYPTION_KEYS``. The file is cut into 64 KiB segments, each sealed
on its own with a nonce made of the file's random base, the segment number and a
last-segment flag (the STREAM construction): a reader decrypts only the segments it
needs, so downloads stream with flat memory and seeking stays cheap, and a file cut
short or reordered fails to decrypt instead of reading as a shorter fax.

Layout (all integers big-endian)::

    magic "\\x89FXE" | version (1) | segment size (4) | key id length (1) | key id
    | wrapped data key (60: nonce 12, key 32, tag 16) | base nonce (7)
    | segment 0 (ciphertext + 16-byte tag) | segment 1 | ... | last segment

The header carries no secret and is not part of the segments' associated data
beyond its fixed prefix, so rotating keys rewrites the header (``rewrap_header``)
and copies the segments unchanged: nothing is decrypted or encrypted again.

Django-free: the storage classes (``faxportal.storage``) use it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import os
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"\x89FXE"
VERSION = 1
SEGMENT_SIZE = 64 * 1024
TAG_SIZE = 16
_PREFIX = struct.Struct(">4sBIB")  # magic, version, segment size, key id length
_WRAPPED_SIZE = 12 + 32 + TAG_SIZE
_BASE_NONCE_SIZE = 7
MAX_HEADER_SIZE = _PREFIX.size + 255 + _WRAPPED_SIZE + _BASE_NONCE_SIZE
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


class DecryptionError(ValueError):
    """A stored file cannot be decrypted: damaged, cut short, or its key is not configured."""


@dataclass(frozen=True)
class Keyring:
    """Key-encryption keys by id; ``current`` wraps new files, all of them unwrap."""

    current: str
    keys: dict[str, bytes]

    def key(self, key_id: str) -> bytes:
        try:
            return self.keys[key_id]
        except KeyError:
            raise DecryptionError(
                f"file key {key_id!r} is not in FAXPORTAL_ENCRYPTION_KEYS"
            ) from None


def parse_key(entry: str) -> tuple[str, bytes]:
    """One ``FAXPORTAL_ENCRYPTION_KEYS`` entry: ``id:base64 of 32 bytes``. Any other
    string (older installs used plain passphrases, and the default is SECRET_KEY) is
    stretched into a key whose id is derived from it, so such lists keep working."""
    key_id, sep, encoded = entry.partition(":")
    if sep and _KEY_ID.fullmatch(key_id) and _BASE64.fullmatch(encoded):
        standard = encoded.rstrip("=").replace("-", "+").replace("_", "/")
        try:
            raw = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except binascii.Error:
            raise ValueError(f"key {key_id!r} is not valid base64") from None
        if len(raw) != 32:
            raise ValueError(f"key {key_id!r} is {len(raw)} bytes; keys are 32 bytes (base64)")
        return key_id, raw
    digest = hashlib.sha256(b"faxportal-file-kek:" + entry.encode()).digest()
    return "k" + hashlib.sha256(digest).hexdigest()[:8], digest


def keyring_from(entries: Iterable[str]) -> Keyring:
    parsed = [parse_key(entry) for entry in entries if entry]
    if not parsed:
        raise ValueError("FAXPORTAL_ENCRYPTION_KEYS is empty")
    keys: dict[str, bytes] = {}
    for key_id, key in parsed:
        if keys.setdefault(key_id, key) != key:
            raise ValueError(f"two keys of FAXPORTAL_ENCRYPTION_KEYS have the id {key_id!r}")
    return Keyring(current=parsed[0][0], keys=keys)


def new_key_entry(key_id: str) -> str:
    """A fresh ``id:base64`` entry for FAXPORTAL_ENCRYPTION_KEYS."""
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError("a key id is 1-32 letters, digits, '.', '_' or '-'")
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


# --- header ---------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    key_id: str
    wrapped_key: bytes
    base_nonce: bytes
    segment_size: int = SEGMENT_SIZE

    @property
    def size(self) -> int:
        return _PREFIX.size + len(self.key_id.encode()) + _WRAPPED_SIZE + _BASE_NONCE_SIZE

    @property
    def aad(self) -> bytes:
        """What every segment authenticates: the parts of the header a re-wrap keeps."""
        return MAGIC + bytes([VERSION]) + struct.pack(">I", self.segment_size) + self.base_nonce

    def pack(self) -> bytes:
        kid = self.key_id.encode()
        prefix = _PREFIX.pack(MAGIC, VERSION, self.segment_size, len(kid))
        return prefix + kid + self.wrapped_key + self.base_nonce

    def data_key(self, keyring: Keyring) -> bytes:
        kek = _aead(keyring.key(self.key_id))
        nonce, sealed = self.wrapped_key[:12], self.wrapped_key[12:]
        try:
            return kek.decrypt(nonce, sealed, _wrap_aad(self.key_id))
        except InvalidTag:
            raise DecryptionError(f"the key {self.key_id!r} does not open this file") from None


def _wrap_aad(key_id: str) -> bytes:
    return b"faxportal-file-key:" + key_id.encode()


def _wrap(keyring: Keyring, data_key: bytes) -> tuple[str, bytes]:
    key_id = keyring.current
    nonce = os.urandom(12)
    return key_id, nonce + _aead(keyring.key(key_id)).encrypt(nonce, data_key, _wrap_aad(key_id))


@lru_cache(maxsize=64)
def _aead(key: bytes) -> AESGCM:
    """A key-encryption key's cipher, its key schedule made once per process."""
    return AESGCM(key)


def is_encrypted(prefix: bytes) -> bool:
    return prefix[:4] == MAGIC


def read_header(handle: IO[bytes]) -> Header | None:
    """The header at the handle's position, or None (handle rewound) for a plain file."""
    start = handle.read(_PREFIX.size)
    if len(start) < _PREFIX.size or not is_encrypted(start):
        handle.seek(0)
        return None
    _magic, version, segment_size, kid_len = _PREFIX.unpack(start)
    if version != VERSION or not 1 <= segment_size <= 1 << 24:
        raise DecryptionError(f"unknown encrypted file version {version}")
    rest = handle.read(kid_len + _WRAPPED_SIZE + _BASE_NONCE_SIZE)
    if len(rest) != kid_len + _WRAPPED_SIZE + _BASE_NONCE_SIZE:
        raise DecryptionError("encrypted file header cut short")
    kid = rest[:kid_len].decode("ascii", "replace")
    wrapped = rest[kid_len : kid_len + _WRAPPED_SIZE]
    return Header(kid, wrapped, rest[kid_len + _WRAPPED_SIZE :], segment_size)


def parse_header(data: bytes) -> Header | None:
    return read_header(io.BytesIO(data))


def rewrap_header(header: Header, keyring: Keyring) -> Header:
    """The same file under the current key: the data key unwrapped and wrapped again."""
    key_id, wrapped = _wrap(keyring, header.data_key(keyring))
    return Header(key_id, wrapped, header.base_nonce, header.segment_size)


def plaintext_size(header: Header, stored_size: int) -> int:
    body = stored_size - header.size
    sealed = header.segment_size + TAG_SIZE
    segments = max(1, -(-body // sealed))
    return body - segments * TAG_SIZE


def _nonce(base: bytes, index: int, last: bool) -> bytes:
    return base + struct.pack(">IB", index, 1 if last else 0)


# --- writing --------------------------------------------------------------


def encrypt_chunks(chunks: Iterable[bytes], keyring: Keyring) -> Iterator[bytes]:
    """The encrypted file, header first then one sealed segment at a time."""
    data_key = os.urandom(32)
    key_id, wrapped = _wrap(keyring, data_key)
    header = Header(key_id, wrapped, os.urandom(_BASE_NONCE_SIZE))
    yield header.pack()
    aead, aad, size = AESGCM(data_key), header.aad, header.segment_size
    buffer = bytearray()
    index = 0
    for chunk in chunks:
        buffer += chunk
        # Keep one full segment back: only at the end is it known to be the last.
        while len(buffer) > size:
            yield aead.encrypt(_nonce(header.base_nonce, index, False), bytes(buffer[:size]), aad)
            del buffer[:size]
            index += 1
    yield aead.encrypt(_nonce(header.base_nonce, index, True), bytes(buffer), aad)


def file_chunks(handle: IO[bytes], size: int = SEGMENT_SIZE) -> Iterator[bytes]:
    return iter(lambda: handle.read(size), b"")


class ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (what storages' ``_save`` takes)."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._pending + b"".join(self._chunks)
            self._pending = b""
            return data
        while len(self._pending) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._pending += chunk
        data, self._pending = self._pending[:size], self._pending[size:]
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


# --- reading --------------------------------------------------------------


class DecryptingReader(io.RawIOBase):
    """Plaintext of an encrypted file, read and seeked segment by segment."""

    def __init__(self, raw: IO[bytes], header: Header, keyring: Keyring, stored_size: int):
        self._raw = raw
        self._header = header
        self._aead = AESGCM(header.data_key(keyring))
        self._aad = header.aad
        self._sealed = header.segment_size + TAG_SIZE
        self._segments = max(1, -(-(stored_size - header.size) // self._sealed))
        self.size = plaintext_size(header, stored_size)
        self._pos = 0
        self._cached_index = -1
        self._cached = b""
        self._raw_pos = header.size
        self._buffer = bytearray(self._sealed)
        self._view = memoryview(self._buffer)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if target < 0:
            raise ValueError("negative seek position")
        self._pos = target
        return target

    def _read_sealed(self, index: int) -> memoryview:
        offset = self._header.size + index * self._sealed
        if self._raw_pos != offset:
            self._raw.seek(offset)
        got = self._raw.readinto(self._buffer)  # type: ignore[attr-defined]
        self._raw_pos = offset + got
        return self._view[:got]

    def _open_segment(self, index: int, sealed) -> bytes:
        nonce = _nonce(self._header.base_nonce, index, index == self._segments - 1)
        try:
            return self._aead.decrypt(nonce, sealed, self._aad)
        except (InvalidTag, ValueError):
            raise DecryptionError("encrypted file damaged or cut short") from None

    def _segment(self, index: int) -> bytes:
        if index != self._cached_index:
            self._cached = self._open_segment(index, self._read_sealed(index))
            self._cached_index = index
        return self._cached

    def read(self, size: int = -1) -> bytes:
        left = self.size - self._pos
        size = left if size is None or size < 0 else max(0, min(size, left))
        segment_size = self._header.segment_size
        index, within = divmod(self._pos, segment_size)
        if within + size <= segment_size:  # the common case: inside one segment
            piece = self._segment(index)[within : within + size] if size else b""
            self._pos += len(piece)
            return piece
        parts = []
        while size > 0:
            index, within = divmod(self._pos, segment_size)
            plain = self._segment(index)
            piece = plain if within == 0 and size >= len(plain) else plain[within : within + size]
            if not piece:
                break
            parts.append(piece)
            self._pos += len(piece)
            size -= len(piece)
        return b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def stored_size_of(handle: IO[bytes]) -> int:
    """The size of an open raw file, its position kept."""
    try:
        return os.fstat(handle.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    position = handle.tell()
    end = handle.seek(0, io.SEEK_END)
    handle.seek(position)
    return end
