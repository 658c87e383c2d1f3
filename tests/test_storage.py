"""Fax files on the local default and on S3 (a real S3 API served on 127.0.0.1 by moto)."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse
from urllib.request import urlopen

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from faxes.models import fax_file_path
from tests.factories import FaxFactory


@pytest.mark.django_db
def test_local_default_storage_round_trip(settings):
    from django.core.files.storage import storages

    assert isinstance(storages["default"], FileSystemStorage)
    fax = FaxFactory()
    fax.document.save("fax.pdf", ContentFile(b"%PDF-1.4 test"))
    fax.refresh_from_db()
    assert fax.document.name == f"faxes/{fax.account_id}/{fax.pk}/fax.pdf"
    with fax.document.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 test"
    mode = stat.S_IMODE(os.stat(fax.document.path).st_mode)
    assert mode & 0o007 == 0  # not world-readable


def test_paths_are_derived_from_ids():
    class Stub:
        account_id = "a" * 32
        pk = "b" * 32

    assert fax_file_path(Stub(), "page-1.png") == f"faxes/{'a' * 32}/{'b' * 32}/page-1.png"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_storage(s3_endpoint, monkeypatch) -> S3Storage:
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket="fax-files")
    # Built exactly as settings.py builds it when FAXPORTAL_S3_BUCKET is set.
    return S3Storage(
        bucket_name="fax-files",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        access_key="testing",
        secret_key="testing",
        default_acl="private",
        querystring_auth=True,
        querystring_expire=300,
        file_overwrite=False,
        location="tenant-files",
    )


def test_s3_round_trip_private_and_signed(s3_storage, s3_endpoint):
    name = s3_storage.save("faxes/a/b/fax.pdf", ContentFile(b"%PDF-1.4 s3"))
    assert name == "faxes/a/b/fax.pdf"
    with s3_storage.open(name, "rb") as handle:
        assert handle.read() == b"%PDF-1.4 s3"
    assert s3_storage.exists(name)

    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    acl = client.get_object_acl(Bucket="fax-files", Key="tenant-files/" + name)
    grantees = {g["Grantee"].get("URI", g["Grantee"].get("ID")) for g in acl["Grants"]}
    assert not any("AllUsers" in str(g) or "AuthenticatedUsers" in str(g) for g in grantees)

    url = s3_storage.url(name)
    query = parse_qs(urlparse(url).query)
    assert "X-Amz-Signature" in query or "Signature" in query
    with urlopen(url) as response:
        assert response.read() == b"%PDF-1.4 s3"

    s3_storage.delete(name)
    assert not s3_storage.exists(name)


def test_s3_never_overwrites(s3_storage):
    first = s3_storage.save("faxes/x/y/doc.pdf", ContentFile(b"one"))
    second = s3_storage.save("faxes/x/y/doc.pdf", ContentFile(b"two"))
    assert first != second
    with s3_storage.open(first, "rb") as handle:
        assert handle.read() == b"one"


@pytest.mark.django_db
def test_fax_files_go_to_s3_when_configured(settings, s3_storage, s3_endpoint):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "fax-files",
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
    }
    from django.core.files.storage import storages

    fax = FaxFactory()
    field_storage = storages["default"]
    name = field_storage.save(fax_file_path(fax, "fax.tiff"), ContentFile(b"II*\x00"))
    assert name.startswith(f"faxes/{fax.account_id}/{fax.pk}/")
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    body = client.get_object(Bucket="fax-files", Key=name)["Body"].read()
    assert body == b"II*\x00"
