"""What an e-mail holds for a fax: its documents in message order and the cover text.

Plain functions over :mod:`email` (no Django): the gateway checks a message with them
before it says 250, and the fax is made from the stored message with them again.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

# Parts that sign or describe the message, never documents to fax.
NOT_DOCUMENTS = frozenset(
    {
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
        "application/ms-tnef",
        "text/calendar",
        "message/delivery-status",
    }
)
# "-- " alone on a line starts a signature (RFC 3676); many clients drop the space.
SIGNATURE = re.compile(r"^-- ?$")
# Where a reply's quoted original starts, as the common mail clients write it.
QUOTE_STARTS = (
    re.compile(r"^On .{1,200} wrote:$"),
    re.compile(r"^Am .{1,200} schrieb .{1,200}:$"),
    re.compile(r"^El .{1,200} escribió:$"),
    re.compile(r"^-{2,} ?(Original Message|Ursprüngliche Nachricht|Mensaje original) ?-{2,}$"),
    re.compile(r"^_{20,}$"),  # Outlook's rule above the quoted header block
)


class MalformedMessage(ValueError):
    """The bytes are not an e-mail we can read."""


@dataclass(frozen=True)
class Part:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class MailContent:
    message_id: str
    subject: str
    from_addresses: list[str]
    body: str  # the plain-text body without signature and quoted text ("" when none)
    documents: list[Part] = field(default_factory=list)
    in_reply_to: str = ""
    auto_submitted: str = ""


def parse(raw: bytes) -> EmailMessage:
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the parser is lenient; anything it still raises is damage
        raise MalformedMessage(str(exc)) from exc
    if not isinstance(message, EmailMessage) or not message.keys():
        raise MalformedMessage("no headers")
    return message


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the policy cannot parse
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def from_addresses(message: EmailMessage) -> list[str]:
    """Every address of the From header(s), lower-cased."""
    values = message.get_all("From") or []
    try:
        pairs = getaddresses([str(value) for value in values])
    except Exception:
        return []
    return [address.strip().lower() for _name, address in pairs if address.strip()]


def read(raw: bytes) -> MailContent:
    """The message's documents (in order) and cleaned body; ``MalformedMessage`` when
    the MIME structure cannot be read."""
    message = parse(raw)
    referenced = _cid_references(message)
    documents: list[Part] = []
    plain: list[str] = []
    html: list[str] = []
    try:
        parts = list(message.walk())
        for part in parts:
            if part.is_multipart():
                continue
            content_type = part.get_content_type()
            disposition = (part.get_content_disposition() or "").lower()
            filename = part.get_filename() or ""
            if content_type in NOT_DOCUMENTS or content_type.startswith("message/"):
                continue
            if content_type.startswith("text/") and disposition != "attachment":
                text = _text(part)
                (plain if content_type == "text/plain" else html).append(text)
                continue
            if _inline_image(part, content_type, disposition, referenced):
                continue
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes):
                raise MalformedMessage(f"part {filename or content_type} cannot be decoded")
            documents.append(Part(filename=filename, content_type=content_type, data=data))
    except MalformedMessage:
        raise
    except Exception as exc:
        raise MalformedMessage(str(exc)) from exc
    body = "\n".join(plain) if plain else "\n".join(_html_text(text) for text in html)
    return MailContent(
        message_id=_header(message, "Message-ID")[:255],
        subject=_header(message, "Subject")[:255],
        from_addresses=from_addresses(message),
        body=clean_body(body),
        documents=documents,
        in_reply_to=_header(message, "In-Reply-To"),
        auto_submitted=_header(message, "Auto-Submitted").lower(),
    )


def _text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except Exception:  # unknown charset: read what can be read
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


def _cid_references(message: EmailMessage) -> set[str]:
    """Content-IDs the HTML parts show inline (``<img src="cid:…">``)."""
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_type() == "text/html":
            for cid in re.findall(r"""cid:([^"'\s>)]+)""", _text(part), flags=re.IGNORECASE):
                found.add(cid.strip().lower())
    return found


def _inline_image(part: EmailMessage, content_type: str, disposition: str, referenced) -> bool:
    """An image shown inside the HTML (a signature logo), not a document sent to fax."""
    if not content_type.startswith("image/"):
        return False
    content_id = str(part.get("Content-ID", "")).strip().strip("<>").lower()
    if content_id and content_id in referenced:
        return True
    return disposition == "inline"


class _TextOfHtml(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "blockquote"})

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self.skip += 1
        if tag == "blockquote":
            self.quote += 1
        if tag in self.BREAKS:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self.skip = max(0, self.skip - 1)
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        if tag in self.BREAKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            # Quoted replies in HTML are <blockquote>: written as "> " lines, then dropped.
            self.out.append(data if not self.quote else "\n> " + data.replace("\n", "\n> "))


def _html_text(html: str) -> str:
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def clean_body(text: str) -> str:
    """The body without its signature and quoted text; "" when nothing else is left."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if SIGNATURE.match(line.rstrip("\n")) or any(q.match(stripped) for q in QUOTE_STARTS):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return "\n".join(kept)
