"""E-mail to fax through the real gateway on loopback, with smtplib as the client."""

from __future__ import annotations

import smtplib
import ssl
import time

import pytest

from faxes.models import Fax, MailBody, SmtpLog, SmtpStatus
from faxes.services import mail_in
from tests.conftest import token_client
from tests.smtp.conftest import mail


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
    return context


def crlf(raw: bytes) -> bytes:
    """Lines end with CRLF on the wire (smtplib sends bytes as they are)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _send(gateway, message, *, sender="doctor@clinic.example", rcpts=None, raw=None):
    with gateway.client() as client:
        client.ehlo("test.example")
        data = raw if raw is not None else message.as_bytes()
        return client.sendmail(sender, rcpts or [message["To"]], crlf(data))


def test_dkim_signed_mail_to_three_number_formats_makes_one_fax_each(gateway, box, dns, mailoutbox):
    rcpts = [box.to("12025550102"), box.to("2025550103"), box.to("+12025550104")]
    message = mail(to=rcpts)
    refused = _send(
        gateway, message, rcpts=rcpts, raw=dns.sign(message.as_bytes(), "clinic.example")
    )
    assert refused == {}
    entry = SmtpLog.objects.get()
    assert entry.status == SmtpStatus.RECEIVED  # stored before the 250
    assert entry.authenticated_by == "dkim:clinic.example"
    assert [r["number"] for r in entry.recipients] == [
        "+12025550102",
        "+12025550103",
        "+12025550104",
    ]

    fax_ids = mail_in.process_message(entry.pk)
    assert len(fax_ids) == 3
    faxes = Fax.objects.filter(pk__in=fax_ids)
    assert {f.to_number for f in faxes} == {"+12025550102", "+12025550103", "+12025550104"}
    fax = faxes.first()
    assert fax.faxbox_id == box.faxbox.pk
    assert fax.cover == {"subject": "Lab results", "message": "Please see the attached results."}
    assert fax.pages == 3  # cover + the two-page PDF
    assert mail_in.process_message(entry.pk) == []  # processed once

    (reply,) = mailoutbox  # the acknowledgement, threaded on the message
    assert reply.to == ["doctor@clinic.example"]
    assert reply.extra_headers["In-Reply-To"] == message["Message-ID"]
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied"
    assert reply.subject == "Fax queued: Lab results"
    assert "3 faxes of about 3 pages each" in reply.body and "+12025550104" in reply.body

    # Kazoo's smtplog serves it: the list row and the document.
    kazoo = token_client(box.faxbox.account, "fax:read", header="x-auth-token")
    base = f"/v2/accounts/{box.faxbox.account_id}/faxes/smtplog"
    listed = kazoo.get(base)
    assert listed.status_code == 200, listed.content
    (row,) = listed.json()["data"]
    assert row["from"] == "doctor@clinic.example" and row["error"] == ""
    answer = kazoo.get(f"{base}/{row['id']}")
    assert answer.status_code == 200, answer.content
    document = answer.json()["data"]
    assert document["status"] == "accepted" and sorted(document["fax_ids"]) == sorted(fax_ids)
    assert document["translated_number"] == "+12025550102"
    assert document["faxbox_domain"] == box.domain


def test_unknown_mailbox_and_bad_number_are_refused_at_rcpt(gateway, box, dns):
    message = mail()
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(gateway, message, rcpts=["12025550102@nobody.fax.localhost", box.to("hello")])
    replies = refused.value.recipients
    assert replies["12025550102@nobody.fax.localhost"][0] == 550
    assert b"no such fax mailbox" in replies["12025550102@nobody.fax.localhost"][1]
    assert replies[box.to("hello")][0] == 550
    assert b"not a fax number" in replies[box.to("hello")][1]


def test_sender_not_on_the_list_is_refused_at_rcpt_and_logged(gateway, box, dns):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        _send(gateway, mail(sender="stranger@else.example"), sender="stranger@else.example",
              rcpts=[box.to("12025550102")])  # fmt: skip
    code, text = refused.value.recipients[box.to("12025550102")]
    assert code == 550 and b"may not send" in text
    entry = SmtpLog.objects.get()
    assert entry.status == SmtpStatus.REFUSED and "may not send" in entry.errors[0]


def test_unauthenticated_mail_is_refused_after_data(gateway, box, dns):
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(gateway, mail(), rcpts=[box.to("12025550102")])
    assert refused.value.smtp_code == 550
    assert b"not authenticated" in refused.value.smtp_error
    assert SmtpLog.objects.get().status == SmtpStatus.REFUSED
    assert not Fax.objects.exists()


def test_forged_from_is_refused(gateway, box, dns):
    """Envelope and header say clinic.example; the signature is evil.example's."""
    message = mail()
    raw = dns.sign(message.as_bytes(), "evil.example")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(gateway, message, rcpts=[box.to("12025550102")], raw=raw)
    assert refused.value.smtp_code == 550
    # A header From that is not permitted, behind a permitted envelope sender.
    message = mail(sender="boss@evil.example")
    raw = dns.sign(message.as_bytes(), "evil.example")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(gateway, message, rcpts=[box.to("12025550102")], raw=raw)
    assert b"may not send" in refused.value.smtp_error
    assert not SmtpLog.objects.exclude(status=SmtpStatus.REFUSED).exists()


