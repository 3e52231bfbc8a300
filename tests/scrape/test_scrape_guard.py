"""The address guard as pure functions, and its connect-time twin inside the transport."""

from __future__ import annotations

import pytest

from akhbar.scrape.guard import (
    BlockedAddressError,
    check_addresses,
    check_url,
    guard_url,
    is_public_address,
)
from akhbar.scrape.http import _GuardedBackend
from tests.scrape.helpers_scrape import no_dns


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "10.255.255.255",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata endpoint
        "127.0.0.1",
        "127.0.0.2",
        "0.0.0.0",
        "100.64.0.1",  # carrier-grade NAT
        "192.0.0.8",
        "198.18.0.1",  # benchmarking
        "224.0.0.1",  # multicast
        "239.255.255.250",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::",
        "::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fe80::1%eth0",
        "ff02::1",  # multicast
        "::ffff:10.0.0.1",  # IPv4-mapped private
        "::ffff:127.0.0.1",
        "2002:a00:1::1",  # 6to4 wrapping 10.0.0.1
        "2001:db8::1",  # documentation
        "[::1]",
        "not-an-ip",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "172.32.0.1", "11.0.0.1", "2606:4700:4700::1111"]
)
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.mehrnews.com/rss", True),
        ("http://127.0.0.1:8080/feed", True),
        ("ftp://example.ir/feed", False),
        ("file:///etc/passwd", False),
        ("javascript:alert(1)", False),
        ("gopher://x.ir/", False),
        ("http://", False),
        ("/relative/path", False),
        ("https://x.ir:99999/", False),
    ],
)
def test_only_absolute_http_urls_pass(url: str, ok: bool) -> None:
    assert check_url(url)[0] is ok


def test_every_resolved_address_must_be_public() -> None:
    ok, reason = check_addresses("mixed.test", ["93.184.216.34", "10.1.2.3"])
    assert not ok and "10.1.2.3" in reason
    assert check_addresses("public.test", ["93.184.216.34", "2606:4700:4700::1111"]) == (True, "")
    assert not check_addresses("nothing.test", [])[0]


def test_allow_hosts_admits_a_named_host_or_an_exact_address() -> None:
    assert check_addresses("intranet.test", ["10.0.0.5"], {"intranet.test"})[0]
    assert check_addresses("127.0.0.1", ["127.0.0.1"], {"127.0.0.1"})[0]
    # Allowing 127.0.0.1 does not allow the rest of 127.0.0.0/8.
    assert not check_addresses("127.0.0.2", ["127.0.0.2"], {"127.0.0.1"})[0]
    assert not check_addresses("other.test", ["10.0.0.6"], {"intranet.test"})[0]


def test_guard_url_resolves_names_with_the_given_resolver() -> None:
    resolver = no_dns({"news.test": "192.168.0.10", "pub.test": "93.184.216.34"})
    ok, reason = guard_url("https://news.test/rss", (), resolver)
    assert not ok and "192.168.0.10" in reason
    assert guard_url("https://pub.test/rss", (), resolver) == (True, "")
    ok, reason = guard_url("https://unknown.test/rss", (), resolver)
    assert not ok and reason.startswith("cannot resolve")
    assert not guard_url("ftp://pub.test/", (), resolver)[0]


def test_connect_time_guard_refuses_a_host_that_re_resolves_to_loopback() -> None:
    # DNS rebinding: whatever the pre-check saw, the connection itself re-checks what it connects to.
    backend = _GuardedBackend(no_dns({"rebind.test": "127.0.0.2"}), allow_hosts={"127.0.0.1"})
    with pytest.raises(BlockedAddressError, match=r"127\.0\.0\.2"):
        backend.connect_tcp("rebind.test", 80, timeout=0.1)
