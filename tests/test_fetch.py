"""The URL document fetcher (and the webhook and carrier clients on the same ``faxes.net``),
against HTTP(S) servers on 127.0.0.1 and a fake resolver.

No test sends traffic anywhere but loopback: DNS answers come from ``FakeDNS`` and the
connect layer is recorded (or replaced) so refused addresses are provably never contacted.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote

import pytest

from faxes import fetch, net
from faxes.carriers.http import CarrierHTTPError, call
from faxes.fetch import DocumentFetchError, FetchedDocument, fetch_document
from faxes.webhooks.http import DeliveryError, post

PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"
BOMB = gzip.compress(b"\0" * 4_000_000)  # ~4 KB on the wire, 4 MB once decoded
CAP = 2048  # FAXPORTAL_MAX_DOCUMENT_BYTES in the size tests


# --- Local server ----------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, str]] = []
        self.stop = threading.Event()
        self.sni: list[str | None] = []
        self.endless_outcome: list[str] = []
        self.endless_done = threading.Event()

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-response is what several tests are about


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _send(self, status: int, body: bytes, content_type: str = "", **extra: str) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start_unsized(self, chunked: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()

    def _write(self, data: bytes, chunked: bool) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)

    def _route(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        params = {key: values[0] for key, values in parse_qs(query).items()}
        self.server.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "host": self.headers.get("Host", ""),
                "user_agent": self.headers.get("User-Agent", ""),
            }
        )
        if path == "/doc.pdf" or path == "/redirect/0":
            self._send(200, PDF, "application/pdf")
        elif path == "/download":
            self._send(200, PDF, "application/pdf", Content_Disposition=params["cd"])
        elif path.startswith("/status/"):
            self._send(int(path.rsplit("/", 1)[1]), b"no", "text/plain")
        elif path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1])
            self._send(302, b"", Location=f"/redirect/{n - 1}")
        elif path == "/to":
            self._send(int(params.get("code", "302")), b"", Location=params["url"])
        elif path == "/echo":
            echo = {
                "method": self.command,
                "body": body.decode(),
                "content_type": self.headers.get("Content-Type"),
                "host": self.headers.get("Host"),
                "referer": self.headers.get("Referer"),
                "authorization": self.headers.get("Authorization"),
            }
            self._send(200, json.dumps(echo).encode(), "application/json")
        elif path == "/sized":  # n bytes, framed by Content-Length, chunks or connection close
            data, mode = b"x" * int(params["n"]), params.get("mode", "length")
            if mode == "length":
                self._send(200, data, "application/octet-stream")
            else:
                self._start_unsized(chunked=mode == "chunked")
                self._write(data, chunked=mode == "chunked")
                if mode == "chunked":
                    self.wfile.write(b"0\r\n\r\n")
        elif path == "/endless":  # chunks until the client hangs up (or 50 MB)
            self._start_unsized(chunked=True)
            try:
                for _ in range(800):
                    self._write(b"x" * 65536, chunked=True)
                self.server.endless_outcome.append("completed")
            except OSError:
                self.server.endless_outcome.append("client hung up")
            self.close_connection = True
            self.server.endless_done.set()
        elif path == "/gzip":
            self._send(200, gzip.compress(PDF), "application/pdf", Content_Encoding="gzip")
        elif path == "/bomb":
            self._send(200, BOMB, "application/pdf", Content_Encoding="gzip")
        elif path == "/slow":
            self.server.stop.wait(3)
            self._send(200, PDF, "application/pdf")
        elif path == "/drip":  # headers at once, then a byte every 50 ms
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                if self.server.stop.wait(0.05):
                    break
                self.wfile.write(b"x")
                self.wfile.flush()
            self.close_connection = True
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"only ten b")
            self.close_connection = True
        else:
            self._send(404, b"", "text/plain")


@dataclass
class LocalServer:
    httpd: _Server
    scheme: str

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def requests(self) -> list[dict[str, str]]:
        return self.httpd.requests

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


def _run(tls: ssl.SSLContext | None = None) -> Iterator[LocalServer]:
    httpd = _Server()
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield LocalServer(httpd, "https" if tls else "http")
    finally:
        httpd.stop.set()
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def allow_loopback(settings) -> None:
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = True


@pytest.fixture
def server(allow_loopback) -> Iterator[LocalServer]:
    yield from _run()


# --- Fake DNS and the connect layer ------------------------------------------------------


@dataclass
class FakeDNS:
    table: dict[str, list[list[str]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add(self, host: str, *answers: list[str]) -> None:
        """Successive lookups of ``host`` get successive answers (the last one repeats)."""
        self.table[host] = list(answers)

    def resolve(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host == "flaky.example.test":
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        answers = self.table.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers.pop(0) if len(answers) > 1 else answers[0]


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> FakeDNS:
    fake = FakeDNS()
    monkeypatch.setattr(net, "resolve_host", fake.resolve)
    return fake


@pytest.fixture(autouse=True)
def connections(monkeypatch) -> list[str]:
    """Addresses the fetcher connected to; anything but loopback fails the test."""
    seen: list[str] = []
    real = net._connect

    def record(ips: list[str], port: int, timeout: float) -> socket.socket:
        seen.extend(ips)
        assert all(ip in ("127.0.0.1", "::1") for ip in ips), f"tried to connect to {ips}"
        return real(ips, port, timeout)

    monkeypatch.setattr(net, "_connect", record)
    return seen


def _error(url: str, **options: object) -> DocumentFetchError:
    with pytest.raises(DocumentFetchError) as info:
        fetch_document(url, **options)  # type: ignore[arg-type]
    return info.value


# --- Plain fetching ----------------------------------------------------------------------


def test_fetches_a_document(server):
    doc = fetch_document(server.url("/doc.pdf"))
    assert doc == FetchedDocument(
        data=PDF,
        content_type="application/pdf",
        final_url=server.url("/doc.pdf"),
        filename="doc.pdf",
    )
    [request] = server.requests
    assert request["method"] == "GET"
    assert request["host"] == f"127.0.0.1:{server.port}"
    assert request["user_agent"] == fetch.USER_AGENT


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ('attachment; filename="q3 report.pdf"', "q3 report.pdf"),
        ("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ("inline", "download"),  # no name given: the URL's last segment
    ],
)
def test_filename(server, disposition, filename):
    doc = fetch_document(server.url("/download?cd=" + quote(disposition)))
    assert doc.filename == filename


def test_gzip_encoded_body_is_decoded(server):
    assert fetch_document(server.url("/gzip")).data == PDF


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(404, True), (403, True), (410, True), (500, False), (503, False), (429, False)],
)
def test_http_errors_mirror_kazoo(server, status, permanent):
    error = _error(server.url(f"/status/{status}"))
    assert error.message == f"could not retrieve file, HTTP response {status}"
    assert str(error) == error.message
    assert error.permanent is permanent


# --- Redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("hops", [1, 3])
def test_redirects_are_followed(server, hops):
    doc = fetch_document(server.url(f"/redirect/{hops}"))
    assert doc.data == PDF
    assert doc.final_url == server.url("/redirect/0")
    assert len(server.requests) == hops + 1


def test_too_many_redirects(server):
    error = _error(server.url("/redirect/4"))
    assert error.message == "could not retrieve file: too many redirects"
    assert error.permanent
    assert len(server.requests) == 4  # the original request and three redirects


@pytest.mark.parametrize(
    ("target", "address"),
    [
        ("http://10.0.0.1/x", "10.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://internal.example.test/", "192.168.1.10"),
    ],
)
def test_redirect_to_a_private_address_is_refused(server, dns, connections, target, address):
    dns.add("internal.example.test", ["192.168.1.10"])
    error = _error(server.url("/to?url=" + quote(target)))
    assert error.message == f"could not retrieve file: the address {address} is not allowed"
    assert error.permanent
    assert connections == ["127.0.0.1"]  # only the first hop, to our server


def test_redirect_to_another_scheme_is_refused(server):
    error = _error(server.url("/to?url=" + quote("file:///etc/passwd")))
    assert error.message == "could not retrieve file: only http and https URLs are allowed"


@pytest.mark.parametrize(
    ("code", "method", "body"),
    [
        (301, "GET", ""),
        (302, "GET", ""),
        (303, "GET", ""),
        (307, "POST", "a=1"),
        (308, "POST", "a=1"),
    ],
)
def test_post_redirects_behave_like_browsers(server, code, method, body):
    url = server.url(f"/to?code={code}&url=/echo")
    doc = fetch_document(url, method="post", content="a=1", content_type="text/plain")
    echo = json.loads(doc.data)
    assert (echo["method"], echo["body"]) == (method, body)
    assert echo["content_type"] == ("text/plain" if method == "POST" else None)


# --- Kazoo's document options ------------------------------------------------------------


def test_post_with_kazoo_options(server):
    doc = fetch_document(
        server.url("/echo"),
        method="POST",
        content='{"fax": 1}',
        content_type="application/json",
        host="docs.example.test",
        referer="https://portal.example.test/faxes",
    )
    assert json.loads(doc.data) == {
        "method": "POST",
        "body": '{"fax": 1}',
        "content_type": "application/json",
        "host": "docs.example.test",
        "referer": "https://portal.example.test/faxes",
        "authorization": None,
    }
    assert doc.content_type == "application/json"


def test_get_sends_no_body(server):
    echo = json.loads(fetch_document(server.url("/echo"), content=b"ignored").data)
    assert (echo["method"], echo["body"], echo["content_type"]) == ("GET", "", None)


def test_host_override_is_not_sent_to_another_origin(server, dns):
    dns.add("docs.example.test", ["127.0.0.1"])
    other = server.url("/echo", host="docs.example.test")
    doc = fetch_document(server.url("/to?url=" + quote(other)), host="fax.example.test")
    assert [r["host"] for r in server.requests] == [
        "fax.example.test",
        f"docs.example.test:{server.port}",
    ]
    assert doc.final_url == other


def test_credentials_in_the_url_become_basic_auth(server):
    url = server.url("/echo").replace("://", "://fax%40acme:s3cret@")
    echo = json.loads(fetch_document(url).data)
    assert echo["authorization"] == "Basic ZmF4QGFjbWU6czNjcmV0"  # fax@acme:s3cret


@pytest.mark.parametrize("method", ["put", "DELETE", ""])
def test_unsupported_method(method):
    error = _error("http://docs.example.test/", method=method)
    assert error.message.startswith("could not retrieve file: unsupported method")
    assert error.permanent


@pytest.mark.parametrize("option", ["host", "referer", "content_type"])
def test_header_injection_is_refused(option, connections):
    error = _error("http://docs.example.test/", **{option: "x\r\nX-Evil: 1"})
    assert error.message.startswith("could not retrieve file: invalid")
    assert connections == []


# --- Size and time limits ------------------------------------------------------------------


@pytest.fixture
def small_cap(settings) -> None:
    settings.FAXPORTAL_MAX_DOCUMENT_BYTES = CAP


@pytest.mark.parametrize("mode", ["length", "chunked", "close"])
def test_size_limit(server, small_cap, mode):
    assert len(fetch_document(server.url(f"/sized?n={CAP}&mode={mode}")).data) == CAP
    error = _error(server.url(f"/sized?n={CAP + 1}&mode={mode}"))
    assert error.message == "could not retrieve file: larger than 2 KB"
    assert error.permanent


def test_default_limit_is_10_mb(server):
    error = _error(server.url(f"/sized?n={10 * 1024 * 1024 + 1}"))
    assert error.message == "could not retrieve file: larger than 10 MB"


def test_endless_body_stops_at_the_limit(server, small_cap):
    started = time.monotonic()
    error = _error(server.url("/endless"))
    assert error.message == "could not retrieve file: larger than 2 KB"
    assert time.monotonic() - started < 2
    assert server.httpd.endless_done.wait(5)
    assert server.httpd.endless_outcome == ["client hung up"]


def test_compression_bomb_is_refused(server, settings):
    settings.FAXPORTAL_MAX_DOCUMENT_BYTES = 64 * 1024
    assert len(BOMB) < 64 * 1024
    error = _error(server.url("/bomb"))
    assert error.message == "could not retrieve file: larger than 64 KB"


@pytest.mark.parametrize("path", ["/slow", "/drip"])
def test_total_timeout(server, settings, path):
    # /drip sends a byte every 50 ms: no single read times out, only the total does.
    settings.FAXPORTAL_FETCH_TIMEOUT = 0.4
    started = time.monotonic()
    error = _error(server.url(path))
    assert time.monotonic() - started < 1.5
    assert error.message == "could not retrieve file: timed out"
    assert error.permanent is False


def test_truncated_body_is_transient(server):
    error = _error(server.url("/truncated"))
    assert "closed before the whole file arrived" in error.message
    assert error.permanent is False


def test_connection_refused_is_transient(allow_loopback):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = _error(f"http://127.0.0.1:{port}/doc.pdf")
    assert error.message == "could not retrieve file: cannot connect to 127.0.0.1"
    assert error.permanent is False


# --- SSRF --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.0.0.1/", "10.0.0.1"),
        ("http://127.0.0.1/", "127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://[::1]/", "::1"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1"),
        ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1"),
        ("http://0x7f.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://0.0.0.0/", "0.0.0.0"),  # noqa: S104 - an address to refuse, not to bind
        ("http://[::]/", "::"),
        ("http://100.64.0.1/", "100.64.0.1"),
        ("http://224.0.0.1/", "224.0.0.1"),
        ("http://[fe80::1]/", "fe80::1"),
        ("http://[fd00::1]/", "fd00::1"),
        ("http://[64:ff9b::a00:1]/", "64:ff9b::a00:1"),
        ("http://[2002:a00:1::1]/", "2002:a00:1::1"),
        ("https://192.168.0.1:8443/", "192.168.0.1"),
    ],
)
def test_non_public_literal_addresses_are_refused(url, address, dns, connections):
    error = _error(url)
    assert error.message == f"could not retrieve file: the address {address} is not allowed"
    assert error.permanent
    assert connections == []
    assert dns.calls == []  # literals are read, never looked up


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/",
        "http://[::ffff:169.254.169.254]/",
        "http://0.0.0.0/",
    ],
)
def test_loopback_permission_does_not_open_private_ranges(allow_loopback, url, connections):
    assert "is not allowed" in _error(url).message
    assert connections == []


def test_odd_loopback_spelling_reaches_loopback_when_allowed(server):
    assert fetch_document(server.url("/doc.pdf", host="0x7f.1")).data == PDF
    assert server.requests[0]["host"] == f"0x7f.1:{server.port}"


@pytest.mark.parametrize(
    ("answer", "refused"),
    [(["10.1.2.3"], "10.1.2.3"), (["93.184.216.34", "10.0.0.1"], "10.0.0.1"), (["::1"], "::1")],
)
def test_names_resolving_to_private_addresses_are_refused(dns, connections, answer, refused):
    dns.add("docs.example.test", answer)
    error = _error("http://docs.example.test/a.pdf")
    assert error.message == f"could not retrieve file: the address {refused} is not allowed"
    assert connections == []


def test_public_addresses_pass_and_are_the_ones_connected_to(dns, monkeypatch):
    dns.add("docs.example.test", ["93.184.216.34", "2606:2800:220:1::1"])
    attempts: list[tuple[list[str], int]] = []

    def refuse(ips: list[str], port: int, timeout: float) -> socket.socket:
        attempts.append((ips, port))
        raise ConnectionRefusedError  # no traffic leaves the machine

    monkeypatch.setattr(net, "_connect", refuse)
    error = _error("https://docs.example.test/a.pdf")
    assert attempts == [(["93.184.216.34", "2606:2800:220:1::1"], 443)]
    assert error.permanent is False


def test_connects_to_the_checked_address_with_the_original_host(server, dns, connections):
    # The second answer would rebind the name to a private address: it must never be asked.
    dns.add("docs.example.test", ["127.0.0.1"], ["10.0.0.1"])
    doc = fetch_document(server.url("/doc.pdf", host="docs.example.test"))
    assert doc.data == PDF
    assert dns.calls == ["docs.example.test"]
    assert connections == ["127.0.0.1"]
    assert server.requests[0]["host"] == f"docs.example.test:{server.port}"


@pytest.mark.parametrize(
    ("host", "permanent"), [("nowhere.example.test", True), ("flaky.example.test", False)]
)
def test_unresolvable_host(host, permanent):
    error = _error(f"http://{host}/")
    assert error.message == f"could not retrieve file: cannot resolve host {host}"
    assert error.permanent is permanent


@pytest.mark.parametrize(
    "url",
    ["ftp://docs.example.test/a.pdf", "file:///etc/passwd", "gopher://x/", "//x.test/a", "data:,x"],
)
def test_only_http_and_https(url, dns):
    error = _error(url)
    assert error.message == "could not retrieve file: only http and https URLs are allowed"
    assert error.permanent
    assert dns.calls == []


@pytest.mark.parametrize(
    "url", ["http://", "http://exa mple.test/", "http://x.test:99999/", "http://x.test:0/"]
)
def test_invalid_urls(url):
    assert _error(url).message == "could not retrieve file: invalid URL"


def test_unexpected_errors_are_wrapped(dns, monkeypatch):
    dns.add("docs.example.test", ["93.184.216.34"])

    def explode(*args: object) -> socket.socket:
        raise RuntimeError("boom")

    monkeypatch.setattr(net, "_connect", explode)
    error = _error("http://docs.example.test/")
    assert error.message == "could not retrieve file: unexpected error"
    assert error.permanent is False


# --- HTTPS: SNI and certificate checked against the name, connection to the checked IP -------


@dataclass
class TLSFiles:
    ca: Path
    server_context: ssl.SSLContext


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> TLSFiles:
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("tls")
    now = datetime.now(UTC)

    def build(subject: str, key, issuer: x509.Name, signer, ca: bool) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(issuer or name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        )
        if ca:
            usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
            builder = builder.add_extension(usage, critical=True)
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("faxportal test CA", ca_key, None, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = build("docs.example.test", leaf_key, ca_cert.subject, ca_key, ca=False)

    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(pem))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    return TLSFiles(folder / "ca.pem", context)


@pytest.fixture
def tls_server(tls_files, allow_loopback, dns) -> Iterator[LocalServer]:
    dns.add("docs.example.test", ["127.0.0.1"])
    dns.add("other.example.test", ["127.0.0.1"])
    for running in _run(tls_files.server_context):
        # Record the SNI name of each handshake.
        tls_files.server_context.sni_callback = _sni_recorder(running.httpd.sni)
        yield running


def _sni_recorder(into: list[str | None]) -> Callable[[ssl.SSLObject, str | None, object], None]:
    def callback(sslobj: ssl.SSLObject, name: str | None, context: object) -> None:
        into.append(name)

    return callback


@pytest.fixture
def trust_test_ca(tls_files, monkeypatch) -> None:
    monkeypatch.setattr(
        net, "_ssl_context", lambda: ssl.create_default_context(cafile=str(tls_files.ca))
    )


def test_https_uses_the_name_for_sni_and_certificate(tls_server, trust_test_ca, connections):
    doc = fetch_document(tls_server.url("/doc.pdf", host="docs.example.test"))
    assert doc.data == PDF
    assert tls_server.httpd.sni == ["docs.example.test"]
    assert connections == ["127.0.0.1"]
    assert tls_server.requests[0]["host"] == f"docs.example.test:{tls_server.port}"


def test_https_certificate_for_another_name_is_refused(tls_server, trust_test_ca):
    error = _error(tls_server.url("/doc.pdf", host="other.example.test"))
    assert "could not be verified" in error.message
    assert error.permanent
    assert tls_server.requests == []


def test_https_untrusted_certificate_is_refused(tls_server):
    error = _error(tls_server.url("/doc.pdf", host="docs.example.test"))
    assert error.message == (
        "could not retrieve file: the TLS certificate of docs.example.test could not be verified"
    )


# --- The same client under webhooks and carriers (faxes.net) -------------------------------


def test_every_caller_ends_at_its_total_timeout_however_slowly_the_server_drips(server, settings):
    # A byte every 50 ms: no read ever waits long enough to time out on its own.
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"^timed out after 0\.4 s$"):
        post(server.url("/drip"), b"{}", {}, 0.4)
    assert time.monotonic() - started < 1.5

    started = time.monotonic()
    with pytest.raises(CarrierHTTPError, match=r"^timed out reading the answer$") as caught:
        call("GET", server.url("/drip"), timeout=0.2)  # 0.4 s in all
    assert time.monotonic() - started < 1.5
    assert caught.value.sent and not caught.value.permanent


def test_webhook_tls_is_checked_against_the_name(tls_server, trust_test_ca, connections):
    answer = post(tls_server.url("/echo", host="docs.example.test"), b"{}", {}, 5)
    assert answer.ok and json.loads(answer.body)["host"] == f"docs.example.test:{tls_server.port}"
    assert tls_server.httpd.sni == ["docs.example.test"]
    assert connections == ["127.0.0.1"]
    with pytest.raises(DeliveryError) as caught:
        post(tls_server.url("/echo", host="other.example.test"), b"{}", {}, 5)
    assert caught.value.message == "the TLS certificate of other.example.test could not be verified"


def test_proxies_from_the_environment_are_not_used(server, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nobody listens there
    assert fetch_document(server.url("/doc.pdf")).data == PDF
    assert server.requests[0]["path"] == "/doc.pdf"  # origin form: no proxy in between


def test_urls_are_not_logged(server, caplog):
    # URLs may carry signed query strings under any name; only hosts belong in the log.
    with caplog.at_level(logging.DEBUG):
        fetch_document(server.url("/doc.pdf?k=s3cret"))
        post(server.url("/echo?s3cret"), b"{}", {}, 5)
    assert "s3cret" not in caplog.text
