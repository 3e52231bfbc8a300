"""`akhbar reextract`: stored articles get the current extractors' entities and quotes, in DuckDB and the lake."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from akhbar import etl, lake, maintenance, reextract, warehouse
from akhbar.config import Settings
from akhbar.schema import QUOTES

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "langml" / "fars-news-sample.json.gz"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse loaded from 43 Fars articles in batches of 15 (three lake files per table)."""
    wh = tmp_path_factory.mktemp("reextract")
    etl.run(Settings(warehouse=wh, workers=1, batch_size=15), [str(SAMPLE)])
    return wh


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    cols = "article_id, start, \"end\", speaker, speaker_role, speaker_kind, text, cue" if table == "quotes" else \
        "article_id, start, \"end\", type, text, canonical, title, role"
    return sorted(con.execute(f"SELECT {cols} FROM {table}").fetchall(), key=repr)


def _lake_rows(wh: Path, con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    paths = [r[0] for r in con.execute("SELECT path FROM lake_files WHERE table_name = ?", [table]).fetchall()]
    cols = ["article_id", "start", "end", "speaker", "speaker_role", "speaker_kind", "text", "cue"] if table == "quotes" \
        else ["article_id", "start", "end", "type", "text", "canonical", "title", "role"]
    out = []
    for p in paths:
        t = pq.read_table(wh / p, columns=cols)
        out.extend(zip(*(t.column(c).to_pylist() for c in cols), strict=True))
    return sorted(out, key=repr)


def test_nothing_changes_when_the_extractors_did_not(loaded: Path, tmp_path: Path) -> None:
    wh = shutil.copytree(loaded, tmp_path / "wh")
    con = warehouse.connect_writer(wh / "news.duckdb")
    before = (_rows(con, "entities"), _rows(con, "quotes"), sorted(lake.lake_files(wh)))
    res = reextract.reextract(con, wh, reextract.new_run_id(), batch=10)
    assert (res.articles, res.changed, res.lake_files, res.partitions) == (43, 0, 0, [])
    assert res.entities_before == res.entities_after == len(before[0]) > 0
    assert res.quotes_before == res.quotes_after == len(before[1]) > 0
    assert (_rows(con, "entities"), _rows(con, "quotes"), sorted(lake.lake_files(wh))) == before
    con.close()


def test_rows_of_an_older_extractor_are_replaced_in_duckdb_and_the_lake(loaded: Path, tmp_path: Path) -> None:
    wh = shutil.copytree(loaded, tmp_path / "wh")
    con = warehouse.connect_writer(wh / "news.duckdb")
    want_e, want_q = _rows(con, "entities"), _rows(con, "quotes")
    three = [r[0] for r in con.execute("SELECT DISTINCT article_id FROM quotes ORDER BY 1 LIMIT 3").fetchall()]
    # What an older version left: fewer quotes, other canonical names (DuckDB only; the lake keeps its own copy).
    con.execute("DELETE FROM quotes WHERE article_id IN (SELECT unnest(?))", [three[:2]])
    con.execute("UPDATE entities SET canonical = canonical || '?' WHERE article_id = ?", [three[2]])
    files_before = set(lake.lake_files(wh))

    run_id = reextract.new_run_id()
    seen: list[int] = []
    res = reextract.reextract(con, wh, run_id, batch=10, progress=lambda r, total: seen.append(r.articles))
    assert res.changed == 3 and res.articles == 43
    assert seen == [10, 20, 30, 40, 43]
    assert (_rows(con, "entities"), _rows(con, "quotes")) == (want_e, want_q)
    assert con.execute("SELECT count(*) FROM quotes WHERE article_id IN (SELECT unnest(?)) AND run_id = ?",
                       [three[:2], run_id]).fetchone()[0] > 0
    # The lake: one rewritten partition per table, no stale copy of the replaced rows, registry == files on disk.
    assert res.lake_files == 2 and len(res.partitions) == 2
    assert _lake_rows(wh, con, "entities") == want_e and _lake_rows(wh, con, "quotes") == want_q
    assert lake.lake_files(wh) == {r[0] for r in con.execute("SELECT path FROM lake_files").fetchall()}
    assert files_before - lake.lake_files(wh) and all("/quotes/" not in f and "/entities/" not in f
                                                      for f in lake.lake_files(wh) & files_before)
    assert [c for c in maintenance.run_checks(con) if not c.ok] == []

    again = reextract.reextract(con, wh, reextract.new_run_id())
    assert (again.changed, again.lake_files) == (0, 0)
    con.close()


def test_the_command_reports_and_records_its_run(loaded: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from akhbar.cli import get_app

    wh = shutil.copytree(loaded, tmp_path / "wh")
    con = warehouse.connect_writer(wh / "news.duckdb")
    con.execute("DELETE FROM quotes WHERE article_id = (SELECT min(article_id) FROM quotes)")
    con.close()
    out = CliRunner().invoke(get_app(), ["reextract", "-w", str(wh)])
    assert out.exit_code == 0, out.output
    assert "articles re-extracted" in out.output and "1 changed" in out.output
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    assert con.execute("SELECT flow, status, records_read, articles_unchanged FROM runs WHERE flow = 'reextract'").fetchall() == [
        ("reextract", "ok", 43, 42)]
    con.close()


def test_a_run_killed_before_its_lake_rewrite_is_finished_by_the_next(loaded: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    wh = shutil.copytree(loaded, tmp_path / "wh")
    con = warehouse.connect_writer(wh / "news.duckdb")
    want_q = _rows(con, "quotes")
    # An older version's rows, in DuckDB and in the lake.
    con.execute("DELETE FROM quotes WHERE article_id = (SELECT min(article_id) FROM quotes)")
    (part,) = {p.rsplit("/", 2)[1] for p in lake.lake_files(wh) if "/quotes/" in p}
    reextract.rewrite_partition(con, wh, QUOTES, part, "older")
    assert _lake_rows(wh, con, "quotes") == _rows(con, "quotes") != want_q

    def killed(*args: object, **kwargs: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(reextract, "rewrite_partition", killed)
    with pytest.raises(KeyboardInterrupt):
        reextract.reextract(con, wh, reextract.new_run_id())
    # The rows are new, the lake is not: the batch's transaction marked its partitions.
    assert _rows(con, "quotes") == want_q and _lake_rows(wh, con, "quotes") != want_q
    assert con.execute("SELECT count(*) FROM lake_stale").fetchone() == (2,)

    monkeypatch.undo()
    res = reextract.reextract(con, wh, reextract.new_run_id())
    assert (res.changed, res.lake_files) == (0, 2)
    assert _lake_rows(wh, con, "quotes") == want_q
    assert con.execute("SELECT count(*) FROM lake_stale").fetchone() == (0,)
    assert lake.lake_files(wh) == {r[0] for r in con.execute("SELECT path FROM lake_files").fetchall()}
    con.close()


def test_fingerprint_follows_the_bytes_of_code_and_models(tmp_path: Path) -> None:
    from akhbar.extract.fingerprint import extractors_fingerprint, fingerprint_of

    (tmp_path / "a.py").write_text("x = 1\n")
    first = fingerprint_of(tmp_path, ["a.py", "m.bin"])
    assert first == fingerprint_of(tmp_path, ["a.py", "m.bin"]) and len(first) == 12
    (tmp_path / "m.bin").write_bytes(b"\0")  # a model file appears
    second = fingerprint_of(tmp_path, ["a.py", "m.bin"])
    (tmp_path / "a.py").write_text("x = 2\n")
    assert len({first, second, fingerprint_of(tmp_path, ["a.py", "m.bin"])}) == 3
    assert all(c in "0123456789abcdef" for c in extractors_fingerprint()) and len(extractors_fingerprint()) == 12


def test_runs_say_how_many_stored_articles_older_extractors_made(loaded: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    from akhbar.cli import print_summary
    from akhbar.extract.fingerprint import extractors_fingerprint

    wh = shutil.copytree(loaded, tmp_path / "wh")
    con = warehouse.connect_writer(wh / "news.duckdb")
    assert con.execute("SELECT DISTINCT extractors FROM runs").fetchall() == [(extractors_fingerprint(),)]
    assert etl.outdated_articles(con) == 0
    # What a warehouse of an older version looks like: its runs recorded no fingerprint.
    con.execute("UPDATE runs SET extractors = NULL")
    assert etl.outdated_articles(con) == 43
    con.close()

    again = etl.run(Settings(warehouse=wh, workers=1), [str(SAMPLE)])  # nothing new: the old articles stay old
    assert (again["articles_new"], again["articles_outdated"]) == (0, 43)
    capsys.readouterr()
    print_summary(again)
    assert "43 stored articles have entities and quotes from other extractors" in capsys.readouterr().err

    con = warehouse.connect_writer(wh / "news.duckdb")
    started = dt.datetime.now(dt.UTC)
    run_id = reextract.new_run_id(started)
    reextract.record_run(con, run_id, started, reextract.reextract(con, wh, run_id), "ok")
    assert etl.outdated_articles(con) == 0
    # A load with --no-entities skipped extraction on purpose: not "outdated" either.
    con.execute("UPDATE runs SET extractors = 'none' WHERE flow = 'reextract'")
    con.execute("UPDATE runs SET extractors = 'none' WHERE flow = 'news-etl'")
    assert etl.outdated_articles(con) == 0
    con.close()
