"""Shared helpers of the reliability tests: the bad corpus, forked runs, warehouse fingerprints, the CLI."""

from __future__ import annotations

import importlib.util
import os
import pickle
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import REPO, SAMPLES

BAD = REPO / "tests" / "fixtures" / "bad"
BATCH = 5
# 49 articles in 10 batches of 5; the reprints repeat three Fars articles, so clusters span batches.
INPUTS = [str(SAMPLES / "langml" / "fars-news-sample.json.gz"), str(SAMPLES / "langml" / "reprinted-copies.json.gz")]
N_ARTICLES, N_BATCHES = 49, 10
# Enough for the 52 MB line file, less than the 128 MB the gzip bomb expands to.
MAX_FILE_BYTES = 60_000_000
CONTENT_HASH = (
    "SELECT count(*), md5(string_agg(article_id || body || cluster_id || is_canonical::VARCHAR, '|' ORDER BY article_id)) "
    "FROM articles"
)


def small_settings(wh: Any, **kw: Any) -> Any:
    """Settings of the forked test runs: one process, batches of five."""
    from akhbar.config import Settings

    return Settings(warehouse=wh, workers=1, batch_size=BATCH, **kw)


def fixture_script() -> Any:
    """Import scripts/make_bad_fixtures.py (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_bad_fixtures", REPO / "scripts" / "make_bad_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_corpus(target: Path) -> Path:
    """Copy the committed bad fixtures and generate the big/binary/special ones next to them."""
    target.mkdir(parents=True, exist_ok=True)
    for p in BAD.iterdir():
        shutil.copy2(p, target / p.name)
    fixture_script().write_generated(target, huge_mb=50, bomb_mb=128)
    return target


class Child:
    """A forked process running one function; ``result()`` waits for it."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into pytest: it ends with os._exit
            os.close(r)
            code = 0
            try:
                payload = pickle.dumps(("ok", fn()))
            except BaseException as exc:
                payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
                code = 1
            with os.fdopen(w, "wb") as fh:
                fh.write(payload)
            os._exit(code)
        os.close(w)
        self.pid, self._fd = pid, r

    def result(self) -> tuple[str, Any]:
        """Wait for the child; return ('ok', value), ('error', message) or ('killed', signal number)."""
        with os.fdopen(self._fd, "rb") as fh:
            data = fh.read()
        _, status = os.waitpid(self.pid, 0)
        if os.WIFSIGNALED(status):
            return "killed", os.WTERMSIG(status)
        return pickle.loads(data)


def in_child(fn: Callable[[], Any]) -> tuple[str, Any]:
    """Run ``fn`` in a forked process (inherits the warmed-up normalizer) and wait for it.

    A fork costs milliseconds where a fresh interpreter costs the 5-15 s hazm warm-up, which is what keeps
    ten kill points affordable.
    """
    return Child(fn).result()


def queries(db_dir: Path, *sqls: str) -> list[list[tuple]]:
    """Run read-only queries in one forked child (the test process never opens DuckDB, so forks stay clean)."""

    def q() -> list[list[tuple]]:
        import duckdb

        con = duckdb.connect(str(db_dir / "news.duckdb"), read_only=True)
        try:
            return [con.execute(sql).fetchall() for sql in sqls]
        finally:
            con.close()

    status, value = in_child(q)
    assert status == "ok", value
    return value


def query(db_dir: Path, sql: str) -> list[tuple]:
    """Run one read-only query in a forked child."""
    return queries(db_dir, sql)[0]


def fingerprint(db_dir: Path) -> dict[str, Any]:
    """Return what must be equal between a recovered warehouse and a clean one."""
    names = ("articles", "keywords", "term_stats", "rejects", "clusters", "search_docs", "lake_rows")
    rows = queries(
        db_dir,
        CONTENT_HASH,
        # keywords are ranked against term_stats: a batch counted twice after a crash would change them
        "SELECT md5(string_agg(article_id || array_to_string(keywords, ','), '|' ORDER BY article_id)) FROM articles",
        "SELECT count(*), coalesce(sum(docs), 0) FROM term_stats",
        "SELECT count(*), count(DISTINCT reject_id) FROM rejects",
        "SELECT count(DISTINCT cluster_id), count(*) FILTER (WHERE is_canonical) FROM articles",
        "SELECT count(*) FROM search_docs",
        "SELECT coalesce(sum(rows), 0) FROM lake_files WHERE table_name = 'articles'",
    )
    return {name: r[0] for name, r in zip(names, rows, strict=True)}


def core(fp: dict[str, Any]) -> dict[str, Any]:
    """The fingerprint without keywords/term_stats (those need patch term-stats-in-transaction after a crash)."""
    return {k: v for k, v in fp.items() if k not in ("keywords", "term_stats")}


def lake_on_disk(db_dir: Path) -> set[str]:
    """List the lake's Parquet files (and temp files) relative to the warehouse."""
    root = db_dir / "lake"
    return {p.relative_to(db_dir).as_posix() for p in root.rglob("*.parquet*")} if root.exists() else set()


def cli_env(**extra: str) -> dict[str, str]:
    """Environment of a CLI subprocess: quiet Prefect, no telemetry, the test's Prefect API if one runs."""
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "WARNING", "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    try:
        from prefect.settings import PREFECT_API_URL

        url = PREFECT_API_URL.value()
        if url:  # reuse the session's test server instead of starting an ephemeral one per run (~30 s)
            env["PREFECT_API_URL"] = url
    except ImportError:
        pass
    env.update(extra)
    return env


def akhbar(*args: str, env: dict[str, str], prelude: str = "", timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python -m akhbar.cli ARGS` in a subprocess; ``prelude`` (Python code) runs first, to inject a fault."""
    if prelude:
        code = f"{prelude}\nimport runpy\nimport sys\nsys.argv = ['akhbar', *sys.argv[1:]]\nrunpy.run_module('akhbar.cli', run_name='__main__', alter_sys=True)\n"
        cmd = [sys.executable, "-c", code, *args]
    else:
        cmd = [sys.executable, "-m", "akhbar.cli", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def kill(pid: int) -> None:
    """SIGKILL one process we started (ignore it if it is already gone)."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
