"""The news ETL as core stages: start a run, read batches, prepare them in worker processes, load them.

The Prefect flow in ``flows/news_etl.py`` wires these stages as tasks; they are also usable (and tested)
without Prefect.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import secrets
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from akhbar import __version__, lake, reasons, search, warehouse
from akhbar.config import Settings
from akhbar.dedup import near
from akhbar.dedup.boilerplate import paragraph_keys
from akhbar.dedup.profile import NOTHING_KNOWN, KeySet, NearProfile, basis_of, near_key, profile_body
from akhbar.extract.fields import rank_keywords
from akhbar.extract.fingerprint import NONE, extractors_fingerprint
from akhbar.prepare import prepare_batch
from akhbar.records import Article, RawRecord, Reject, entity_row, quote_row
from akhbar.schema import ARTICLES, ENTITIES, QUOTES, REJECTS
from akhbar.sources.files import FieldMap, ReadLimits, ReadStats, read_all

T = TypeVar("T")
F = TypeVar("F")

# The writer lets go of the DuckDB file after a batch when a reader asked, or when it has held it this long.
RELEASE_EVERY_S = 10.0
Progress = Callable[[int, int], None]  # (records done in this batch, bytes of input consumed so far)


def new_run_id(now: dt.datetime | None = None) -> str:
    """Return a sortable run id: UTC time plus a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class NearMemory:
    """What the writer keeps between batches for near-duplicate search (a plain class: Prefect does not walk it).

    ``boilerplate``: the boilerplate key set and its digest per agency after the last batch loaded, sent
    with every batch to the workers, which profile articles against it (``akhbar.dedup.profile``).
    ``cache``: shingle sets of earlier articles read for verification (see ``NEAR_CACHE_ARTICLES``).
    ``sets``: the key sets published lately, by digest (bounded), so that a profile made against one of them
    can be carried over to the current set when no paragraph of the article changed status between the two.
    ``stats``: profiles reused/carried/redone, earlier articles' sets cached/carried/read, candidate pairs
    dropped by their sketches.
    """

    def __init__(self) -> None:
        self.boilerplate: dict[str, KeySet] = {}
        # article id -> (agency, basis, shingled, paragraph keys)
        self.cache: OrderedDict[str, tuple[str, str, Any, tuple[str, ...]]] = OrderedDict()
        self.sets: OrderedDict[str, frozenset[str]] = OrderedDict()
        self.stats: Counter[str] = Counter()
        self.remember(*NOTHING_KNOWN)  # what the workers profile against before an agency's first count

    def remember(self, keys: frozenset[str], basis: str) -> None:
        """Keep a published key set findable by its digest (the last ``KEY_SETS_KEPT``)."""
        self.sets[basis] = keys
        self.sets.move_to_end(basis)
        while len(self.sets) > KEY_SETS_KEPT:
            self.sets.popitem(last=False)

    def unchanged_for(self, line_keys: Iterable[str], basis: str, now: KeySet) -> bool:
        """Whether stripping with key set ``basis`` and with ``now`` gives the same near key for these paragraphs.

        A paragraph is stripped when its key is in the set (or is a seed sign-off, whatever the set), so the
        two agree unless one of the article's keys is in exactly one of the sets.
        """
        then = self.sets.get(basis)
        if then is None:
            return False
        return (then ^ now[0]).isdisjoint(line_keys)


# Key sets remembered by digest (each is shared with the workers' snapshot, so this holds references).
KEY_SETS_KEPT = 64


@dataclass
class RunState:
    """Counters and handles of one run (lives in the writer process)."""

    settings: Settings
    run_id: str
    flow: str
    inputs: list[str]
    started_at: dt.datetime
    con: duckdb.DuckDBPyConnection
    stats: ReadStats = field(default_factory=ReadStats)
    records_read: int = 0
    articles_new: int = 0
    articles_unchanged: int = 0
    duplicates_new: int = 0
    rejects_seen: int = 0
    rejects_new: int = 0
    paragraphs_repeated: int = 0
    lake_files: int = 0
    batch_seq: int = 0
    near_order: int = 0  # first-seen order for the near-duplicate store (grows across runs)
    by_reason: Counter[str] = field(default_factory=Counter)
    orphans_removed: list[str] = field(default_factory=list)
    near: NearMemory = field(default_factory=lambda: NearMemory())
    share_reads: bool = False  # close the DuckDB file between batches so readers get in (see start_run)
    _lock: Any = None
    _opened: tuple[float, float] = field(default_factory=lambda: (time.time(), time.monotonic()))
    duckdb_threads: int | None = None  # the writer's DuckDB threads while worker processes run (None: DuckDB's)

    def connection(self) -> duckdb.DuckDBPyConnection:
        """Return the open DuckDB connection, reopening the file if it was released after the last batch."""
        if self.con is None:
            self.con = warehouse.reopen_writer(self.settings.db_path, self.settings.lock_timeout, self.settings.duckdb_memory)
            self._opened = (time.time(), time.monotonic())
            if self.duckdb_threads:
                self.con.execute(f"SET threads = {int(self.duckdb_threads)}")
        return self.con

    def set_duckdb_threads(self, n: int | None) -> None:
        """Set the writer's DuckDB thread count now and on every reopen (None: back to DuckDB's default)."""
        self.duckdb_threads = n
        if self.con is not None:
            self.con.execute(f"SET threads = {int(n)}" if n else "RESET threads")

    def release(self, force: bool = False) -> None:
        """Close the DuckDB file between batches when readers share it (the writer lock stays held).

        Closing checkpoints the file (~0.2 s of CPU each time, 11 % of a 10,000-article run when done after
        every batch), so after a batch it is done when a reader has asked since the file was opened
        (:func:`akhbar.warehouse.ask_for_read`), or when it has been held ``RELEASE_EVERY_S`` seconds (for
        readers that cannot ask). ``force``: close now (start of the run, or after a failed load, so the
        next use opens a fresh connection).
        """
        if not self.share_reads or self.con is None:
            return
        wall, mono = self._opened
        if force or time.monotonic() - mono >= RELEASE_EVERY_S or warehouse.read_wanted_since(self.settings.warehouse, wall - 1.0):
            try:
                self.con.close()
            finally:  # a connection that fails to close is not reused either
                self.con = None  # type: ignore[assignment]

    def summary(self) -> dict[str, Any]:
        """Return the run's figures as a plain dict (what the CLI prints and the flow returns)."""
        return {
            "run_id": self.run_id,
            "warehouse": str(self.settings.warehouse),
            "files_read": len(self.stats.files),
            "files_skipped": len(self.stats.skipped),
            "records_read": self.records_read,
            "articles_new": self.articles_new,
            "articles_unchanged": self.articles_unchanged,
            "duplicates_new": self.duplicates_new,
            "rejects_seen": self.rejects_seen,
            "rejects_new": self.rejects_new,
            "rejects_by_reason": dict(sorted(self.by_reason.items())),
            "paragraphs_repeated": self.paragraphs_repeated,
            "lake_files": self.lake_files,
            "encodings_converted": dict(self.stats.converted_encodings),
            "orphans_removed": len(self.orphans_removed),
        }


