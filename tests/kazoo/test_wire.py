"""The /v2 wire, byte for byte: status, every response header and the body of a broad set
of requests (errors included) compared with a recording (``wire_golden.json``).

Values that change between runs (ids, tokens, times, ports) are replaced by placeholders in
order of appearance, so the rest of each answer — key order, spacing, escapes, headers —
must match exactly. Re-record deliberately: ``KAZOO_WIRE_RECORD=1 pytest tests/kazoo/test_wire.py``.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from accounts.kazoo_auth import regenerate_api_key
from accounts.services import create_api_token
from faxes.api.kazoo import public
from tests.factories import FaxNumberFactory, text_pdf
from tests.kazoo.conftest import PASSWORD_OF_TESTS, md5_credentials

pytestmark = pytest.mark.django_db(transaction=True)

GOLDEN = Path(__file__).with_name("wire_golden.json")
# Headers every answer of this test client carries whatever the view (middleware).
SKIPPED_HEADERS = {"content-security-policy", "content-length"}


class Recorder:
    def __init__(self) -> None:
        self.client = Client()
        self.secrets: dict[str, str] = {}
        self.records: list[dict] = []

    def secret(self, value: str, name: str) -> str:
        self.secrets[value] = name
        return value

    def __call__(self, label, method, path, body=None, content_type=None, **headers):
        kwargs = dict(headers)
        if content_type is not None:
            kwargs["content_type"] = content_type
        if isinstance(body, dict | list):
            body = json.dumps(body)
            kwargs.setdefault("content_type", "application/json")
        response = self.client.generic(method, path, body or b"", **kwargs)
        if getattr(response, "streaming", False):
            content = b"".join(response.streaming_content)
        else:
            content = response.content
        kind = response.get("Content-Type", "")
        if kind.startswith("text/html"):
            text = "<an HTML page>"  # the site's own 404 page, not the API's
        elif kind.startswith(("application/json", "text/")):
            text = content.decode()
        else:
            text = f"<{(len(content) > 0 and 'bytes') or 'empty'} {content[:4]!r}>"
        headers_out = {
            name: value
            for name, value in sorted(response.headers.items())
            if name.lower() not in SKIPPED_HEADERS
        }
        record = {
            "request": f"{label}: {method} {path}",
            "status": response.status_code,
            "headers": headers_out,
            "body": text,
        }
        self.records.append(self.normalize(record))
        return response

    def normalize(self, record: dict) -> dict:
        text = json.dumps(record, sort_keys=False)
        for value, name in sorted(self.secrets.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(value, f"<{name}>")
        text = re.sub(r'(\\"auth_token\\": \\")[^\\"]+', r"\1<session>", text)
        text = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "<TS>", text)
        text = re.sub(r"\d{4}-\d{2}-\d{2}[ _]\d{2}:\d{2}:\d{2}", "<DT>", text)
        text = re.sub(r"\b\d{6}-(?=[0-9a-f]{32}\b)", "<YM>-", text)
        seen: dict[str, str] = {}
        text = re.sub(
            r"\b[0-9a-f]{32}\b", lambda m: seen.setdefault(m[0], f"<H{len(seen) + 1}>"), text
        )
        text = re.sub(r"\b63\d{9}\b", "<G>", text)
        text = re.sub(r'(\\"exp\\": )\d+', r"\1<E>", text)
        text = re.sub(r"retry in \d+ seconds", "retry in <N> seconds", text)
        text = re.sub(r'("Retry-After": ")\d+', r"\1<N>", text)
        text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:<port>", text)
        text = re.sub(r'(start_key(\\": \\"|=))[A-Za-z0-9_-]+', r"\1<key>", text)
        text = re.sub(r"\b[0-9a-f]{8}\.fax\.localhost", "<smtp>.fax.localhost", text)
        return json.loads(text)


def multipart_mixed(parts):
    boundary = "wire-boundary"
    body = b""
    for content_type, payload, headers in parts:
        body += f"--{boundary}\r\nContent-Type: {content_type}\r\n".encode()
        for name, value in headers.items():
            body += f"{name}: {value}\r\n".encode()
        body += b"\r\n" + payload + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/mixed; boundary={boundary}"


def run_requests(r: Recorder, acme, other, settings, monkeypatch) -> None:
    faxbox = acme.account.faxboxes.first()
    faxbox.caller_id = "+12025550140"
    faxbox.save()
    FaxNumberFactory(faxbox=faxbox, number="+12025550140")
    A = acme.account.pk
    base = f"/v2/accounts/{A}"
    key = r.secret(regenerate_api_key(acme.account), "api_key")
    full = r.secret(
        create_api_token(
            acme.account, name="full", scopes="fax:read,fax:send,faxbox:manage"
        ).secret,
        "full_token",
    )
    reader = r.secret(create_api_token(acme.account, name="ro", scopes="fax:read").secret, "ro")
    r.secret(acme.account.name, "account_name")
    r.secret(other.account.name, "other_name")
    auth = {"HTTP_X_AUTH_TOKEN": full}

    # --- logins -------------------------------------------------------------------
    login = r("api_auth", "PUT", "/v2/api_auth", {"data": {"api_key": key}},
              HTTP_X_REQUEST_ID="fixed-request-id")  # fmt: skip
    session = r.secret(login.json()["auth_token"], "session")
    r("api_auth short", "PUT", "/v2/api_auth", {"data": {"api_key": "abc"}})
    r("api_auth long", "PUT", "/v2/api_auth", {"data": {"api_key": "a" * 65}})
    r("api_auth type", "PUT", "/v2/api_auth", {"data": {"api_key": 5}})
    r("api_auth missing", "PUT", "/v2/api_auth", {"data": {}})
    r("api_auth unknown", "PUT", "/v2/api_auth", {"data": {"api_key": "0" * 64}})
    r("api_auth bad json", "PUT", "/v2/api_auth", b"{nope", content_type="application/json")
    r("api_auth array", "PUT", "/v2/api_auth", b"[1]", content_type="application/json")
    r("api_auth data array", "PUT", "/v2/api_auth", {"data": [1]})
    r("api_auth empty", "PUT", "/v2/api_auth")
    r("api_auth GET", "GET", "/v2/api_auth")
    r("api_auth HEAD", "HEAD", "/v2/api_auth")
    r("api_auth OPTIONS", "OPTIONS", "/v2/api_auth")
    r("api_auth POST tunnel", "POST", "/v2/api_auth?verb=PUT", {"data": {"api_key": key}})
    r("api_auth curl form json", "PUT", "/v2/api_auth", json.dumps({"data": {"api_key": key}}),
      content_type="application/x-www-form-urlencoded")  # fmt: skip
    r("api_auth text/plain", "PUT", "/v2/api_auth", json.dumps({"data": {"api_key": key}}),
      content_type="text/plain")  # fmt: skip
    creds = md5_credentials("alice@acme.test", PASSWORD_OF_TESTS)
    r("user_auth", "PUT", "/v2/user_auth",
      {"data": {"credentials": creds, "account_name": acme.account.name}})  # fmt: skip
    r("user_auth wrong", "PUT", "/v2/user_auth",
      {"data": {"credentials": "0" * 32, "account_name": acme.account.name}})  # fmt: skip
    r("user_auth missing", "PUT", "/v2/user_auth", {"data": {"method": "rot13"}})
    r("user_auth GET", "GET", "/v2/user_auth")
    r("token_auth", "GET", "/v2/token_auth", HTTP_X_AUTH_TOKEN=session)
    r("token_auth api token", "GET", "/v2/token_auth", **auth)
    r("token_auth none", "GET", "/v2/token_auth")
    r("token_auth delete api token", "DELETE", "/v2/token_auth", **auth)
    r("token_auth PUT", "PUT", "/v2/token_auth", {"data": {}}, **auth)

    # --- credentials ------------------------------------------------------------------
    outgoing = f"{base}/faxes/outgoing"
    r("no credentials", "GET", outgoing)
    r("bad token", "GET", outgoing, HTTP_X_AUTH_TOKEN="nope")
    r("bad api token", "GET", outgoing, HTTP_X_AUTH_TOKEN="faxapi_" + "x" * 40)
    r("session header", "GET", outgoing, HTTP_X_AUTH_TOKEN=session)
    r("session query", "GET", f"{outgoing}?auth_token={session}")
    r("api token query", "GET", f"{outgoing}?auth_token={full}")
    r("bearer", "GET", outgoing, HTTP_AUTHORIZATION=f"Bearer {full}")
    r("bearer session", "GET", outgoing, HTTP_AUTHORIZATION=f"Bearer {session}")
    basic = base64.b64encode(f"{A}:{creds}".encode()).decode()
    r("basic", "GET", outgoing, HTTP_AUTHORIZATION=f"Basic {basic}")
    wrong = base64.b64encode(f"{A}:{'0' * 32}".encode()).decode()
    r("basic wrong", "GET", outgoing, HTTP_AUTHORIZATION=f"Basic {wrong}")
    r("basic garbage", "GET", outgoing, HTTP_AUTHORIZATION="Basic %%%")
    nobody = base64.b64encode(f"{'f' * 32}:{creds}".encode()).decode()
    r("basic unknown account", "GET", outgoing, HTTP_AUTHORIZATION=f"Basic {nobody}")
    r("envelope token", "PUT", f"{base}/faxboxes",
      {"data": {"name": "Enveloped"}, "auth_token": full})  # fmt: skip
    r("other account", "GET", f"/v2/accounts/{other.account.pk}/faxes/outgoing", **auth)
    r("no such account", "GET", f"/v2/accounts/{'0' * 32}/faxes/outgoing", **auth)
    r("scope", "PUT", f"{base}/faxboxes", {"data": {"name": "x"}}, HTTP_X_AUTH_TOKEN=reader)
    r("disabled-free read", "GET", f"{base}/faxboxes", HTTP_X_AUTH_TOKEN=reader)

    # --- verbs, routes, negotiation ---------------------------------------------------------
    inbox = f"{base}/faxes/inbox"
    r("405 no creds", "POST", inbox, {"data": {}})
    r("405", "POST", inbox, {"data": {}}, **auth)
    r("PATCH outgoing", "PATCH", outgoing, {"data": {}}, **auth)
    r("HEAD", "HEAD", inbox, **auth)
    r("HEAD no creds", "HEAD", inbox)
    r("OPTIONS", "OPTIONS", inbox, **auth)
    r("OPTIONS no creds", "OPTIONS", inbox)
    r("TRACE", "TRACE", inbox, **auth)
    r("tunnel bad verb", "POST", f"{base}/faxboxes?verb=HEAD", {"data": {}}, **auth)
    r("tunnel envelope verb", "POST", f"{base}/faxboxes",
      {"data": {"name": "Tunnelled"}, "verb": "PUT"}, **auth)  # fmt: skip
    r("unknown route", "GET", "/v2/nope", **auth)
    r("unknown account route", "GET", f"{base}/nope", **auth)
    r("trailing slash", "GET", f"{inbox}/", **auth)
    r("v1 gone", "GET", "/v1/accounts")
    r("accept html", "GET", inbox, HTTP_ACCEPT="text/html", **auth)
    r("accept xml", "GET", inbox, HTTP_ACCEPT="application/xml", **auth)
    r("accept json indent", "GET", inbox, HTTP_ACCEPT="application/json; indent=4", **auth)
    r("format=xml", "GET", f"{inbox}?format=xml", **auth)
    r("format=api", "GET", f"{inbox}?format=api", **auth)
    r("pretty header", "GET", f"{base}/faxboxes", HTTP_X_PRETTY_PRINT="true", **auth)
    r("pretty query", "GET", f"{base}/faxboxes?pretty_print=true", **auth)
    r("request id", "GET", inbox, HTTP_X_REQUEST_ID="client-id-1", **auth)
    r("nul byte", "GET", f"{inbox}?filter_x=a%00b", **auth)
    r("unicode", "PUT", f"{base}/faxboxes", {"data": {"name": "Zürich ☎"}}, **auth)

    # --- faxes: create in every encoding --------------------------------------------------
    pdf = text_pdf(1)
    faxes_url = f"{base}/faxes"
    created = r("create bare pdf", "PUT",
                f"{faxes_url}?to_number=%2B12025550120&from_number=%2B12025550140", pdf,
                content_type="application/pdf", **auth)  # fmt: skip
    sent_id = created.json()["data"]["id"]
    envelope = json.dumps({"data": {"from_number": "+12025550140", "to_number": "+12025550120"}})
    body, kind = multipart_mixed([("application/json", envelope.encode(), {}),
                                  ("application/pdf", pdf, {"Content-Disposition":
                                   'form-data; name="content"; filename="a.pdf"'})])  # fmt: skip
    r("create multipart/mixed", "PUT", faxes_url, body, content_type=kind, **auth)
    r("create multipart/mixed broken", "PUT", faxes_url, b"nothing",
      content_type="multipart/mixed; boundary=zz", **auth)  # fmt: skip
    r("create multipart/mixed bad json", "PUT", faxes_url,
      multipart_mixed([("application/json", b"{x", {})])[0], content_type=kind, **auth)  # fmt: skip
    r("create form fields", "PUT", f"{base}/faxes/outgoing",
      "to_number=%2B12025550120&from_number=%2B12025550140",
      content_type="application/x-www-form-urlencoded", **auth)  # fmt: skip
    r("create tiff no numbers", "PUT", faxes_url, b"II*\x00", content_type="image/tiff", **auth)
    r("create csv", "PUT", faxes_url, b"a,b", content_type="text/csv", **auth)
    r("create no document", "PUT", faxes_url,
      {"data": {"to_number": "+12025550120", "from_number": "+12025550140"}}, **auth)  # fmt: skip
    r("create bad fields", "PUT", faxes_url,
      {"data": {"to_number": "12", "from_name": 5, "retries": 9,
                "document": {"url": "ftp://x", "method": "put"}}}, **auth)  # fmt: skip
    r("create data not object", "PUT", faxes_url, {"data": "x"}, **auth)
    r("create bad json", "PUT", faxes_url, b'{"data": ', content_type="application/json", **auth)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    r("create too large", "PUT", faxes_url, body, content_type=kind, **auth)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
    r("create read-only token", "PUT", faxes_url, pdf, content_type="application/pdf",
      HTTP_X_AUTH_TOKEN=reader)  # fmt: skip

    r("create empty pdf", "PUT", f"{faxes_url}?to_number=%2B12025550120", b"",
      content_type="application/pdf", **auth)  # fmt: skip
    r("create empty csv", "PUT", faxes_url, b"", content_type="text/csv", **auth)
    r("create no content type", "PUT", faxes_url, b"", content_type="", **auth)
    form = {"to_number": "+12025550120", "from_number": "+12025550140",
            "file": SimpleUploadedFile("a.pdf", pdf, content_type="application/pdf")}  # fmt: skip
    r("create form-data PUT", "PUT", faxes_url, encode_multipart(BOUNDARY, form),
      content_type=MULTIPART_CONTENT, **auth)  # fmt: skip
    form["file"].seek(0)
    r("create form-data POST tunnel", "POST", f"{faxes_url}?verb=PUT",
      encode_multipart(BOUNDARY, form), content_type=MULTIPART_CONTENT, **auth)  # fmt: skip
    r("create form-data no file", "PUT", faxes_url,
      encode_multipart(BOUNDARY, {"data": json.dumps({"to_number": "+12025550120"})}),
      content_type=MULTIPART_CONTENT, **auth)  # fmt: skip
    r("create POST form fields tunnel", "POST", f"{faxes_url}?verb=PUT", "to_number=x",
      content_type="application/x-www-form-urlencoded", **auth)  # fmt: skip
    r("create json charset", "PUT", faxes_url, json.dumps({"data": {"to_number": "1"}}),
      content_type="application/json; charset=utf-8", **auth)  # fmt: skip
    r("create text/json", "PUT", faxes_url, json.dumps({"data": {"to_number": "1"}}),
      content_type="text/json", **auth)  # fmt: skip
    r("create upper case type", "PUT", faxes_url, json.dumps({"data": {"to_number": "1"}}),
      content_type="Application/JSON", **auth)  # fmt: skip
    r("form to faxboxes", "PUT", f"{base}/faxboxes", "name=x",
      content_type="application/x-www-form-urlencoded", **auth)  # fmt: skip
    r("multipart to faxboxes", "PUT", f"{base}/faxboxes", encode_multipart(BOUNDARY, {"a": "b"}),
      content_type=MULTIPART_CONTENT, **auth)  # fmt: skip
    r("empty query token", "GET", f"{outgoing}?auth_token=", **auth)
    r("empty envelope token", "PUT", f"{base}/faxboxes", {"data": {}, "auth_token": ""})
    r("empty bearer", "GET", outgoing, HTTP_AUTHORIZATION="Bearer  ")
    r("header beats basic", "GET", outgoing, HTTP_AUTHORIZATION=f"Basic {basic}",
      HTTP_X_AUTH_TOKEN="nope")  # fmt: skip
    r("unknown auth scheme", "GET", outgoing, HTTP_AUTHORIZATION="Digest x")

    # --- faxes: lists, items, attachments --------------------------------------------------
    r("outbox", "GET", f"{base}/faxes/outbox", **auth)
    r("outbox page", "GET", f"{base}/faxes/outbox?page_size=1", **auth)
    next_key = r.client.get(f"{base}/faxes/outbox?page_size=1", **auth).json()["next_start_key"]
    r("outbox next", "GET", f"{base}/faxes/outbox?page_size=1&start_key={next_key}", **auth)
    r("outbox ascending unpaged", "GET", f"{base}/faxes/outbox?ascending=true&paginate=false",
      **auth)  # fmt: skip
    r("outbox bad range", "GET", f"{base}/faxes/outbox?created_from=1&created_to=99999999", **auth)
    r("outbox bad int", "GET", f"{base}/faxes/outbox?created_from=x", **auth)
    r("faxes all", "GET", f"{faxes_url}?filter_direction=outbound", **auth)
    r("outgoing empty", "GET", outgoing, **auth)
    r("inbox", "GET", inbox, **auth)
    r("incoming", "GET", f"{base}/faxes/incoming", **auth)
    r("smtplog", "GET", f"{base}/faxes/smtplog", **auth)
    r("smtplog item", "GET", f"{base}/faxes/smtplog/nope", **auth)
    r("outbox item", "GET", f"{base}/faxes/outbox/{sent_id}", **auth)
    r("fax item", "GET", f"{faxes_url}/{sent_id}", **auth)
    r("fax item 404", "GET", f"{faxes_url}/nope", **auth)
    attachment = f"{base}/faxes/outbox/{sent_id}/attachment"
    r("pdf", "GET", attachment, HTTP_ACCEPT="*/*", **auth)
    r("tiff", "GET", f"{attachment}?format=tiff", **auth)
    r("tiff accept", "GET", attachment, HTTP_ACCEPT="image/tiff", **auth)
    r("inline", "GET", f"{attachment}?disposition=inline", **auth)
    r("fax item attachment", "GET", f"{faxes_url}/{sent_id}/attachment", **auth)
    r("resubmit no action", "PUT", f"{base}/faxes/outbox/{sent_id}", {"data": {}}, **auth)
    r("resubmit bad action", "PUT", f"{base}/faxes/outbox/{sent_id}",
      {"data": {}, "action": "explode"}, **auth)  # fmt: skip
    r("purge", "DELETE", attachment, **auth)
    r("pdf purged", "GET", attachment, **auth)
    r("delete", "DELETE", f"{base}/faxes/outbox/{sent_id}", **auth)
    r("deleted", "GET", f"{base}/faxes/outbox/{sent_id}", **auth)
    r("faxbox scope unknown", "GET", f"{base}/faxboxes/nope/faxes/outbox", **auth)
    r("user scope unknown", "GET", f"{base}/users/nope/faxes/inbox", **auth)

    # --- faxboxes and callflows -------------------------------------------------------------------
    boxes = f"{base}/faxboxes"
    made = r("faxbox create", "PUT", boxes,
             {"data": {"name": "Wire", "custom": {"kept": True},
                       "notifications": {"inbound": {"email": {"send_to": "wire@acme.test"}}}}},
             **auth)  # fmt: skip
    assert made.status_code == 201, made.content
    box_id = made.json()["data"]["id"]
    r("faxbox invalid", "PUT", boxes, {"data": {"name": "", "retries": 7, "caller_id": 5,
                                                "fax_timezone": "Mars/Base"}}, **auth)  # fmt: skip
    r("faxbox list", "GET", f"{boxes}?filter_name=Wire", **auth)
    r("faxbox get", "GET", f"{boxes}/{box_id}", **auth)
    r("faxbox patch", "PATCH", f"{boxes}/{box_id}", {"data": {"caller_name": "P"}}, **auth)
    r("faxbox post", "POST", f"{boxes}/{box_id}", {"data": {"name": "Wire 2"}}, **auth)
    r("callflow create", "PUT", f"{base}/callflows",
      {"data": {"numbers": ["+12025550199"], "flow": {"module": "faxbox",
                                                        "data": {"faxbox_id": box_id}}}},
      **auth)  # fmt: skip
    r("callflow invalid", "PUT", f"{base}/callflows", {"data": {"patterns": ["^x"]}}, **auth)
    r("callflow list", "GET", f"{base}/callflows", **auth)
    r("callflow 404", "GET", f"{base}/callflows/nope", **auth)
    r("faxbox delete", "DELETE", f"{boxes}/{box_id}", **auth)
    r("faxbox 404", "GET", f"{boxes}/{box_id}", **auth)

    # --- a disabled account -------------------------------------------------------------
    locked_token = create_api_token(other.account, name="l", scopes="fax:read").secret
    other.account.enabled = False
    other.account.save()
    r("locked login", "PUT", "/v2/user_auth",
      {"data": {"credentials": md5_credentials("charlie@other.test", PASSWORD_OF_TESTS),
                "account_name": other.account.name}}, REMOTE_ADDR="10.0.9.2")  # fmt: skip
    r("disabled token", "GET", f"/v2/accounts/{other.account.pk}/faxes/inbox",
      HTTP_X_AUTH_TOKEN=r.secret(locked_token, "locked_token"))  # fmt: skip
    other_basic = base64.b64encode(
        f"{other.account.pk}:{md5_credentials('charlie@other.test', PASSWORD_OF_TESTS)}".encode()
    ).decode()
    r("disabled basic", "GET", f"/v2/accounts/{other.account.pk}/faxes/inbox",
      HTTP_AUTHORIZATION=f"Basic {other_basic}", REMOTE_ADDR="10.0.9.1")  # fmt: skip

    # --- an unexpected error, and the rate limit ---------------------------------------------
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(public, "faxbox_doc", explode)
    r("500", "GET", boxes, **auth)
    monkeypatch.undo()
    settings.FAXPORTAL_KAZOO_RATE_LIMIT = 1
    from django.core.cache import cache

    cache.clear()
    r("within limit", "GET", inbox, **auth)
    r("rate limited", "GET", inbox, **auth)
    r("rate limited no creds", "GET", inbox, HTTP_X_AUTH_TOKEN="nope")
    r("rate limited login", "PUT", "/v2/api_auth", {"data": {"api_key": key}})


def test_the_wire_is_what_it_was(acme, other, pharmacy, settings, monkeypatch):
    recorder = Recorder()
    run_requests(recorder, acme, other, settings, monkeypatch)
    if os.environ.get("KAZOO_WIRE_RECORD"):
        GOLDEN.write_text(json.dumps(recorder.records, indent=1, ensure_ascii=False) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert len(recorder.records) == len(golden)
    for got, want in zip(recorder.records, golden, strict=True):
        assert got == want, got["request"]
