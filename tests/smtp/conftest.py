"""A real SMTP gateway on an ephemeral loopback port, with a self-signed certificate
for STARTTLS, and a fake DNS that serves the DKIM keys the tests sign with."""

from __future__ import annotations

import base64
import datetime
import smtplib
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

import dkim
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from faxes.services import mail_in
from faxes.smtp.server import Gateway
from tests.factories import AccountFactory, FaxboxFactory, UserFactory, text_pdf

SELECTOR = b"fax"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(folder / "cert.pem"), str(folder / "key.pem")


class FakeDns:
    """DKIM public keys by domain, as TXT records at ``<selector>._domainkey.<domain>``."""

    def __init__(self) -> None:
        self.records: dict[bytes, bytes] = {}
        self.private: dict[str, bytes] = {}

    def publish(self, domain: str) -> bytes:
        key = _key()
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        name = SELECTOR + b"._domainkey." + domain.encode() + b"."
        self.records[name] = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        self.private[domain] = pem
        return pem

    def __call__(self, name: bytes, timeout: int = 5) -> bytes | None:
        return self.records.get(name if name.endswith(b".") else name + b".")

    def sign(self, raw: bytes, domain: str) -> bytes:
        signature = dkim.sign(
            raw, SELECTOR, domain.encode(), self.private[domain],
            include_headers=[b"From", b"To", b"Subject", b"Message-ID"],
        )  # fmt: skip
        return signature + raw


@pytest.fixture
def dns(monkeypatch):
    fake = FakeDns()
    fake.publish("clinic.example")
    fake.publish("evil.example")
    monkeypatch.setattr(mail_in, "dns_txt", fake)
    return fake


@dataclass
class Running:
    gateway: Gateway
    host: str
    port: int

    def client(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.host, self.port, timeout=30)


@pytest.fixture
def gateway(transactional_db, certificate, settings):
    settings.FAXPORTAL_MAX_RECIPIENTS = 3
    cert, key = certificate
    server = Gateway("127.0.0.1", 0, cert=cert, key=key, auth=True, max_size=2 * 1024 * 1024)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    assert server.ready.wait(10)
    yield Running(server, "127.0.0.1", server.port)
    server.stop()
    thread.join(30)


@dataclass
class Box:
    faxbox: object
    domain: str

    def to(self, number: str) -> str:
        return f"{number}@{self.domain}"


@pytest.fixture
def box(transactional_db):
    account = AccountFactory(name="Clinic")
    owner = UserFactory(account=account, username="owner@clinic.example")
    faxbox = FaxboxFactory(
        account=account, owner=owner, caller_id="+12025550100",
        smtp_permission_list=["@clinic.example", "scanner@copier.example"],
    )  # fmt: skip
    return Box(faxbox, faxbox.smtp_email_address)


def mail(
    *, sender="doctor@clinic.example", to=("12025550102@x",), subject="Lab results",
    body="Please see the attached results.\n\n-- \nDr. Who\nClinic", attachments=None,
    message_id=None,
) -> EmailMessage:  # fmt: skip
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="clinic.example")
    message.set_content(body)
    for name, data, maintype, subtype in (
        attachments
        if attachments is not None
        else [("results.pdf", text_pdf(2), "application", "pdf")]
    ):
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message
