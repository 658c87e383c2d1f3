"""The outbound engine: delivery, failures, retries, cancel, resubmit, claims, sweeper."""

from __future__ import annotations

import http.server
import io
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image

from faxes import lifecycle, services
from faxes.carriers.loopback import transport as loopback
from faxes.models import Attempt, Fax, FaxEvent, FaxStatus
from faxes.services import outbound
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)
S = FaxStatus


def send(faxbox, to="+12025550120", pages=1, **kwargs) -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=[to],
        documents=[services.UploadedFile(text_pdf(pages), "doc.pdf")], **kwargs,
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


def events(fax) -> list[str]:
    return list(FaxEvent.objects.filter(fax=fax).values_list("to_status", flat=True))


def test_delivery_on_net_through_the_modem(clinic, pharmacy):
    fax = send(clinic, pages=2, cover=services.CoverFields(subject="Results", message="Call us"))
    assert fax.status == S.DELIVERED, fax.error_message
    assert events(fax) == ["queued", "converting", "sending", "delivered"]
    assert fax.pages == 3 and fax.document and fax.tiff and fax.thumbnail
    attempt = fax.attempts.get()
    assert attempt.success and attempt.result_code == 0 and attempt.pages_sent == 3
    assert attempt.speed == 14400 and attempt.ecm is True and attempt.bad_rows == 0
    assert attempt.receiver_id == "+12025550120" and attempt.time_elapsed > 10
    assert attempt.details["modem_tested"] is True
    # The receiving faxbox got what the receiving modem decoded.
    inbound = Fax.objects.get(direction="inbound")
    assert inbound.faxbox == pharmacy and inbound.account == pharmacy.account
    assert inbound.from_number == "+12025550110" and inbound.pages == 3
    assert inbound.status == S.RECEIVED and inbound.remote_station_id == "+12025550110"
    assert inbound.rx_result["transferred_pages"] == "3"
    with inbound.tiff.open("rb") as handle, fax.tiff.open("rb") as sent:
        received_image, sent_image = Image.open(handle), Image.open(sent)
        assert received_image.n_frames == sent_image.n_frames == 3
        assert received_image.size == sent_image.size
    # Notifications: the receiving faxbox's list and the sender's outbound list.
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == ["Fax from +12025550110 (3 pages)", "Fax to +12025550120 delivered"]
    received_mail = next(m for m in mail.outbox if m.subject.startswith("Fax from"))
    assert received_mail.to == ["inbox@pharmacy.test"]
    assert received_mail.attachments[0][2] == "application/pdf"


def test_without_the_modem_delivery_is_direct_and_marked(clinic, pharmacy, monkeypatch):
    from faxes import modem

    monkeypatch.setattr(modem, "modem_available", lambda: False)
    fax = send(clinic)
    assert fax.status == S.DELIVERED
    attempt = fax.attempts.get()
    assert attempt.details == {"modem_tested": False}
    assert attempt.result_text == "OK (not modem-tested)"
    assert Fax.objects.get(direction="inbound").rx_result["modem_tested"] is False


def test_off_net_number_fails_permanently(clinic):
    fax = send(clinic, to="+12025550177")
    assert fax.status == S.FAILED and fax.attempt_count == 1
    assert "not a number of this portal" in fax.error_message
    assert mail.outbox[0].subject == "Fax to +12025550177 failed"


@pytest.mark.parametrize("number", [loopback.NOT_A_FAX, loopback.REFUSES_DOCUMENT])
def test_permanent_failures_are_not_retried(clinic, number):
    fax = send(clinic, to=number)
    assert fax.status == S.FAILED and fax.attempt_count == 1
    assert events(fax) == ["queued", "converting", "sending", "failed"]


def test_receiver_refusing_fine_resolution_is_a_real_t30_refusal(clinic):
    fax = send(clinic, to=loopback.REFUSES_DOCUMENT)
    attempt = fax.attempts.get()
    assert attempt.details["modem_tested"] is True
    assert fax.error_code == attempt.result_code == 5111
    assert "resolution" in fax.error_message
    # The same receiver takes a standard-resolution fax.
    standard = send(clinic, to=loopback.REFUSES_DOCUMENT, resolution="standard")
    assert standard.status == S.DELIVERED


