"""Raw archive: WARC records written, addressed by raw_ref, read back without the network."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from akhbar.scrape.archive import RawArchive, iter_archive, read_response

WHEN = "2026-10-19T19:30:10+00:00"


def test_write_and_read_back(tmp_path: Path) -> None:
    body = "<p>کتاب\u200cها</p>".encode()
    with RawArchive(tmp_path) as archive:
        ref1 = archive.write(
            "https://x.ir/1",
            200,
            {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
            body,
            WHEN,
        )
        ref2 = archive.write("https://x.ir/2", 200, {}, b"second", WHEN)
    got = read_response(tmp_path, ref1)
    assert (got.url, got.status, got.body) == ("https://x.ir/1", 200, body)
    assert got.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-encoding" not in got.headers  # the body is stored decoded
    assert got.fetched_at == "2026-10-19T19:30:10Z"
    assert read_response(tmp_path, ref2).body == b"second"
    assert [r.raw_ref for r in iter_archive(tmp_path)] == [ref1, ref2]
    assert archive.path.name.endswith(".warc.gz") and archive.path.stat().st_size > 0


def test_refs_cannot_point_outside_the_archive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        read_response(tmp_path, "../../etc/passwd#0")


def test_concurrent_writers_produce_readable_records(tmp_path: Path) -> None:
    archive = RawArchive(tmp_path)
    refs: list[str] = []
    lock = threading.Lock()

    def write(i: int) -> None:
        ref = archive.write(f"https://x.ir/{i}", 200, {}, f"body {i}".encode() * 50, WHEN)
        with lock:
            refs.append(ref)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    archive.close()
    assert len(refs) == 20
    for ref in refs:
        got = read_response(tmp_path, ref)
        assert got.body == f"body {got.url.rsplit('/', 1)[1]}".encode() * 50
