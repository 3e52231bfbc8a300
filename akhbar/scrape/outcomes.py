"""Outcome names of one fetch: snake_case constants, counted per source and reported per URL."""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
NOT_MODIFIED = "not_modified"
ROBOTS_DENIED = "robots_denied"
RATE_LIMITED_RETRIED = "rate_limited_retried"
RATE_LIMITED = "rate_limited"
TIMEOUT = "timeout"
TOO_LARGE = "too_large"
BLOCKED_ADDRESS = "blocked_address"
MALFORMED_XML = "malformed_xml"
HTTP_ERROR = "http_error"
CONNECTION_ERROR = "connection_error"
BAD_URL = "bad_url"
TOO_MANY_REDIRECTS = "too_many_redirects"
OFF_DOMAIN = "off_domain"
BAD_ENCODING = "bad_encoding"
EMPTY_PAGE = "empty_page"
INCOMPLETE = "incomplete"  # state only (feed_state.last_status), never a fetch outcome

ALL = {
    OK: "fetched (2xx) and used",
    NOT_MODIFIED: "the server answered 304 to a conditional GET: nothing new",
    ROBOTS_DENIED: "robots.txt disallows the URL for our user agent (or robots.txt was unreachable: 5xx)",
    RATE_LIMITED_RETRIED: "429 (Too Many Requests) at first, fetched after waiting (Retry-After honoured)",
    RATE_LIMITED: "still 429 after every retry",
    TIMEOUT: "no complete answer within the timeout (connect, read or whole-response deadline)",
    TOO_LARGE: "the body exceeded the size cap; the download was stopped",
    BLOCKED_ADDRESS: "the host resolves to a private/loopback/link-local/multicast/reserved address not allowed",
    MALFORMED_XML: "a feed or sitemap that is not well-formed XML (items recovered, if any, are still used)",
    HTTP_ERROR: "a 4xx/5xx answer (5xx after retries)",
    CONNECTION_ERROR: "connection refused/reset or DNS failure (after retries)",
    BAD_URL: "not an http/https URL, or no host",
    TOO_MANY_REDIRECTS: "more redirects than the configured maximum",
    OFF_DOMAIN: "an item link outside the source's allowed domains: not fetched",
    BAD_ENCODING: "a page whose bytes decode in no plausible encoding",
    EMPTY_PAGE: "a page fetched but no article text extracted (and no feed summary to fall back on)",
    INCOMPLETE: "(feed_state only) a sitemap read whose items partly failed: it is read again next run",
}


@dataclass(slots=True)
class Outcome:
    """What happened to one URL of one source."""

    source: str
    url: str
    kind: str  # robots | feed | sitemap | page
    status: str  # one of ALL
    reason: str = ""
    http_status: int | None = None
    attempts: int = 0
    bytes: int = 0
