"""Persistent LSH store: clusters from real articles and their reprints, stable across runs and reopenings."""

from __future__ import annotations

import duckdb
import pytest

from akhbar.dedup import lsh_store, near
from akhbar.dedup.lsh_store import assign_clusters
from akhbar.schema import duckdb_type
from akhbar.text.chars import canonical_key

KINDS = [
    "zwnj_to_space",
    "arabic_letters",
    "reordered",
    "edit_8pct",
    "edit_15pct",
    "boilerplate",
    "truncated_60pct",
]


@pytest.fixture()
def corpus(articles, variants) -> tuple[list[tuple[str, str, int]], dict[str, str]]:
    """Return a batch (original + one reprint of each article, interleaved) and each item's true group."""
    batch, truth = [], {}
    order = 0
    for i, art in enumerate(articles):
        kind = KINDS[i % len(KINDS)]
        for suffix, paras in (("orig", art["paragraphs"]), (kind, variants[kind](art["paragraphs"]))):
            aid = f"a{i:02d}-{suffix}"
            batch.append((aid, canonical_key("\n".join(paras)), order))
            truth[aid] = f"a{i:02d}"
            order += 1
    return batch, truth


def test_reprints_cluster_with_their_original_and_nothing_else(corpus):
    batch, truth = corpus
    con = duckdb.connect()
    res = assign_clusters(con, batch, run_id="r1")
    for aid, cid in res.clusters.items():
        assert cid == f"{truth[aid]}-orig", (aid, cid, res.reasons[aid])
    assert res.merges == []
    assert res.matches == len(batch) // 2
    stored = dict(con.execute("SELECT article_id, cluster_id FROM clusters").fetchall())
    assert stored == res.clusters


def test_two_halves_in_reopened_file_equal_one_run(corpus, tmp_path):
    batch, _ = corpus
    one = assign_clusters(duckdb.connect(), batch, run_id="all").clusters
    db = tmp_path / "near.duckdb"
    half = len(batch) // 2 + 1  # an odd split: some originals and their reprint land in different halves
    for run, part in (("r1", batch[:half]), ("r2", batch[half:])):
        con = duckdb.connect(str(db))
        assign_clusters(con, part, run_id=run)
        con.close()
    con = duckdb.connect(str(db))
    two = dict(con.execute("SELECT article_id, cluster_id FROM clusters").fetchall())
    assert two == one
    runs = dict(
        con.execute(
            "SELECT run, count(*) FROM (SELECT joined_at_run AS run FROM clusters) GROUP BY run"
        ).fetchall()
    )
    assert runs == {"r1": half, "r2": len(batch) - half}


def test_rerun_changes_nothing(corpus):
    batch, _ = corpus
    con = duckdb.connect()
    first = assign_clusters(con, batch, run_id="r1")
    again = assign_clusters(con, batch, run_id="r2")
    assert again.clusters == first.clusters
    assert set(again.reasons.values()) == {"already_assigned"}
    assert con.execute("SELECT count(*) FROM clusters").fetchone()[0] == len(batch)
    assert con.execute("SELECT count(*) FROM lsh_bands").fetchone()[0] == len(batch) * near.BANDS


def test_cluster_id_is_the_first_member_even_when_batch_is_unordered(corpus):
    batch, truth = corpus
    res = assign_clusters(duckdb.connect(), list(reversed(batch)))
    for aid, cid in res.clusters.items():
        assert cid == f"{truth[aid]}-orig"


def test_bridge_merges_two_clusters_keeping_the_older_id(articles):
    a = articles[2]["paragraphs"]
    b = articles[3]["paragraphs"]
    con = duckdb.connect()
    first = assign_clusters(
        con,
        [
            ("A", canonical_key("\n".join(a)), 1),
            ("B", canonical_key("\n".join(b)), 2),
            ("B2", canonical_key("\n".join(b)).replace(" ", "  "), 3),
        ],
        run_id="r1",
    )
    assert first.clusters == {"A": "A", "B": "B", "B2": "B"}
    # a roundup that reprints both stories matches both clusters
    bridge = canonical_key("\n".join(a + b))
    res = assign_clusters(con, [("C", bridge, 4)], run_id="r2")
    assert res.clusters == {"C": "A"}
    assert [(m.kept, m.absorbed, m.via) for m in res.merges] == [("A", "B", "C")]
    assert res.relabelled == {"B": "A", "B2": "A"}
    stored = dict(con.execute("SELECT article_id, cluster_id FROM clusters").fetchall())
    assert stored == {"A": "A", "B": "A", "B2": "A", "C": "A"}
    assert con.execute("SELECT * FROM cluster_merges").fetchall() == [("B", "A", "C", "r2")]


