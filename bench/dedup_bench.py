"""Near-duplicate benchmark: perturbed copies of real Persian news, pairwise precision/recall per kind.

    python bench/dedup_bench.py --n 50000            # quality table + time/RSS of the near-dup stage
    python bench/dedup_bench.py --n 50000 200000     # scaling (run the 200k case rarely: shared machine)
    python bench/dedup_bench.py --n 12000 --no-boilerplate-stage   # near-dup alone, boilerplate left in
    python bench/dedup_bench.py --n 50000 --final-counts           # strip with the final counts (ideal)

Pipeline order measured: per-agency boilerplate counting + stripping (slice by slice with the counts
known so far, as ``akhbar run`` strips near-duplicate keys), canonical key, then near-dup clustering in a
DuckDB store on a temp file. The near-dup stage runs in a child process fed in slices of ``--slice``
articles (as runs feed it), so its peak RSS is its own, not the corpus builder's.

Peak RSS is the child's ``VmHWM`` (/proc/self/status), not ``getrusage().ru_maxrss``: Linux carries
ru_maxrss across exec, so a child started from the corpus builder reported the builder's own peak
(2,362 MB at 200,000 articles, all of it the parent's corpus). The batch Parquet file is written in row
groups of one slice, so the child never holds more than one slice of keys.
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from akhbar.dedup import boilerplate, near  # noqa: E402
from akhbar.text.chars import canonical_key  # noqa: E402
from bench.perturb import KINDS, Doc, build_corpus, load_base  # noqa: E402

SOURCE_DUP_JACCARD = 0.6  # base articles this similar are the same story in the source data itself


def source_duplicates(base: list[Doc]) -> dict[str, str]:
    """Group base docs that are already near-duplicates in the source data (exact Jaccard >= 0.6)."""
    keys = [canonical_key(d.body) for d in base]
    sets, buckets = {}, collections.defaultdict(list)
    for i, k in enumerate(keys):
        if near.eligible(k)[0]:
            sh = near.shingle_key(k)
            sets[i] = sh.shingles
            for b, h in enumerate(near.band_hashes(sh.signature)):
                buckets[(b, int(h))].append(i)
    parent = list(range(len(base)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    checked = set()
    for members in buckets.values():
        for a, b in combinations(members, 2):
            if (a, b) in checked:
                continue
            checked.add((a, b))
            if near.similarity(sets[a], sets[b])[0] >= SOURCE_DUP_JACCARD:
                parent[find(b)] = find(a)
    return {d.doc_id: base[find(i)].doc_id for i, d in enumerate(base)}


def strip_stage(
    docs: list[Doc], con: duckdb.DuckDBPyConnection, slice_size: int | None = None
) -> tuple[list[str], float, int]:
    """Count paragraphs per agency, strip boilerplate, return (keys, seconds, paragraphs removed).

    With ``slice_size`` each slice is counted and then stripped with the counts known so far (that slice
    included), as ``akhbar run`` strips near-duplicate keys batch by batch; without it every doc is
    stripped with the final counts.
    """
    t = time.perf_counter()
    keys, removed = [], 0
    step = slice_size or len(docs)
    for start in range(0, len(docs), step):
        part = docs[start : start + step]
        boilerplate.count_paragraphs(con, ((d.agency, d.doc_id, d.paragraphs) for d in part), run_id="bench")
        preds = {a: boilerplate.boilerplate_predicate(con, a) for a in {d.agency for d in part}}
        for d in part:
            kept, gone = boilerplate.strip_boilerplate(d.paragraphs, preds[d.agency])
            removed += len(gone)
            keys.append(canonical_key("\n".join(kept)))
    return keys, time.perf_counter() - t, removed


def peak_rss_mb() -> float:
    """Return this process's peak resident set (VmHWM) in MB; ru_maxrss where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def near_stage_child(parquet: str, db: str, slice_size: int, out: str) -> None:
    """Run assign_clusters over the parquet batch in slices; write timings and RSS to ``out``."""
    from akhbar.dedup.lsh_store import assign_clusters

    con = duckdb.connect(db)
    con.execute("SET memory_limit = '300MB'")
    con.execute("SET threads = 1")
    pf = pq.ParquetFile(parquet)
    t = time.perf_counter()
    stats = collections.Counter()
    for rb in pf.iter_batches(batch_size=slice_size):
        cols = rb.to_pydict()
        res = assign_clusters(
            con, zip(cols["article_id"], cols["key"], cols["order"], strict=True), run_id="bench"
        )
        stats["candidates"] += res.candidates
        stats["matches"] += res.matches
        stats["merges"] += len(res.merges)
    seconds = time.perf_counter() - t
    con.close()
    rss_mb = peak_rss_mb()
    Path(out).write_text(json.dumps({"seconds": seconds, "peak_rss_mb": rss_mb, **stats}))


