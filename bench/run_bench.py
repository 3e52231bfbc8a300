"""Benchmark (not a test): end-to-end `akhbar run` throughput as a ratio to hazm's Normalizer alone.

Builds a corpus from ../shared/data/langml-fars-varzesh3 (the real 3,197 articles) or a scaled one of
``--n`` articles made by repeating them with perturbations (new id and link, a changed word, letter
variants), runs the whole pipeline (Prefect flow, workers, Parquet, DuckDB) in a subprocess, and in the
same invocation runs stock ``hazm.Normalizer().normalize`` over the same bodies in one process, before and
after the pipeline (the mean is the reference). Prints docs/s for both, their ratio, and peak RSS (main
process and the whole process tree).

    python bench/run_bench.py            # real corpus
    python bench/run_bench.py --n 50000  # scaled corpus
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data" / "langml-fars-varzesh3").resolve()


def load_real() -> list[dict]:
    """Read the real Fars/Varzesh3 records."""
    if not SHARED.exists():
        sys.exit(f"needs {SHARED} (../shared/data next to the repo)")
    out: list[dict] = []
    for p in sorted(SHARED.glob("*.json.gz")):
        out.extend(json.loads(gzip.decompress(p.read_bytes())))
    return out


def perturb(rec: dict, k: int, rng: random.Random) -> dict:
    """Make copy k of a record: a new link, one word replaced, some ی/ک written as ي/ك."""
    r = dict(rec)
    r["link"] = f"{rec.get('link', 'x')}?copy={k}"
    paras = list(rec.get("paragraphs") or [])
    if paras:
        i = rng.randrange(len(paras))
        words = paras[i].split()
        if words:
            words[rng.randrange(len(words))] = f"نسخه{k}"
        p = " ".join(words)
        if rng.random() < 0.5:
            p = p.replace("ی", "ي").replace("ک", "ك")
        paras[i] = p
    r["paragraphs"] = paras
    return r


def build_corpus(n: int | None, out: Path) -> list[str]:
    """Write the corpus as JSONL files; return the bodies hazm will normalize."""
    real = load_real()
    rng = random.Random(42)
    records = real if n is None else [real[i % len(real)] if i < len(real) else perturb(real[i % len(real)], i // len(real), rng) for i in range(n)]
    out.mkdir(parents=True, exist_ok=True)
    bodies = []
    chunk = 5000
    for start in range(0, len(records), chunk):
        with open(out / f"part-{start // chunk:04d}.jsonl", "w", encoding="utf-8") as fh:
            for r in records[start : start + chunk]:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                bodies.append("\n".join(r.get("paragraphs") or []))
    return bodies


HAZM_ALONE = """
import json, sys, time
from hazm import Normalizer
bodies = json.load(open(sys.argv[1], encoding="utf-8"))
n = Normalizer()
t = time.perf_counter()
for b in bodies:
    n.normalize(b)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def hazm_alone(bodies: list[str], tmp: Path) -> float:
    """Time stock hazm over the bodies in a fresh process (construction excluded)."""
    path = tmp / "bodies.json"
    path.write_text(json.dumps(bodies, ensure_ascii=False), encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", HAZM_ALONE, str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def run_pipeline(corpus: Path, warehouse: Path, workers: int, entities: bool = True) -> tuple[float, int, int, str, float]:
    """Run `akhbar run`, sample the tree's RSS; return (seconds, peak main, peak tree, stdout, main CPU s)."""
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    cmd = [sys.executable, "-m", "akhbar.cli", "run", str(corpus), "-w", str(warehouse), "--workers", str(workers), "--no-progress"]
    if not entities:
        cmd.append("--no-entities")
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO)
    peak_main = peak_tree = 0
    main_cpu = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_main, peak_tree, main_cpu
        p = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                times = p.cpu_times()
                main_cpu = times.user + times.system
                main = p.memory_info().rss
                tree = main + sum(c.memory_info().rss for c in p.children(recursive=True))
                peak_main, peak_tree = max(peak_main, main), max(peak_tree, tree)
            except psutil.Error:
                pass
            time.sleep(0.25)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, _ = proc.communicate()
    elapsed = time.perf_counter() - t
    done.set()
    th.join()
    if proc.returncode not in (0, 3):
        sys.exit(f"akhbar run failed ({proc.returncode}):\n{out}")
    return elapsed, peak_main, peak_tree, out, main_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=None, help="scaled corpus size (default: the real corpus)")
    ap.add_argument("--workers", type=int, default=0, help="pipeline workers (0 = one per core)")
    ap.add_argument("--no-entities", action="store_true", help="skip entity/quote extraction in the pipeline")
    ap.add_argument("--keep", action="store_true", help="keep the temporary corpus and warehouse")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="akhbar-bench-"))
    bodies = build_corpus(args.n, tmp / "corpus")
    n = len(bodies)
    print(f"corpus: {n:,} articles, {sum(map(len, bodies)) / 1e6:.1f} M characters, {os.cpu_count()} cores")
    # Fixed cost of a run (imports, Prefect's ephemeral server, worker start-up, index refresh, report): the
    # same command over the corpus's first 5 articles, subtracted for the "start-up excluded" figure.
    tiny = tmp / "tiny"
    tiny.mkdir()
    first = (tmp / "corpus" / "part-0000.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    (tiny / "part-0000.jsonl").write_text("\n".join(first) + "\n", encoding="utf-8")
    startup_s = run_pipeline(tiny, tmp / "warehouse-tiny", args.workers, not args.no_entities)[0]
    # hazm alone before and after the pipeline: this machine's speed drifts by up to ~25 % over minutes (hazm
    # alone measured 568 and 734 docs/s on the same corpus within an hour), so the ratio uses their mean and
    # both are printed.
    hazm_before = hazm_alone(bodies, tmp)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    pipe_s, peak_main, peak_tree, out, main_cpu = run_pipeline(tmp / "corpus", tmp / "warehouse", args.workers, not args.no_entities)
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    tree_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    hazm_after = hazm_alone(bodies, tmp)
    hazm_s = (hazm_before + hazm_after) / 2
    print(f"hazm Normalizer().normalize alone (1 process): {n / hazm_s:8.1f} docs/s  ({hazm_s:.1f} s; "
          f"{n / hazm_before:.1f} before the pipeline, {n / hazm_after:.1f} after)")
    label = f"workers={args.workers or os.cpu_count()}, entities {'off' if args.no_entities else 'on'}"
    print(f"akhbar run end to end ({label}): {n / pipe_s:8.1f} docs/s  ({pipe_s:.1f} s, startup included)")
    print(f"ratio pipeline / hazm alone: {hazm_s / pipe_s:.2f}")
    steady = max(pipe_s - startup_s, 1e-9)
    print(f"start-up (same command on 5 articles): {startup_s:.1f} s; start-up excluded: {n / steady:.1f} docs/s, ratio {hazm_s / steady:.2f}")
    print(f"CPU: whole run {tree_cpu:.1f} s = {1000 * tree_cpu / n:.2f} ms/article ({tree_cpu / hazm_s:.1f}x hazm alone), "
          f"of which main (writer) process {main_cpu:.1f} s; cores busy on average {tree_cpu / pipe_s:.2f}")
    print(f"peak RSS: main process {peak_main / 2**20:.0f} MiB, whole process tree {peak_tree / 2**20:.0f} MiB")
    tail = [line for line in out.splitlines() if "articles new" in line or "records read" in line]
    print("\n".join(tail))
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept {tmp}")


if __name__ == "__main__":
    main()
