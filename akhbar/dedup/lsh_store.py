"""Incremental, persistent near-duplicate clustering in DuckDB.

Each article's LSH band hashes and canonical key are stored; a new batch is matched against everything
loaded before by a SQL join on (band, hash), never by loading history into memory. Candidates are verified
on the real shingle sets (``akhbar.dedup.near``) and joined with union-find.

Cluster ids are stable: a cluster's id is the article id of its first member (lowest ``first_seen_order``),
adding articles never splits a cluster, and when a new article bridges two existing clusters the younger
one is merged into the older (its id is kept) and the merge is reported and stored.
Loading a corpus in several calls gives the same clusters as loading it in one, as long as
``first_seen_order`` grows from call to call (within a call any order is fine).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from akhbar.dedup import near
from akhbar.schema import CLUSTER_MERGES, CLUSTERS, LSH_BANDS, NEAR_KEYS, NEAR_SKETCHES, ddl_for
from akhbar.warehouse import rollback_quietly

SCHEMAS = (LSH_BANDS, NEAR_SKETCHES, NEAR_KEYS, CLUSTERS, CLUSTER_MERGES)
# Articles handled per step: bounds memory (shingle sets of one chunk, ~6 KB each, plus the chunk's
# band join) and keeps each step one transaction; the result does not depend on it. 5,000 instead of
# 10,000 took the bench's stage peak from 652 to 583 MB at 50,000 articles and from 903 to 861 MB at
# 200,000 (time 94 -> 101 s).
CHUNK = 5_000

BatchItem = tuple[str, str, int]  # (article_id, canonical key, first_seen_order)
KeyFetcher = Callable[[list[str]], dict[str, str]]
SetFetcher = Callable[[list[str]], dict[str, near.Shingled]]
# A key profiled already: (eligible, why, shingles+numbers+signature, band hashes); see akhbar.dedup.profile.
Profiled = tuple[bool, str, "near.Shingled | None", "np.ndarray | None"]


@dataclass(slots=True)
class Merge:
    """Two existing clusters joined by a new article: ``absorbed`` now belongs to ``kept``."""

    kept: str
    absorbed: str
    via: str


@dataclass(slots=True)
class Assignment:
    """What one call decided."""

    clusters: dict[str, str] = field(default_factory=dict)  # every article of the batch -> cluster id
    reasons: dict[str, str] = field(default_factory=dict)  # article -> why it got that cluster
    merges: list[Merge] = field(default_factory=list)
    relabelled: dict[str, str] = field(default_factory=dict)  # earlier articles whose cluster id changed
    candidates: int = 0  # candidate pairs verified
    matches: int = 0  # candidate pairs that verified as near-duplicates
    sketched_out: int = 0  # candidate pairs from earlier loads dropped by their sketch estimate (never read)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the store's tables if they are missing (DDL generated from the schema constants)."""
    for schema in SCHEMAS:
        con.execute(ddl_for(schema))


class _UnionFind:
    """Union-find over hashable nodes; ``rank`` decides the representative (lowest wins)."""

    def __init__(self, rank: Callable[[str], tuple]) -> None:
        self.parent: dict[str, str] = {}
        self.rank = rank

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.rank(rb) < self.rank(ra):
            ra, rb = rb, ra
        self.parent[rb] = ra


def _query_ids(con: duckdb.DuckDBPyConnection, sql: str, ids: list[str]) -> list[tuple]:
    """Run ``sql`` where ``_ids(id)`` is a table of the given ids.

    The ids travel as one Arrow column, not a list parameter: DuckDB's client converts a list parameter
    value by value (and tries to import pandas for each), ~300 µs per id.
    """
    con.register("_ids", pa.table({"id": pa.array(ids, pa.string())}))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.unregister("_ids")


