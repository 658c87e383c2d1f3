"""Pages, e-mails, cover pages and receipts in the reader's language: the browser's
(Accept-Language) or the user's own choice; dates and numbers as the language writes them.
The APIs answer the same whatever the client's language."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Role
from faxes.documents.cover import render_cover_image
from faxes.models import Attempt, Fax, Faxbox, FaxStatus
from faxes.services.cover import cover_page_for
from faxes.services.notify import notify_outbound
from faxes.services.receipts import make_receipt
from tests.conftest import token_client
from tests.factories import FaxFactory, UserFactory

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, name: str, **headers) -> str:
    response = client.get(reverse(name), **headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sent(acme) -> Fax:
    """A delivered outbound fax of acme, made on 5 March 2026, 14:07 UTC."""
    faxbox = Faxbox.objects.for_account(acme.account).get()
    fax = FaxFactory(
        faxbox=faxbox,
        direction="outbound",
        status=FaxStatus.DELIVERED,
        from_number="+12025550140",
        to_number="+4930123456",
        pages=2,
    )
    Fax.objects.filter(pk=fax.pk).update(created_at=datetime(2026, 3, 5, 14, 7, tzinfo=UTC))
    return fax


def test_the_browser_language_picks_german_pages(alice, sent):
    client = logged_in(alice)
    outbox = page(client, "outbox", **GERMAN)
    assert '<html lang="de">' in outbox
    assert "Postausgang" in outbox and "Gesendete Faxe" in outbox
    assert "Outbox" not in outbox
    send = page(client, "send", **GERMAN)
    assert "Fax senden" in send and "Empfänger" in send and "Deckblatt hinzufügen" in send


def test_english_stays_the_default(alice, sent):
    client = logged_in(alice)
    outbox = page(client, "outbox")
    assert '<html lang="en">' in outbox and "Sent faxes" in outbox
    assert "Outbox" in page(client, "outbox", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")


def test_a_date_on_the_fax_list_is_written_the_german_way(alice, sent):
    client = logged_in(alice)
    assert "05.03.2026" in page(client, "outbox", **GERMAN)
    assert "05/03/2026" in page(client, "outbox", HTTP_ACCEPT_LANGUAGE="es")
    assert "Mar 5, 2026" in page(client, "outbox")


def test_numbers_follow_the_language(alice, sent):
    Attempt.objects.create(
        fax=sent,
        account=sent.account,
        number=1,
        transport="loopback",
        started_at=timezone.now() - timedelta(minutes=1),
        ended_at=timezone.now(),
        success=True,
        pages_sent=2,
        time_elapsed=12.5,
    )
    client = logged_in(alice)
    detail = reverse("fax-detail", args=[sent.pk])
    assert "12,5 s" in client.get(detail, **GERMAN).content.decode()
    assert "12.5 s" in client.get(detail).content.decode()


def test_the_users_choice_beats_the_browser(alice):
    client = logged_in(alice)
    response = client.post(reverse("preferences"), {"language": "es"}, **GERMAN)
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "es"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    inbox = page(client, "inbox", **GERMAN)
    assert "Bandeja de entrada" in inbox and "Posteingang" not in inbox
    # A new session (another browser) gets the user's language as soon as they log in.
    assert "Bandeja de entrada" in page(logged_in(alice), "inbox", **GERMAN)
    # "Browser's language" hands the choice back to Accept-Language.
    client.post(reverse("preferences"), {"language": ""})
    alice.refresh_from_db()
    assert alice.language == ""
    assert "Posteingang" in page(client, "inbox", **GERMAN)


def test_the_preferences_page_offers_each_language_in_its_own_words(alice):
    html = page(logged_in(alice), "preferences")
    assert "Deutsch" in html and "Español" in html and "Browser&#x27;s language" in html


def test_the_switcher_works_before_logging_in_and_saves_the_choice_after(alice, db):
    anonymous = Client()
    response = anonymous.post(reverse("set-language"), {"language": "de", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert "Passwort" in page(anonymous, "login")
    client = logged_in(alice)
    outbox = reverse("outbox")
    response = client.post(reverse("set-language"), {"language": "es", "next": outbox})
    assert response["Location"] == outbox
    alice.refresh_from_db()
    assert alice.language == "es"
    assert "Bandeja de salida" in page(client, "outbox")


def test_the_switcher_refuses_unknown_languages_and_foreign_redirects(alice):
    client = logged_in(alice)
    response = client.post(
        reverse("set-language"), {"language": "xx", "next": "https://example.com/"}
    )
    assert response["Location"] == "/"
    alice.refresh_from_db()
    assert alice.language == ""


def test_the_javascript_words_come_in_the_page_language(alice):
    response = logged_in(alice).get(reverse("javascript-catalog"), **GERMAN)
    assert "Desktop-Hinweise: aus" in response.content.decode()


def test_a_password_reset_mail_is_in_the_language_of_its_reader(alice, bob):
    bob.email = "bob@acme.test"
    bob.language = "es"
    bob.save()
    client = logged_in(alice)
    client.post(reverse("manage-user-reset-link", args=[bob.pk]))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Elija una contraseña nueva para el portal de fax"
    assert "Abra este enlace" in message.body
    # The admin who sent it keeps reading English.
    assert "Bandeja" not in page(client, "outbox")


def test_a_fax_notification_is_in_the_language_of_its_sender(acme, sent):
    owner = UserFactory(
        username="gerda@acme.test", email="gerda@acme.test", account=acme.account, language="de"
    )
    Fax.objects.filter(pk=sent.pk).update(owner=owner, notify_emails=["gerda@acme.test"])
    assert notify_outbound(sent.pk) == 1
    assert mail.outbox[0].subject == "Fax an +4930123456 zugestellt"
    assert "Ihr Fax an +4930123456 wurde zugestellt." in mail.outbox[0].body


def test_notification_recipients_each_get_their_own_language(acme, sent):
    UserFactory(
        username="ana@acme.test", email="Ana@acme.test", account=acme.account, language="es"
    )
    Fax.objects.filter(pk=sent.pk).update(notify_emails=["ana@acme.test", "desk@acme.test"])
    assert notify_outbound(sent.pk) == 2
    subjects = {tuple(m.to): m.subject for m in mail.outbox}
    assert subjects == {
        ("ana@acme.test",): "Fax a +4930123456 entregado",
        ("desk@acme.test",): "Fax to +4930123456 delivered",
    }


def test_a_cover_page_is_rendered_in_the_senders_language(acme, sent):
    owner = UserFactory(username="gerda@acme.test", account=acme.account, role=Role.STAFF)
    sent.cover = {"subject": "Befunde", "message": "Anbei die Befunde."}
    sent.owner = owner
    english = cover_page_for(sent)
    owner.language = "de"
    owner.save()
    german = cover_page_for(sent)
    assert german.wording.gettext("Fax cover page") == "Fax-Deckblatt"
    assert english.wording.gettext("Fax cover page") == "Fax cover page"
    fixed = datetime(2026, 3, 5, 14, 7, tzinfo=UTC)
    english_image = render_cover_image(replace(english, sent_at=fixed), page_count=3)
    german_image = render_cover_image(replace(german, sent_at=fixed), page_count=3)
    assert english_image.tobytes() != german_image.tobytes()


def test_an_account_language_applies_when_the_user_chose_none(acme, sent):
    acme.account.language = "es"
    acme.account.save()
    receipt = make_receipt(Fax.objects.get(pk=sent.pk))
    with receipt.file.open("rb") as handle:
        title = PdfReader(io.BytesIO(handle.read())).metadata.title
    assert title == f"Comprobante de fax {sent.pk}"


def test_a_receipt_is_in_the_language_of_the_faxs_owner(acme, sent):
    owner = UserFactory(username="gerda@acme.test", account=acme.account, language="de")
    Fax.objects.filter(pk=sent.pk).update(owner=owner)
    receipt = make_receipt(Fax.objects.get(pk=sent.pk))
    with receipt.file.open("rb") as handle:
        title = PdfReader(io.BytesIO(handle.read())).metadata.title
    assert title == f"Faxbeleg {sent.pk}"


def test_the_apis_answer_the_same_whatever_the_clients_language(acme, sent):
    api = token_client(acme.account)
    english = api.get("/api/v1/faxes/sent")
    german = api.get("/api/v1/faxes/sent", **GERMAN)
    assert english.status_code == german.status_code == 200
    assert english.content == german.content
    assert "Content-Language" not in german and "Accept-Language" not in german.get("Vary", "")
    missing = api.get("/api/v1/faxes/sent/nope", **GERMAN)
    assert missing.content == api.get("/api/v1/faxes/sent/nope").content
    url = f"/v2/accounts/{acme.account.pk}/faxes"
    kazoo_german, kazoo_english = Client().get(url, **GERMAN), Client().get(url)
    assert kazoo_german.status_code == kazoo_english.status_code == 401
    fields = ("status", "error", "message", "data")
    assert [kazoo_german.json()[f] for f in fields] == [kazoo_english.json()[f] for f in fields]
    assert "Content-Language" not in kazoo_german


def test_why_a_fax_failed_is_explained_in_the_readers_language(alice, sent):
    Fax.objects.filter(pk=sent.pk).update(
        status=FaxStatus.FAILED, error_code=17, error_message="busy"
    )
    client = logged_in(alice)
    assert "The receiving fax line was busy." in page(client, "outbox")
    german = page(client, "outbox", **GERMAN)
    assert "Die Faxleitung des Empfängers war besetzt." in german
    assert "Fehlgeschlagen" in german  # the status badge


@pytest.mark.parametrize("name", ["send-preview", "send"])
def test_a_refused_document_is_explained_in_the_readers_language(alice, acme, name):
    faxbox = Faxbox.objects.for_account(acme.account).get()
    form = {"faxbox": faxbox.pk, "to": "+12025550120", "resolution": "fine", "when": "now"}

    def refusal(**headers) -> str:
        upload = SimpleUploadedFile("scan.exe", b"MZ\x90\x00\x03\x00")  # an executable's header
        response = logged_in(alice).post(reverse(name), {**form, "documents": upload}, **headers)
        assert 400 <= response.status_code < 500
        return response.content.decode()

    assert "“scan.exe” is not a file type we can fax." in refusal()
    german = refusal(**GERMAN)
    assert "„scan.exe“: Das Dokument hat keinen Dateityp, den das Portal faxen kann." in german
    assert (
        "Senden Sie stattdessen eine PDF-, TIFF-, PNG- oder JPEG-Datei, ein Office-Dokument"
        in german
    )
