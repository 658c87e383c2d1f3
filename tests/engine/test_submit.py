"""submit_fax: validation, storage, idempotency, scheduling."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from faxes import services
from faxes.models import DocumentPart, Fax, FaxDocument, FaxEvent, FaxStatus
from faxes.services.submit import resolve_schedule
from tests.factories import text_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def submit(faxbox, **kwargs):
    defaults = {
        "account": faxbox.account,
        "faxbox": faxbox,
        "recipients": ["+12025550120"],
        "documents": [services.UploadedFile(text_pdf(2), "results.pdf")],
    }
    defaults.update(kwargs)
    return services.submit_fax(**defaults)


def test_one_fax_per_recipient_sharing_one_stored_document(clinic, pharmacy):
    result = submit(clinic, recipients=["(202) 555-0120", "+1 202 555 0121", "+12025550120"])
    assert [f.to_number for f in result.faxes] == ["+12025550120", "+12025550121"]
    assert FaxDocument.objects.count() == 1
    part = DocumentPart.objects.get()
    assert part.filename == "results.pdf" and part.content_type == "application/pdf"
    assert len(part.sha256) == 64
    for fax in result.faxes:
        assert fax.source_id == result.document.pk
        assert fax.pages == 2  # known at submit time for uploads
        assert fax.from_number == "+12025550110" and fax.max_attempts == 3


def test_page_count_includes_cover(clinic, pharmacy, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    result = submit(clinic, cover=services.CoverFields(subject="Hi", message="See attached"))
    assert result.faxes[0].pages == 3


PUT_URL = services.UrlDocument("http://x/y.pdf", method="put")


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"recipients": []}, "to", "At least one"),
        ({"recipients": ["12"]}, "to", "not a valid"),
        ({"recipients": [f"+1202555{n:04d}" for n in range(11)]}, "to", "At most 10"),
        ({"documents": []}, "documents", "Attach a document"),
        ({"documents": [services.UploadedFile(b"MZ\x90\x00", "a.txt")]}, "documents", "a.txt"),
        ({"documents": [services.UrlDocument("ftp://x/y.pdf")]}, "documents", "http and https"),
        ({"documents": [PUT_URL]}, "documents", "get or post"),
        ({"resolution": "ultra"}, "resolution", "fine"),
        ({"max_attempts": 9}, "retries", "between 0 and 4"),
        ({"scheduled_at": datetime(2026, 3, 8, 2, 30), "timezone_name": "America/New_York"},
         "scheduled_at", "does not exist"),
        ({"scheduled_at": datetime(2026, 3, 8, 9, 0), "timezone_name": "Mars/Olympus"},
         "timezone", "not a known"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_is_stored(clinic, kwargs, field, text):
    with pytest.raises(ValidationError) as exc:
        submit(clinic, **kwargs)
    assert any(text in message for message in exc.value.message_dict[field]), exc.value
    assert not Fax.objects.exists() and not FaxDocument.objects.exists()


def test_faxbox_of_another_account_is_refused(clinic, pharmacy):
    with pytest.raises(ValidationError):
        services.submit_fax(
            account=clinic.account, faxbox=pharmacy, recipients=["+12025550120"],
            documents=[services.UploadedFile(text_pdf(), "a.pdf")],
        )  # fmt: skip


def test_idempotency_key_returns_earlier_faxes(clinic, pharmacy):
    same = {
        "idempotency_key": "req-1",
        "recipients": ["+12025550120", "+12025550121"],
        "documents": [services.UploadedFile(text_pdf(2), "results.pdf")],
    }
    first = submit(clinic, **same)
    again = submit(clinic, **same)
    assert again.replayed and not first.replayed
    assert [f.pk for f in again.faxes] == [f.pk for f in first.faxes]
    # The same key with another request is refused, not replayed (nor sent).
    with pytest.raises(services.IdempotencyKeyReused):
        submit(clinic, idempotency_key="req-1", recipients=["+12025550199"])
    assert Fax.objects.filter(direction="outbound").count() == 2
    # The same key in another account is another request.
    other = services.submit_fax(
        account=pharmacy.account, faxbox=pharmacy, recipients=["+12025550110"],
        documents=[services.UploadedFile(text_pdf(), "a.pdf")], idempotency_key="req-1",
    )  # fmt: skip
    assert not other.replayed


def test_scheduled_fax_waits_and_the_sweeper_dispatches_it(clinic, pharmacy):
    later = timezone.now() + timedelta(hours=2)
    fax = submit(clinic, scheduled_at=later).faxes[0]
    assert fax.status == FaxStatus.SCHEDULED
    assert services.sweep()["scheduled"] == 0
    fax.refresh_from_db()
    assert fax.status == FaxStatus.SCHEDULED
    services.sweep(now=later + timedelta(seconds=1))
    fax.refresh_from_db()
    assert fax.status == FaxStatus.DELIVERED
    steps = list(FaxEvent.objects.filter(fax=fax).values_list("to_status", flat=True))
    assert steps == ["scheduled", "queued", "converting", "sending", "delivered"]


def test_naive_schedule_is_read_in_the_faxbox_timezone(clinic):
    when = datetime(2030, 1, 15, 9, 0)
    fax = submit(clinic, scheduled_at=when).faxes[0]
    assert fax.scheduled_at == datetime.fromisoformat("2030-01-15T14:00:00+00:00")


def test_dst_boundaries():
    ny = "America/New_York"
    # Spring forward: 02:30 on 2026-03-08 does not exist.
    with pytest.raises(ValidationError):
        resolve_schedule(datetime(2026, 3, 8, 2, 30), ny)
    assert (
        resolve_schedule(datetime(2026, 3, 8, 3, 30), ny).isoformat() == "2026-03-08T07:30:00+00:00"
    )
    assert (
        resolve_schedule(datetime(2026, 3, 8, 1, 30), ny).isoformat() == "2026-03-08T06:30:00+00:00"
    )
    # Fall back: 01:30 on 2026-11-01 happens twice; the first (EDT) is meant.
    assert (
        resolve_schedule(datetime(2026, 11, 1, 1, 30), ny).isoformat()
        == "2026-11-01T05:30:00+00:00"
    )
    # An aware time is taken as it is.
    aware = datetime.fromisoformat("2026-11-01T01:30:00-05:00")
    assert resolve_schedule(aware, ny).isoformat() == "2026-11-01T06:30:00+00:00"


def test_failed_storage_leaves_nothing_behind(clinic, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("faxes.lifecycle.record_initial", explode)
    with pytest.raises(RuntimeError):
        submit(clinic)
    assert not FaxDocument.objects.exists() and not DocumentPart.objects.exists()
    from pathlib import Path

    from django.conf import settings

    leftovers = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert leftovers == []


def test_dates_at_the_calendars_ends_are_refused():
    # Year 1 east of UTC and year 9999 west of it fall off the calendar in UTC.
    for when, zone in ((datetime(1, 1, 1, 0, 30), "Asia/Tokyo"),
                       (datetime(9999, 12, 31, 23, 30), "America/New_York")):  # fmt: skip
        with pytest.raises(ValidationError):
            resolve_schedule(when, zone)
    aware = datetime.fromisoformat("0001-01-01T00:00:00+05:00")
    with pytest.raises(ValidationError):
        resolve_schedule(aware, None)
