"""Read news files into RawRecords: .txt folders, JSONL, JSON arrays, CSV/TSV, each optionally gzipped.

Everything streams: a JSON array is decoded object by object and a CSV row by row, so memory is bounded
by the largest single record, never by the file. Whatever cannot be read becomes a Reject with its origin
(file and line) and a reason; the rest of the file still loads.
"""

from __future__ import annotations

import codecs
import collections
import contextlib
import csv
import gzip
import io
import json
import os
import re
import stat
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
        st = path.stat()
        size, mode = st.st_size, st.st_mode
    except OSError as exc:  # symlink loop, dangling link, permission
        yield path, Reject(Origin(str(path), None, path.name), reasons.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}")
        return
    if not stat.S_ISREG(mode):
        # A FIFO would block the run forever on open(); a socket or device is not a news file either.
        yield path, Reject(Origin(str(path), None, path.name), reasons.UNREADABLE, f"not a regular file ({_file_type(mode)})")
        return
    stats.files.append(str(path))
    stats.bytes_total += size
    yield path, None


def _file_type(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a file"


class _Capped(io.RawIOBase):
    """A byte stream that raises TooLarge after ``limit`` bytes (guards against gzip bombs)."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner, self.limit, self.count = inner, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        # read1, not read: GzipFile.read(n) of a truncated stream raises EOFError and drops the bytes it
        # had already decompressed, so the records before the cut would be lost with them.
        data = self.inner.read1(len(b)) if hasattr(self.inner, "read1") else self.inner.read(len(b))
        self.count += len(data)
        if self.count > self.limit:
            raise TooLarge(f"more than {self.limit} bytes after decompression")
        b[: len(data)] = data
        return len(data)


def _open_bytes(path: Path, limits: ReadLimits) -> IO[bytes]:
    raw: IO[bytes] = open(path, "rb")
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


# Not yet in akhbar.reasons (owned elsewhere): UTF-8 text that went through a wrong 8-bit decoding.
MOJIBAKE = getattr(reasons, "MOJIBAKE", "mojibake")

# UTF-8 Persian decoded as Windows-1256 turns every letter into a lead byte D8-DB (ط ظ ع غ) followed by a
# continuation byte 80-BF; decoded as Windows-1252/Latin-1 the lead bytes become Ø Ù Ú Û.
_CONT_1256 = bytes(range(0x80, 0xC0)).decode("cp1256")
_CONT_1252 = "".join(chr(b) for b in range(0x80, 0xC0)) + bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_MOJIBAKE_PAIR = re.compile(f"[\u0637\u0638\u0639\u063a][{re.escape(_CONT_1256)}]|[\u00d8\u00d9\u00da\u00db][{re.escape(_CONT_1252)}]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def looks_like_mojibake(text: str) -> bool:
    """Tell whether a text reads like UTF-8 Persian decoded as Windows-1256 or Windows-1252 (``ط³ظ„ط§ظ…``, ``Ø³Ù„Ø§Ù…``)."""
    pairs = len(_MOJIBAKE_PAIR.findall(text))
    if pairs < 3:
        return False
    # In mojibake about half of the non-ASCII characters start a pair; real Persian has a few "ع\u200c" at most.
    non_ascii = sum(len(m) for m in _NON_ASCII_RUN.findall(text))
    return pairs * 2 >= 0.6 * non_ascii


def _to_bytes(run: str, encoding: str) -> bytes | None:
    try:
        return run.encode(encoding)
    except UnicodeEncodeError:
        if encoding != "cp1252":
            return None
    out = bytearray()
    for ch in run:  # Latin-1 for the five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            out.append(ord(ch))
    return bytes(out)


def repair_mojibake(text: str) -> str | None:
    """Undo a wrong 8-bit decoding of UTF-8 text (re-encode, decode as UTF-8); None if it does not come out clean."""
    for encoding in ("cp1256", "cp1252"):
        failed = False

        def fix(m: re.Match[str], encoding: str = encoding) -> str:
            nonlocal failed
            raw = _to_bytes(m.group(), encoding)
            try:
                return raw.decode("utf-8") if raw is not None else m.group()
            except UnicodeDecodeError:
                failed = True
                return m.group()

        fixed = _NON_ASCII_RUN.sub(fix, text)
        if not failed and fixed != text and not looks_like_mojibake(fixed) and _PERSIAN_LETTERS.search(fixed):
            return fixed
    return None


def check_mojibake(rec: RawRecord, stats: ReadStats) -> RawRecord | Reject:
    """Repair a record whose text is mojibake, or reject it as ``mojibake`` when no repair reads clean."""
    texts = [rec.title or "", rec.lead or "", *rec.paragraphs]
    # A text needs three mojibake pairs to be checked further, and no pair spans a newline: one scan of the
    # whole record rules out most records.
    if len(_MOJIBAKE_PAIR.findall("\n".join(texts))) < 3:
        return rec
    if not any(looks_like_mojibake(t) for t in texts if len(t) > 2):
        return rec
    fixed = [repair_mojibake(t) if looks_like_mojibake(t) else t for t in texts]
    if any(f is None for f in fixed):
        return Reject(rec.origin, MOJIBAKE, "UTF-8 text decoded with a wrong 8-bit encoding; no repair reads as Persian", rec.source_id)
    rec.title = fixed[0] or rec.title
    rec.lead = fixed[1] or rec.lead
    rec.paragraphs = [f for f in fixed[2:] if f is not None]
    stats.converted_encodings["mojibake (records repaired)"] = stats.converted_encodings.get("mojibake (records repaired)", 0) + 1
    return rec


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
            anything = False
            for item in it:
                anything = True
                line_seen = item.origin.line or line_seen
                yield check_mojibake(item, stats) if isinstance(item, RawRecord) else item
            if not anything:
                # Zero bytes, blank lines, spaces or an empty array: say so instead of loading nothing silently.
                yield Reject(origin, reasons.EMPTY_BODY, "no records in the file (empty or whitespace only)")
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


_LINE_BREAKS = re.compile("\r\n|[\n\r\u2028\u2029]")
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
    # Not str.splitlines(): it also breaks at U+0085 and U+001C-U+001E, which occur inside Latin-1 mojibake.
    paragraphs = [line for line in _LINE_BREAKS.split(text) if line.strip()]
    yield RawRecord(origin=origin, source_id=_stem(path), paragraphs=paragraphs)


def _lines_capped(stream: IO[str], cap: int) -> Iterator[tuple[str, bool]]:
    """Yield ``(line, too_long)``; a line over ``cap`` characters is skipped in chunks, never held whole."""
    while True:
        line = stream.readline(cap + 1)
        if not line:
            return
        if len(line) <= cap or line.endswith("\n"):
            yield line, len(line) > cap
            continue
        while line and not line.endswith("\n"):
            line = stream.readline(1 << 20)
        yield "", True


def _read_jsonl(path: Path, stream: IO[str], fields: FieldMap, limits: ReadLimits) -> Iterator[RawRecord | Reject]:
    for lineno, (line, too_long) in enumerate(_lines_capped(stream, limits.max_article_bytes), start=1):
        origin = Origin(str(path), lineno, path.name)
        if too_long:
            yield Reject(origin, reasons.TOO_LARGE, f"line over {limits.max_article_bytes} characters")
            continue
        if not line.strip():
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
            if started and not eof:
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
    first = head.split("\n", 1)[0]
    delimiter = "\t" if (path.name.lower().replace(".gz", "").endswith(".tsv") or first.count("\t") > first.count(",")) else ","
    # A broken quote makes the csv module read on to the end of the file as one field: cap fields so that
    # memory stays bounded, then resynchronise (see below).
    csv.field_size_limit(limits.max_article_bytes + 1)
    src = _Lines(head, stream, limits.max_article_bytes)
    reader = csv.reader(src, delimiter=delimiter)
    header: list[str] | None = None
    while True:
        src.taken = []
        error = ""
        try:
            row: list[str] | None = next(reader)
        except StopIteration:
            return
        except _LineTooLong as exc:
            yield Reject(Origin(str(path), exc.lineno, path.name), reasons.TOO_LARGE, f"line over {limits.max_article_bytes} characters")
            if header is None:
                return
            continue
        except csv.Error as exc:
            row, error = None, str(exc)
        taken = src.taken
        start_line = taken[0][0] if taken else src.lineno
        origin = Origin(str(path), start_line, path.name)
        if header is None:
            if row is None:
                yield Reject(origin, reasons.MALFORMED_CSV, f"header: {error}")
                return
            header = [h.strip() for h in row]
            continue
        if row is not None and not any(cell.strip() for cell in row):
            if len(taken) == 1 and not taken[0][1].strip():
                continue  # a blank line, e.g. at the end of the file
            yield Reject(origin, reasons.EMPTY_BODY, "empty CSV row")
            continue
        if row is not None and len(row) == len(header) and len(taken) > 1 and _swallowed_rows(taken[1:], delimiter, len(header)):
            row, error = None, "unbalanced quote: the field runs over the next rows"
        if row is None or len(row) != len(header):
            detail = error or f"{len(row or [])} cells for {len(header)} columns (broken quoting?)"
            yield Reject(origin, reasons.MALFORMED_CSV, detail)
            # An unbalanced quote swallowed the lines after it: drop only the first and read the rest again.
            src.push_back(taken[1:])
            continue
        if sum(len(c) for c in row) > limits.max_article_bytes:
            yield Reject(origin, reasons.TOO_LARGE, f"row over {limits.max_article_bytes} characters")
            continue
        if any("\ufffd" in c for c in row):
            yield Reject(origin, reasons.BAD_ENCODING, "undecodable bytes in this row")
            continue
        yield from_mapping(dict(zip(header, row, strict=True)), origin, fields)


def _swallowed_rows(lines: list[tuple[int, str]], delimiter: str, width: int) -> bool:
    """Tell whether the continuation lines of a multi-line row are themselves whole rows.

    A quote that is never closed makes the csv module read the following records into one field, and a
    later quote can even close it with the right number of cells. A legitimate multi-line field holds
    paragraphs; a continuation line that parses alone into exactly ``width`` cells with balanced quotes
    is a record that was swallowed.
    """
    for _, line in lines:
        if line.count('"') % 2 == 0:
            try:
                cells = next(csv.reader([line], delimiter=delimiter), [])
            except csv.Error:  # e.g. a bare carriage return inside the line: not a record on its own
                continue
            if len(cells) == width:
                return True
    return False


class _LineTooLong(Exception):
    """A physical line longer than the article size limit (it was skipped, never held whole)."""

    def __init__(self, lineno: int) -> None:
        super().__init__(lineno)
        self.lineno = lineno


class _Lines:
    """Feed csv.reader numbered lines: an already-read head, then the stream; lines can be pushed back."""

    def __init__(self, head: str, rest: IO[str], cap: int) -> None:
        self._rest, self._cap = rest, cap
        self._pending: collections.deque[tuple[int, str]] = collections.deque()
        self.lineno = 0  # number of the last line read from the input
        self.taken: list[tuple[int, str]] = []  # the lines consumed by the current row
        for line in io.StringIO(head + (rest.readline(cap + 1) if head and not head.endswith("\n") else "")).readlines():
            self.lineno += 1
            self._pending.append((self.lineno, line))

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            item = self._pending.popleft()
        else:
            line = self._rest.readline(self._cap + 1)
            if not line:
                raise StopIteration
            self.lineno += 1
            if len(line) > self._cap and not line.endswith("\n"):
                while line and not line.endswith("\n"):
                    line = self._rest.readline(1 << 20)
                raise _LineTooLong(self.lineno)
            item = (self.lineno, line)
        self.taken.append(item)
        return item[1]

    def push_back(self, items: list[tuple[int, str]]) -> None:
        """Return lines to be read again, in order, before the rest of the input."""
        self._pending.extendleft(reversed(items))


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


def _split_paragraphs(v: str) -> list[str]:
    # The pattern tries every whitespace position; without "\n" or "[n]" it cannot match at all (most list
    # items), and then the split is the text itself.
    if "\n" not in v and "[n]" not in v:
        return [v] if v.strip() else []
    return [p for p in _PARA_MARK.split(v) if p.strip()]


def _paragraphs(value: Any) -> list[str]:
    if isinstance(value, list):
        out = []
        for v in value:
            if not isinstance(v, str):
                raise TypeError(f"list of {type(v).__name__}")
            out.extend(_split_paragraphs(v))
        return out
    if isinstance(value, str):
        return _split_paragraphs(value)
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
