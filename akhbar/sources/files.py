"""Read news files into RawRecords: .txt folders, JSONL, JSON arrays, CSV/TSV, each optionally gzipped.

Everything streams: a JSON array is decoded object by object and a CSV row by row, so memory is bounded
by the largest single record, never by the file. Whatever cannot be read becomes a Reject with its origin
(file and line) and a reason; the rest of the file still loads.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from akhbar import reasons
from akhbar.records import Origin, RawRecord, Reject

TEXT_EXTS = (".txt",)
JSONL_EXTS = (".jsonl", ".ndjson")
JSON_EXTS = (".json",)
CSV_EXTS = (".csv", ".tsv")
SUPPORTED = TEXT_EXTS + JSONL_EXTS + JSON_EXTS + CSV_EXTS

csv.field_size_limit(2**31 - 1)


@dataclass(slots=True)
class FieldMap:
    """Which input field feeds which record field: candidates tried in order (first present wins)."""

    id: list[str] = field(default_factory=lambda: ["id", "news_id", "code", "guid", "source_id"])
    url: list[str] = field(default_factory=lambda: ["url", "link", "href"])
    title: list[str] = field(default_factory=lambda: ["title", "headline"])
    lead: list[str] = field(default_factory=lambda: ["lead", "abstract", "introtext", "summary", "description"])
    body: list[str] = field(default_factory=lambda: ["body", "text", "content", "article", "paragraphs"])
    date: list[str] = field(default_factory=lambda: ["date", "published", "published_at", "pubDate", "datetime"])
    agency: list[str] = field(default_factory=lambda: ["agency", "source", "network", "website", "publisher"])
    category: list[str] = field(default_factory=lambda: ["category", "cat", "label", "section"])
    tags: list[str] = field(default_factory=lambda: ["tags", "keywords"])

    @classmethod
    def with_overrides(cls, overrides: dict[str, str] | None) -> FieldMap:
        """Put user-given ``field=column`` mappings first in each candidate list."""
        fm = cls()
        for name, column in (overrides or {}).items():
            if name not in fm.__slots__:  # type: ignore[attr-defined]
                raise ValueError(f"unknown field {name!r}; known: {', '.join(fm.__slots__)}")  # type: ignore[attr-defined]
            setattr(fm, name, [column, *[c for c in getattr(fm, name) if c != column]])
        return fm


@dataclass(slots=True)
class ReadLimits:
    """Size limits that keep one bad file from exhausting memory or disk."""

    max_article_bytes: int = 5_000_000
    max_file_bytes: int = 2_000_000_000


@dataclass(slots=True)
class ReadStats:
    """What discovery saw."""

    files: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    bytes_total: int = 0
    bytes_done: int = 0  # input bytes of the files read to the end (progress)
    converted_encodings: dict[str, int] = field(default_factory=dict)


class TooLarge(Exception):
    """A file decompressed past the configured limit."""


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for kind, exts in (("txt", TEXT_EXTS), ("jsonl", JSONL_EXTS), ("json", JSON_EXTS), ("csv", CSV_EXTS)):
        if name.endswith(exts):
            return kind
    return None


def discover(paths: Iterable[str | Path], stats: ReadStats) -> Iterator[tuple[Path, Reject | None]]:
    """Yield input files under the given paths (recursive, sorted, hidden files skipped).

    Symlinked directories are not followed (no loops); a file that cannot be opened yields a Reject.
    """
    for given in paths:
        p = Path(given)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield from _candidate(Path(root) / name, stats)
        elif p.exists() or p.is_symlink():
            yield from _candidate(p, stats)
        else:
            yield p, Reject(Origin(str(p), None, p.name), reasons.UNREADABLE, "no such file or directory")


def _candidate(path: Path, stats: ReadStats) -> Iterator[tuple[Path, Reject | None]]:
    if _kind(path) is None:
        stats.skipped.append(str(path))
        return
    try:
        size = path.stat().st_size
    except OSError as exc:  # symlink loop, dangling link, permission
        yield path, Reject(Origin(str(path), None, path.name), reasons.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
        return
    stats.files.append(str(path))
    stats.bytes_total += size
    yield path, None


class _Capped(io.RawIOBase):
    """A byte stream that raises TooLarge after ``limit`` bytes (guards against gzip bombs)."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner, self.limit, self.count = inner, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.inner.read(len(b))
        self.count += len(data)
        if self.count > self.limit:
            raise TooLarge(f"more than {self.limit} bytes after decompression")
        b[: len(data)] = data
        return len(data)


