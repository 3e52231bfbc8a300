"""Raw archive: every fetched response kept as a gzipped WARC record, so pages can be re-extracted offline.

One WARC file per scrape run under `archive_dir`; a record is addressed by `raw_ref` =
"<file name>#<byte offset>" (each record is its own gzip member, so a reader seeks straight to it).
"""

from __future__ import annotations

import io
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# The body is stored decoded (httpx undoes gzip/br), so these headers would describe the wrong bytes.
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(slots=True)
class ArchivedResponse:
    """One response read back from the archive."""

    raw_ref: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str


class RawArchive:
    """Append fetched responses to a gzipped WARC file; thread-safe."""

    def __init__(self, archive_dir: Path, *, run_name: str | None = None) -> None:
        self.archive_dir = Path(archive_dir)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.file_name = f"akhbar-{run_name or stamp}-{secrets.token_hex(3)}.warc.gz"
        self._lock = threading.Lock()
        self._fh: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self.records = 0

    @property
    def path(self) -> Path:
        return self.archive_dir / self.file_name

    def write(self, url: str, status: int, headers: dict[str, str], body: bytes, fetched_at: str) -> str:
        """Store one response and return its raw_ref."""
        http_headers = [(k, v) for k, v in headers.items() if k.lower() not in _DROP_HEADERS]
        http_headers.append(("Content-Length", str(len(body))))
        status_line = f"{status} {_REASONS.get(status, 'OK')}"
        with self._lock:
            if self._writer is None:
                self.archive_dir.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path, "ab")  # kept open for the run, closed in close()
                self._writer = WARCWriter(self._fh, gzip=True)
            assert self._fh is not None
            offset = self._fh.tell()
            record = self._writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=StatusAndHeaders(status_line, http_headers, protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": _warc_date(fetched_at)},
            )
            self._writer.write_record(record)
            self._fh.flush()
            self.records += 1
        return f"{self.file_name}#{offset}"

    def close(self) -> None:
        """Close the WARC file (later writes reopen it in append mode)."""
        with self._lock:
            if self._fh is not None:
                self._fh.close()
            self._fh = None
            self._writer = None

    def __enter__(self) -> RawArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_response(archive_dir: Path, raw_ref: str) -> ArchivedResponse:
    """Read the response a raw_ref points to (no network)."""
    name, _, offset = raw_ref.rpartition("#")
    path = Path(archive_dir) / name
    # raw_ref comes from our own tables, but never let it point outside the archive.
    if Path(name).name != name or not name.endswith(".warc.gz"):
        raise ValueError(f"not an archive reference: {raw_ref!r}")
    with open(path, "rb") as fh:
        fh.seek(int(offset))
        for record in ArchiveIterator(fh):
            return _to_response(record, raw_ref)
    raise ValueError(f"no record at {raw_ref!r}")


def iter_archive(archive_dir: Path) -> Iterator[ArchivedResponse]:
    """Yield every archived response, oldest file first."""
    for path in sorted(Path(archive_dir).glob("*.warc.gz")):
        with open(path, "rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                if record.rec_type != "response":
                    continue
                yield _to_response(record, f"{path.name}#{iterator.get_record_offset()}")


def _to_response(record: object, raw_ref: str) -> ArchivedResponse:
    http = record.http_headers  # type: ignore[attr-defined]
    return ArchivedResponse(
        raw_ref=raw_ref,
        url=record.rec_headers.get_header("WARC-Target-URI"),  # type: ignore[attr-defined]
        status=int(http.get_statuscode()),
        headers={k.lower(): v for k, v in http.headers},
        body=record.content_stream().read(),  # type: ignore[attr-defined]
        fetched_at=record.rec_headers.get_header("WARC-Date"),  # type: ignore[attr-defined]
    )


def _warc_date(iso: str) -> str:
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_REASONS = {200: "OK", 203: "Non-Authoritative Information", 206: "Partial Content"}
