"""Readers: every format, field mapping, gzip, encodings, and rejects with origin and reason."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from akhbar.records import RawRecord, Reject
from akhbar.sources.files import FieldMap, ReadLimits, ReadStats, read_all, sniff_encoding
from tests.conftest import SAMPLES, shared

BODY = "وزیر دفاع کشورمان گفت: امنیت عراق امنیت ایران است."


def _read(*paths: Path, **kw: object) -> tuple[list[RawRecord], list[Reject]]:
    items = list(read_all(paths, **kw))  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, RawRecord)], [i for i in items if isinstance(i, Reject)]


def test_txt_folder_one_article_per_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "001_abc.txt").write_text("پاراگراف اول\n\nپاراگراف دوم\n", encoding="utf-8")
    gz = tmp_path / "002_def.txt.gz"
    gz.write_bytes(gzip.compress("متن فشرده".encode()))
    recs, rejs = _read(tmp_path)
    assert not rejs
    assert [(r.source_id, r.paragraphs) for r in recs] == [("002_def", ["متن فشرده"]), ("001_abc", ["پاراگراف اول", "پاراگراف دوم"])]
    assert recs[1].origin.name == "001_abc.txt" and recs[1].origin.line == 1


def test_jsonl_with_malformed_line_keeps_the_rest(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_text(
        json.dumps({"id": "1", "title": "عنوان", "body": BODY}, ensure_ascii=False) + "\n"
        + '{"id": "2", "body": "ناقص\n'
        + json.dumps({"id": "3", "text": BODY, "date": "۱۴۰۲/۰۵/۱۲"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    recs, rejs = _read(p)
    assert [r.source_id for r in recs] == ["1", "3"]
    assert recs[1].published == "۱۴۰۲/۰۵/۱۲"
    assert [(r.reason, r.origin.line) for r in rejs] == [("malformed_json", 2)]


def test_json_array_streamed_and_wrong_types(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text(json.dumps([{"link": "https://x.ir/1", "paragraphs": ["الف", "ب"]}, 5, {"body": 7}, {"title": "بدون متن"}], ensure_ascii=False))
    recs, rejs = _read(p)
    assert recs[0].source_id == "https://x.ir/1" and recs[0].paragraphs == ["الف", "ب"]
    assert [(r.reason, r.origin.line) for r in rejs] == [("wrong_type", 2), ("wrong_type", 3), ("missing_field", 4)]


def test_json_array_truncated(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text('[{"body": "الف"}, {"body": "ب"')
    recs, rejs = _read(p)
    assert len(recs) == 1
    assert rejs[0].reason == "malformed_json" and rejs[0].origin.line == 2


def test_csv_with_field_mapping(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text('شناسه,متن,منبع\n1,"' + BODY + '",مهر\n', encoding="utf-8")
    recs, rejs = _read(p, fields=FieldMap.with_overrides({"id": "شناسه", "body": "متن", "agency": "منبع"}))
    assert not rejs
    assert (recs[0].source_id, recs[0].paragraphs, recs[0].agency) == ("1", [BODY], "مهر")


def test_unknown_mapping_field_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        FieldMap.with_overrides({"bodyy": "text"})


def test_encodings(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes("\ufeff".encode() + BODY.encode())
    (tmp_path / "u16.txt").write_bytes(BODY.encode("utf-16"))
    # Windows-1256 has no Persian ی/ک: such files carry the Arabic letters (folded later by normalization).
    win_body = BODY.replace("ی", "ي").replace("ک", "ك")
    (tmp_path / "win.txt").write_bytes(win_body.encode("cp1256"))
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    stats = ReadStats()
    recs, rejs = _read(tmp_path, stats=stats)
    assert sorted(r.source_id for r in recs) == ["bom", "u16", "win"]
    assert {r.source_id: r.paragraphs for r in recs} == {"bom": [BODY], "u16": [BODY], "win": [win_body]}
    assert [r.reason for r in rejs] == ["binary_content"]
    assert stats.converted_encodings == {"utf-8 with BOM": 1, "utf-16 with BOM": 1, "windows-1256": 1}


def test_sniff_rejects_implausible_bytes() -> None:
    assert sniff_encoding(bytes(range(128, 256)) * 4)[0] is None


def test_gzip_bomb_stops_at_limit(tmp_path: Path) -> None:
    p = tmp_path / "bomb.jsonl.gz"
    p.write_bytes(gzip.compress(b" " * 5_000_000))
    recs, rejs = _read(p, limits=ReadLimits(max_article_bytes=10_000, max_file_bytes=1_000_000))
    assert not recs and rejs[0].reason == "too_large"


def test_truncated_gzip_keeps_records_before(tmp_path: Path) -> None:
    data = gzip.compress(("\n".join(json.dumps({"id": str(i), "body": BODY}, ensure_ascii=False) for i in range(2000))).encode())
    p = tmp_path / "cut.jsonl.gz"
    p.write_bytes(data[: len(data) // 2])
    recs, rejs = _read(p)
    assert 0 < len(recs) < 2000
    assert rejs[-1].reason == "bad_gzip"


def test_unsupported_files_are_counted_not_read(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# notes")
    stats = ReadStats()
    recs, rejs = _read(tmp_path, stats=stats)
    assert not recs and not rejs and stats.skipped == [str(tmp_path / "notes.md")]


def test_bundled_samples_load() -> None:
    recs, rejs = _read(SAMPLES)
    assert len(recs) == 126 and not rejs


def test_shared_formats_load_without_code_changes() -> None:
    for folder, expected in (("langml-fars-varzesh3", 3197), ("headlinegen-4agency-sample", 64)):
        recs, rejs = _read(shared(folder))
        assert len(recs) == expected and not rejs, folder
    recs, rejs = _read(shared("farsnews-1402-sample"))
    # 196 rows; one upstream row is empty in every field and is rejected with its line number.
    assert len(recs) == 195 and [r.reason for r in rejs] == ["missing_field"]
    assert recs[0].published and recs[0].title