def start_run(settings: Settings, inputs: list[str], flow: str = "news-etl", share_reads: bool = False) -> RunState:
    """Take the writer lock, open and initialise the warehouse, clean up after a crashed run, record the run.

    With ``share_reads`` the writer closes the DuckDB file after a batch when a reader waits for it
    (:meth:`RunState.release`): DuckDB lets no reader in while another process holds the file read-write.
    Callers that keep ``state.con`` across batches (the scraper's feed state) leave it off.
    """
    lock = warehouse.writer_lock(settings.warehouse, settings.lock_timeout)
    lock.__enter__()
    con = None
    try:
        con = warehouse.connect_writer(settings.db_path, settings.lock_timeout, settings.duckdb_memory)
        registered = {r[0] for r in con.execute("SELECT path FROM lake_files").fetchall()}
        orphans = lake.remove_orphans(settings.warehouse, registered)
        # Runs that died stay 'running' forever otherwise: mark them.
        con.execute("UPDATE runs SET status = 'died', finished_at = now() WHERE status = 'running'")
        now = dt.datetime.now(dt.UTC)
        state = RunState(settings, new_run_id(now), flow, list(inputs), now, con, orphans_removed=orphans, share_reads=share_reads)
        state._lock = lock
        (state.near_order,) = con.execute("SELECT coalesce(max(first_seen_order), 0) FROM clusters").fetchone() or (0,)
        con.execute(
            "INSERT INTO runs BY NAME SELECT ? AS run_id, ? AS flow, ? AS started_at, 'running' AS status, "
            "?::VARCHAR[] AS inputs, 0 AS files_read, 0 AS files_skipped, 0 AS records_read, 0 AS articles_new, "
            "0 AS articles_unchanged, 0 AS duplicates_new, 0 AS rejects_seen, 0 AS rejects_new, "
            "'{}' AS rejects_by_reason, 0 AS paragraphs_repeated, 0 AS lake_files, ? AS akhbar_version, ? AS extractors",
            [state.run_id, flow, now, list(inputs), __version__, extractors_fingerprint() if settings.entities else NONE],
        )
        search.start_index(con)  # a new warehouse's index is then extended at the end, not built over everything
        state.release(force=True)  # readers get in while the workers start and the first batch is prepared
        return state
    except BaseException:
        if con is not None:
            with contextlib.suppress(duckdb.Error):
                con.close()
        lock.__exit__(None, None, None)
        raise


def iter_batches(state: RunState, fields: FieldMap | None = None) -> Iterator[list[RawRecord | Reject]]:
    """Read all inputs and yield them in batches of ``settings.batch_size`` records."""
    limits = ReadLimits(state.settings.max_article_bytes, state.settings.max_file_bytes)
    yield from batches_of(read_all(state.inputs, fields, limits, state.stats), state.settings.batch_size)


def batches_of(items: Iterable[RawRecord | Reject], size: int) -> Iterator[list[RawRecord | Reject]]:
    """Cut any stream of records (e.g. scraped pages) into batches of ``size``."""
    batch: list[RawRecord | Reject] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def count_records(state: RunState, batch: list[RawRecord | Reject]) -> None:
    """Count the records a batch read (a reject of a whole file, with no line, is not a record)."""
    state.records_read += sum(1 for r in batch if isinstance(r, RawRecord) or r.origin.line is not None)


def worker_count(settings: Settings) -> int:
    """Return how many normalization processes to use (0 in settings = one per core)."""
    return settings.workers or (os.cpu_count() or 1)


# Young-generation threshold of the worker processes (Python's default is 700): see _warm.
GC_THRESHOLD = (20_000, 50, 100)


