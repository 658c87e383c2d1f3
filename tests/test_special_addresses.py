"""Every row of the special-purpose list, through every guard that opens a connection for a URL
someone else gave us: document URLs, webhook endpoints and carrier media downloads.

For each row the first, the middle and the last address are tried, as an IP literal, so no
resolver is involved. No test connects anywhere: the guards refuse, or the connection is
recorded and refused before it leaves the machine.
"""

from __future__ import annotations

import ipaddress
import json
import socket

import pytest

from faxes import net
from faxes.carriers.http import CarrierHTTPError, download
from faxes.fetch import DocumentFetchError, fetch_document
from faxes.models import WebhookEndpoint
from faxes.special_addresses import IPV4_SPECIAL, SPECIAL_RANGES, Rule, SpecialRange
from faxes.webhooks.http import DeliveryError, check_url
from tests.conftest import token_client

PUBLIC_V4 = ipaddress.IPv4Address("93.184.216.34")


def _samples(row: SpecialRange) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    network = row.network
    return [
        network.network_address,
        network.network_address + network.num_addresses // 2,
        network.broadcast_address,
    ]


def _url(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    return f"http://{ip}/doc.pdf" if ip.version == 4 else f"http://[{ip}]/doc.pdf"


@pytest.fixture
def attempts(monkeypatch) -> list[str]:
    """Addresses a guard let through: the fetcher's connect step, recorded and refused."""
    tried: list[str] = []

    def refuse(ips: list[str], port: int, timeout: float) -> socket.socket:
        tried.extend(ips)
        raise ConnectionRefusedError

    monkeypatch.setattr(net, "_connect", refuse)
    return tried


def _fetch_refused(url: str) -> bool:
    with pytest.raises(DocumentFetchError) as caught:
        fetch_document(url)
    return "is not allowed" in caught.value.message


def _webhook_refused(url: str) -> bool:
    try:
        check_url(url)
    except DeliveryError as exc:
        assert "is not allowed" in exc.message, exc.message
        return True
    return False


def _download_refused(url: str) -> bool:
    with pytest.raises(CarrierHTTPError) as caught:
        download(url, auth_headers={}, auth_hosts=frozenset(), max_bytes=1000, timeout=1)
    return "is not allowed" in caught.value.message


GUARDS = {
    "document URL": _fetch_refused,
    "webhook": _webhook_refused,
    "carrier media": _download_refused,
}


def _verdicts(ip, settings, *, allow_loopback: bool) -> dict[str, bool]:
    settings.FAXPORTAL_FETCH_ALLOW_LOOPBACK = allow_loopback
    return {name: guard(_url(ip)) for name, guard in GUARDS.items()}


def _all(refused: bool) -> dict[str, bool]:
    return dict.fromkeys(GUARDS, refused)


@pytest.mark.parametrize("row", SPECIAL_RANGES, ids=lambda row: str(row.network))
def test_every_special_range_is_refused_by_every_guard(row, settings, attempts):
    for ip in _samples(row):
        if row.rule is Rule.EMBEDDED_IPV4:
            continue  # the IPv4 address inside decides: see the next test
        assert _verdicts(ip, settings, allow_loopback=False) == _all(True), (row.name, ip)
        # Allowing loopback opens loopback, and nothing else.
        expected = _all(row.rule is not Rule.LOOPBACK)
        assert _verdicts(ip, settings, allow_loopback=True) == expected, (row.name, ip)
    if row.rule is not Rule.LOOPBACK:
        assert attempts == []


def _embed(kind: str, v4: ipaddress.IPv4Address) -> ipaddress.IPv6Address:
    if kind == "::ffff:0:0/96":
        return ipaddress.IPv6Address(0xFFFF << 32 | int(v4))
    if kind == "64:ff9b::/96":
        return ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(v4))
    return ipaddress.IPv6Address(0x2002 << 112 | int(v4) << 80 | 1)  # 2002:AABB:CCDD::1


EMBEDDING = [row for row in SPECIAL_RANGES if row.rule is Rule.EMBEDDED_IPV4]


def test_the_embedding_forms_are_ipv4_mapped_nat64_and_6to4():
    assert [str(row.network) for row in EMBEDDING] == ["::ffff:0:0/96", "64:ff9b::/96", "2002::/16"]


@pytest.mark.parametrize("kind", [str(row.network) for row in EMBEDDING])
@pytest.mark.parametrize("row", IPV4_SPECIAL, ids=lambda row: str(row.network))
def test_every_special_ipv4_range_is_refused_inside_ipv6(kind, row, settings, attempts):
    for v4 in _samples(row):
        ip = _embed(kind, v4)
        assert _verdicts(ip, settings, allow_loopback=False) == _all(True), (row.name, ip)
        expected = _all(row.rule is not Rule.LOOPBACK)
        assert _verdicts(ip, settings, allow_loopback=True) == expected, (row.name, ip)


@pytest.mark.parametrize("kind", [str(row.network) for row in EMBEDDING])
def test_a_public_ipv4_inside_ipv6_is_allowed(kind, settings, attempts):
    ip = _embed(kind, PUBLIC_V4)
    assert _verdicts(ip, settings, allow_loopback=False) == _all(False)
    # The first and last addresses of these rows carry 0.0.0.0 and 255.255.255.255; the
    # middle one carries 128.0.0.0, an ordinary public address.
    row = next(row for row in EMBEDDING if str(row.network) == kind)
    first, middle, last = _samples(row)
    assert _verdicts(first, settings, allow_loopback=False) == _all(True)
    assert _verdicts(middle, settings, allow_loopback=False) == _all(False)
    assert _verdicts(last, settings, allow_loopback=False) == _all(True)


@pytest.mark.parametrize(
    "address",
    ["192.0.0.1", "192.0.0.9", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "fec0::1", "fec0::a00:1"],
)
def test_the_addresses_is_global_lets_through_are_refused(address, settings, attempts):
    assert _verdicts(ipaddress.ip_address(address), settings, allow_loopback=False) == _all(True)
    assert attempts == []


@pytest.mark.parametrize("address", ["1::1", "4000::1", "8000::1", "e000::1", "fe00::1"])
def test_ipv6_outside_global_unicast_is_refused(address, settings, attempts):
    assert _verdicts(ipaddress.ip_address(address), settings, allow_loopback=False) == _all(True)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "128.0.0.0", "2606:2800:220:1::1", "2001:4860::8888"]
)
def test_public_addresses_pass_every_guard(address, settings, attempts):
    assert _verdicts(ipaddress.ip_address(address), settings, allow_loopback=False) == _all(False)


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["192.0.0.1", "[64:ff9b::a00:1]", "[fec0::1]", "[2001:db8::1]"])
def test_webhook_registration_refuses_them_with_400(acme, address):
    client = token_client(acme.account, "faxbox:manage")
    response = client.post(
        "/api/v1/webhooks",
        json.dumps({"url": f"https://{address}/hook"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert "is not allowed" in response.json()["message"]
    assert not WebhookEndpoint.objects.exists()
