"""The bad-input corpus: every bad file ends as a reject with its origin and reason, nothing good is lost.

The corpus is ``tests/fixtures/bad/`` (small text files, committed) plus what
``scripts/make_bad_fixtures.py`` generates at test time (binary, big and special files).
Unreadable files: tests run as root, where chmod 000 still reads, so unreadability is simulated twice:
a named pipe (rejected as not a regular file, without blocking) and ``open`` patched to raise PermissionError.
"""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import pytest

from akhbar import etl
from akhbar.config import Settings
from akhbar.records import RawRecord, Reject
from akhbar.sources import files
from akhbar.sources.files import ReadLimits, ReadStats, read_all
from tests.reliability.helpers import (
    BAD,
    MAX_FILE_BYTES,
    akhbar,
    build_corpus,
    cli_env,
    fixture_script,
    query,
)

# (origin line, reason) of every reject each file must produce; line None = the whole file.
REJECTS: dict[str, list[tuple[int | None, str]]] = {
    "arabic.txt": [(1, "not_persian")],
    "binary.txt": [(None, "binary_content")],
    "blank_lines.jsonl": [(None, "empty_body")],
    "bomb.jsonl.gz": [(None, "too_large")],
    "broken_quote.csv": [(3, "malformed_csv")],
    "empty.txt": [(1, "empty_body")],
    "english.txt": [(1, "not_persian")],
    "html_page.txt": [(1, "html_content")],
    "huge_line.jsonl": [(1, "too_large")],
    "invalid_lines.jsonl": [(2, "malformed_json"), (4, "malformed_json")],
    "mojibake_cp1256.txt": [],
    "mojibake_mixed.jsonl": [(2, "mojibake")],
    "named_pipe.txt": [(None, "unreadable")],
    "nul_bytes.txt": [(None, "binary_content")],
    "symlink_loop.txt": [(None, "unreadable")],
    "truncated.jsonl.gz": [],  # plus one bad_gzip whose line is the last record before the cut (checked below)
    "undecodable.txt": [(None, "bad_encoding")],
    "utf16.txt": [],
    "utf8bom.txt": [],
    "whitespace_only.txt": [],  # the reader passes it on; the ETL rejects it as empty_body (ETL_ONLY)
    "windows1256.txt": [],
    "wrong_types.json": [(2, "wrong_type"), (3, "wrong_type"), (4, "wrong_type"), (5, "wrong_type")],
    "loop_dir": [],  # a folder symlink pointing back up: not followed, nothing read twice
}
# Rejects decided after reading (normalization and the Persian check), not by the readers.
ETL_ONLY = {("arabic.txt", 1, "not_persian"), ("english.txt", 1, "not_persian"), ("empty.txt", 1, "empty_body"),
            ("whitespace_only.txt", 1, "empty_body")}
# Source ids that must load from each file (the good records sharing a file with bad ones).
GOOD: dict[str, set[str]] = {
    "broken_quote.csv": {"6", "8", "9", "10"},
    "huge_line.jsonl": {"good-105"},
    "invalid_lines.jsonl": {"good-1", "good-2", "good-3"},
    "mojibake_cp1256.txt": {"mojibake_cp1256"},
    "mojibake_mixed.jsonl": {"good-13", "good-15"},
    "utf16.txt": {"utf16"},
    "utf8bom.txt": {"utf8bom"},
    "windows1256.txt": {"windows1256"},
    "wrong_types.json": {"good-4", "good-5"},
}
CONVERTED = {"utf-8 with BOM": 1, "utf-16 with BOM": 1, "windows-1256": 1, "mojibake (records repaired)": 2}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("bad") / "inbox")


def _expected_rejects(with_etl: bool) -> set[tuple[str, int | None, str]]:
    out = {(name, line, reason) for name, items in REJECTS.items() for line, reason in items}
    return out | ETL_ONLY if with_etl else out - ETL_ONLY


def test_every_fixture_has_an_expectation(corpus: Path) -> None:
    committed = {p.name for p in BAD.iterdir()}
    present = {p.name for p in corpus.iterdir()}
    assert committed and committed <= present
    assert present == set(REJECTS), "a new bad fixture needs its expected rejects in REJECTS"


def test_readers_reject_with_origin_and_keep_the_rest(corpus: Path) -> None:
    stats = ReadStats()
    items = list(read_all([corpus], limits=ReadLimits(max_file_bytes=MAX_FILE_BYTES), stats=stats))
    rejects = [i for i in items if isinstance(i, Reject)]
    records = [i for i in items if isinstance(i, RawRecord)]
    (cut,) = [r for r in rejects if r.origin.name == "truncated.jsonl.gz"]
    assert cut.reason == "bad_gzip" and cut.origin.line and cut.origin.line > 0
    got = {(r.origin.name, r.origin.line, r.reason) for r in rejects if r is not cut}
    assert got == _expected_rejects(with_etl=False)
    assert all(r.origin.path.startswith(str(corpus)) for r in rejects)
    truncated = [r.source_id for r in records if r.origin.name == "truncated.jsonl.gz"]
    # every record before the cut loads, in order, none after it
    assert truncated == [f"good-{1000 + i}" for i in range(cut.origin.line)]
    loaded = {(r.origin.name, r.source_id) for r in records}
    assert {(name, sid) for name, ids in GOOD.items() for sid in ids} <= loaded
    assert stats.converted_encodings == CONVERTED
    assert len([r for r in records if r.origin.name == "mojibake_cp1256.txt"]) == 1  # not twice via loop_dir