def evaluate(
    docs: list[Doc], clusters: dict[str, str], truth_of: dict[str, str], negatives: list[tuple[str, str]]
) -> tuple[str, dict]:
    """Return a Markdown table of pairwise precision/recall/F1 per kind, and overall figures."""
    by_id = {d.doc_id: d for d in docs}
    truth = {d.doc_id: truth_of[d.doc_id] for d in docs}
    pred_groups = collections.defaultdict(list)
    for aid, cid in clusters.items():
        pred_groups[cid].append(aid)
    true_groups = collections.defaultdict(list)
    for aid, g in truth.items():
        true_groups[g].append(aid)
    pred_pairs = {tuple(sorted(p)) for g in pred_groups.values() for p in combinations(g, 2)}
    true_pairs = {tuple(sorted(p)) for g in true_groups.values() for p in combinations(g, 2)}
    tp = len(pred_pairs & true_pairs)

    def prf(tp_: int, npred: int, ntrue: int) -> tuple[float, float, float]:
        p = tp_ / npred if npred else 1.0
        r = tp_ / ntrue if ntrue else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    overall = prf(tp, len(pred_pairs), len(true_pairs))
    rows = []
    for kind in (*KINDS, "hardneg"):
        kp = {p for p in pred_pairs if kind in (by_id[p[0]].kind, by_id[p[1]].kind)}
        kt = {p for p in true_pairs if kind in (by_id[p[0]].kind, by_id[p[1]].kind)}
        k_tp = len(kp & kt)
        p, r, f = prf(k_tp, len(kp), len(kt))
        rows.append(f"| {kind} | {len(kt)} | {p:.4f} | {r:.4f} | {f:.4f} |")
    bp = {p for p in pred_pairs if by_id[p[0]].kind == "base" and by_id[p[1]].kind == "base"}
    bt = {p for p in true_pairs if by_id[p[0]].kind == "base" and by_id[p[1]].kind == "base"}
    p, r, f = prf(len(bp & bt), len(bp), len(bt))
    rows.append(f"| base↔base (source dups) | {len(bt)} | {p:.4f} | {r:.4f} | {f:.4f} |")
    rows.append(
        f"| **all pairs** | {len(true_pairs)} | **{overall[0]:.4f}** | **{overall[1]:.4f}** | **{overall[2]:.4f}** |"
    )
    hn_pairs = [(a, b) for a, b in negatives if truth[a] != truth[b]]
    hn_merged = sum(1 for a, b in hn_pairs if clusters[a] == clusters[b])
    table = "| kind | true pairs | precision | recall | F1 |\n|---|---:|---:|---:|---:|\n" + "\n".join(rows)
    fps = sorted(pred_pairs - true_pairs)[:10]
    return table, {
        "precision": overall[0],
        "recall": overall[1],
        "f1": overall[2],
        "hard_negative_pairs": len(hn_pairs),
        "hard_negatives_merged": hn_merged,
        "false_positive_examples": fps,
    }


