"""The carrier HTTP client: retries only when asked, bounded downloads, credentials kept home."""

from __future__ import annotations

import pytest

from faxes.carriers.http import CarrierHTTPError, call, download
from tests.carriers.fakes import FakeCarrier, Recorded


class Scripted(FakeCarrier):
    """Answers from a script: path → list of (status, body, content type, extra headers)."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, list[tuple]] = {}

    def route(self, request: Recorded):
        answers = self.script.get(request.path.split("?")[0], [(404, b"", "text/plain")])
        return answers.pop(0) if len(answers) > 1 else answers[0]


@pytest.fixture
def server():
    fake = Scripted()
    yield fake
    fake.stop()


def test_call_does_not_retry_unless_asked(server):
    server.script["/faxes"] = [
        (503, b"{}", "application/json"),
        (201, b'{"sid": "FX1"}', "application/json"),
    ]
    assert call("POST", f"{server.url}/faxes", form={"To": "+1"}).status == 503
    assert len(server.requests) == 1
    assert call("POST", f"{server.url}/faxes", form={"To": "+1"}).json() == {"sid": "FX1"}


def test_call_retries_idempotent_requests(server, monkeypatch):
    monkeypatch.setattr("faxes.carriers.http.time.sleep", lambda seconds: None)
    server.script["/status"] = [
        (502, b"", "text/plain"),
        (429, b"", "text/plain"),
        (200, b'{"status": "delivered"}', "application/json"),
    ]
    answer = call("GET", f"{server.url}/status", retries=2)
    assert answer.ok and answer.json()["status"] == "delivered" and len(server.requests) == 3
    # A 4xx is an answer, not something to try again.
    server.script["/bad"] = [(400, b"nope", "text/plain")]
    assert call("GET", f"{server.url}/bad", retries=2).status == 400
    assert len(server.requests) == 4


def test_unreachable_carrier_raises(monkeypatch):
    monkeypatch.setattr("faxes.carriers.http.time.sleep", lambda seconds: None)
    with pytest.raises(CarrierHTTPError) as caught:
        call("GET", "http://127.0.0.1:9/x", retries=1)
    assert not caught.value.permanent and not caught.value.sent


def test_download_caps_size_and_keeps_credentials_home(server, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    server.script["/media"] = [(200, b"x" * 5000, "application/pdf")]
    auth = {"Authorization": "Basic c2VjcmV0"}
    data, content_type = download(
        f"{server.url}/media",
        auth_headers=auth,
        auth_hosts=frozenset({"127.0.0.1"}),
        max_bytes=10_000,
    )
    assert len(data) == 5000 and content_type == "application/pdf"
    assert server.requests[-1].headers["authorization"] == "Basic c2VjcmV0"
    with pytest.raises(CarrierHTTPError, match="larger than 1000 bytes") as caught:
        download(f"{server.url}/media", auth_headers=auth, auth_hosts=frozenset(), max_bytes=1000)
    assert caught.value.permanent
    assert "authorization" not in server.requests[-1].headers  # not a carrier host


def test_download_refuses_private_addresses(settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    for url in ("http://10.1.2.3/media", "http://169.254.169.254/latest/meta-data"):
        with pytest.raises(CarrierHTTPError, match="not allowed") as caught:
            download(url, auth_headers={}, auth_hosts=frozenset(), max_bytes=1000)
        assert caught.value.permanent


def test_download_refuses_loopback_unless_allowed(server, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = False
    with pytest.raises(CarrierHTTPError, match="not allowed"):
        download(f"{server.url}/media", auth_headers={}, auth_hosts=frozenset(), max_bytes=10)
    assert server.requests == []


def test_download_redirect_elsewhere_drops_credentials(server, settings):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    elsewhere = f"http://localhost:{server.url.rsplit(':', 1)[1]}/stored"
    server.script["/media"] = [(302, b"", "text/plain", {"Location": elsewhere})]
    server.script["/stored"] = [(200, b"%PDF-1.4 fax", "application/pdf")]
    data, _ = download(
        f"{server.url}/media",
        auth_headers={"Authorization": "Bearer k"},
        auth_hosts=frozenset({"127.0.0.1"}),
        max_bytes=1000,
    )
    assert data == b"%PDF-1.4 fax"
    first, second = server.requests
    assert first.headers["authorization"] == "Bearer k" and "authorization" not in second.headers


def _rebinding_dns(monkeypatch) -> list[str]:
    """A name that answers loopback first and a private address on any later lookup."""
    lookups: list[str] = []
    answers = [["127.0.0.1"], ["10.0.0.1"]]

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return answers.pop(0) if len(answers) > 1 else answers[0]

    monkeypatch.setattr("faxes.net.resolve_host", resolve)
    return lookups


def test_download_connects_to_the_address_it_checked(server, settings, monkeypatch):
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True
    lookups = _rebinding_dns(monkeypatch)
    port = server.url.rsplit(":", 1)[1]
    server.script["/media"] = [(200, b"%PDF-1.4 fax", "application/pdf")]
    data, _ = download(
        f"http://media.example.test:{port}/media",
        auth_headers={},
        auth_hosts=frozenset(),
        max_bytes=1000,
    )
    assert data == b"%PDF-1.4 fax"
    assert lookups == ["media.example.test"]  # no second lookup at connect time
    assert server.requests[-1].headers["host"] == f"media.example.test:{port}"


def test_call_connects_to_the_address_looked_up_once(server, monkeypatch):
    lookups = _rebinding_dns(monkeypatch)
    port = server.url.rsplit(":", 1)[1]
    server.script["/status"] = [(200, b'{"status": "delivered"}', "application/json")]
    answer = call("GET", f"http://api.example.test:{port}/status")
    assert answer.json() == {"status": "delivered"}
    assert lookups == ["api.example.test"]
    assert server.requests[-1].headers["host"] == f"api.example.test:{port}"


def test_call_follows_no_redirect(server):
    server.script["/faxes"] = [(302, b"", "text/plain", {"Location": "/elsewhere"})]
    assert call("POST", f"{server.url}/faxes", headers={"Authorization": "Bearer k"}).status == 302
    assert [r.path for r in server.requests] == ["/faxes"]
