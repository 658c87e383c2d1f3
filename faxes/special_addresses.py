"""The addresses the portal never connects to on a client's behalf, spelled out.

Document URLs, webhook endpoints and carrier media links all come from outside, so every address
they resolve to is checked here before a connection is opened. The rule is an explicit list,
not ``ipaddress``'s ``is_global``: the Python this runs on predates the CVE-2024-4032 fix, whose
``is_global`` still says yes to 192.0.0.0/24, to NAT64 addresses of private hosts
(64:ff9b::a00:1) and to the deprecated site-local fec0::/10.

The list holds every row of the IANA IPv4 and IPv6 Special-Purpose Address Registries
(https://www.iana.org/assignments/iana-ipv4-special-registry/ and
https://www.iana.org/assignments/iana-ipv6-special-registry/, as of 2025-10), globally reachable
or not (no document server lives on an AS112 or TURN anycast address), plus the blocks outside
them that are never a public unicast host: IPv4 and IPv6 multicast, IPv4-compatible IPv6 and
site-local IPv6. Any IPv6 address outside the global unicast space 2000::/3 is refused too, as
IANA allocates nothing else.

Three kinds of rows are not simply refused:

- loopback (127.0.0.0/8, ::1) is allowed when the caller allows it (tests, single-host set-ups);
- IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96 and 6to4 2002::/16 reach the IPv4 address they
  carry, so that address is what gets checked;
- Teredo (2001::/32) carries an IPv4 address too, but it sits inside 2001::/23, which is not
  globally reachable as a whole: refused like the rest of that block.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import Enum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Rule(Enum):
    REFUSE = "refuse"
    LOOPBACK = "loopback"  # only when the caller allows loopback
    EMBEDDED_IPV4 = "embedded IPv4"  # the IPv4 address inside decides


@dataclass(frozen=True)
class SpecialRange:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    name: str
    rule: Rule = Rule.REFUSE


def _row(cidr: str, name: str, rule: Rule = Rule.REFUSE) -> SpecialRange:
    return SpecialRange(ipaddress.ip_network(cidr), name, rule)


NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the last 32 bits are the IPv4 address reached


IPV4_SPECIAL = (
    _row("0.0.0.0/8", '"This network"'),
    _row("0.0.0.0/32", '"This host on this network"'),
    _row("10.0.0.0/8", "Private-Use"),
    _row("100.64.0.0/10", "Shared Address Space"),
    _row("127.0.0.0/8", "Loopback", Rule.LOOPBACK),
    _row("169.254.0.0/16", "Link Local"),
    _row("172.16.0.0/12", "Private-Use"),
    _row("192.0.0.0/24", "IETF Protocol Assignments"),
    _row("192.0.0.0/29", "IPv4 Service Continuity Prefix"),
    _row("192.0.0.8/32", "IPv4 dummy address"),
    _row("192.0.0.9/32", "Port Control Protocol Anycast"),
    _row("192.0.0.10/32", "Traversal Using Relays around NAT Anycast"),
    _row("192.0.0.170/32", "NAT64/DNS64 Discovery"),
    _row("192.0.0.171/32", "NAT64/DNS64 Discovery"),
    _row("192.0.2.0/24", "Documentation (TEST-NET-1)"),
    _row("192.31.196.0/24", "AS112-v4"),
    _row("192.52.193.0/24", "AMT"),
    _row("192.88.99.0/24", "Deprecated (6to4 Relay Anycast)"),
    _row("192.88.99.2/32", "6a44-relay anycast address"),
    _row("192.168.0.0/16", "Private-Use"),
    _row("192.175.48.0/24", "Direct Delegation AS112 Service"),
    _row("198.18.0.0/15", "Benchmarking"),
    _row("198.51.100.0/24", "Documentation (TEST-NET-2)"),
    _row("203.0.113.0/24", "Documentation (TEST-NET-3)"),
    _row("240.0.0.0/4", "Reserved"),
    _row("255.255.255.255/32", "Limited Broadcast"),
    # Not in the special-purpose registry (IANA has a multicast registry of its own).
    _row("224.0.0.0/4", "Multicast"),
)

IPV6_SPECIAL = (
    _row("::1/128", "Loopback Address", Rule.LOOPBACK),
    _row("::/128", "Unspecified Address"),
    _row("::ffff:0:0/96", "IPv4-mapped Address", Rule.EMBEDDED_IPV4),
    _row("64:ff9b::/96", "IPv4-IPv6 Translation", Rule.EMBEDDED_IPV4),
    # Local-use NAT64: the operator picks where in the /48 the IPv4 address goes, so it
    # cannot be read back; never public anyway.
    _row("64:ff9b:1::/48", "IPv4-IPv6 Translation (local use)"),
    _row("100::/64", "Discard-Only Address Block"),
    _row("100:0:0:1::/64", "Dummy IPv6 Prefix"),
    _row("2001::/23", "IETF Protocol Assignments"),
    _row("2001::/32", "TEREDO"),
    _row("2001:1::1/128", "Port Control Protocol Anycast"),
    _row("2001:1::2/128", "Traversal Using Relays around NAT Anycast"),
    _row("2001:1::3/128", "DNS-SD Service Registration Protocol Anycast"),
    _row("2001:2::/48", "Benchmarking"),
    _row("2001:3::/32", "AMT"),
    _row("2001:4:112::/48", "AS112-v6"),
    _row("2001:10::/28", "Deprecated (previously ORCHID)"),
    _row("2001:20::/28", "ORCHIDv2"),
    _row("2001:30::/28", "Drone Remote ID Protocol Entity Tags (DETs) Prefix"),
    _row("2001:db8::/32", "Documentation"),
    _row("2002::/16", "6to4", Rule.EMBEDDED_IPV4),
    _row("2620:4f:8000::/48", "Direct Delegation AS112 Service"),
    _row("3fff::/20", "Documentation"),
    _row("5f00::/16", "Segment Routing (SRv6) SIDs"),
    _row("fc00::/7", "Unique-Local"),
    _row("fe80::/10", "Link-Local Unicast"),
    # Not in the special-purpose registry, but never a public host either.
    _row("::/96", "IPv4-compatible Address (deprecated)"),
    _row("fec0::/10", "Site-Local (deprecated)"),
    _row("ff00::/8", "Multicast"),
)

SPECIAL_RANGES = IPV4_SPECIAL + IPV6_SPECIAL
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")

# Longest prefix first, so the most specific row decides (192.0.0.9/32 before 192.0.0.0/24,
# ::ffff:0:0/96 before ::/96).
_BY_SPECIFICITY = sorted(SPECIAL_RANGES, key=lambda row: -row.network.prefixlen)


def special_range(ip: IPAddress) -> SpecialRange | None:
    """The most specific special-purpose row that contains ``ip``, if any."""
    for row in _BY_SPECIFICITY:
        if row.network.version == ip.version and ip in row.network:
            return row
    return None


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address reached through an IPv4-mapped, NAT64 or 6to4 address."""
    if ip.ipv4_mapped is not None:  # ::ffff:10.0.0.1
        return ip.ipv4_mapped
    if ip.sixtofour is not None:  # 2002:a00:1::
        return ip.sixtofour
    if ip in NAT64:  # 64:ff9b::a00:1
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_allowed(ip: IPAddress, *, allow_loopback: bool) -> bool:
    """Whether the portal may connect to ``ip`` for a URL someone else gave it."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        ip = ipaddress.IPv6Address(ip.compressed.split("%", 1)[0])  # fe80::1%eth0
    row = special_range(ip)
    if row is None:
        # IANA allocates IPv6 unicast only from 2000::/3; the rest is reserved.
        return ip.version == 4 or ip in GLOBAL_UNICAST_V6
    if row.rule is Rule.LOOPBACK:
        return allow_loopback
    if row.rule is Rule.EMBEDDED_IPV4:
        assert isinstance(ip, ipaddress.IPv6Address)
        embedded = embedded_ipv4(ip)
        return embedded is not None and is_allowed(embedded, allow_loopback=allow_loopback)
    return False
