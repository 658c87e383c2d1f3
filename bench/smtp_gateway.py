"""E-mail to fax: messages per second the SMTP gateway accepts, faxes per minute made.

A throw-away PostgreSQL database, one faxbox, the gateway in this process on an ephemeral
loopback port. ``--clients`` threads each send ``--messages`` DKIM-signed messages (one
two-page PDF, two recipients) with smtplib; every message is checked (permission list, DKIM
with a fake resolver, the document pipeline) and stored before its 250. Then the stored
messages are made into faxes (``mail_in.process_message``, as the worker does; the faxes are
queued, not transmitted) and timed.

    .venv/bin/python bench/smtp_gateway.py [--messages 50] [--clients 4]
        [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import base64
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import make_msgid

from benchdb import bench_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50, help="per client")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/faxportal_bench_smtp"
    )
    args = parser.parse_args()
    with bench_database(args.database_url):
        run(args)


def run(args: argparse.Namespace) -> None:
    import smtplib

    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from accounts.models import Account
    from faxes.models import Faxbox, SmtpLog
    from faxes.services import mail_in
    from faxes.smtp.server import Gateway
    from tests.factories import text_pdf

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    mail_in.dns_txt = lambda name, timeout=5: record
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    account = Account.objects.create(name="Bench clinic", realm="bench.fax.test")
    faxbox = Faxbox.objects.create(
        account=account, name="Bench", caller_id="+12025550100",
        smtp_permission_list=["@clinic.example"],
    )  # fmt: skip
    pdf = text_pdf(2)
    gateway = Gateway("127.0.0.1", 0, auth=False)
    thread = threading.Thread(target=gateway.serve, daemon=True)
    thread.start()
    gateway.ready.wait(10)
    rcpts = [f"1202555{n:04d}@{faxbox.smtp_email_address}" for n in (102, 103)]

    def message() -> bytes:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "doc@clinic.example", ", ".join(rcpts), "Labs"
        mail["Message-ID"] = make_msgid(domain="clinic.example")
        mail.set_content("Results attached.")
        mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="labs.pdf")
        raw = mail.as_bytes().replace(b"\n", b"\r\n")
        return dkim.sign(raw, b"fax", b"clinic.example", private) + raw

    def client(_: int) -> None:
        with smtplib.SMTP("127.0.0.1", gateway.port, timeout=60) as smtp:
            for _ in range(args.messages):
                smtp.sendmail("doc@clinic.example", rcpts, message())

    started = time.perf_counter()
    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(client, range(args.clients)))
    accepted = time.perf_counter() - started
    total = args.messages * args.clients
    print(f"accepted {total} messages in {accepted:.1f} s: {total / accepted:.1f} messages/s")

    ids = list(SmtpLog.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    faxes = sum(len(mail_in.process_message(pk)) for pk in ids)
    made = time.perf_counter() - started
    print(f"made {faxes} faxes from {len(ids)} messages in {made:.1f} s: "
          f"{faxes / made * 60:.0f} faxes/minute (one process)")  # fmt: skip
    gateway.stop()
    thread.join(30)


if __name__ == "__main__":
    main()
