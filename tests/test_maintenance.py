"""Lake compaction, SQL checks and the `warehouse-maintenance` flow."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from akhbar import etl, lake, maintenance, warehouse
from akhbar.config import Settings
from akhbar.schema import ARTICLES, QUOTES
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def batched(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse loaded from the samples in batches of 20: several small files per partition."""
    wh = tmp_path_factory.mktemp("batched")
    etl.run(Settings(warehouse=wh, workers=1, batch_size=20), [str(SAMPLES)])
    return wh


def _copy(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def _lake_state(wh: Path) -> tuple[list[tuple[str, str, int]], set[str]]:
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    rows = con.execute("SELECT path, table_name, rows FROM lake_files ORDER BY path").fetchall()
    con.close()
    return rows, lake.lake_files(wh)


def test_compaction_merges_each_partition_into_one_file(batched: Path, tmp_path: Path) -> None:
    wh = _copy(batched, tmp_path / "wh")
    before, files_before = _lake_state(wh)
    assert len(before) >= 6 and files_before == {p for p, _, _ in before}
    con = warehouse.connect_writer(wh / "news.duckdb")
    ids_in_db = sorted(r[0] for r in con.execute("SELECT article_id FROM articles").fetchall())
    plan = maintenance.plan_compaction(con)
    # Every table with several files in a partition is planned (articles, and entities/quotes of the articles).
    assert "articles" in {p.table for p in plan} and sum(len(p.files) for p in plan) == len(before)
    done = maintenance.compact_lake(con, wh, "run-m")
    con.close()
    assert all(c.new_file and not c.skipped for c in done)
    after, files_after = _lake_state(wh)
    assert len(after) == len(plan) == len(files_after)
    assert files_after == {p for p, _, _ in after}  # old files gone, nothing unregistered left behind
    assert sum(r for _, _, r in after) == sum(r for _, _, r in before)
    merged = pq.read_table(wh / next(path for path, table, _ in after if table == "articles"))
    assert merged.schema.equals(ARTICLES, check_metadata=False)
    assert sorted(merged.column("article_id").to_pylist()) == ids_in_db
    # Nothing left to do the second time.
    con = warehouse.connect_writer(wh / "news.duckdb")
    assert maintenance.plan_compaction(con) == []
    con.close()


def test_crash_before_commit_leaves_only_an_orphan(batched: Path, tmp_path: Path) -> None:
    wh = _copy(batched, tmp_path / "wh")
    con = warehouse.connect_writer(wh / "news.duckdb")
    part = maintenance.plan_compaction(con)[0]
    rel, rows = maintenance.merge_files(wh, part, "compact-crashed")  # written, never registered: the "crash"
    assert rows == part.rows and (wh / rel).exists()
    registered = {r[0] for r in con.execute("SELECT path FROM lake_files").fetchall()}
    con.close()
    # The next run's orphan sweep removes exactly the unregistered merge; the originals stay.
    assert lake.remove_orphans(wh, registered) == [rel]
    assert all((wh / f).exists() for f in part.files)


def test_row_count_mismatch_keeps_the_originals(batched: Path, tmp_path: Path) -> None:
    wh = _copy(batched, tmp_path / "wh")
    con = warehouse.connect_writer(wh / "news.duckdb")
    part = maintenance.plan_compaction(con)[0]
    con.execute("UPDATE lake_files SET rows = rows + 1 WHERE path = ?", [part.files[0]])
    res = maintenance.compact_partition(con, wh, maintenance.plan_compaction(con)[0], "run-m")
    assert res.skipped and "row count mismatch" in res.skipped and res.new_file is None
    assert all((wh / f).exists() for f in part.files)
    assert lake.lake_files(wh) == {r[0] for r in con.execute("SELECT path FROM lake_files").fetchall()}
    con.close()


def test_older_files_gain_new_nullable_columns(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    con = warehouse.connect_writer(wh / "news.duckdb")
    full = pa.Table.from_pylist(
        [{"article_id": f"a{i}", "source_id": "s", "body": "خبر", "cluster_id": f"a{i}", "is_canonical": True,
          "content_key": "k", "paragraphs": 1, "paragraphs_repeated": 0, "chars": 3, "raw_text": "خبر",
          "origin_path": "x", "origin_name": "x", "run_id": "r", "loaded_at": pa.scalar(0, pa.timestamp("us", tz="UTC")).as_py()}
         for i in range(4)],
        schema=ARTICLES,
    )
    old = full.drop_columns(["category", "keywords"])  # a file written before these columns existed
    d = wh / "lake" / "articles" / "ingest_date=2024-01-01"
    d.mkdir(parents=True)
    pq.write_table(old.slice(0, 2), d / "one.parquet")
    pq.write_table(full.slice(2, 2), d / "two.parquet")
    for name in ("one", "two"):
        con.execute("INSERT INTO lake_files VALUES (?, 'articles', 2, 'r', now())", [f"lake/articles/ingest_date=2024-01-01/{name}.parquet"])
    (res,) = maintenance.compact_lake(con, wh, "run-m")
    con.close()
    merged = pq.read_table(wh / str(res.new_file))
    assert merged.num_rows == 4 and merged.column("category").null_count == 4
    assert merged.column("article_id").to_pylist() == ["a0", "a1", "a2", "a3"]


def test_older_files_gain_a_required_column_with_its_backfill_value(tmp_path: Path) -> None:
    wh = tmp_path / "wh"
    con = warehouse.connect_writer(wh / "news.duckdb")
    full = pa.Table.from_pylist(
        [{"article_id": f"a{i}", "start": 0, "end": 4, "speaker": "حسین دهقان", "speaker_kind": "role" if i else "person",
          "text": "سخن", "cue": "گفت", "run_id": "r"} for i in range(2)],
        schema=QUOTES,
    )
    d = wh / "lake" / "quotes" / "ingest_date=2024-01-01"
    d.mkdir(parents=True)
    pq.write_table(full.slice(0, 1).drop_columns(["speaker_kind"]), d / "one.parquet")  # before speaker_kind existed
    pq.write_table(full.slice(1, 1), d / "two.parquet")
    for name in ("one", "two"):
        con.execute("INSERT INTO lake_files VALUES (?, 'quotes', 1, 'r', now())", [f"lake/quotes/ingest_date=2024-01-01/{name}.parquet"])
    (res,) = maintenance.compact_lake(con, wh, "run-m")
    con.close()
    assert res.skipped is None
    assert pq.read_table(wh / str(res.new_file)).column("speaker_kind").to_pylist() == ["person", "role"]


def test_run_checks_reports_rows_and_errors(tmp_path: Path) -> None:
    con = warehouse.connect_writer(tmp_path / "news.duckdb")
    files = []
    for name, sql in [("010_ok", "SELECT 1 WHERE false"), ("020_rows", "SELECT * FROM range(3)"), ("030_broken", "SELECT * FROM nowhere")]:
        files.append(tmp_path / f"{name}.sql")
        files[-1].write_text(f"-- header\n{sql};\n", encoding="utf-8")
    ok, rows, broken = maintenance.run_checks(con, files)
    assert (ok.ok, ok.rows) == (True, 0)
    assert (rows.ok, rows.rows, rows.sample) == (False, 3, ["(0,)", "(1,)", "(2,)"])
    assert not broken.ok and broken.error and "nowhere" in broken.error
    md = maintenance.maintenance_markdown([], [ok, rows, broken], None)
    assert md.startswith("# warehouse maintenance — checks failed")
    assert "| 020_rows | **FAILED** | 3 | (0,); (1,); (2,) |" in md and "Nothing to compact" in md


def test_project_checks_pass_on_the_samples(batched: Path) -> None:
    con = warehouse.connect_writer(batched / "news.duckdb")
    results = maintenance.run_checks(con)
    con.close()
    assert [r.name for r in results] == [p.stem for p in warehouse.sql_files("checks")]
    assert [r for r in results if not r.ok] == []


# ---------------------------------------------------------------- the flow


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_maintenance_flow_compacts_checks_reports_and_publishes(batched: Path, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    from flows.maintenance import ARTIFACT_KEY, MaintenanceParams, warehouse_maintenance

    wh = _copy(batched, tmp_path / "wh")
    result = warehouse_maintenance(MaintenanceParams(warehouse=str(wh)))
    assert result["checks_failed"] == [] and result["compacted"]
    assert Path(result["report"]).exists() and (wh / "reports" / "report-latest.html").exists()
    rows, files = _lake_state(wh)
    assert len(rows) == len(files) == len({Path(p).parent for p, _, _ in rows})
    con = duckdb.connect(str(wh / "news.duckdb"), read_only=True)
    assert con.execute("SELECT status, lake_files FROM runs WHERE flow = 'warehouse-maintenance'").fetchall() == [
        ("ok", len(result["compacted"]))
    ]
    con.close()

    async def latest() -> str:
        async with get_client() as client:
            art = await client.read_latest_artifacts()
            return next(a.data for a in art if a.key == ARTIFACT_KEY)

    import asyncio

    data = asyncio.run(latest())
    assert str(data).startswith("# warehouse maintenance — ok")
    assert "## Lake compaction" in str(data)


@pytest.mark.integration
@pytest.mark.usefixtures("prefect_harness")
def test_maintenance_flow_waits_for_the_writer_lock(tmp_path: Path) -> None:
    from flows.maintenance import MaintenanceParams, warehouse_maintenance

    with warehouse.writer_lock(tmp_path, 1), pytest.raises(warehouse.WarehouseBusy):
        warehouse_maintenance(MaintenanceParams(warehouse=str(tmp_path), lock_timeout=0.5))