@pytest.mark.parametrize(
    ("number", "text"), [(loopback.BUSY, "busy"), (loopback.NO_ANSWER, "no answer")]
)
def test_transient_failures_retry_with_backoff_then_fail(clinic, number, text):
    fax = send(clinic, to=number)  # faxbox allows 3 attempts
    assert fax.status == S.RETRYING and fax.error_message == text
    first_wait = fax.next_attempt_at - fax.status_changed_at
    assert timedelta(seconds=50) < first_wait < timedelta(seconds=70)  # 60 s ±10 %
    # Not due yet: nothing happens.
    services.sweep()
    fax.refresh_from_db()
    assert fax.status == S.RETRYING
    services.sweep(now=fax.next_attempt_at + timedelta(seconds=1))
    fax.refresh_from_db()
    assert fax.status == S.RETRYING and fax.attempt_count == 2
    second_wait = fax.next_attempt_at - fax.status_changed_at
    assert second_wait > first_wait  # doubled
    services.sweep(now=fax.next_attempt_at + timedelta(seconds=1))
    fax.refresh_from_db()
    assert fax.status == S.FAILED and fax.attempt_count == 3
    assert list(fax.attempts.values_list("number", flat=True)) == [1, 2, 3]
    assert fax.attempts.filter(success=False).count() == 3


def test_noisy_line_fails_training_with_a_real_t30_code(clinic):
    fax = send(clinic, to=loopback.NOISY_LINE, max_attempts=1)
    assert fax.status == S.FAILED
    attempt = fax.attempts.get()
    assert attempt.details["modem_tested"] is True
    assert 5100 < attempt.result_code <= 5161 and fax.error_code == attempt.result_code
    assert attempt.result_text and attempt.pages_sent == 0


def test_line_dropping_after_first_page_is_a_partial_send_that_retries(clinic):
    fax = send(clinic, to=loopback.DROPS_AFTER_FIRST_PAGE, pages=3, max_attempts=2)
    assert fax.status == S.RETRYING
    attempt = fax.attempts.get()
    assert attempt.success is False and 1 <= attempt.pages_sent < 3
    assert 5100 < attempt.result_code <= 5161


def test_sandbox_receiver_succeeds_without_an_inbox(clinic):
    fax = send(clinic, to=loopback.SANDBOX_RECEIVER)
    assert fax.status == S.DELIVERED
    assert not Fax.objects.filter(direction="inbound").exists()


def test_retries_zero_means_one_attempt(clinic):
    fax = send(clinic, to=loopback.BUSY, max_attempts=0)
    assert fax.status == S.FAILED and fax.attempt_count == 1


@pytest.fixture
def document_server():
    pdf = text_pdf(1)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/fax.pdf":
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(pdf)))
                self.end_headers()
                self.wfile.write(pdf)
            elif self.path == "/busy":
                self.send_response(503)
                self.end_headers()
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def send_url(faxbox, url, **kwargs) -> Fax:
    result = services.submit_fax(
        account=faxbox.account, faxbox=faxbox, recipients=["+12025550120"],
        documents=[services.UrlDocument(url)], **kwargs,
    )  # fmt: skip
    return Fax.objects.get(pk=result.faxes[0].pk)


