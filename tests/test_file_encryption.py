"""Fax files encrypted at rest: the segment format, the default storage on disk and on
S3 (moto), downloads through the real views, and ``manage.py encryption``."""

from __future__ import annotations

import io
import os
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from faxes import services
from faxes.models import DocumentPart, Fax, Faxbox
from faxportal import filecrypt
from faxportal.storage import EncryptedFileSystemStorage, EncryptedS3Storage
from tests.factories import FaxNumberFactory, text_pdf
from tests.test_storage import s3_endpoint  # noqa: F401 - the moto server fixture

OLD = "old:" + "A" * 43 + "="
NEW = filecrypt.new_key_entry("new")
SEG = filecrypt.SEGMENT_SIZE


def ring(*entries: str) -> filecrypt.Keyring:
    return filecrypt.keyring_from(entries)


def encrypt(data: bytes, keys: filecrypt.Keyring) -> bytes:
    return b"".join(
        filecrypt.encrypt_chunks([data[i : i + 5000] for i in range(0, len(data), 5000)], keys)
    )


def reader(blob: bytes, keys: filecrypt.Keyring) -> filecrypt.DecryptingReader:
    raw = io.BytesIO(blob)
    header = filecrypt.read_header(raw)
    assert header is not None
    return filecrypt.DecryptingReader(raw, header, keys, len(blob))