def test_copier_authenticates_over_starttls(gateway, box, dns):
    credential, password = mail_in.create_credential(box.faxbox)
    assert password not in credential.secret_digest
    message = mail(sender="scanner@copier.example", body="")
    with gateway.client() as client:
        client.ehlo("copier")
        assert not client.has_extn("auth")  # no AUTH before TLS
        client.starttls(context=_tls())
        client.ehlo("copier")
        assert "PLAIN" in client.esmtp_features["auth"]
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login(credential.username, "wrong")
        client.login(credential.username, password)
        client.sendmail("scanner@copier.example", [box.to("12025550102")], crlf(message.as_bytes()))
    entry = SmtpLog.objects.get()
    assert entry.authenticated_by == f"auth:{credential.username}"
    fax_ids = mail_in.process_message(entry.pk)
    assert not Fax.objects.get(pk__in=fax_ids).cover  # a body-less scan has no cover


def test_credentials_of_another_faxbox_are_refused(gateway, box, dns):
    from tests.factories import FaxboxFactory

    other = FaxboxFactory(account=box.faxbox.account)
    credential, password = mail_in.create_credential(other)
    with gateway.client() as client:
        client.ehlo("copier")
        client.starttls(context=_tls())
        client.ehlo("copier")
        client.login(credential.username, password)
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("scanner@copier.example", [box.to("12025550102")],
                            crlf(mail(sender="scanner@copier.example").as_bytes()))  # fmt: skip


def test_same_message_id_is_faxed_once(gateway, box, dns):
    message = mail(to=[box.to("12025550102")])
    raw = dns.sign(message.as_bytes(), "clinic.example")
    assert _send(gateway, message, raw=raw) == {}
    with gateway.client() as client:
        client.ehlo("again")
        client.mail("doctor@clinic.example")
        client.rcpt(box.to("12025550102"))
        code, text = client.data(crlf(raw))
    assert code == 250 and b"Already accepted" in text
    assert SmtpLog.objects.count() == 1


def test_too_many_recipients_get_452(gateway, box, dns):
    with gateway.client() as client:
        client.ehlo("many")
        client.mail("doctor@clinic.example")
        codes = [client.rcpt(box.to(f"1202555{n:04d}"))[0] for n in range(102, 107)]
    assert codes == [250, 250, 250, 452, 452]  # FAXPORTAL_MAX_RECIPIENTS = 3 here


def test_message_over_the_size_limit_gets_552(gateway, box, dns):
    big = mail(
        attachments=[("big.pdf", b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), "application", "pdf")]
    )
    with pytest.raises(smtplib.SMTPException) as refused:
        _send(gateway, big, rcpts=[box.to("12025550102")])
    assert "552" in str(refused.value)
    assert not SmtpLog.objects.filter(status=SmtpStatus.RECEIVED).exists()


@pytest.mark.parametrize(
    ("attachments", "expected"),
    [
        ([], b"nothing to fax"),
        ([("archive.zip", b"PK\x03\x04" + b"\0" * 100, "application", "zip")], b"archive.zip"),
    ],
)
def test_mail_without_a_faxable_document_gets_554(gateway, box, dns, attachments, expected):
    box.faxbox.mail_body = MailBody.NONE  # with a cover or text page the body alone is faxed
    box.faxbox.save()
    message = mail(attachments=attachments)
    raw = dns.sign(message.as_bytes(), "clinic.example")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(gateway, message, rcpts=[box.to("12025550102")], raw=raw)
    assert refused.value.smtp_code == 554
    assert expected in refused.value.smtp_error
    assert SmtpLog.objects.get().status == SmtpStatus.REFUSED


def test_stop_waits_for_the_message_being_accepted(gateway, box, dns, monkeypatch):
    """A stop during DATA: the message is stored and acknowledged, not lost."""
    real = mail_in.accept_message

    def slow(incoming):
        gateway.gateway.stop()  # the stop arrives while this message is being accepted
        time.sleep(0.5)
        return real(incoming)

    monkeypatch.setattr(mail_in, "accept_message", slow)
    message = mail(to=[box.to("12025550102")])
    assert _send(gateway, message, raw=dns.sign(message.as_bytes(), "clinic.example")) == {}
    assert SmtpLog.objects.get().status == SmtpStatus.RECEIVED
    with pytest.raises(OSError):  # and then it stopped listening
        gateway.client()


