"""Contract: every DuckDB table is exactly its declared pyarrow schema (names, types, nullability, key)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from akhbar import warehouse
from akhbar.schema import REGISTRY, ddl_for, duckdb_type, primary_key


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
    assert keys == primary_key(schema)


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
    assert '"article_id" VARCHAR NOT NULL' in ddl and 'PRIMARY KEY ("article_id")' in ddl
    assert '"published_at" TIMESTAMP WITH TIME ZONE' in ddl and '"tags" VARCHAR[]' in ddl