def _open_bytes(path: Path, limits: ReadLimits) -> IO[bytes]:
    raw: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by the caller via the wrapper
    if path.name.lower().endswith(".gz"):
        raw = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
    return io.BufferedReader(_Capped(raw, limits.max_file_bytes), buffer_size=1 << 16)


_PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")


def sniff_encoding(head: bytes) -> tuple[str | None, str]:
    """Choose an encoding from the first bytes: BOMs, then UTF-8, then Windows-1256 if it reads as Persian.

    Returns ``(encoding or None, note)``; None means no decoding is plausible.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "utf-8 with BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "utf-16 with BOM"
    try:
        # A multi-byte character may be cut at the end of the sniffed head: ignore only that.
        head.decode("utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and exc.reason in ("unexpected end of data",):
            return "utf-8", "utf-8"
        if exc.start >= len(head) - 3:
            try:
                head[: exc.start].decode("utf-8")
                return "utf-8", "utf-8"
            except UnicodeDecodeError:
                pass
    text = head.decode("cp1256", errors="replace")
    # Real Windows-1256 Persian reads as words: mostly Arabic-script letters, separated by spaces.
    # Random high bytes also decode to letters in cp1256, but with no word structure.
    spaces = text.count(" ") + text.count("\n")
    visible = len(text) - spaces
    if visible and "\ufffd" not in text and spaces / len(text) >= 0.05 and len(_PERSIAN_LETTERS.findall(text)) / visible >= 0.6:
        return "cp1256", "windows-1256"
    return None, "no plausible encoding"


def _text_stream(path: Path, limits: ReadLimits, stats: ReadStats) -> tuple[IO[str] | None, Reject | None]:
    """Open a file as text with the sniffed encoding; undecodable bytes become U+FFFD (rejected per record)."""
    origin = Origin(str(path), None, path.name)
    try:
        b = _open_bytes(path, limits)
        head = b.peek(65536)[:65536]
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        reason = reasons.BAD_GZIP if isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile)) else reasons.UNREADABLE
        return None, Reject(origin, reason, f"{type(exc).__name__}: {exc}")
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        b.close()
        return None, Reject(origin, reasons.BINARY_CONTENT, "NUL bytes in a text file")
    enc, note = sniff_encoding(head)
    if enc is None:
        b.close()
        return None, Reject(origin, reasons.BAD_ENCODING, note)
    if enc != "utf-8":
        stats.converted_encodings[note] = stats.converted_encodings.get(note, 0) + 1
    return io.TextIOWrapper(b, encoding=enc, errors="replace", newline=""), None


def read_file(path: Path, fields: FieldMap, limits: ReadLimits, stats: ReadStats) -> Iterator[RawRecord | Reject]:
    """Read one input file into records and rejects (never raises for bad content)."""
    kind = _kind(path)
    origin = Origin(str(path), None, path.name)
    stream, rej = _text_stream(path, limits, stats)
    if rej is not None:
        yield rej
        return
    assert stream is not None
    line_seen = 0
    try:
        with stream:
            if kind == "txt":
                it: Iterator[RawRecord | Reject] = _read_txt(path, stream, limits)
            elif kind == "jsonl":
                it = _read_jsonl(path, stream, fields, limits)
            elif kind == "json":
                it = _read_json_array(path, stream, fields, limits)
            else:
                it = _read_csv(path, stream, fields, limits)
            for item in it:
                line_seen = item.origin.line or line_seen
                yield item
    except TooLarge as exc:
        yield Reject(Origin(str(path), line_seen or None, path.name), reasons.TOO_LARGE, str(exc))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield Reject(Origin(str(path), line_seen or None, path.name), reasons.BAD_GZIP, f"{type(exc).__name__}: {exc} (after record {line_seen})")
    except OSError as exc:
        yield Reject(Origin(str(path), line_seen or None, path.name), reasons.UNREADABLE, f"{type(exc).__name__}: {exc}")


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".txt"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


_HTML = re.compile(r"<\s*(html|body|div|p|head|script)\b", re.IGNORECASE)


def _read_txt(path: Path, stream: IO[str], limits: ReadLimits) -> Iterator[RawRecord | Reject]:
    text = stream.read(limits.max_article_bytes + 1)
    origin = Origin(str(path), 1, path.name)
    if len(text) > limits.max_article_bytes:
        yield Reject(origin, reasons.TOO_LARGE, f"article over {limits.max_article_bytes} characters", _stem(path))
        return
    if "\ufffd" in text:
        yield Reject(origin, reasons.BAD_ENCODING, "undecodable bytes in the file", _stem(path))
        return
    if len(_HTML.findall(text[:20000])) >= 2:
        yield Reject(origin, reasons.HTML_CONTENT, "an HTML page saved as .txt", _stem(path))
        return
    paragraphs = [line for line in text.splitlines() if line.strip()]
    yield RawRecord(origin=origin, source_id=_stem(path), paragraphs=paragraphs)


def _read_jsonl(path: Path, stream: IO[str], fields: FieldMap, limits: ReadLimits) -> Iterator[RawRecord | Reject]:
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        origin = Origin(str(path), lineno, path.name)
        if len(line) > limits.max_article_bytes:
            yield Reject(origin, reasons.TOO_LARGE, f"line over {limits.max_article_bytes} characters")
            continue
        if "\ufffd" in line:
            yield Reject(origin, reasons.BAD_ENCODING, "undecodable bytes on this line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Reject(origin, reasons.MALFORMED_JSON, f"{exc.msg} at column {exc.colno}")
            continue
        yield from_mapping(obj, origin, fields)


def _read_json_array(path: Path, stream: IO[str], fields: FieldMap, limits: ReadLimits) -> Iterator[RawRecord | Reject]:
    """Decode a top-level JSON array object by object (or a single object) without loading the whole file."""
    decoder = json.JSONDecoder()
    buf = ""
    pos = 0
    index = 0
    started = False
    eof = False
    chunk = 1 << 16

    def fill() -> bool:
        nonlocal buf, pos, eof
        data = stream.read(chunk)
        if not data:
            eof = True
            return False
        buf = buf[pos:] + data
        pos = 0
        return True

    while True:
        # skip whitespace and separators
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf) or not fill():
                break
        if pos >= len(buf):
            if not started:
                yield Reject(Origin(str(path), None, path.name), reasons.MALFORMED_JSON, "empty JSON file")
            elif not eof:
                continue
            return
        ch = buf[pos]
        if not started:
            started = True
            if ch == "[":
                pos += 1
                continue
            # a single object document
        if ch == "]":
            return
        while True:
            try:
                obj, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as exc:
                if len(buf) - pos > limits.max_article_bytes:
                    yield Reject(Origin(str(path), index + 1, path.name), reasons.TOO_LARGE, "JSON record over the size limit")
                    return
                if not fill():
                    yield Reject(Origin(str(path), index + 1, path.name), reasons.MALFORMED_JSON, f"{exc.msg} (record {index + 1})")
                    return
        pos = end
        index += 1
        origin = Origin(str(path), index, path.name)
        if isinstance(obj, list):  # a JSON file holding one array of arrays is not news records
            yield Reject(origin, reasons.WRONG_TYPE, "a JSON array where an object was expected")
            continue
        yield from_mapping(obj, origin, fields)


def _read_csv(path: Path, stream: IO[str], fields: FieldMap, limits: ReadLimits) -> Iterator[RawRecord | Reject]:
    head = stream.read(8192)
    rest = stream
    delimiter = "\t" if (path.name.lower().replace(".gz", "").endswith(".tsv") or head.split("\n", 1)[0].count("\t") > head.split("\n", 1)[0].count(",")) else ","
    full = _Chain(head, rest)
    reader = csv.reader(full, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        yield Reject(Origin(str(path), 1, path.name), reasons.MALFORMED_CSV, "empty CSV file")
        return
    except csv.Error as exc:
        yield Reject(Origin(str(path), 1, path.name), reasons.MALFORMED_CSV, str(exc))
        return
    header = [h.strip() for h in header]
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Reject(Origin(str(path), start_line, path.name), reasons.MALFORMED_CSV, str(exc))
            return
        origin = Origin(str(path), start_line, path.name)
        if not any(cell.strip() for cell in row):
            yield Reject(origin, reasons.EMPTY_BODY, "empty CSV row")
            continue
        if len(row) != len(header):
            yield Reject(origin, reasons.MALFORMED_CSV, f"{len(row)} cells for {len(header)} columns (broken quoting?)")
            continue
        if sum(len(c) for c in row) > limits.max_article_bytes:
            yield Reject(origin, reasons.TOO_LARGE, f"row over {limits.max_article_bytes} characters")
            continue
        if any("\ufffd" in c for c in row):
            yield Reject(origin, reasons.BAD_ENCODING, "undecodable bytes in this row")
            continue
        yield from_mapping(dict(zip(header, row, strict=True)), origin, fields)


class _Chain:
    """Iterate lines of an already-read head followed by the rest of a stream (for csv.reader)."""

    def __init__(self, head: str, rest: IO[str]) -> None:
        self._lines = io.StringIO(head + rest.readline())
        self._rest = rest

    def __iter__(self) -> _Chain:
        return self

    def __next__(self) -> str:
        line = self._lines.readline()
        if line:
            return line
        line = self._rest.readline()
        if line:
            return line
        raise StopIteration


def _first(obj: dict[str, Any], names: list[str]) -> Any:
    for n in names:
        if n in obj and obj[n] not in (None, "", []):
            return obj[n]
    return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise TypeError(type(value).__name__)


_PARA_MARK = re.compile(r"\s*\[n\]\s*|\r?\n+")


def _paragraphs(value: Any) -> list[str]:
    if isinstance(value, list):
        out = []
        for v in value:
            if not isinstance(v, str):
                raise TypeError(f"list of {type(v).__name__}")
            out.extend(p for p in _PARA_MARK.split(v) if p.strip())
        return out
    if isinstance(value, str):
        return [p for p in _PARA_MARK.split(value) if p.strip()]
    raise TypeError(type(value).__name__)


def _tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        v = value.strip()
        if v.startswith("[") and v.endswith("]"):
            try:
                parsed = json.loads(v)
                if isinstance(parsed, list):
                    return [str(x).strip() for x in parsed if str(x).strip()]
            except json.JSONDecodeError:
                pass
        return [t.strip() for t in re.split(r"[,،;؛|\n]", v) if t.strip()]
    return [str(value)]


def from_mapping(obj: Any, origin: Origin, fields: FieldMap) -> RawRecord | Reject:
    """Turn one decoded record (dict) into a RawRecord using the field map, or a Reject with the reason."""
    if not isinstance(obj, dict):
        return Reject(origin, reasons.WRONG_TYPE, f"a JSON {type(obj).__name__} where an object was expected")
    try:
        sid = _as_text(_first(obj, fields.id))
        url = _as_text(_first(obj, fields.url))
        title = _as_text(_first(obj, fields.title))
        lead = _as_text(_first(obj, fields.lead))
        date = _as_text(_first(obj, fields.date))
        agency = _as_text(_first(obj, fields.agency))
        category = _as_text(_first(obj, fields.category))
    except TypeError as exc:
        return Reject(origin, reasons.WRONG_TYPE, f"a text field holds a {exc}")
    body_value = _first(obj, fields.body)
    if body_value is None:
        if lead:
            # Feed exports (RSS items) carry only a summary: it is the whole text we have.
            body_value = lead
        else:
            return Reject(origin, reasons.MISSING_FIELD, "no body field (tried: " + ", ".join(fields.body) + ")", sid or url)
    try:
        paragraphs = _paragraphs(body_value)
    except TypeError as exc:
        return Reject(origin, reasons.WRONG_TYPE, f"body is a {exc}, not text", sid or url)
    source_id = (sid or url or f"{origin.name}:{origin.line}").strip()
    return RawRecord(
        origin=origin,
        source_id=source_id,
        url=url.strip() if url else None,
        title=title,
        lead=lead,
        paragraphs=paragraphs,
        published=date,
        agency=agency,
        category=category,
        tags=_tags(_first(obj, fields.tags)),
    )


def read_all(paths: Iterable[str | Path], fields: FieldMap | None = None, limits: ReadLimits | None = None,
             stats: ReadStats | None = None) -> Iterator[RawRecord | Reject]:
    """Read every supported file under the paths, in a stable order."""
    fields = fields or FieldMap()
    limits = limits or ReadLimits()
    stats = stats if stats is not None else ReadStats()
    # Discover first (a list of paths is small) so progress knows the total bytes up front.
    for path, rej in list(discover(paths, stats)):
        if rej is not None:
            yield rej
            continue
        yield from read_file(path, fields, limits, stats)
        with contextlib.suppress(OSError):
            stats.bytes_done += path.stat().st_size