def test_repaired_mojibake_equals_the_original_text(corpus: Path) -> None:
    mk = fixture_script()
    recs = {r.source_id: r for r in read_all([corpus / "mojibake_cp1256.txt", corpus / "mojibake_mixed.jsonl"]) if isinstance(r, RawRecord)}
    assert recs["mojibake_cp1256"].paragraphs == [mk.persian_body(12)]
    assert recs["good-13"].paragraphs == [mk.persian_body(13)] and recs["good-13"].title == "خبر شماره 13"


def test_mojibake_detection_spares_real_persian() -> None:
    text = "موضوع\u200cها و باغ\u200cهای شمال؛ طرح ظریف برای ۱۲ استان"
    assert not files.looks_like_mojibake(text)
    assert files.repair_mojibake(text.encode("utf-8").decode("cp1256")) == text


def test_permission_denied_is_a_reject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "a.jsonl"
    good.write_text(json.dumps({"id": "1", "body": "متن خبر"}, ensure_ascii=False), encoding="utf-8")
    locked = tmp_path / "locked.jsonl"
    locked.write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files, "open", fake_open, raising=False)  # the module's global shadows the builtin
    items = list(read_all([tmp_path]))
    assert [(i.origin.name, i.reason) for i in items if isinstance(i, Reject)] == [("locked.jsonl", "unreadable")]
    assert [i.source_id for i in items if isinstance(i, RawRecord)] == ["1"]


@pytest.mark.usefixtures("normalizer_ready")
def test_etl_stores_every_reject_and_every_good_record(corpus: Path, tmp_path: Path) -> None:
    settings = Settings(warehouse=tmp_path / "wh", workers=1, batch_size=40, max_file_bytes=MAX_FILE_BYTES)
    summary = etl.run(settings, [str(corpus)])
    assert summary["status"] == "partial"
    rows = query(settings.warehouse, "SELECT origin_name, origin_line, reason, origin_path FROM rejects")
    (cut_line,) = [line for name, line, reason, _ in rows if name == "truncated.jsonl.gz" and reason == "bad_gzip"]
    got = {(n, line, reason) for n, line, reason, _ in rows if not (n == "truncated.jsonl.gz" and reason == "bad_gzip")}
    assert got == _expected_rejects(with_etl=True)
    assert all(path.startswith(str(corpus)) for *_, path in rows)
    loaded = set(query(settings.warehouse, "SELECT origin_name, source_id FROM articles"))
    want = {(name, sid) for name, ids in GOOD.items() for sid in ids}
    want |= {("truncated.jsonl.gz", f"good-{1000 + i}") for i in range(cut_line)}
    assert loaded == want
    assert summary["articles_new"] == len(want) and summary["encodings_converted"] == CONVERTED
    mk = fixture_script()
    (raw,), = query(settings.warehouse, "SELECT raw_text FROM articles WHERE source_id = 'mojibake_cp1256'")
    assert raw == mk.persian_body(12)
    # a rerun stores nothing twice
    again = etl.run(settings, [str(corpus)])
    assert again["articles_new"] == 0 and again["rejects_new"] == 0 and again["rejects_seen"] == summary["rejects_seen"]


# ---- the CLI: exit codes 0 / 3 / 1 / 4 -------------------------------------------------------------------

def _good_inbox(root: Path) -> Path:
    mk = fixture_script()
    root.mkdir(parents=True, exist_ok=True)
    (root / "good.jsonl").write_text("\n".join(json.dumps(mk.good_record(i), ensure_ascii=False) for i in range(300, 306)) + "\n", encoding="utf-8")
    return root


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_cli_exit_codes_partial_then_ok(corpus: Path, tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    env = cli_env(AKHBAR_MAX_FILE_BYTES=str(MAX_FILE_BYTES))
    r = akhbar("run", str(corpus), "--warehouse", str(wh), "--workers", "1", "--no-progress", env=env)
    assert r.returncode == 3, r.stderr[-2000:]
    assert "partial" in r.stdout and "mojibake" in r.stdout
    n_rejects = query(wh, "SELECT count(*) FROM rejects")[0][0]
    assert n_rejects == len(_expected_rejects(with_etl=True)) + 1  # + the bad_gzip
    r = akhbar("run", str(_good_inbox(tmp_path / "good")), "--warehouse", str(wh), "--workers", "1", "--no-progress", env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert query(wh, "SELECT status FROM runs ORDER BY started_at") == [("partial",), ("ok",)]