def run(
    n: int,
    base: list[Doc],
    truth_base: dict[str, str],
    strip: bool,
    slice_size: int,
    final_counts: bool = False,
) -> dict:
    """Build an n-article corpus, run boilerplate + near-dup stages, evaluate."""
    docs, negatives = build_corpus(base, n)
    truth_of = {}
    for d in docs:
        replica, base_id = d.group.split(":", 1)
        truth_of[d.doc_id] = f"{replica}:{truth_base[base_id]}"
    with tempfile.TemporaryDirectory(prefix="dedup_bench_") as tmp:
        db = str(Path(tmp) / "bench.duckdb")
        con = duckdb.connect(db)
        if strip:
            keys, strip_s, removed = strip_stage(docs, con, None if final_counts else slice_size)
        else:
            t = time.perf_counter()
            keys, strip_s, removed = [canonical_key(d.body) for d in docs], 0.0, 0
            strip_s = time.perf_counter() - t
        con.close()
        parquet = str(Path(tmp) / "batch.parquet")
        pq.write_table(
            pa.table({"article_id": [d.doc_id for d in docs], "key": keys, "order": list(range(len(docs)))}),
            parquet,
            row_group_size=slice_size,
        )
        del keys
        out = str(Path(tmp) / "stage.json")
        subprocess.run([sys.executable, __file__, "--child", parquet, db, str(slice_size), out], check=True)
        stage = json.loads(Path(out).read_text())
        con = duckdb.connect(db, read_only=True)
        clusters = dict(con.execute("SELECT article_id, cluster_id FROM clusters").fetchall())
        not_eligible = con.execute(
            "SELECT count(*) FROM clusters WHERE reason LIKE 'not_eligible%'"
        ).fetchone()[0]
        con.close()
    table, figures = evaluate(docs, clusters, truth_of, negatives)
    return {
        "n": len(docs),
        "strip_seconds": strip_s,
        "paragraphs_removed": removed,
        "not_eligible": not_eligible,
        "table": table,
        **stage,
        **figures,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        near_stage_child(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[50_000], help="corpus sizes (articles)")
    ap.add_argument("--data", type=Path, default=ROOT / ".." / "shared" / "data")
    ap.add_argument("--slice", type=int, default=10_000, help="articles per assign_clusters call")
    ap.add_argument("--no-boilerplate-stage", action="store_true", help="near-dup on bodies with boilerplate")
    ap.add_argument(
        "--final-counts",
        action="store_true",
        help="strip every doc with the final boilerplate counts (default: counts known so far, slice by slice, as runs do)",
    )
    args = ap.parse_args()
    base = load_base(args.data)
    truth_base = source_duplicates(base)
    merged = sum(1 for k, v in truth_base.items() if k != v)
    print(
        f"base articles: {len(base)}; {merged} are near-duplicates of another in the source data "
        f"(Jaccard >= {SOURCE_DUP_JACCARD}), labelled as true duplicates"
    )
    print(
        f"parameters: SHINGLE_CHARS={near.SHINGLE_CHARS} BANDS={near.BANDS} ROWS={near.ROWS} "
        f"JACCARD_MIN={near.JACCARD_MIN} CONTAINMENT_MIN={near.CONTAINMENT_MIN} "
        f"SIZE_RATIO_MIN={near.SIZE_RATIO_MIN} MIN_WORDS={near.MIN_WORDS}; boilerplate MIN_COUNT="
        f"{boilerplate.MIN_COUNT} MIN_SHARE={boilerplate.MIN_SHARE}; stage="
        f"{'near-dup only' if args.no_boilerplate_stage else 'boilerplate strip + near-dup'}"
        f"{'' if args.no_boilerplate_stage else (' (final counts)' if args.final_counts else ' (counts known so far, per slice)')}"
    )
    results = []
    for n in args.n:
        r = run(n, base, truth_base, not args.no_boilerplate_stage, args.slice, args.final_counts)
        results.append(r)
        print(f"\n## n = {r['n']:,}\n\n{r['table']}\n")
        print(f"hard-negative pairs: {r['hard_negative_pairs']}, merged: {r['hard_negatives_merged']}")
        print(f"not eligible (too short, singleton clusters): {r['not_eligible']}")
        print(f"boilerplate stage: {r['strip_seconds']:.1f} s, {r['paragraphs_removed']} paragraphs removed")
        print(
            f"near-dup stage: {r['seconds']:.1f} s ({r['n'] / r['seconds']:.0f} articles/s), "
            f"peak RSS {r['peak_rss_mb']:.0f} MB, candidates verified {r['candidates']:,}, "
            f"matches {r['matches']:,}, merges {r['merges']}"
        )
        if r["false_positive_examples"]:
            print("false-positive pair examples:", r["false_positive_examples"][:5])
        sys.stdout.flush()
    if len(results) > 1:
        a, b = results[0], results[-1]
        ratio = b["seconds"] / a["seconds"]
        print(
            f"\nscaling {a['n']:,} -> {b['n']:,}: time x{ratio:.2f} for x{b['n'] / a['n']:.1f} articles "
            f"(linear x{b['n'] / a['n']:.1f}; budget x{1.3 * b['n'] / a['n']:.1f})"
        )


if __name__ == "__main__":
    main()
