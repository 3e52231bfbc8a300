"""Contract: every DuckDB table is exactly its declared pyarrow schema (names, types, nullability, key)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from akhbar import warehouse
from akhbar.schema import REGISTRY, ddl_for, duckdb_type, is_indexed, primary_key


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(":memory:")
    warehouse.init(c)
    return c


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_describe_equals_declared_schema(con: duckdb.DuckDBPyConnection, name: str) -> None:
    schema = REGISTRY[name]
    described = con.execute(f'DESCRIBE "{name}"').fetchall()
    got = [(r[0], r[1], r[2]) for r in described]
    want = [(f.name, duckdb_type(f.type), "YES" if f.nullable else "NO") for f in schema]
    assert got == want
    keys = [r[0] for r in described if r[3] == "PRI"]
    assert keys == (primary_key(schema) if is_indexed(schema) else [])


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_parquet_roundtrip_keeps_schema(tmp_path, name: str) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.parquet as pq

    schema = REGISTRY[name]
    pq.write_table(pa.Table.from_pylist([], schema=schema), tmp_path / "t.parquet")
    assert pq.read_schema(tmp_path / "t.parquet").remove_metadata() == schema.remove_metadata()


def test_every_column_is_documented() -> None:
    for schema in REGISTRY.values():
        for f in schema:
            assert f.metadata and f.metadata.get(b"doc"), f"{schema.metadata[b'table']}.{f.name} has no description"


def test_ddl_is_generated_not_inferred() -> None:
    ddl = ddl_for(REGISTRY["articles"])
    assert '"article_id" VARCHAR NOT NULL' in ddl and "PRIMARY KEY" not in ddl  # a checked key, not an index
    assert 'PRIMARY KEY ("run_id")' in ddl_for(REGISTRY["runs"])
    assert '"published_at" TIMESTAMP WITH TIME ZONE' in ddl and '"tags" VARCHAR[]' in ddl


def test_unindexed_keys_have_a_uniqueness_check() -> None:
    """Every key left without a DuckDB index is covered by the unique-keys check."""
    from akhbar import warehouse as wh

    check = next(p for p in wh.sql_files("checks") if p.name.endswith("_unique_keys.sql")).read_text(encoding="utf-8")
    for name, schema in REGISTRY.items():
        if not is_indexed(schema):
            assert f"FROM {name} GROUP BY" in check, name


def test_unique_keys_check_finds_a_duplicate(con: duckdb.DuckDBPyConnection) -> None:
    from akhbar import warehouse as wh

    check = next(p for p in wh.sql_files("checks") if p.name.endswith("_unique_keys.sql")).read_text(encoding="utf-8")
    assert con.execute(check).fetchall() == []
    con.execute("INSERT INTO search_docs VALUES ('a1', 'x'), ('a1', 'y'), ('a2', 'z')")
    assert con.execute(check).fetchall() == [("search_docs", "a1", 2)]


def test_a_warehouse_from_an_older_version_gains_new_columns() -> None:
    """quotes.speaker_kind came after quotes had rows: init adds it, backfilled, NOT NULL, as declared."""
    c = duckdb.connect(":memory:")
    older = pa.schema([f for f in REGISTRY["quotes"] if f.name != "speaker_kind"], metadata=REGISTRY["quotes"].metadata)
    c.execute(ddl_for(older))
    c.execute("INSERT INTO quotes VALUES ('a1', 0, 5, 'حسین دهقان', 'وزیر دفاع', 'سخن', 'گفت', 'r1')")
    warehouse.init(c)
    assert c.execute("SELECT speaker, speaker_kind FROM quotes").fetchall() == [("حسین دهقان", "person")]
    described = [(r[0], r[1], r[2]) for r in c.execute('DESCRIBE "quotes"').fetchall()]
    # The added column sits last in DuckDB; the loader inserts BY NAME, so the order does not matter.
    assert sorted(described) == sorted((f.name, duckdb_type(f.type), "YES" if f.nullable else "NO") for f in REGISTRY["quotes"])
    with pytest.raises(duckdb.ConstraintException):
        c.execute("INSERT INTO quotes BY NAME SELECT 'a2' AS article_id, 0 AS start, 1 AS \"end\", 'x' AS speaker, 't' AS text, "
                  "'گفت' AS cue, 'r2' AS run_id")  # no default left behind: a new row must say its kind
    warehouse.init(c)  # a second init changes nothing
    assert c.execute("SELECT count(*) FROM quotes").fetchone() == (1,)


def test_a_required_column_without_backfill_cannot_be_added() -> None:
    c = duckdb.connect(":memory:")
    c.execute("CREATE TABLE t (a INTEGER)")
    schema = pa.schema([pa.field("a", pa.int32()), pa.field("b", pa.string(), nullable=False)], metadata={"table": "t"})
    with pytest.raises(RuntimeError, match="lacks the required column b"):
        warehouse.add_missing_columns(c, schema)