def test_ineligible_articles_get_their_own_cluster():
    con = duckdb.connect()
    res = assign_clusters(con, [("e", "", 1), ("w", "سلام", 2), ("w2", "سلام", 3)])
    assert res.clusters == {"e": "e", "w": "w", "w2": "w2"}
    assert res.reasons["w"].startswith("not_eligible")
    assert con.execute("SELECT count(*) FROM lsh_bands").fetchone()[0] == 0


def test_keys_from_a_callable_instead_of_the_keys_table(corpus):
    batch, _ = corpus
    keys = {aid: key for aid, key, _ in batch}
    fetched: list[str] = []

    def fetch(ids: list[str]) -> dict[str, str]:
        fetched.extend(ids)
        return {i: keys[i] for i in ids}

    con = duckdb.connect()
    half = len(batch) // 2
    assign_clusters(con, batch[:half], fetch_keys=fetch, store_keys=False)
    assign_clusters(con, batch[half:], fetch_keys=fetch, store_keys=False)
    assert con.execute("SELECT count(*) FROM near_keys").fetchone()[0] == 0
    assert fetched  # the second half verified against the first through the callable
    one = assign_clusters(duckdb.connect(), batch).clusters
    assert dict(con.execute("SELECT article_id, cluster_id FROM clusters").fetchall()) == one
    with pytest.raises(ValueError):
        assign_clusters(con, batch, store_keys=False)


@pytest.mark.parametrize("schema", lsh_store.SCHEMAS, ids=lambda s: s.metadata[b"table"].decode())
def test_tables_match_their_declared_schema(schema):
    con = duckdb.connect()
    lsh_store.ensure_tables(con)
    name = schema.metadata[b"table"].decode()
    described = [(r[0], r[1], r[2]) for r in con.execute(f'DESCRIBE "{name}"').fetchall()]
    declared = [(f.name, duckdb_type(f.type), "YES" if f.nullable else "NO") for f in schema]
    assert described == declared


def test_sketches_estimate_jaccard_and_never_drop_a_true_pair(corpus, articles):
    batch, truth = corpus
    prof = {aid: near.shingle_key(key) for aid, key, _ in batch if near.eligible(key)[0]}
    ids = sorted(prof)
    worst_true, best_false = 1.0, 0.0
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            est = near.sketch_jaccard(near.sketch(prof[a].signature), near.sketch(prof[b].signature))
            exact = near.similarity(prof[a].shingles, prof[b].shingles)[0]
            assert abs(est - exact) < 0.2, (a, b, est, exact)
            if truth[a] == truth[b]:
                worst_true = min(worst_true, est)
            else:
                best_false = max(best_false, est)
    assert worst_true > 2 * near.SKETCH_MIN and best_false < near.SKETCH_MIN


def test_sketches_change_no_cluster_and_old_stores_without_them_still_verify(corpus, tmp_path):
    batch, _ = corpus
    half = len(batch) // 2 + 1
    runs = {}
    for name, drop_sketches in (("with", False), ("without", True)):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        assign_clusters(con, batch[:half], run_id="r1")
        if drop_sketches:  # a store written before sketches existed
            con.execute("DELETE FROM near_sketches")
        res = assign_clusters(con, batch[half:], run_id="r2")
        runs[name] = (dict(con.execute("SELECT article_id, cluster_id FROM clusters").fetchall()), res)
        # one sketch per article sketched in its own call: earlier articles' sketches are read, never re-stored
        n, distinct = con.execute("SELECT count(*), count(DISTINCT article_id) FROM near_sketches").fetchone()
        assert n == distinct == len(batch) - (0 if not drop_sketches else half)
    assert runs["with"][0] == runs["without"][0] == assign_clusters(duckdb.connect(), batch).clusters
    assert runs["without"][1].sketched_out == 0 and runs["with"][1].matches == runs["without"][1].matches
