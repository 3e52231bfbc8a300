"""Fuzzing: random bytes and JSON into the readers, random strings into normalization and date parsing.

Nothing may raise: a reader returns records or documented rejects, and every non-blank input line is
accounted for (a record or a reject, never silently dropped).
"""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from akhbar import reasons
from akhbar.extract.dates import parse_date
from akhbar.records import Origin, RawRecord, Reject
from akhbar.sources import files
from akhbar.sources.files import FieldMap, ReadLimits, read_all, sniff_encoding
from akhbar.text.normalize import normalize_text

KNOWN = set(reasons.ALL) | {files.MOJIBAKE}
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMITS = ReadLimits(max_article_bytes=5_000, max_file_bytes=200_000)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=12,
)
field_names = st.sampled_from(["id", "body", "text", "title", "lead", "date", "agency", "tags", "paragraphs", "url", "x"])
records = st.dictionaries(field_names, json_values, max_size=6)
persian = st.text(alphabet="ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی \u200c۰۱۲۳۴۵۶۷۸۹،.", min_size=0, max_size=80)


def _read(name: str, data: bytes) -> list[RawRecord | Reject]:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
        return list(read_all([p], limits=LIMITS))


def _check(items: list[RawRecord | Reject]) -> None:
    for item in items:
        assert isinstance(item, (RawRecord, Reject))
        if isinstance(item, Reject):
            assert item.reason in KNOWN, item.reason
            assert item.origin.name and item.origin.path


@FUZZ
@given(data=st.binary(max_size=3000), name=st.sampled_from(["a.txt", "a.jsonl", "a.json", "a.csv", "a.tsv", "a.jsonl.gz", "a.txt.gz"]))
def test_random_bytes_never_crash_a_reader(data: bytes, name: str) -> None:
    _check(_read(name, data))


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash_the_sniffer(data: bytes) -> None:
    enc, note = sniff_encoding(data)
    assert enc in (None, "utf-8", "utf-8-sig", "utf-16", "cp1256") and note


@FUZZ
@given(lines=st.lists(st.one_of(records.map(lambda r: json.dumps(r, ensure_ascii=False)), st.text(max_size=60).filter(lambda s: "\n" not in s and "\r" not in s)), min_size=1, max_size=12))
def test_every_jsonl_line_is_a_record_or_a_reject(lines: list[str]) -> None:
    items = _read("a.jsonl", ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass"))
    _check(items)
    # one output per non-blank line, at that line (the "no records" reject only when every line is blank)
    blank = {i for i, line in enumerate(lines, start=1) if not line.strip()}
    seen = [i.origin.line for i in items]
    if any(isinstance(i, Reject) and i.origin.line is None and i.reason in (reasons.BINARY_CONTENT, reasons.BAD_ENCODING) for i in items):
        assert len(items) == 1  # the whole file is refused (NUL bytes, undecodable): one reject says so
    elif len(blank) == len(lines):
        assert [(i.reason, i.origin.line) for i in items if isinstance(i, Reject)] == [(reasons.EMPTY_BODY, None)]
    else:
        assert seen == [i for i in range(1, len(lines) + 1) if i not in blank]


@FUZZ
@given(value=json_values)
def test_from_mapping_takes_any_json(value: object) -> None:
    out = files.from_mapping(value, Origin("x.json", 1, "x.json"), FieldMap())
    _check([out])


@FUZZ
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=4), min_size=1, max_size=8))
@example(rows=[['"'], ["\r0"], ['"', "", ""]])  # a bare CR in a line an open quote swallowed (found by CI)
def test_csv_rows_never_crash(rows: list[list[str]]) -> None:
    text = "\n".join(",".join(r) for r in [["id", "title", "body"], *rows]) + "\n"
    _check(_read("a.csv", text.encode("utf-8", errors="surrogatepass")))


@FUZZ
@given(text=st.text(max_size=300))
def test_normalize_text_takes_any_string(text: str) -> None:
    assert isinstance(normalize_text(text), str)


@FUZZ
@given(text=st.text(max_size=60) | st.from_regex(r"[0-9۰-۹]{1,4}[/\-.][0-9۰-۹]{1,2}[/\-.][0-9۰-۹]{1,4}( [0-9]{1,2}:[0-9]{1,2})?", fullmatch=True))
def test_parse_date_takes_any_string(text: str) -> None:
    result, problem = parse_date(text)
    assert problem is None or (result is None and problem.startswith("bad_date"))


@FUZZ
@given(text=st.text(max_size=200))
def test_mojibake_functions_take_any_string(text: str) -> None:
    assert isinstance(files.looks_like_mojibake(text), bool)
    fixed = files.repair_mojibake(text)
    assert fixed is None or isinstance(fixed, str)


@FUZZ
# Real text: at least six Arabic-script characters, and far fewer ZWNJs than letters (a ZWNJ garbles to
# three characters with no lead byte, so a string of nothing but ZWNJs has no mojibake signature).
@given(text=persian.filter(lambda t: (n := sum("\u0600" <= c <= "\u06ff" for c in t)) >= 6 and t.count("\u200c") <= 0.4 * n))
def test_mojibake_of_persian_is_detected_and_repaired(text: str) -> None:
    for wrong in ("cp1256", "latin-1"):
        garbled = text.encode("utf-8").decode(wrong)
        assert files.looks_like_mojibake(garbled)
        assert files.repair_mojibake(garbled) == text
    assert not files.looks_like_mojibake(text)