# --- the format -------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG + 17])
def test_round_trip_sizes_and_seeks(size):
    keys = ring(NEW)
    data = os.urandom(size)
    blob = encrypt(data, keys)
    assert (blob.startswith(filecrypt.MAGIC) and data[:64] not in blob[64:]) or size < 64
    header = filecrypt.parse_header(blob)
    assert filecrypt.plaintext_size(header, len(blob)) == size
    handle = reader(blob, keys)
    assert handle.size == size
    assert b"".join(iter(lambda: handle.read(4096), b"")) == data
    for position in (0, size // 2, max(0, size - 3)):
        handle.seek(position)
        assert handle.read(SEG + 5) == data[position : position + SEG + 5]
    assert handle.seek(0, io.SEEK_END) == size


def test_a_cut_or_altered_file_does_not_read_as_a_shorter_one():
    keys = ring(NEW)
    blob = encrypt(os.urandom(3 * SEG), keys)
    header = filecrypt.parse_header(blob)
    sealed = SEG + filecrypt.TAG_SIZE
    cut = blob[: header.size + 2 * sealed]  # two whole segments, the last one dropped
    with pytest.raises(filecrypt.DecryptionError):
        reader(cut, keys).read()
    flipped = bytearray(blob)
    flipped[header.size + 10] ^= 1
    with pytest.raises(filecrypt.DecryptionError):
        reader(bytes(flipped), keys).read()
    swapped = blob[: header.size] + blob[header.size + sealed : header.size + 2 * sealed]
    swapped += blob[header.size : header.size + sealed] + blob[header.size + 2 * sealed :]
    with pytest.raises(filecrypt.DecryptionError):
        reader(swapped, keys).read()


def test_a_file_needs_its_key_and_rewrap_keeps_the_segments():
    data = os.urandom(2 * SEG + 9)
    blob = encrypt(data, ring(OLD))
    with pytest.raises(filecrypt.DecryptionError, match="not in FAXPORTAL_ENCRYPTION_KEYS"):
        reader(blob, ring(NEW))
    header = filecrypt.parse_header(blob)
    fresh = filecrypt.rewrap_header(header, ring(NEW, OLD))
    assert fresh.key_id == "new" and fresh.base_nonce == header.base_nonce
    moved = fresh.pack() + blob[header.size :]
    assert reader(moved, ring(NEW)).read() == data


def test_key_entries_explicit_and_passphrase():
    key_id, key = filecrypt.parse_key(NEW)
    assert key_id == "new" and len(key) == 32
    legacy_id, legacy = filecrypt.parse_key("some old passphrase")
    assert legacy_id.startswith("k") and len(legacy) == 32
    assert filecrypt.parse_key("some old passphrase") == (legacy_id, legacy)
    assert filecrypt.parse_key("my: pass phrase")[0] != "my"  # not base64: a passphrase
    with pytest.raises(ValueError, match="16 bytes"):
        filecrypt.parse_key("short:" + "A" * 22 + "==")
    with pytest.raises(ValueError, match="have the id"):
        filecrypt.keyring_from([NEW, filecrypt.new_key_entry("new")])
    with pytest.raises(ValueError):
        filecrypt.new_key_entry("bad id!")


# --- the default storage, through the portal --------------------------------


@pytest.fixture
def box(acme) -> Faxbox:
    faxbox = Faxbox.objects.for_account(acme.account).get()
    FaxNumberFactory(faxbox=faxbox, account=acme.account, number="+12025550140")
    return faxbox


def receive(faxbox: Faxbox, pages: int = 2):
    return services.receive_fax(
        to_number="+12025550140", from_number="+12025550199", data=text_pdf(pages),
        transport="loopback", carrier_fax_id=f"enc-{pages}", filename="in.pdf",
    )  # fmt: skip


def raw_bytes(name: str) -> bytes:
    return Path(default_storage.path(name)).read_bytes()


def stored_names(fax) -> list[str]:
    return list(default_storage.walk(f"faxes/{fax.account_id}/{fax.pk}"))


def test_every_file_of_a_received_fax_is_encrypted_on_disk(acme, box):
    fax = receive(box)
    names = stored_names(fax)
    assert fax.document.name in names and fax.tiff.name in names and fax.thumbnail.name in names
    assert any("/pages/" in name for name in names)
    for name in names:
        assert raw_bytes(name).startswith(filecrypt.MAGIC), name
    with fax.document.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert fax.document.size < len(raw_bytes(fax.document.name))


def test_a_closed_field_file_opens_again(acme, box):
    fax = receive(box)
    with fax.document.open("rb") as handle:
        first = handle.read()
    with fax.document.open("rb") as handle:
        assert handle.read() == first
    assert fax.document.size == len(first)


def test_downloads_stream_the_plaintext_with_its_length(acme, box):
    fax = receive(box)
    client = Client()
    client.force_login(acme.viewer)
    with fax.document.open("rb") as handle:
        expected = handle.read()
    response = client.get(reverse("fax-pdf", args=[fax.pk]))
    assert response.status_code == 200
    assert int(response["Content-Length"]) == len(expected)
    assert b"".join(response.streaming_content) == expected
    page = client.get(reverse("fax-page", args=[fax.pk, 1]))
    assert b"".join(page.streaming_content).startswith(b"\x89PNG")


def test_another_account_still_gets_404_for_the_file(acme, other, box):
    fax = receive(box)
    client = Client()
    client.force_login(other.admin)
    assert client.get(reverse("fax-pdf", args=[fax.pk])).status_code == 404


def test_sent_fax_receipt_and_originals_are_encrypted(acme, box):
    result = services.submit_fax(
        account=acme.account, faxbox=box, recipients=["+12025550140"],
        documents=[services.UploadedFile(text_pdf(1), "a.pdf")],
    )  # fmt: skip
    services.process_fax(result.faxes[0].pk)
    fax = Fax.objects.get(pk=result.faxes[0].pk)
    assert fax.status == "delivered"
    receipt = services.make_receipt(fax)
    names = [receipt.file.name, fax.document.name, fax.tiff.name]
    names += [part.file.name for part in DocumentPart.objects.filter(document_id=fax.source_id)]
    for name in names:
        assert raw_bytes(name).startswith(filecrypt.MAGIC), name
    with receipt.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


# --- manage.py encryption -----------------------------------------------------


def plain_storage() -> FileSystemStorage:
    return FileSystemStorage(location=default_storage.location)


def run(*args: str) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("encryption", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return out.getvalue(), int(exc.code)
    return out.getvalue(), 0


def test_status_reports_and_migrate_encrypts_old_files_in_place(db):
    plain = plain_storage()
    plain.save("faxes/s3m/b/old.pdf", ContentFile(b"%PDF-1.4 before encryption"))
    plain.save("faxes/a/b/pages/0001.png", ContentFile(b"\x89PNG old preview"))
    default_storage.save("faxes/a/c/new.pdf", ContentFile(b"%PDF-1.4 after"))
    # Unmigrated files still read as they are.
    with default_storage.open("faxes/s3m/b/old.pdf") as handle:
        assert handle.read() == b"%PDF-1.4 before encryption"

    out, code = run("status", "--list")
    assert code == 1
    assert "files: 3" in out and "not encrypted: 2" in out
    assert "not encrypted: faxes/s3m/b/old.pdf" in out

    mode = os.stat(plain.path("faxes/s3m/b/old.pdf")).st_mode & 0o777
    out, _ = run("migrate")
    assert "encrypted: 2, unchanged: 1, failed: 0" in out
    assert raw_bytes("faxes/s3m/b/old.pdf").startswith(filecrypt.MAGIC)
    assert os.stat(plain.path("faxes/s3m/b/old.pdf")).st_mode & 0o777 == mode
    with default_storage.open("faxes/s3m/b/old.pdf") as handle:
        assert handle.read() == b"%PDF-1.4 before encryption"
    assert default_storage.size("faxes/s3m/b/old.pdf") == len(b"%PDF-1.4 before encryption")
    assert run("status")[1] == 0
    assert not list(Path(default_storage.location).rglob("*.fxtmp"))


def test_a_crash_while_migrating_keeps_the_old_file(db, monkeypatch):
    plain_storage().save("faxes/s3m/b/old.pdf", ContentFile(b"%PDF-1.4 keep me"))

    def crash(*_args):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        run("migrate")
    assert raw_bytes("faxes/s3m/b/old.pdf") == b"%PDF-1.4 keep me"
    assert not list(Path(default_storage.location).rglob("*.fxtmp"))


def test_a_file_purged_while_migrating_stays_purged(db, monkeypatch):
    plain = plain_storage()
    plain.save("faxes/a/b/old.pdf", ContentFile(b"%PDF-1.4 purge me"))
    real_chmod = os.chmod

    def purge_then_chmod(path, mode):
        os.remove(plain.path("faxes/a/b/old.pdf"))  # the hourly purge, right now
        real_chmod(path, mode)

    monkeypatch.setattr(os, "chmod", purge_then_chmod)
    out, _ = run("migrate")
    assert "encrypted: 0" in out
    assert not plain.exists("faxes/a/b/old.pdf")
    assert not list(Path(default_storage.location).rglob("*.fxtmp"))


def test_rewrap_moves_files_to_the_new_key_without_reencrypting(db, settings):
    settings.FAXPORTAL_ENCRYPTION_KEYS = [OLD]
    data = os.urandom(SEG * 2 + 100)
    name = default_storage.save("faxes/a/b/fax.tiff", ContentFile(data))
    before = raw_bytes(name)
    old_header = filecrypt.parse_header(before)

    settings.FAXPORTAL_ENCRYPTION_KEYS = [NEW, OLD]
    out, code = run("status")
    assert code == 1 and "encrypted with key old: 1" in out
    assert "re-wrapped: 1, unchanged: 0" in run("rewrap")[0]
    after = raw_bytes(name)
    new_header = filecrypt.parse_header(after)
    assert new_header.key_id == "new"
    assert after[new_header.size :] == before[old_header.size :]  # segments untouched

    settings.FAXPORTAL_ENCRYPTION_KEYS = [NEW]  # the old key can go now
    with default_storage.open(name) as handle:
        assert handle.read() == data
    assert "encrypted with key new (current): 1" in run("status")[0]


def test_rewrap_reports_files_whose_key_is_gone(db, settings):
    settings.FAXPORTAL_ENCRYPTION_KEYS = [OLD]
    default_storage.save("faxes/a/b/fax.pdf", ContentFile(b"x"))
    settings.FAXPORTAL_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="1 file"):
        run("rewrap")


def test_newkey_prints_an_entry():
    out, _ = run("newkey", "2027")
    key_id, key = filecrypt.parse_key(out.strip())
    assert key_id == "2027" and len(key) == 32


# --- S3 -----------------------------------------------------------------------


@pytest.fixture
def encrypted_s3(s3_endpoint) -> EncryptedS3Storage:  # noqa: F811
    boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).create_bucket(Bucket="enc-files")  # fmt: skip
    return EncryptedS3Storage(
        bucket_name="enc-files", endpoint_url=s3_endpoint, region_name="us-east-1",
        access_key="testing", secret_key="testing", default_acl="private",
        file_overwrite=False, location="tenant",
    )  # fmt: skip


