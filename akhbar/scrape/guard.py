"""Address guard: which URLs and resolved addresses the scraper may contact.

Pure functions (no I/O) except `system_resolver`. The rule: only http/https, and every address a host
resolves to must be globally routable unless the host (or that exact address) is explicitly allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]

ALLOWED_SCHEMES = ("http", "https")

# Ranges that `is_global` calls global but no scraper should reach.
_EXTRA_BLOCKED = [
    ipaddress.ip_network("100.64.0.0/10"),  # carrier-grade NAT (shared address space)
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64
]


class BlockedAddressError(Exception):
    """Raised at connect time when a host resolves to an address the guard refuses."""


def check_url(url: str) -> tuple[bool, str]:
    """Return (ok, reason): the URL is absolute http/https with a host."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return False, f"unparseable URL: {exc}"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return False, f"scheme {parts.scheme or '(none)'!r} is not http/https"
    if not parts.hostname:
        return False, "no host in URL"
    try:
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        return False, f"bad port: {exc}"
    return True, ""


def parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parse an IP literal (IPv6 may carry brackets or a %zone); None if it is a host name."""
    text = text.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_public_address(address: str) -> bool:
    """Return True when an IP address is globally routable unicast (safe to contact).

    >>> is_public_address("93.184.216.34"), is_public_address("10.0.0.1"), is_public_address("::1")
    (True, False, False)
    """
    ip = parse_ip(address)
    if ip is None:
        return False
    # IPv4 written inside IPv6 (::ffff:10.0.0.1, 2002::/16 6to4) must be judged as the IPv4 it carries.
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is not None:
            return is_public_address(str(inner))
    if ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip.is_link_local or ip.is_loopback:
        return False
    if ip.is_private or not ip.is_global:
        return False
    return not any(ip in net for net in _EXTRA_BLOCKED if net.version == ip.version)


def check_addresses(host: str, addresses: Iterable[str], allow_hosts: Iterable[str] = ()) -> tuple[bool, str]:
    """Return (ok, reason): every resolved address is public, or the host/address is allowed."""
    allowed = {a.lower().strip("[]") for a in allow_hosts}
    host = host.lower().strip("[]")
    addresses = list(addresses)
    if not addresses:
        return False, f"{host} resolved to no address"
    if host in allowed:
        return True, ""
    for address in addresses:
        plain = address.split("%", 1)[0]
        if plain.lower() in allowed:
            continue
        if not is_public_address(plain):
            return False, f"{host} resolves to non-public address {plain}"
    return True, ""


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve a host with getaddrinfo; IP literals are returned as they are, unresolved."""
    if parse_ip(host) is not None:
        return [host.strip("[]")]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def guard_url(
    url: str, allow_hosts: Iterable[str] = (), resolver: Resolver = system_resolver
) -> tuple[bool, str]:
    """Return (ok, reason) for contacting a URL: scheme, host, and every address it resolves to."""
    ok, reason = check_url(url)
    if not ok:
        return False, reason
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        return False, f"cannot resolve {host}: {exc}"
    return check_addresses(host, addresses, allow_hosts)