def test_our_own_reply_coming_back_is_refused(gateway, box, dns):
    message = mail(to=[box.to("12025550102")])
    message["Auto-Submitted"] = "auto-replied"
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(gateway, message, raw=dns.sign(message.as_bytes(), "clinic.example"))
    assert refused.value.smtp_code == 550 and b"mail loop" in refused.value.smtp_error
    assert SmtpLog.objects.get().status == SmtpStatus.REFUSED


def test_a_message_that_cannot_be_faxed_later_is_answered(gateway, box, dns, mailoutbox):
    """Accepted (250), then the faxbox's caller ID turned invalid before the worker ran:
    the row says why and the sender is told, threaded on the message."""
    message = mail(to=[box.to("12025550102")])
    assert _send(gateway, message, raw=dns.sign(message.as_bytes(), "clinic.example")) == {}
    type(box.faxbox).objects.filter(pk=box.faxbox.pk).update(caller_id="+1555")
    entry = SmtpLog.objects.get()
    assert mail_in.process_message(entry.pk) == []
    entry.refresh_from_db()
    assert entry.status == SmtpStatus.FAILED and entry.errors
    (reply,) = mailoutbox
    assert reply.subject == "Fax not sent: Lab results"
    assert entry.errors[0] in reply.body
    assert reply.extra_headers["In-Reply-To"] == message["Message-ID"]


def test_a_stored_message_whose_task_was_lost_is_rescued(gateway, box, dns):
    from datetime import timedelta

    from django.utils import timezone

    message = mail(to=[box.to("12025550102")])
    assert _send(gateway, message, raw=dns.sign(message.as_bytes(), "clinic.example")) == {}
    assert mail_in.rescue() == 0  # not overdue yet
    SmtpLog.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    assert mail_in.rescue() == 1
    entry = SmtpLog.objects.get()
    assert entry.status == SmtpStatus.ACCEPTED and Fax.objects.filter(pk=entry.fax_ids[0]).exists()


def test_an_encrypted_pdf_is_refused_in_the_dialogue(gateway, box, dns):
    import io

    from pypdf import PdfReader, PdfWriter

    from tests.factories import text_pdf

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(1))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    message = mail(attachments=[("locked.pdf", out.getvalue(), "application", "pdf")])
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(gateway, message, rcpts=[box.to("12025550102")],
              raw=dns.sign(message.as_bytes(), "clinic.example"))  # fmt: skip
    assert refused.value.smtp_code == 554 and b"locked.pdf" in refused.value.smtp_error


def _filenames(fax: Fax) -> list[str]:
    return [part.filename for part in fax.source.parts.order_by("position")]


def _accepted(gateway, box, dns, message) -> Fax:
    raw = dns.sign(message.as_bytes(), "clinic.example")
    assert _send(gateway, message, rcpts=[box.to("12025550102")], raw=raw) == {}
    (fax_id,) = mail_in.process_message(SmtpLog.objects.get().pk)
    return Fax.objects.get(pk=fax_id)


def test_a_body_without_attachments_is_one_page_in_cover_mode(gateway, box, dns, mailoutbox):
    assert box.faxbox.mail_body == MailBody.COVER  # the default
    fax = _accepted(gateway, box, dns, mail(attachments=[]))
    assert fax.pages == 1 and fax.cover is None
    assert _filenames(fax) == ["message.txt"]
    with fax.source.parts.get().file.open("rb") as page:
        assert page.read() == b"Lab results\n\nPlease see the attached results.\n"  # no signature
    assert SmtpLog.objects.get().status == SmtpStatus.ACCEPTED


def test_a_body_only_signature_is_nothing_to_fax_in_cover_mode(gateway, box, dns):
    message = mail(body="-- \nDr. Who\nClinic", attachments=[])
    raw = dns.sign(message.as_bytes(), "clinic.example")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(gateway, message, rcpts=[box.to("12025550102")], raw=raw)
    assert refused.value.smtp_code == 554 and b"nothing to fax" in refused.value.smtp_error


def test_text_page_mode_faxes_the_body_as_a_page_before_the_attachments(gateway, box, dns):
    box.faxbox.mail_body = MailBody.TEXT
    box.faxbox.save()
    fax = _accepted(gateway, box, dns, mail())
    assert fax.cover is None and fax.pages == 3  # the text page + the two-page PDF
    assert _filenames(fax) == ["message.txt", "results.pdf"]
    SmtpLog.objects.all().delete()
    body_only = _accepted(gateway, box, dns, mail(attachments=[]))
    assert body_only.pages == 1 and body_only.cover is None


def test_no_cover_mode_faxes_only_the_attachments(gateway, box, dns):
    box.faxbox.mail_body = MailBody.NONE
    box.faxbox.save()
    fax = _accepted(gateway, box, dns, mail())
    assert fax.cover is None and fax.pages == 2
    assert _filenames(fax) == ["results.pdf"]