def _stored_keys(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    return dict(_query_ids(con, "SELECT article_id, key FROM near_keys WHERE article_id IN (SELECT id FROM _ids)", ids))


def assign_clusters(
    con: duckdb.DuckDBPyConnection,
    batch: Iterable[BatchItem],
    run_id: str | None = None,
    fetch_keys: KeyFetcher | None = None,
    store_keys: bool = True,
    profiles: Mapping[str, Profiled] | None = None,
    fetch_sets: SetFetcher | None = None,
) -> Assignment:
    """Assign every article of a batch to a near-duplicate cluster, store it, and report merges.

    ``batch`` holds (article_id, canonical_key, first_seen_order). Articles already in the store keep
    their cluster (a rerun changes nothing). ``fetch_keys(ids) -> {id: key}`` supplies the keys of
    earlier articles for verification; by default they are read from the ``near_keys`` table, which
    ``store_keys=False`` leaves empty (then ``fetch_keys`` or ``fetch_sets`` is required).

    A caller that profiled the keys already (the loader's workers do) passes ``profiles`` {id: Profiled}
    (the batch items' keys are then unused) and ``fetch_sets(ids) -> {id: Shingled}`` for the earlier
    articles, so nothing is shingled twice.
    """
    if fetch_keys is None and fetch_sets is None and not store_keys:
        raise ValueError("store_keys=False needs fetch_keys or fetch_sets to verify candidates against earlier articles")
    if profiles is not None and store_keys:
        raise ValueError("profiles carry no keys to store: pass store_keys=False with them")
    ensure_tables(con)
    items = _unique(batch)
    result = Assignment()
    if fetch_sets is None:
        keys = fetch_keys or (lambda ids: _stored_keys(con, ids))

        def fetch_sets(ids: list[str]) -> dict[str, near.Shingled]:
            return {aid: near.shingle_key(k, signature=False) for aid, k in keys(ids).items()}

    for start in range(0, len(items), CHUNK):
        _assign_chunk(con, items[start : start + CHUNK], run_id, fetch_sets, store_keys, result, profiles or {})
    return result


def _unique(batch: Iterable[BatchItem]) -> list[BatchItem]:
    """Keep the first item per article id, sorted by (order, id) so chunking follows first sight."""
    seen: dict[str, BatchItem] = {}
    for item in batch:
        seen.setdefault(item[0], item)
    return sorted(seen.values(), key=lambda it: (it[2], it[0]))


def _verify_old(
    old_pairs: Sequence[tuple[str, str, int]],
    old_cluster: dict[str, str],
    sets: dict[str, near.Shingled],
    fetch_sets: SetFetcher,
    result: Assignment,
    sketches: dict[str, bytes] | None = None,
) -> list[tuple[str, str, str, str]]:
    """Verify new articles against their candidates from earlier loads; return the edges to old clusters.

    One verified member is enough to join a cluster, so each (new article, old cluster) pair tries the
    candidate sharing the most bands first (all sharing half or more count as equal; of those, the
    earliest seen) and the others only if it fails. A story reprinted fifteen
    times used to cost fifteen fetches and comparisons per new copy (70 % of the writer's time on the
    50,000-article scaled corpus); the clusters are the same, since the skipped edges join nothing new.
    """
    todo: dict[tuple[str, str], list[str]] = {}  # (new, old cluster) -> candidates, most shared bands first
    sketches = sketches or {}
    pairs = [(a, o) for a, o, _ in old_pairs if o in old_cluster]  # ordered by (a, bands desc up to half, first seen, o)
    sketched = [i for i, (a, o) in enumerate(pairs) if a in sketches and o in sketches]
    estimates = near.sketch_jaccards([sketches[pairs[i][0]] for i in sketched], [sketches[pairs[i][1]] for i in sketched])
    # A chance band collision is not worth reading the earlier text.
    chance = {sketched[j] for j in np.flatnonzero(estimates < near.SKETCH_MIN)}
    result.sketched_out += len(chance)
    for i, (a, o) in enumerate(pairs):
        if i not in chance:
            todo.setdefault((a, old_cluster[o]), []).append(o)
    edges: list[tuple[str, str, str, str]] = []
    tried = 0
    while todo:
        wanted = sorted({members[tried] for members in todo.values() if tried < len(members)})
        if not wanted:
            break
        old_sets = fetch_sets(wanted)
        for (a, cid), members in list(todo.items()):
            if tried >= len(members):
                del todo[(a, cid)]
                continue
            o = members[tried]
            if o not in old_sets:
                continue
            ok, why = near.compare(sets[a], old_sets[o])
            result.candidates += 1
            if ok:
                result.matches += 1
                edges.append((a, "c:" + cid, o, why))
                del todo[(a, cid)]
        tried += 1
    return edges


def _assign_chunk(
    con: duckdb.DuckDBPyConnection,
    items: Sequence[BatchItem],
    run_id: str | None,
    fetch_sets: SetFetcher,
    store_keys: bool,
    result: Assignment,
    profiles: Mapping[str, Profiled],
) -> None:
    ids = [i for i, _, _ in items]
    known = dict(_query_ids(con, "SELECT article_id, cluster_id FROM clusters WHERE article_id IN (SELECT id FROM _ids)", ids))
    for aid in known:
        result.clusters[aid] = known[aid]
        result.reasons[aid] = "already_assigned"
    new = [it for it in items if it[0] not in known]
    if not new:
        return
    order = {aid: o for aid, _, o in new}
    sets: dict[str, near.Shingled] = {}
    sketches: dict[str, bytes] = {}
    band_ids: list[str] = []
    band_nums: list[np.ndarray] = []
    band_vals: list[np.ndarray] = []
    keys_kept: dict[str, str] = {}
    for aid, key, _ in new:
        if aid in profiles:
            ok, why, sh, hashes = profiles[aid]
        else:
            ok, why = near.eligible(key)
            sh = near.shingle_key(key) if ok else None
            hashes = near.band_hashes(sh.signature) if sh is not None else None
        if not ok:
            result.reasons[aid] = f"not_eligible: {why}"
            continue
        if sh is None or hashes is None:
            raise ValueError(f"profile of {aid} has no signature (profile it with signature=True)")
        sets[aid] = near.Shingled(sh.shingles, None, sh.numbers)
        sketches[aid] = near.sketch(sh.signature)
        if store_keys:
            keys_kept[aid] = key[: near.MAX_KEY_CHARS]
        band_ids.extend([aid] * near.BANDS)
        band_nums.append(np.arange(near.BANDS, dtype=np.int16))
        band_vals.append(hashes)
    bands = pa.table(
        {
            "article_id": pa.array(band_ids, pa.string()),
            "band": pa.array(np.concatenate(band_nums) if band_nums else np.empty(0, np.int16), pa.int16()),
            "hash": pa.array(np.concatenate(band_vals) if band_vals else np.empty(0, np.int64), pa.int64()),
        },
        schema=LSH_BANDS,
    )
    con.register("_near_batch_bands", bands)
    try:
        # With the number of shared bands: the candidate sharing most is tried first (see below).
        old_pairs = con.execute(
            """SELECT b.article_id, l.article_id, count(*) AS bands
               FROM _near_batch_bands b JOIN lsh_bands l ON b.band = l.band AND b.hash = l.hash
               GROUP BY ALL ORDER BY b.article_id, bands DESC, l.article_id"""
        ).fetchall()
        new_pairs = con.execute(
            """SELECT DISTINCT a.article_id, b.article_id
               FROM _near_batch_bands a JOIN _near_batch_bands b
                 ON a.band = b.band AND a.hash = b.hash AND a.article_id < b.article_id"""
        ).fetchall()
    finally:
        con.unregister("_near_batch_bands")

    old_ids = sorted({o for _, o, _ in old_pairs})
    old_sketches: dict[str, bytes] = {}
    old_cluster: dict[str, str] = {}
    cluster_first: dict[str, int] = {}
    if old_ids:
        rows = _query_ids(
            con,
            """SELECT c.article_id, c.cluster_id, f.first_seen_order, c.first_seen_order, s.sketch
               FROM clusters c JOIN clusters f ON f.article_id = c.cluster_id
               LEFT JOIN near_sketches s ON s.article_id = c.article_id
               WHERE c.article_id IN (SELECT id FROM _ids)""",
            list(old_ids),
        )
        member_first: dict[str, int] = {}
        for aid, cid, first, own, sk in rows:
            old_cluster[aid] = cid
            cluster_first[cid] = first
            member_first[aid] = own
            if sk is not None:  # (articles stored before sketches existed have none: always verified)
                old_sketches[aid] = sk
        # Candidates sharing at least half the bands (J ~ 0.75 and up: they verify) count as equally good,
        # and the earliest seen of them is tried first: every new copy of a much-reprinted story is then
        # compared with the same member (its first copy), which stays in the caller's cache, instead of
        # with whichever copy happened to share one band more.
        old_pairs = sorted(old_pairs, key=lambda p: (p[0], -min(p[2], near.BANDS // 2), member_first.get(p[1], 0), p[1]))

    # Nodes: new article ids and existing cluster ids ("c:" prefixed). Existing clusters rank before any
    # new article (ids stay stable), older clusters before younger; new articles by first sight.
    def rank(node: str) -> tuple:
        if node.startswith("c:"):
            return (0, cluster_first[node[2:]], node[2:])
        return (1, order[node], node)

    uf = _UnionFind(rank)
    matched: dict[str, tuple[str, str]] = {}  # new article -> (article it matched, why), first match kept
    edges: list[tuple[str, str, str, str]] = []  # (new id, other node, other article id, why)
    edges.extend(_verify_old(old_pairs, old_cluster, sets, fetch_sets, result, {**old_sketches, **sketches}))
    for a, b in new_pairs:
        ok, why = near.compare(sets[a], sets[b])
        result.candidates += 1
        if ok:
            result.matches += 1
            edges.append((a, b, b, why))
            edges.append((b, a, a, why))
    for a, node, other, why in sorted(edges, key=lambda e: (rank(e[0]), rank(e[1]))):
        uf.union(a, node)
        if rank(node) < rank(a) and a not in matched:
            matched[a] = (other, why)

    # Merges: several existing clusters in one component.
    components: dict[str, list[str]] = {}
    for node in list(uf.parent):
        components.setdefault(uf.find(node), []).append(node)
    merges: list[Merge] = []
    for members in components.values():
        olds = sorted((m for m in members if m.startswith("c:")), key=rank)
        if len(olds) > 1:
            via = min((m for m in members if not m.startswith("c:")), key=rank)
            for absorbed in olds[1:]:
                merges.append(Merge(kept=olds[0][2:], absorbed=absorbed[2:], via=via))

    rows_out = []
    for aid, _, o in new:
        root = uf.find(aid) if aid in uf.parent else aid
        cid = root[2:] if root.startswith("c:") else root
        result.clusters[aid] = cid
        if aid in matched:
            other, why = matched[aid]
            result.reasons[aid] = f"{why} with {other}"
            rows_out.append((aid, cid, o, run_id, other, why))
        else:
            reason = result.reasons.get(aid, "new_cluster")
            result.reasons[aid] = reason
            rows_out.append((aid, cid, o, run_id, None, reason))

    con.execute("BEGIN TRANSACTION")
    try:
        for m in merges:
            relabelled = con.execute(
                "UPDATE clusters SET cluster_id = $1 WHERE cluster_id = $2 RETURNING article_id",
                [m.kept, m.absorbed],
            ).fetchall()
            for (aid,) in relabelled:
                result.relabelled[aid] = m.kept
                if aid in result.clusters:
                    result.clusters[aid] = m.kept
            # an earlier merge may point at the cluster just absorbed
            con.execute(
                "UPDATE cluster_merges SET kept_cluster_id = $1 WHERE kept_cluster_id = $2",
                [m.kept, m.absorbed],
            )
            con.execute(
                "INSERT OR REPLACE INTO cluster_merges VALUES ($1, $2, $3, $4)",
                [m.absorbed, m.kept, m.via, run_id],
            )
        names = [f.name for f in CLUSTERS]
        clusters_tbl = pa.Table.from_pylist(
            [dict(zip(names, r, strict=True)) for r in rows_out], schema=CLUSTERS
        )
        con.register("_near_new_clusters", clusters_tbl)
        con.execute("INSERT INTO clusters SELECT * FROM _near_new_clusters")
        con.unregister("_near_new_clusters")
        con.register("_near_batch_bands", bands)
        con.execute("INSERT INTO lsh_bands SELECT * FROM _near_batch_bands")
        con.unregister("_near_batch_bands")
        new_sketches = pa.table(
            {"article_id": pa.array(list(sketches), pa.string()), "sketch": pa.array(list(sketches.values()), pa.binary())},
            schema=NEAR_SKETCHES,
        )
        con.register("_near_new_sketches", new_sketches)
        con.execute("INSERT INTO near_sketches SELECT * FROM _near_new_sketches")
        con.unregister("_near_new_sketches")
        if store_keys and keys_kept:
            keys_tbl = pa.table(
                {"article_id": list(keys_kept), "key": list(keys_kept.values())}, schema=NEAR_KEYS
            )
            con.register("_near_new_keys", keys_tbl)
            con.execute("INSERT INTO near_keys SELECT * FROM _near_new_keys")
            con.unregister("_near_new_keys")
        con.execute("COMMIT")
    except Exception:
        rollback_quietly(con)
        raise
    result.merges.extend(merges)