def s3_object(storage: EncryptedS3Storage, name: str) -> bytes:
    return storage.bucket.Object(f"tenant/{name}").get()["Body"].read()


def test_s3_objects_are_encrypted_and_read_back(encrypted_s3, settings):
    data = os.urandom(SEG + 1234)
    name = encrypted_s3.save("faxes/a/b/fax.tiff", ContentFile(data))
    stored = s3_object(encrypted_s3, name)
    assert stored.startswith(filecrypt.MAGIC) and data[:100] not in stored
    assert encrypted_s3.bucket.Object(f"tenant/{name}").content_type == "application/octet-stream"
    assert encrypted_s3.size(name) == len(data)
    with encrypted_s3.open(name) as handle:
        handle.seek(SEG - 10)
        assert handle.read(20) == data[SEG - 10 : SEG + 10]
        handle.seek(0)
        assert handle.read() == data


def test_s3_migrate_and_rewrap(encrypted_s3, settings):
    encrypted_s3.bucket.put_object(Key="tenant/faxes/s3m/b/old.pdf", Body=b"%PDF old")
    assert encrypted_s3.header_of("faxes/s3m/b/old.pdf") is None
    assert encrypted_s3.encrypt_in_place("faxes/s3m/b/old.pdf")
    assert s3_object(encrypted_s3, "faxes/s3m/b/old.pdf").startswith(filecrypt.MAGIC)
    with encrypted_s3.open("faxes/s3m/b/old.pdf") as handle:
        assert handle.read() == b"%PDF old"

    settings.FAXPORTAL_ENCRYPTION_KEYS = [NEW, *settings.FAXPORTAL_ENCRYPTION_KEYS]
    assert list(encrypted_s3.walk("faxes/s3m")) == ["faxes/s3m/b/old.pdf"]
    assert encrypted_s3.rewrap("faxes/s3m/b/old.pdf")
    assert encrypted_s3.header_of("faxes/s3m/b/old.pdf").key_id == "new"
    settings.FAXPORTAL_ENCRYPTION_KEYS = [NEW]
    with encrypted_s3.open("faxes/s3m/b/old.pdf") as handle:
        assert handle.read() == b"%PDF old"


def test_local_storage_is_the_encrypting_one(settings):
    assert isinstance(default_storage, EncryptedFileSystemStorage)
