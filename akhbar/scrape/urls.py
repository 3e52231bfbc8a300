"""URL helpers: one normalized spelling per article URL, host/domain matching."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track the click, never select the article.
_TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "_ga")

# Characters left as they are when re-quoting a path: RFC 3986 reserved + unreserved.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def normalize_url(url: str) -> str:
    """Return one spelling of a URL: lower-case scheme/host, no default port, no fragment or tracking.

    Persian slugs written raw or percent-encoded normalize to the same string.

    >>> normalize_url("HTTPS://WWW.Tabnak.ir:443/fa/news/1/%D8%AE%D8%A8%D8%B1?utm_source=x#top")
    'https://www.tabnak.ir/fa/news/1/%D8%AE%D8%A8%D8%B1'
    >>> normalize_url("https://www.tabnak.ir/fa/news/1/خبر") == normalize_url("https://www.tabnak.ir/fa/news/1/%d8%ae%d8%a8%d8%b1")
    True
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    except UnicodeError:
        pass
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE) or "/"
    query_pairs = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    query = urlencode(query_pairs, doseq=True) if query_pairs else ""
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """Return the lower-case host of a URL ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def origin_of(url: str) -> str:
    """Return scheme://host[:port] of a URL (the key robots.txt and rate limits are kept by)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def in_domains(url: str, domains: list[str] | tuple[str, ...]) -> bool:
    """Return True when the URL's host is one of the domains or a subdomain of one (empty list: any).

    >>> in_domains("https://www.mehrnews.com/news/1", ["mehrnews.com"]), in_domains("https://evil.com/", ["mehrnews.com"])
    (True, False)
    """
    if not domains:
        return True
    host = host_of(url)
    return any(host == d or host.endswith("." + d) for d in (d.lower().lstrip(".") for d in domains))