def test_url_document_is_fetched_by_the_worker(clinic, pharmacy, document_server, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    fax = send_url(clinic, f"{document_server}/fax.pdf")
    assert fax.status == S.DELIVERED and fax.pages == 1
    part = fax.source.parts.get()
    assert part.file and part.fetched_at and part.content_type == "application/pdf"
    assert part.file.name.endswith("/000-fax.pdf")


def test_url_404_fails_with_kazoos_message(clinic, document_server, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    fax = send_url(clinic, f"{document_server}/missing.pdf")
    assert fax.status == S.FAILED
    assert fax.error_message == "could not retrieve file, HTTP response 404"


def test_url_5xx_is_retried(clinic, document_server, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    fax = send_url(clinic, f"{document_server}/busy")
    assert fax.status == S.RETRYING and "503" in fax.error_message


def test_url_to_loopback_is_refused_unless_allowed(clinic, document_server):
    fax = send_url(clinic, f"{document_server}/fax.pdf")
    assert fax.status == S.FAILED and "not allowed" in fax.error_message


# --- cancel, resubmit, claims -------------------------------------------------


def test_cancel_scheduled_and_retrying(clinic):
    scheduled = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    assert services.cancel_fax(scheduled)
    scheduled.refresh_from_db()
    assert scheduled.status == S.CANCELLED and scheduled.completed_at
    retrying = send(clinic, to=loopback.BUSY)
    assert services.cancel_fax(retrying)
    services.sweep(now=timezone.now() + timedelta(days=1))
    retrying.refresh_from_db()
    assert retrying.status == S.CANCELLED and retrying.attempt_count == 1


def test_cannot_cancel_a_finished_or_sending_fax(clinic, pharmacy):
    fax = send(clinic)
    assert not services.cancel_fax(fax)
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED
    Fax.objects.filter(pk=fax.pk).update(status=S.SENDING)
    assert not services.cancel_fax(fax)


def test_cancel_while_converting_stops_the_worker(clinic, pharmacy, monkeypatch):
    real_convert = outbound.convert

    def convert_then_user_cancels(fax):
        pages = real_convert(fax)
        assert services.cancel_fax(fax)
        return pages

    monkeypatch.setattr(outbound, "convert", convert_then_user_cancels)
    fax = send(clinic)
    assert fax.status == S.CANCELLED
    assert not Attempt.objects.filter(fax=fax).exists()
    assert not Fax.objects.filter(direction="inbound").exists()


def test_only_one_claim_wins(clinic):
    fax = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    Fax.objects.filter(pk=fax.pk).update(status=S.QUEUED)
    first, second = outbound.claim(fax.pk), outbound.claim(fax.pk)
    assert first and second is None


def test_processing_twice_sends_once(clinic, pharmacy):
    fax = send(clinic)
    services.process_fax(fax.pk)  # a duplicate broker message
    assert Attempt.objects.filter(fax=fax).count() == 1
    assert Fax.objects.filter(direction="inbound").count() == 1


def test_stale_claim_cannot_move_a_reclaimed_fax(clinic):
    fax = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    Fax.objects.filter(pk=fax.pk).update(status=S.QUEUED)
    old = outbound.claim(fax.pk)
    lifecycle.transition(fax.pk, [S.CONVERTING], S.QUEUED, "rescued")
    new = outbound.claim(fax.pk)
    assert not lifecycle.transition(fax.pk, [S.CONVERTING], S.SENDING, claim=old)
    assert lifecycle.transition(fax.pk, [S.CONVERTING], S.SENDING, claim=new)


def test_resubmit_creates_a_new_fax_on_the_same_document(clinic, pharmacy):
    fax = send(clinic, to=loopback.NOT_A_FAX)
    copy = services.resubmit_fax(fax, to_number="+12025550120")
    copy.refresh_from_db()
    assert copy.pk != fax.pk and copy.source_id == fax.source_id
    assert copy.resubmitted_from == fax and copy.status == S.DELIVERED
    assert Fax.objects.get(direction="inbound").faxbox == pharmacy


def test_resubmit_refuses_an_unfinished_fax(clinic):
    from django.core.exceptions import ValidationError

    fax = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError):
        services.resubmit_fax(fax)


def test_transition_table_refuses_nonsense():
    with pytest.raises(ValueError):
        lifecycle.transition("x" * 32, [S.DELIVERED], S.SENDING)


# --- sweeper rescues ---------------------------------------------------------------


def test_sweeper_requeues_a_fax_whose_message_was_lost(clinic, pharmacy, monkeypatch, settings):
    monkeypatch.setattr(outbound, "enqueue", lambda fax_id: None)  # the broker lost it
    from faxes.services import submit as submit_module

    monkeypatch.setattr("faxes.services.outbound.enqueue", lambda fax_id: None)
    fax = send(clinic)
    assert fax.status == S.QUEUED
    monkeypatch.undo()
    assert submit_module  # imported for the patch target
    services.sweep(now=timezone.now() + timedelta(seconds=settings.FAXPORTAL_REQUEUE_AFTER + 1))
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED


@pytest.mark.parametrize("stage", [S.CONVERTING, S.SENDING])
def test_sweeper_rescues_a_fax_whose_worker_died(clinic, pharmacy, settings, stage):
    fax = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    Fax.objects.filter(pk=fax.pk).update(status=S.QUEUED)
    token = outbound.claim(fax.pk)
    if stage == S.SENDING:
        fax.refresh_from_db()
        outbound.convert(fax)
        lifecycle.transition(fax.pk, [S.CONVERTING], S.SENDING, claim=token)
        Attempt.objects.create(fax=fax, account=fax.account, number=1, transport="loopback",
                               started_at=timezone.now())  # fmt: skip
        Fax.objects.filter(pk=fax.pk).update(attempt_count=1)
    later = timezone.now() + timedelta(seconds=settings.FAXPORTAL_STUCK_AFTER + 1)
    assert services.sweep(now=later)["rescued"] == 1
    fax.refresh_from_db()
    assert fax.status == S.DELIVERED
    # The interrupted attempt does not count against the fax's retries.
    assert fax.attempt_count == 1
    assert Fax.objects.filter(direction="inbound").count() == 1


def test_sending_twice_after_a_crash_delivers_once(clinic, pharmacy):
    """A worker that delivered but died before recording it: the retry finds the inbox copy."""
    fax = send(clinic)
    Fax.objects.filter(pk=fax.pk).update(status=S.QUEUED, claim_token="")
    services.process_fax(fax.pk)
    assert Fax.objects.filter(direction="inbound").count() == 1


def test_status_changes_are_announced_after_commit(clinic, pharmacy):
    from faxes.signals import fax_status_changed

    seen = []

    def receiver(sender, fax_id, account_id, from_status, to_status, **kwargs):
        seen.append((fax_id, account_id, from_status, to_status))

    fax_status_changed.connect(receiver)
    try:
        fax = send(clinic)
    finally:
        fax_status_changed.disconnect(receiver)
    mine = [(f, t) for fax_id, _a, f, t in seen if fax_id == fax.pk]
    assert mine == [
        ("", "queued"), ("queued", "converting"), ("converting", "sending"),
        ("sending", "delivered"),
    ]  # fmt: skip
    inbound = Fax.objects.get(direction="inbound")
    assert (inbound.pk, pharmacy.account_id, "", "received") in seen


def test_forward_a_received_fax(clinic, pharmacy):
    send(clinic, pages=2)
    inbound = Fax.objects.get(direction="inbound")
    forwarded = services.forward_fax(inbound, to_number="+12025550110")
    forwarded.refresh_from_db()
    assert forwarded.status == S.DELIVERED and forwarded.faxbox == pharmacy
    assert forwarded.source.parts.get().file.name != inbound.document.name
    back = Fax.objects.filter(direction="inbound", faxbox=clinic).get()
    assert back.pages == 2


def test_forward_refuses_outbound_or_purged(clinic, pharmacy):
    from django.core.exceptions import ValidationError

    fax = send(clinic)
    with pytest.raises(ValidationError):
        services.forward_fax(fax, to_number="+12025550110")
    inbound = Fax.objects.get(direction="inbound")
    services.purge_attachment(inbound)
    with pytest.raises(ValidationError):
        services.forward_fax(inbound, to_number="+12025550110")


def test_receipt_of_a_delivered_fax(clinic, pharmacy):
    from pypdf import PdfReader

    fax = send(clinic)
    pdf = services.receipt_pdf(fax)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    queued = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.receipt_pdf(queued)


def test_cancel_of_a_fax_on_a_carrier_line_asks_the_carrier(clinic, monkeypatch):
    from faxes.services import carrier_events

    asked = []
    monkeypatch.setattr(
        carrier_events, "cancel_at_carrier", lambda fax: asked.append(fax.pk) or True
    )
    fax = send(clinic, scheduled_at=timezone.now() + timedelta(days=1))
    Fax.objects.filter(pk=fax.pk).update(status=S.SENDING, transport="telnyx")
    assert services.cancel_fax(fax) is True
    assert asked == [fax.pk]
    fax.refresh_from_db()
    assert fax.status == S.SENDING  # the carrier's callback ends it
