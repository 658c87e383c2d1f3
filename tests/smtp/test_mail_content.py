"""What of an e-mail becomes the fax: documents in order, the cover text, no signature
logos, no quoted replies, no signatures."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from faxes.services import mail_content
from tests.factories import text_pdf

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def test_documents_in_message_order_and_html_signature_logo_left_out():
    message = EmailMessage()
    message["From"] = "Dr Who <Doctor@Clinic.example>"
    message["Subject"] = "Referral"
    message.set_content("Referral attached.\n\n-- \nDr Who")
    message.add_alternative(
        '<p>Referral attached.</p><p>--<br><img src="cid:logo@clinic"></p>', subtype="html"
    )
    html = message.get_payload()[1]
    html.add_related(PNG, maintype="image", subtype="png", cid="<logo@clinic>")
    message.add_attachment(text_pdf(1), maintype="application", subtype="pdf", filename="b.pdf")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="scan.png")
    message.add_attachment(text_pdf(1), maintype="application", subtype="pdf", filename="a.pdf")

    content = mail_content.read(message.as_bytes())
    assert [p.filename for p in content.documents] == ["b.pdf", "scan.png", "a.pdf"]
    assert content.body == "Referral attached."
    assert content.subject == "Referral"
    assert content.from_addresses == ["doctor@clinic.example"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Hello\n\nPlease fax.\n-- \nJane\n555-0100", "Hello\n\nPlease fax."),
        ("-- \nJane Doe\nPharmacy", ""),  # only a signature: no cover
        ("Thanks!\n\nOn Mon, 1 Dec 2026, Bob <b@x> wrote:\n> the old text\n> more", "Thanks!"),
        ("See below\n> quoted line\nmine", "See below\nmine"),
        ("Ok\n-----Original Message-----\nFrom: x", "Ok"),
        ("Danke\nAm 1. Dez. 2026 schrieb Bob <b@x>:\n> alt", "Danke"),
        ("\n\n", ""),
    ],
)
def test_signatures_and_quoted_text_are_not_faxed(body, expected):
    assert mail_content.clean_body(body) == expected


def test_html_only_body_becomes_text_without_its_blockquote():
    message = EmailMessage()
    message["From"] = "a@clinic.example"
    message.set_content(
        "<html><head><style>p{}</style></head><body><p>Fax this</p>"
        "<blockquote>old mail</blockquote></body></html>",
        subtype="html",
    )
    assert mail_content.read(message.as_bytes()).body == "Fax this"


def test_garbage_is_malformed():
    with pytest.raises(mail_content.MalformedMessage):
        mail_content.read(b"")