def _warm(entities: bool = True) -> None:
    """Worker initializer: load the per-process resources, then keep the garbage collector off them."""
    import gc

    from akhbar.prepare import warm_up

    warm_up(entities)
    # The loaded word lists, models and caches are ~0.5 M objects that live as long as the worker; every
    # full collection walked them again. Frozen, they are never scanned; fewer young collections too (the
    # batch code allocates many short-lived lists, no reference cycles of note). Measured on the Fars
    # sample in worker-sized batches: 8.3-9.4 vs 9.5-10.3 ms per article, alternating runs in one process.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """In the writer process, for the batch loop: keep the garbage collector's full passes off what exists already.

    The writer holds Prefect, DuckDB's client and their modules before the first batch; every full
    collection walked all of it again. Frozen, it is never scanned (50,000 scaled articles: collections
    took 3.3 s of the writer's CPU instead of 5.9-6.3 s; peak RSS 623 MiB). The thresholds stay Python's:
    the batch loop makes reference cycles that hold prepared batches, and a raised young threshold let them
    pile up here (main process peak at 20,000 articles 1,182 MiB with the workers' ``GC_THRESHOLD``, 1,085
    MiB with (5000, 10, 10), against 656-663 MiB). The frozen objects are given back afterwards (a
    long-lived process, such as a served deployment, runs again).
    """
    import gc

    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _new_pool(n: int, entities: bool) -> ProcessPoolExecutor:
    import multiprocessing as mp

    # spawn, not fork: the writer process holds threads (Prefect, DuckDB) that fork would copy half-locked.
    return ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"), initializer=_warm, initargs=(entities,))


# Pools started by ``workers_started_early``, waiting for the run's ``worker_pool`` to take them.
_EARLY: dict[tuple[int, bool], ProcessPoolExecutor] = {}


@contextlib.contextmanager
def worker_pool(settings: Settings) -> Iterator[Executor | None]:
    """Start the normalization processes (each builds its hazm objects once), or none for workers=1.

    Takes the pool ``workers_started_early`` started for the same worker count, if there is one.
    """
    n = worker_count(settings)
    if n <= 1:
        yield None
        return
    early = _EARLY.pop((n, settings.entities), None)
    with early or _new_pool(n, settings.entities) as pool:
        yield pool


@contextlib.contextmanager
def workers_started_early(settings: Settings) -> Iterator[None]:
    """Spawn and warm the worker processes now, for the next ``worker_pool`` of these settings to use.

    Each worker takes ~5 s to import hazm and build its normalizer, lemmatizer and lexicon; started
    before Prefect's ephemeral server (~4 s), the two overlap instead of adding up.
    """
    n = worker_count(settings)
    key = (n, settings.entities)
    if n <= 1 or key in _EARLY:
        yield
        return
    pool = _new_pool(n, settings.entities)
    for _ in range(n):  # one task per worker: the executor spawns a process for each while none is idle
        pool.submit(int)
    _EARLY[key] = pool
    try:
        yield
    finally:
        if _EARLY.get(key) is pool:  # not taken (the run failed before it started its workers)
            del _EARLY[key]
            pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def writer_beside_workers(state: RunState, pool: Executor | None) -> Iterator[None]:
    """While worker processes prepare batches, run the writer's DuckDB queries on one thread.

    The workers keep every core busy; DuckDB's own threads only add scheduling and synchronisation to the
    batch loads' small queries (10,000 scaled articles, two workers, alternating runs: writer CPU 12.8-13.0 s
    with one thread against 14.9-16.7 s with DuckDB's default, wall 32.6-33.4 against 33.4-35.3 s). The
    default comes back for the end of the run (search index), when the workers are done.
    """
    if pool is None:
        yield
        return
    state.set_duckdb_threads(1)
    try:
        yield
    finally:
        with contextlib.suppress(duckdb.Error):  # a broken connection is dealt with by finish_run
            state.set_duckdb_threads(None)


def prepare(batch: list[RawRecord | Reject], pool: Executor | None, workers: int = 1, entities: bool = True,
            boilerplate: dict[str, KeySet] | None = None) -> list[Article | Reject]:
    """Normalize a batch, spread over the worker processes; rejects pass through in order.

    ``boilerplate`` is ``hand_out(state, batch)`` (the writer's key sets when the batch was handed out):
    with it the workers also profile the articles for near-duplicate search.
    """
    records = [r for r in batch if isinstance(r, RawRecord)]
    if pool is None or len(records) < 2:
        done = iter(prepare_batch(records, entities, boilerplate))
    else:
        size = max(1, -(-len(records) // (workers * 2)))
        chunks = [records[i : i + size] for i in range(0, len(records), size)]
        n = len(chunks)
        done = iter([x for part in pool.map(prepare_batch, chunks, [entities] * n, [boilerplate] * n) for x in part])
    return [item if isinstance(item, Reject) else next(done) for item in batch]


# Batches handed to the workers ahead of the one the writer is loading. With one, the workers sat idle
# whenever a load took longer than preparing the next batch (cores busy 1.70 of 2 at 20,000 articles).
AHEAD = 2


def in_flight(items: Iterable[T], submit: Callable[[T], F], ahead: int = AHEAD) -> Iterator[F]:
    """Submit items in order, keeping up to ``ahead`` submitted beyond the one yielded; yield in order.

    The caller loads each yielded future's result while the next ``ahead`` are being prepared.
    """
    queue: deque[F] = deque()
    for item in items:
        queue.append(submit(item))
        if len(queue) > ahead:
            yield queue.popleft()
    while queue:
        yield queue.popleft()


def hand_out(state: RunState, batch: list[RawRecord | Reject]) -> dict[str, KeySet]:
    """Count a batch's records as it goes to the workers; return the boilerplate key sets to send with it."""
    count_records(state, batch)
    return dict(state.near.boilerplate)  # a copy: the writer updates its own while the workers use this one


def prepared_batches(state: RunState, batches: Iterable[list[RawRecord | Reject]], pool: Executor | None,
                     ahead: int = AHEAD) -> Iterator[list[Article | Reject]]:
    """Prepare batches ``ahead`` of the caller's loads (threads feeding ``pool``); yield them in order.

    Without a pool the batches are prepared in this thread, one at a time (nothing runs beside the load).
    Each batch is sent with the boilerplate key sets known when it is handed out.
    """
    workers, entities = worker_count(state.settings), state.settings.entities
    if pool is None:
        for batch in batches:
            yield prepare(batch, None, workers, entities, hand_out(state, batch))
        return
    from concurrent.futures import ThreadPoolExecutor

    def submit(batch: list[RawRecord | Reject]) -> Future[list[Article | Reject]]:
        return threads.submit(prepare, batch, pool, workers, entities, hand_out(state, batch))

    with ThreadPoolExecutor(max_workers=ahead + 1, thread_name_prefix="akhbar-prepare") as threads:
        for future in in_flight(batches, submit, ahead):
            yield future.result()


def _reject_row(rej: Reject, run_id: str, now: dt.datetime) -> dict[str, Any]:
    import hashlib

    rid = hashlib.blake2b(
        f"{rej.origin.name}\0{rej.origin.line}\0{rej.reason}\0{rej.source_id}".encode(), digest_size=10
    ).hexdigest()
    return {
        "reject_id": rid,
        "reason": rej.reason,
        "detail": rej.detail[:2000],
        "source_id": rej.source_id,
        "origin_path": rej.origin.path,
        "origin_line": rej.origin.line,
        "origin_name": rej.origin.name,
        "run_id": run_id,
        "rejected_at": now,
    }


def _parse_ts(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def article_row(a: Article, cluster_id: str, is_canonical: bool, run_id: str, now: dt.datetime) -> dict[str, Any]:
    """Flatten an Article into a row of the ARTICLES schema."""
    body = a.body
    return {
        "article_id": a.article_id,
        "source_id": a.source_id,
        "url": a.url,
        "agency": a.agency,
        "attributed_to": a.attributed_to,
        "title": a.title,
        "lead": a.lead,
        "body": body,
        "published_at": a.published_at,
        "published_jalali": a.published_jalali,
        "date_source": a.date_source,
        "date_confidence": a.date_confidence,
        "category": a.category,
        "category_raw": a.category_raw,
        "category_source": a.category_source,
        "tags": a.tags,
        "keywords": a.keywords,
        "cluster_id": cluster_id,
        "is_canonical": is_canonical,
        "content_key": a.content_key,
        "paragraphs": len(a.paragraphs),
        "paragraphs_repeated": a.paragraphs_repeated,
        "chars": len(body),
        "raw_text": a.raw_text,
        "agency_raw": a.agency_raw,
        "published_raw": a.published_raw,
        "fetched_at": _parse_ts(a.fetched_at),
        "raw_ref": a.raw_ref,
        "origin_path": a.origin.path,
        "origin_line": a.origin.line,
        "origin_name": a.origin.name,
        "run_id": run_id,
        "loaded_at": now,
    }


def _existing(con: duckdb.DuckDBPyConnection, sql: str, values: Iterable[str]) -> dict[str, Any]:
    """Run a two-column lookup query whose ``?`` is a list of keys; return {key: value}.

    The keys travel as one Arrow column (registered as ``_keys``), not as a Python list parameter:
    DuckDB converts list parameters element by element, which costs ~1 ms per key.
    """

    vals = sorted(set(values))
    if not vals:
        return {}
    con.register("_keys", pa.table({"k": pa.array(vals, pa.string())}))
    try:
        return dict(con.execute(sql.replace("(SELECT unnest(?))", "(SELECT k FROM _keys)")).fetchall())
    finally:
        con.unregister("_keys")


def _keywords_and_stats(con: duckdb.DuckDBPyConnection, articles: list[Article], rows: list[dict[str, Any]]) -> None:
    """Count new canonical articles' terms into term_stats, then rank keywords for rows without input tags."""
    terms_of = {a.article_id: a.terms for a in articles}
    fresh = [r for r in rows if r["is_canonical"]]
    counts: Counter[str] = Counter(t for r in fresh for t in set(terms_of[r["article_id"]]))
    if counts:
        delta = pa.table({"term": list(counts), "docs": list(counts.values())})  # noqa: F841 - DuckDB scan
        con.execute(
            "INSERT INTO term_stats SELECT term, docs FROM delta "
            "ON CONFLICT (term) DO UPDATE SET docs = term_stats.docs + excluded.docs"
        )
    need = [r for r in rows if not r["tags"]]
    if not need:
        for r in rows:
            r["keywords"] = r["tags"]
        return
    wanted = sorted({t for r in need for t in terms_of[r["article_id"]]})
    doc_freq = _existing(con, "SELECT term, docs FROM term_stats WHERE term IN (SELECT unnest(?))", wanted)
    (n_docs,) = con.execute("SELECT count(*) FROM articles WHERE is_canonical").fetchone() or (0,)
    n_docs += len(fresh)
    for r in rows:
        r["keywords"] = r["tags"] or rank_keywords(terms_of[r["article_id"]], doc_freq, n_docs)


def _near_duplicates(state: RunState, rows: list[dict[str, Any]], articles: list[Article]) -> list[tuple[str, str]]:
    """Link the batch's new-content articles to near-duplicate clusters (MinHash LSH in the warehouse).

    Updates the rows in place (cluster_id, is_canonical) and returns the cluster merges (kept, absorbed)
    that earlier rows must follow. Every new row gets a first-seen order, in batch order: rows with new
    content enter the LSH store with it, exact duplicates are recorded in ``clusters`` with it too, so
    the canonical member can be chosen later by (publish time, first seen). Keys are shingled with the
    agency's boilerplate stripped (``_NearKeys``). The LSH store and the boilerplate counts commit on
    their own; rerunning a batch they have seen returns the same assignment and counts nothing twice, so
    a crash between them and the load below is repaired by the next run.
    """
    from akhbar.dedup.lsh_store import assign_clusters

    order: dict[str, int] = {}
    for r in rows:
        state.near_order += 1
        order[r["article_id"]] = state.near_order
    made = {a.article_id: a.near for a in articles if isinstance(a.near, NearProfile)}
    keys = _NearKeys(state, rows, made)
    fresh = [r for r in rows if r["is_canonical"]]
    if not fresh:
        _record_exact_duplicates(state, rows, order)
        return []
    profiles = {r["article_id"]: keys.profile(r["article_id"], r["agency"], r["body"]) for r in fresh}
    result = assign_clusters(
        state.con,
        [(r["article_id"], "", order[r["article_id"]]) for r in fresh],
        state.run_id,
        store_keys=False,
        profiles={aid: (p.eligible, p.why, p.shingled, p.bands) for aid, p in profiles.items()},
        fetch_sets=keys.earlier,
    )
    state.near.stats["sketched_out"] += result.sketched_out
    remap = {m.absorbed: m.kept for m in result.merges}
    for r in fresh:
        target = result.clusters.get(r["article_id"], r["article_id"])
        if target != r["article_id"]:
            remap[r["article_id"]] = target
    if remap:
        for r in rows:
            new = r["cluster_id"]
            while new in remap:  # follow merge chains to the surviving cluster
                new = remap[new]
            if new != r["cluster_id"]:
                if r["is_canonical"]:
                    state.duplicates_new += 1
                r["cluster_id"], r["is_canonical"] = new, False
    _record_exact_duplicates(state, rows, order)
    return [(m.kept, m.absorbed) for m in result.merges]


def _record_exact_duplicates(state: RunState, rows: list[dict[str, Any]], order: dict[str, int]) -> None:
    """Record the batch's exact duplicates in ``clusters`` with their first-seen order (never shingled).

    Rows with new content were recorded by the LSH store; an exact duplicate (same content key as an
    article loaded before) needs its order too, or an earlier-published copy loaded later could not be
    ranked against the others. A rerun keeps the first record, like the LSH store.
    """
    # Non-canonical rows: exact duplicates, plus near-duplicates the LSH store recorded already (ignored below).
    dups = [r for r in rows if not r["is_canonical"]]
    if not dups:
        return
    first_of_key: dict[str, str] = {}
    for r in rows:
        first_of_key.setdefault(r["content_key"], r["article_id"])
    earlier = _existing(
        state.con,
        "SELECT content_key, arg_min(article_id, loaded_at) FROM articles WHERE content_key IN (SELECT unnest(?)) GROUP BY content_key",
        (r["content_key"] for r in dups),
    )
    records = []
    for r in dups:
        match = earlier.get(r["content_key"]) or first_of_key[r["content_key"]]
        records.append(
            {"article_id": r["article_id"], "cluster_id": r["cluster_id"], "first_seen_order": order[r["article_id"]],
             "joined_at_run": state.run_id, "matched_article_id": match, "reason": "exact_duplicate: same content key"}
        )
    from akhbar.schema import CLUSTERS

    tbl = pa.Table.from_pylist(records, schema=CLUSTERS)  # noqa: F841 - read by DuckDB's replacement scan
    # An anti-join, not INSERT OR IGNORE: it needs no key index on the growing clusters table.
    state.con.execute("INSERT INTO clusters SELECT * FROM tbl WHERE article_id NOT IN (SELECT article_id FROM clusters)")


# The canonical member of a cluster: earliest published, undated last; ties and undated go to the first seen
# (batch order, then first_seen_order within a batch; exact duplicates of old runs have no order).
CANONICAL_ORDER = "a.published_at NULLS LAST, a.loaded_at, c.first_seen_order NULLS LAST, a.article_id"


def _settle_canonical(con: duckdb.DuckDBPyConnection, cluster_ids: Iterable[str]) -> int:
    """Mark the earliest-published member (else the first seen) of each given cluster canonical; return flips.

    Runs inside the load's transaction, after the batch's rows are inserted, so a later run that loads an
    earlier-published copy moves ``is_canonical`` to it atomically. term_stats is not touched: it counted
    each cluster once when the cluster was created (the first-seen member's terms), and moving the
    canonical flag to another member of the same story does not add a document.
    """
    ids = sorted(set(cluster_ids))
    if not ids:
        return 0
    con.register("_settle_ids", pa.table({"k": pa.array(ids, pa.string())}))
    try:
        # Read which members must flip, then update only those (usually none): an UPDATE joined to the
        # clusters' members scanned the whole articles table for its row ids on every batch (14.3 s of a
        # 50,000-article run, ~140 ms a batch late in it); the SELECT of the same members took 2.0 s in all.
        flips = con.execute(
            f"""SELECT article_id, should FROM (
                    SELECT a.article_id, a.is_canonical,
                           row_number() OVER (PARTITION BY a.cluster_id ORDER BY {CANONICAL_ORDER}) = 1 AS should
                    FROM articles AS a LEFT JOIN clusters AS c USING (article_id)
                    WHERE a.cluster_id IN (SELECT k FROM _settle_ids))
                WHERE is_canonical <> should"""
        ).fetchall()
    finally:
        con.unregister("_settle_ids")
    if flips:
        con.register("_settle_flips", pa.table({"article_id": [f[0] for f in flips], "should": [f[1] for f in flips]}))
        try:
            con.execute(
                "UPDATE articles SET is_canonical = f.should FROM _settle_flips AS f WHERE articles.article_id = f.article_id"
            )
        finally:
            con.unregister("_settle_flips")
    return len(flips)


# Shingle sets of earlier articles read to verify candidates, kept in the writer (~7.5 KB each on real news,
# ~30 MB), so the next copy of a story verified against the same member does not re-read and re-shingle
# it. Only articles read for a verification enter it: caching every new article (the first version)
# evicted the stories' first copies before their next reprint arrived (1,858 hits, 15,287 reads at 20,000
# scaled articles).
NEAR_CACHE_ARTICLES = 4_000


class _NearKeys:
    """Boilerplate counting and near-duplicate keys of one batch, with the counts of everything so far.

    The batch's body lines are counted per agency first (committed on their own, each article once).
    ``articles.body`` stays whole and the ``article_text`` view strips boilerplate at query time from the
    counts of everything loaded (``akhbar.dedup.boilerplate``). Near-duplicate keys cannot wait for that:
    a shared footer makes different articles of one agency look alike (benchmark at 50,000 articles
    without stripping: precision 0.012, 193 of 1,115 hard negatives merged), so they are stripped here
    with the key sets known now, this batch included. A profile a worker made against an older snapshot
    of the key sets is used only if its ``basis`` (digest of the key set) equals the current one, or if the
    key set it names differs from the current one in none of the article's paragraph keys (stripping then
    keeps the same lines), so the result never depends on what the workers were sent. Cached shingle sets
    of earlier articles follow the same rule. After the batch, ``state.near.boilerplate`` holds the
    new key sets for the next batches' workers.
    """

    def __init__(self, state: RunState, rows: list[dict[str, Any]], made: dict[str, NearProfile]) -> None:
        from akhbar.dedup import boilerplate

        self.state, self.made = state, made
        self._keys: dict[str, KeySet] = {}
        if rows:
            boilerplate.count_paragraphs(
                state.con,
                ((r["agency"], r["article_id"], r["body"].split("\n")) for r in rows),
                state.run_id,
                keys_of={aid: p.paragraph_keys for aid, p in made.items()},
            )
        for r in rows:
            self.keys_of(r["agency"])  # publish the batch's agencies' key sets to the next workers

    def keys_of(self, agency: str | None) -> KeySet:
        """Return (boilerplate key set, its basis digest) of an agency, as counted now."""
        from akhbar.dedup import boilerplate

        name = agency or ""
        if name not in self._keys:
            keys = frozenset(boilerplate.boilerplate_keys(self.state.con, name))
            self._keys[name] = self.state.near.boilerplate[name] = (keys, basis_of(keys))
            self.state.near.remember(*self._keys[name])
        return self._keys[name]

    def profile(self, article_id: str, agency: str | None, body: str) -> NearProfile:
        """Return a new article's profile: the worker's if made with the current key set (or one that strips
        the same paragraphs of this article), else made again."""
        now = self.keys_of(agency)
        keys, basis = now
        made = self.made.get(article_id)
        stats = self.state.near.stats
        if made is not None and made.basis == basis:
            stats["profile_reused"] += 1
            return made
        if made is not None and self.state.near.unchanged_for(made.paragraph_keys, made.basis, now):
            stats["profile_carried"] += 1
            return dataclasses.replace(made, basis=basis)
        stats["profile_redone"] += 1
        return profile_body(body, keys, basis, made.paragraph_keys if made is not None else None)

    def _keep(
        self, article_id: str, agency: str | None, basis: str, shingled: near.Shingled, line_keys: Sequence[str]
    ) -> None:
        cache = self.state.near.cache
        cache[article_id] = (agency or "", basis, shingled, tuple(line_keys))
        cache.move_to_end(article_id)
        while len(cache) > NEAR_CACHE_ARTICLES:
            cache.popitem(last=False)

    def earlier(self, ids: list[str]) -> dict[str, near.Shingled]:
        """Return the shingle sets of earlier articles (cached if their agency's key set is unchanged)."""
        cache, stats = self.state.near.cache, self.state.near.stats
        out: dict[str, near.Shingled] = {}
        missing: list[str] = []
        for aid in ids:
            hit = cache.get(aid)
            if hit is not None:
                agency, basis, shingled, kept_keys = hit
                now = self.keys_of(agency)
                if basis != now[1] and self.state.near.unchanged_for(kept_keys, basis, now):
                    stats["earlier_carried"] += 1
                    cache[aid] = hit = (agency, now[1], shingled, kept_keys)
                if hit[1] == now[1]:
                    out[aid] = shingled
                    cache.move_to_end(aid)
                    continue
            missing.append(aid)
        stats["earlier_cached"] += len(out)
        stats["earlier_read"] += len(missing)
        if missing:
            con = self.state.con
            con.register("_near_fetch", pa.table({"k": pa.array(missing, pa.string())}))
            try:
                found = con.execute(
                    "SELECT article_id, agency, body FROM articles WHERE article_id IN (SELECT k FROM _near_fetch)"
                ).fetchall()
            finally:
                con.unregister("_near_fetch")
            for aid, agency, body in found:
                keys, basis = self.keys_of(agency)
                lines = body.split("\n")
                line_keys = paragraph_keys(lines)
                # Shingled whether or not its key is still long enough: it was when it entered the LSH store.
                out[aid] = near.shingle_key(near_key(lines, line_keys, keys), signature=False)
                self._keep(aid, agency, basis, out[aid], line_keys)
        return out


def load(state: RunState, prepared: list[Article | Reject]) -> dict[str, int]:
    """Deduplicate a prepared batch against the warehouse, write its Parquet files and load it, atomically.

    Exact duplicates (same content key) join the cluster already holding that key; the first article of a
    new key starts a cluster, near-duplicates join theirs, and each touched cluster's canonical member is
    re-picked (earliest published, else first seen) in the same transaction. Rows already loaded (same
    article id) are skipped, so rerunning the same input writes nothing.
    """
    try:
        counts = _load(state, prepared)
    except BaseException:
        # A failed load may leave the connection unusable (DuckDB invalidates it on some errors): the run's
        # final bookkeeping (finish_run) must open a fresh one.
        with contextlib.suppress(duckdb.Error):
            state.release(force=True)
        raise
    state.release()
    return counts


def _load(state: RunState, prepared: list[Article | Reject]) -> dict[str, int]:
    con = state.connection()
    now = dt.datetime.now(dt.UTC)
    articles = [a for a in prepared if isinstance(a, Article)]
    rejects = [r for r in prepared if isinstance(r, Reject)]
    # Ids loaded by an earlier run are "unchanged"; by this run (an earlier batch), the record repeats.
    known_ids = _existing(con, "SELECT article_id, run_id FROM articles WHERE article_id IN (SELECT unnest(?))", (a.article_id for a in articles))
    key_cluster = _existing(
        con,
        "SELECT content_key, min(cluster_id) FROM articles WHERE content_key IN (SELECT unnest(?)) GROUP BY content_key",
        (a.content_key for a in articles),
    )
    rows: list[dict[str, Any]] = []
    seen_ids: set[str] = set()
    for a in articles:
        if known_ids.get(a.article_id, state.run_id) != state.run_id:
            state.articles_unchanged += 1
            continue
        if a.article_id in seen_ids or a.article_id in known_ids:
            # Same origin name, same id, same content: the very same record twice in one input.
            rejects.append(Reject(a.origin, "duplicate_record", f"same id and content as an earlier record ({a.article_id})", a.source_id))
            continue
        seen_ids.add(a.article_id)
        cluster = key_cluster.get(a.content_key)
        canonical = cluster is None
        if canonical:
            cluster = a.article_id
            key_cluster[a.content_key] = cluster
        else:
            state.duplicates_new += 1
        state.paragraphs_repeated += a.paragraphs_repeated
        rows.append(article_row(a, cluster, canonical, state.run_id, now))
    merges = _near_duplicates(state, rows, articles)
    for a in articles:
        for note in a.notes:
            code, _, detail = note.partition(": ")
            rejects.append(Reject(a.origin, reasons.BAD_DATE if code == "bad_date" else reasons.DATE_CONFLICT, detail, a.source_id))
    terms_of_search = {a.article_id: a.search_terms for a in articles}
    new_ids = {r["article_id"] for r in rows}
    entity_rows = [entity_row(a.article_id, e, state.run_id) for a in articles if a.article_id in new_ids for e in a.entities]
    quote_rows = [quote_row(a.article_id, q, state.run_id) for a in articles if a.article_id in new_ids for q in a.quotes]
    reject_rows = [_reject_row(r, state.run_id, now) for r in rejects]
    for r in rejects:
        state.by_reason[r.reason] += 1
    state.rejects_seen += len(rejects)
    known_rejects = set(_existing(con, "SELECT reject_id, 1 FROM rejects WHERE reject_id IN (SELECT unnest(?))", (r["reject_id"] for r in reject_rows)))
    dedup_rejects: dict[str, dict[str, Any]] = {}
    for r in reject_rows:
        if r["reject_id"] not in known_rejects:
            dedup_rejects.setdefault(r["reject_id"], r)
    new_rejects = list(dedup_rejects.values())

    state.batch_seq += 1
    partition = f"ingest_date={now.date().isoformat()}"
    written: list[tuple[str, str, int]] = []
    began = False
    try:
        con.execute("BEGIN TRANSACTION")
        began = True
        # term_stats is counted inside the batch's transaction: counted outside, a crash before COMMIT left the
        # batch's terms counted and the rerun counted them again, shifting every later keyword.
        _keywords_and_stats(con, articles, rows)
        # Each table's rows go to Arrow once: the Parquet file and the DuckDB insert read the same table.
        tables = {
            name: pa.Table.from_pylist(data, schema=schema)
            for name, schema, data in (
                ("articles", ARTICLES, rows), ("rejects", REJECTS, new_rejects),
                ("entities", ENTITIES, entity_rows), ("quotes", QUOTES, quote_rows),
            )
            if data
        }
        for name, tbl in tables.items():
            written.append((name, *lake.write_table(state.settings.warehouse, tbl, partition, f"{state.run_id}-{state.batch_seq:05d}")))
        for name, tbl in tables.items():  # noqa: B007 - tbl is read by DuckDB's replacement scan
            # Entities and quotes: only articles new to the warehouse get here, in the transaction that inserts
            # them: no key can exist yet (checks/070_unique_keys.sql verifies it).
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM tbl")
        if rows:
            docs = pa.table({"article_id": [r["article_id"] for r in rows], "terms": [terms_of_search[r["article_id"]] for r in rows]})  # noqa: F841
            con.execute("INSERT INTO search_docs SELECT article_id, terms FROM docs")
        for kept, absorbed in merges:
            # Two clusters bridged by a new article: the younger one joins the older, everywhere.
            con.execute("UPDATE articles SET cluster_id = ? WHERE cluster_id = ?", [kept, absorbed])
        # Canonical = earliest published (else first seen) of every cluster this batch touched.
        _settle_canonical(con, [r["cluster_id"] for r in rows] + [kept for kept, _ in merges])
        for table, rel, n in written:
            con.execute("INSERT INTO lake_files VALUES (?, ?, ?, ?, ?)", [rel, table, n, state.run_id, now])
        con.execute("COMMIT")
    except BaseException:
        if began:
            warehouse.rollback_quietly(con)
        for _, rel, _ in written:
            with contextlib.suppress(OSError):
                (state.settings.warehouse / rel).unlink(missing_ok=True)
        raise
    state.articles_new += len(rows)
    state.rejects_new += len(new_rejects)
    state.lake_files += len(written)
    return {"articles_new": len(rows), "rejects_new": len(new_rejects)}


def finish_run(state: RunState, error: BaseException | None = None) -> dict[str, Any]:
    """Record the run's figures and status, release the writer lock, return the summary."""
    summary = state.summary()
    own_error: BaseException | None = None
    try:
        con = state.connection()
        if error is None:
            try:
                if state.articles_new or not search.has_index(con):
                    # Once per run that added rows: the run's documents are appended to the index (BM25's
                    # statistics cover the whole corpus); an index that is missing or was dropped is built.
                    search.refresh_index(con)
            except Exception as exc:  # e.g. the disk filled up while indexing: the run failed, and says so
                own_error = error = exc
        if error is not None:
            status = "failed"
        elif any(n for r, n in state.by_reason.items() if r not in reasons.FIELD_LEVEL):
            status = "partial"
        else:
            status = "ok"
        summary["status"] = status
        with contextlib.suppress(duckdb.Error):  # a figure for the summary: never the reason a run fails
            summary["articles_outdated"] = outdated_articles(con)
        con.execute(
            "UPDATE runs SET finished_at = ?, status = ?, files_read = ?, files_skipped = ?, records_read = ?, "
            "articles_new = ?, articles_unchanged = ?, duplicates_new = ?, rejects_seen = ?, rejects_new = ?, "
            "rejects_by_reason = ?, paragraphs_repeated = ?, lake_files = ?, error = ? WHERE run_id = ?",
            [
                dt.datetime.now(dt.UTC), status, summary["files_read"], summary["files_skipped"], state.records_read,
                state.articles_new, state.articles_unchanged, state.duplicates_new, state.rejects_seen,
                state.rejects_new, json.dumps(summary["rejects_by_reason"], ensure_ascii=False),
                state.paragraphs_repeated, state.lake_files, None if error is None else f"{type(error).__name__}: {error}",
                state.run_id,
            ],
        )
        # Committed rows are already durable in the WAL: a checkpoint that fails (full disk) loses nothing,
        # the next open replays the WAL.
        with contextlib.suppress(duckdb.Error):
            con.execute("CHECKPOINT")
    finally:
        if state.con is not None:
            with contextlib.suppress(duckdb.Error):
                state.con.close()
        if state._lock is not None:
            state._lock.__exit__(None, None, None)
    if own_error is not None:
        raise own_error
    return summary


def outdated_articles(con: duckdb.DuckDBPyConnection) -> int:
    """Return how many stored articles have entities and quotes from other extractors than this installation's.

    An article is up to date when the run that loaded it used these extractors, or when a complete
    ``akhbar reextract`` with them started after it was loaded. Articles loaded with ``--no-entities`` are not
    counted; those of runs that recorded no fingerprint (older versions) are.
    """
    current = extractors_fingerprint()
    (n,) = con.execute(
        "SELECT count(*) FROM articles a LEFT JOIN runs r USING (run_id) "
        "WHERE r.extractors IS DISTINCT FROM ? AND r.extractors IS DISTINCT FROM ? AND a.loaded_at >= coalesce("
        "(SELECT max(started_at) FROM runs WHERE flow = 'reextract' AND status = 'ok' AND extractors = ?), "
        "'-infinity'::TIMESTAMPTZ)",
        [current, NONE, current],
    ).fetchone() or (0,)
    return int(n)


def run(settings: Settings, inputs: list[str], fields: FieldMap | None = None,
        on_batch: Callable[[RunState], None] | None = None) -> dict[str, Any]:
    """Run the whole ETL without an orchestrator (used by tests and the benchmark)."""
    state = start_run(settings, inputs, share_reads=True)
    try:
        with worker_pool(settings) as pool, writer_beside_workers(state, pool), quiet_gc():
            for prepared in prepared_batches(state, iter_batches(state, fields), pool):
                load(state, prepared)
                if on_batch:
                    on_batch(state)
    except BaseException as exc:
        finish_run(state, exc)
        raise
    return finish_run(state)
