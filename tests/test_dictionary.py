"""The data dictionary: generated from the schemas and SQL headers, committed, complete."""

from __future__ import annotations

import pyarrow as pa

from akhbar import dictionary, reasons, warehouse
from akhbar.schema import col, table


def test_committed_dictionary_is_up_to_date() -> None:
    committed = dictionary.DOC_PATH.read_text(encoding="utf-8") if dictionary.DOC_PATH.exists() else ""
    assert committed == dictionary.render(), "docs/DATA_DICTIONARY.md is stale: python -m akhbar.dictionary > docs/DATA_DICTIONARY.md"


def test_every_column_is_documented() -> None:
    assert dictionary.undocumented() == []


def test_undocumented_columns_are_found() -> None:
    bare = table("t", "a table", ["a"], [col("a", pa.string(), "documented"), pa.field("b", pa.int64())])
    original = dictionary.tables
    dictionary.tables = lambda: [bare]  # type: ignore[assignment]
    try:
        assert dictionary.undocumented() == ["t.b"]
    finally:
        dictionary.tables = original  # type: ignore[assignment]


def test_dictionary_covers_tables_views_macros_checks_and_reasons() -> None:
    text = dictionary.render()
    for schema in dictionary.tables():
        assert f"### `{schema.metadata[b'table'].decode()}`" in text
        for f in schema:
            assert f"| `{f.name}` |" in text
    for path in warehouse.sql_files("views"):
        for name in dictionary.sql_doc(path).names:
            assert f"### `{name}`" in text and "Columns: " in text
    for path in warehouse.sql_files("macros"):
        assert path.name in text
    for path in warehouse.sql_files("checks"):
        assert f"`{path.name}`" in text
    for reason in reasons.ALL:
        assert f"| `{reason}` |" in text
    assert "search_articles" in text


def test_view_header_becomes_the_question() -> None:
    d = dictionary.sql_doc(warehouse.SQL_DIR / "views" / "010_daily_counts.sql")
    assert d.names == ["daily_counts"]
    assert d.header.startswith("daily_counts: how many articles")
    assert "*how many articles did each agency publish per day?*" in dictionary.render()
