"""Local fakes of SignalWire's compatibility fax API and Telnyx's fax API, on 127.0.0.1.

Each fake checks what it receives the way the carrier does (paths, authentication,
required parameters and their values) and records every request. Tests then drive it as
the carrier would behave: fetch the portal's media link over HTTP, and post callbacks
signed exactly as the carrier signs them (HMAC-SHA1 with the signing key; Ed25519 with a
private key the test generates).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qsl, urlencode, urlsplit
from urllib.request import Request, urlopen

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = ""

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One request from the carrier's side; 4xx/5xx are answers, not exceptions."""
    request = Request(url, data=body, method=method, headers=headers or {})
    try:
        with urlopen(request, timeout=60) as response:
            return Answer(response.status, response.read(), response.headers.get_content_type())
    except HTTPError as exc:
        return Answer(exc.code, exc.read(), exc.headers.get_content_type())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = Recorded(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        if "form-urlencoded" in self.headers.get("Content-Type", ""):
            record.form = dict(parse_qsl(body.decode()))
        elif "json" in self.headers.get("Content-Type", "") and body:
            record.json = json.loads(body)
        self.server.fake.requests.append(record)
        status, payload, content_type, *extra = self.server.fake.route(record)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (extra[0] if extra else {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeCarrier) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients closing kept-alive connections


def _json(status: int, data: Any) -> tuple[int, bytes, str]:
    return status, json.dumps(data).encode(), "application/json"


class FakeCarrier:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faxes: dict[str, dict[str, Any]] = {}
        self.media: dict[str, tuple[bytes, str]] = {}  # path → (bytes, content type)
        self.fail_next: list[int] = []  # statuses to answer the next create requests with
        self._server = _Server(self)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def route(self, request: Recorded) -> tuple[int, bytes, str]:
        raise NotImplementedError

    def requests_to(self, path_part: str) -> list[Recorded]:
        return [r for r in self.requests if path_part in r.path]

    def fetch_media(self, fax_id: str) -> Answer:
        """GET the document link like the carrier does before dialling."""
        return http("GET", self.faxes[fax_id]["media_url"])


# --- SignalWire -------------------------------------------------------------------------------


def signalwire_signature(key: str, url: str, params: dict[str, str]) -> str:
    """As SignalWire (and Twilio) sign: URL + sorted name/value pairs, HMAC-SHA1, base64."""
    payload = url + "".join(name + value for name, value in sorted(params.items()))
    return base64.b64encode(
        hmac.new(key.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()


class FakeSignalWire(FakeCarrier):
    def __init__(
        self,
        project_id: str = "proj-1234",
        api_token: str = "PTtoken-abc",  # noqa: S107 - a test credential
        signing_key: str = "PSKsigning-key-xyz",
    ) -> None:
        super().__init__()
        self.project_id, self.api_token, self.signing_key = project_id, api_token, signing_key

    @property
    def base(self) -> str:
        return f"/api/laml/2010-04-01/Accounts/{self.project_id}/Faxes"

    def _authorized(self, request: Recorded) -> bool:
        pair = f"{self.project_id}:{self.api_token}".encode()
        return request.headers.get("authorization") == "Basic " + base64.b64encode(pair).decode()

    def route(self, request: Recorded) -> tuple[int, bytes, str]:
        if request.path in self.media:
            if not self._authorized(request):
                return 401, b"", "text/plain"
            data, content_type = self.media[request.path]
            return 200, data, content_type
        if not self._authorized(request):
            return _json(401, {"code": 20003, "message": "Authentication Error", "status": 401})
        if request.method == "POST" and request.path == f"{self.base}.json":
            if self.fail_next:
                status = self.fail_next.pop(0)
                return _json(
                    status,
                    {"code": 21211, "message": "Invalid 'To' Phone Number", "status": status},
                )
            form = request.form
            required = ("To", "From", "MediaUrl", "StatusCallback")
            if any(not form.get(name) for name in required) or form.get("Quality") not in (
                None,
                "fine",
                "standard",
                "superfine",
            ):
                return _json(400, {"code": 21604, "message": "missing parameter", "status": 400})
            sid = "FX" + uuid.uuid4().hex
            self.faxes[sid] = {
                "sid": sid,
                "status": "queued",
                "to": form["To"],
                "from": form["From"],
                "media_url": form["MediaUrl"],
                "quality": form.get("Quality", "fine"),
                "num_pages": None,
                "callback": form["StatusCallback"],
            }
            return _json(
                201, {**self.faxes[sid], "direction": "outbound", "account_sid": self.project_id}
            )
        sid = request.path.removeprefix(f"{self.base}/").removesuffix(".json")
        fax = self.faxes.get(sid)
        if fax is None:
            return _json(404, {"code": 20404, "message": "not found", "status": 404})
        if request.method == "GET":
            return _json(200, {k: v for k, v in fax.items() if k != "callback"})
        if request.form.get("Status") == "canceled" and fax["status"] in ("queued", "processing"):
            fax["status"] = "canceled"
            return _json(200, fax)
        return _json(400, {"code": 34001, "message": "cannot cancel", "status": 400})

    def post_signed(
        self,
        url: str,
        params: dict[str, str],
        *,
        key: str | None = None,
        header: str = "X-SignalWire-Signature",
    ) -> Answer:
        signature = signalwire_signature(key or self.signing_key, url, params)
        return http(
            "POST",
            url,
            urlencode(params).encode(),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                header: signature,
            },
        )

    def callback(self, sid: str, status: str, **extra: str) -> Answer:
        """POST the fax's StatusCallback as SignalWire does when its status changes."""
        fax = self.faxes[sid]
        fax["status"] = status
        params = {
            "FaxSid": sid,
            "AccountSid": self.project_id,
            "From": fax["from"],
            "To": fax["to"],
            "FaxStatus": status,
            "ApiVersion": "v1",
            **extra,
        }
        return self.post_signed(fax["callback"], params)

    def offer(self, incoming_url: str, sid: str, to: str, from_: str) -> Answer:
        """A fax call comes in: SignalWire asks the number's handler what to do."""
        params = {
            "FaxSid": sid,
            "AccountSid": self.project_id,
            "To": to,
            "From": from_,
            "ApiVersion": "v1",
        }
        return self.post_signed(incoming_url, params)


# --- Telnyx -----------------------------------------------------------------------------------


class FakeTelnyx(FakeCarrier):
    QUALITIES = ("normal", "high", "very_high", "ultra_light", "ultra_dark")

    def __init__(self, api_key: str = "KEY0123456789abcdef", connection_id: str = "1234567890"):
        super().__init__()
        self.api_key, self.connection_id = api_key, connection_id
        self.private_key = Ed25519PrivateKey.generate()
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key = base64.b64encode(raw).decode()
        self.expired_media: set[str] = set()
        self.unavailable_media: set[str] = set()

    @property
    def storage_url(self) -> str:
        """Received media lives on another host name, as on Telnyx's storage (not its API)."""
        return f"http://localhost:{self._server.server_port}"

    def route(self, request: Recorded) -> tuple[int, bytes, str]:
        path = urlsplit(request.path).path
        if path.startswith("/storage/"):
            # A presigned storage URL, like S3: a second credential is an error.
            if "authorization" in request.headers:
                return 400, b"<Error>Only one auth mechanism allowed</Error>", "application/xml"
            if path in self.unavailable_media:
                return 503, b"<Error>SlowDown</Error>", "application/xml"
            if path in self.expired_media or path not in self.media:
                return 403, b"<Error>Request has expired</Error>", "application/xml"
            data, content_type = self.media[path]
            return 200, data, content_type
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _json(401, {"errors": [{"code": "10009", "title": "Authentication failed"}]})
        if request.method == "POST" and path == "/v2/faxes":
            if self.fail_next:
                status = self.fail_next.pop(0)
                return _json(
                    status,
                    {
                        "errors": [
                            {"code": "10015", "title": "Invalid value", "detail": "to is invalid"}
                        ]
                    },
                )
            body = request.json or {}
            problems = [
                name for name in ("media_url", "to", "from", "webhook_url") if not body.get(name)
            ]
            if body.get("connection_id") != self.connection_id:
                problems.append("connection_id")
            if body.get("quality", "high") not in self.QUALITIES:
                problems.append("quality")
            if problems:
                return _json(
                    422,
                    {
                        "errors": [
                            {
                                "code": "10015",
                                "title": "Invalid parameters",
                                "detail": ", ".join(problems),
                            }
                        ]
                    },
                )
            fax_id = str(uuid.uuid4())
            self.faxes[fax_id] = {
                "id": fax_id,
                "status": "queued",
                "direction": "outbound",
                "connection_id": self.connection_id,
                "to": body["to"],
                "from": body["from"],
                "media_url": body["media_url"],
                "quality": body.get("quality"),
                "record_type": "fax",
                "webhook_url": body["webhook_url"],
                "client_state": body.get("client_state"),
            }
            return _json(202, {"data": self.faxes[fax_id]})
        parts = path.removeprefix("/v2/faxes/").split("/")
        fax = self.faxes.get(parts[0])
        if fax is None:
            return _json(404, {"errors": [{"code": "10005", "title": "Resource not found"}]})
        if request.method == "GET" and len(parts) == 1:
            return _json(200, {"data": fax})
        if parts[1:] == ["actions", "cancel"]:
            if fax["status"] not in ("queued", "media.processed", "originated", "sending"):
                return _json(422, {"errors": [{"code": "10015", "title": "Cannot cancel"}]})
            fax["cancel_requested"] = True
            return _json(202, {"data": {"result": "ok"}})
        if parts[1:] == ["actions", "refresh"]:
            fresh = f"/storage/{fax['id']}-{uuid.uuid4().hex[:6]}.pdf?X-Amz-Signature=abc"
            self.media[urlsplit(fresh).path] = self.media[urlsplit(fax["media_url"]).path]
            fax["media_url"] = self.storage_url + fresh
            return _json(200, {"data": {"result": "ok"}})
        return _json(404, {"errors": [{"code": "10005", "title": "Resource not found"}]})

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = self.private_key.sign(stamp.encode() + b"|" + body)
        return {
            "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
            "telnyx-timestamp": stamp,
        }

    def envelope(self, event_type: str, payload: dict[str, Any]) -> bytes:
        return json.dumps(
            {
                "data": {
                    "event_type": event_type,
                    "id": str(uuid.uuid4()),
                    "record_type": "event",
                    "occurred_at": "2026-11-29T10:00:00.000000Z",
                    "payload": payload,
                },
                "meta": {"attempt": 1, "delivered_to": "webhook"},
            }
        ).encode()

    def post_event(
        self,
        url: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"Content-Type": "application/json", **self.sign(body, timestamp)}
        sent.update(headers or {})
        return http("POST", url, body, sent)

    def event(self, fax_id: str, event_type: str, **payload: Any) -> tuple[Answer, bytes]:
        """Deliver an outbound fax event to the fax's webhook_url, signed."""
        fax = self.faxes[fax_id]
        fax["status"] = event_type.removeprefix("fax.")
        body = self.envelope(
            event_type,
            {
                "fax_id": fax_id,
                "connection_id": self.connection_id,
                "direction": "outbound",
                "from": fax["from"],
                "to": fax["to"],
                "status": fax["status"],
                "original_media_url": fax["media_url"],
                "client_state": fax["client_state"],
                "user_id": "19a75cea-02c6-4b9a-84fa-c9bc8341feb8",
                **payload,
            },
        )
        return self.post_event(fax["webhook_url"], body), body

    def received(
        self,
        webhook_url: str,
        *,
        to: str,
        from_: str,
        data: bytes,
        content_type: str = "application/pdf",
        expired: bool = False,
        unavailable: bool = False,
    ) -> tuple[Answer, str]:
        """An inbound fax arrived: store its media behind a presigned URL, send fax.received."""
        fax_id = str(uuid.uuid4())
        path = f"/storage/{fax_id}.pdf"
        self.media[path] = (data, content_type)
        if expired:
            self.expired_media.add(path)
        if unavailable:
            self.unavailable_media.add(path)
        media_url = f"{self.storage_url}{path}?X-Amz-Signature=deadbeef&X-Amz-Expires=600"
        self.faxes[fax_id] = {
            "id": fax_id,
            "status": "received",
            "direction": "inbound",
            "media_url": media_url,
            "to": to,
            "from": from_,
        }
        body = self.envelope(
            "fax.received",
            {
                "fax_id": fax_id,
                "connection_id": self.connection_id,
                "direction": "inbound",
                "from": from_,
                "to": to,
                "status": "received",
                "page_count": 1,
                "media_url": media_url,
                "partial_content": False,
            },
        )
        return self.post_event(webhook_url, body), fax_id
