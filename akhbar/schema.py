"""Every output table declared once, as a pyarrow schema; DuckDB DDL is generated from these.

Each schema carries its primary key and a one-line description per column in its metadata, so the
Parquet files, the DuckDB tables and the data dictionary all come from the same declaration.
"""

from __future__ import annotations

import json

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")


def col(name: str, type_: pa.DataType, doc: str, *, nullable: bool = True, backfill: object = None) -> pa.Field:
    """Declare one column with its description.

    ``backfill`` is the value the column takes in rows loaded before it existed: a warehouse made by an older
    version gains the column with that value (:func:`akhbar.warehouse.add_missing_columns`), and so do older
    Parquet files when the lake is compacted. A required column added to a released table needs one.
    """
    meta = {"doc": doc}
    if backfill is not None:
        meta["backfill"] = json.dumps(backfill)
    return pa.field(name, type_, nullable=nullable, metadata=meta)


def backfill(field: pa.Field) -> object:
    """Return the value a column takes in rows that predate it (None: null)."""
    raw = (field.metadata or {}).get(b"backfill")
    return None if raw is None else json.loads(raw)


def table(name: str, doc: str, primary_key: list[str], fields: list[pa.Field], *, indexed: bool = True) -> pa.Schema:
    """Declare one table: its columns, primary key and description.

    ``indexed=False`` keeps the key as a documented, checked key without a DuckDB PRIMARY KEY constraint:
    for the tables that grow with the corpus. DuckDB keeps a primary-key index in memory and rewrites it
    at every checkpoint, so a constrained table made each batch's commit slower as history grew (open,
    insert 500 rows, close: 68 ms over 10,000 rows, 377 ms over 200,000; 36 ms at any size without it).
    The loader only inserts keys it has checked are new, and ``warehouse/checks/070_unique_keys.sql``
    proves it.
    """
    return pa.schema(
        fields,
        metadata={"table": name, "doc": doc, "primary_key": json.dumps(primary_key), "indexed": json.dumps(indexed)},
    )


ORIGIN_FIELDS = [
    col("origin_path", pa.string(), "file path (as given to `akhbar run`) or URL the record came from", nullable=False),
    col("origin_line", pa.int64(), "1-based line (txt/jsonl/csv) or record number (json array) in that file"),
    col("origin_name", pa.string(), "stable short name of the origin (file name or URL) used in ids", nullable=False),
]

ARTICLES = table(
    "articles",
    "One row per article version kept: normalized text, extracted fields, duplicate cluster and lineage.",
    ["article_id"],
    [
        col("article_id", pa.string(), "stable id: hash of origin name, source id and canonical content", nullable=False),
        col("source_id", pa.string(), "the input's own id: JSON/CSV id, else URL, else file name stem", nullable=False),
        col("url", pa.string(), "article URL when known"),
        col("agency", pa.string(), "publishing agency, canonical Persian name from the agency registry"),
        col("attributed_to", pa.string(), "the source the agency relays (به نقل از ...), when stated"),
        col("title", pa.string(), "headline (normalized); null when the input has none"),
        col("lead", pa.string(), "lead/abstract (normalized); the first paragraph when the input has none"),
        col("body", pa.string(), "normalized display text, paragraphs joined by newline; Persian digits, ZWNJ kept", nullable=False),
        col("published_at", TS, "publish time in UTC"),
        col("published_jalali", pa.string(), "publish day in the Jalali calendar, 'YYYY-MM-DD' (Asia/Tehran)"),
        col("date_source", pa.string(), "where the date came from: field, url, text, relative, fars_id ..."),
        col("date_confidence", pa.float64(), "confidence of the date, 0..1"),
        col("category", pa.string(), "cross-agency category (سیاسی، اقتصادی، ورزشی ...)"),
        col("category_raw", pa.string(), "the input's own category label"),
        col("category_source", pa.string(), "'label' (mapped from the input's labels) or 'model:<probability>'"),
        col("tags", pa.list_(pa.string()), "the input's own tags"),
        col("keywords", pa.list_(pa.string()), "keywords: input tags, else top terms against corpus statistics"),
        col("cluster_id", pa.string(), "duplicate cluster: article_id of the cluster's first member", nullable=False),
        col("is_canonical", pa.bool_(), "true for the one article that represents its cluster", nullable=False),
        col("content_key", pa.string(), "hash of the canonical text (letters, digits, ZWNJ/space, punctuation folded)", nullable=False),
        col("paragraphs", pa.int32(), "paragraphs kept in body", nullable=False),
        col("paragraphs_repeated", pa.int32(), "repeated paragraphs removed from the input", nullable=False),
        col("chars", pa.int32(), "characters in body", nullable=False),
        col("raw_text", pa.string(), "the input text before normalization (title, lead, paragraphs as read)", nullable=False),
        col("agency_raw", pa.string(), "the input's own agency/source field"),
        col("published_raw", pa.string(), "the input's own date field, unparsed"),
        col("fetched_at", TS, "when a scraper fetched the page"),
        col("raw_ref", pa.string(), "pointer into the raw archive of fetched pages"),
        *ORIGIN_FIELDS,
        col("run_id", pa.string(), "the run that loaded this row", nullable=False),
        col("loaded_at", TS, "when the row was loaded", nullable=False),
    ],
    indexed=False,
)

REJECTS = table(
    "rejects",
    "Every record or input that did not become an article, with its reason; nothing is dropped silently.",
    ["reject_id"],
    [
        col("reject_id", pa.string(), "stable id: hash of origin, line, reason and source id", nullable=False),
        col("reason", pa.string(), "snake_case reason (see the data dictionary for the list)", nullable=False),
        col("detail", pa.string(), "human-readable detail"),
        col("source_id", pa.string(), "the record's own id when it got that far"),
        *ORIGIN_FIELDS,
        col("run_id", pa.string(), "the run that first saw this reject", nullable=False),
        col("rejected_at", TS, "when", nullable=False),
    ],
    indexed=False,
)

RUNS = table(
    "runs",
    "One row per run: what it read, kept, linked as duplicate and rejected.",
    ["run_id"],
    [
        col("run_id", pa.string(), "run id (UTC time + random suffix)", nullable=False),
        col("flow", pa.string(), "which flow ran: news-etl, scrape-news ...", nullable=False),
        col("started_at", TS, "start time", nullable=False),
        col("finished_at", TS, "end time"),
        col("status", pa.string(), "running, ok, partial (some rejects or failed sources), failed", nullable=False),
        col("inputs", pa.list_(pa.string()), "paths or sources given"),
        col("files_read", pa.int64(), "input files read", nullable=False),
        col("files_skipped", pa.int64(), "files skipped for an unsupported extension", nullable=False),
        col("records_read", pa.int64(), "records read from the inputs", nullable=False),
        col("articles_new", pa.int64(), "articles added to the warehouse by this run", nullable=False),
        col("articles_unchanged", pa.int64(), "articles read that were already loaded (same id)", nullable=False),
        col("duplicates_new", pa.int64(), "new articles linked to an existing cluster (not canonical)", nullable=False),
        col("rejects_seen", pa.int64(), "rejects met by this run (including ones already stored)", nullable=False),
        col("rejects_new", pa.int64(), "rejects added by this run", nullable=False),
        col("rejects_by_reason", pa.string(), "JSON object reason -> count for this run", nullable=False),
        col("paragraphs_repeated", pa.int64(), "repeated paragraphs removed inside articles", nullable=False),
        col("lake_files", pa.int64(), "Parquet files written", nullable=False),
        col("error", pa.string(), "error message when the run failed"),
        col("akhbar_version", pa.string(), "akhbar version", nullable=False),
        col(
            "extractors",
            pa.string(),
            "fingerprint of the entity and quote extractors the run used (code and models; 'none' when it extracted"
            " none: --no-entities, maintenance); NULL for runs of versions before it was recorded",
        ),
    ],
)

TERM_STATS = table(
    "term_stats",
    "Corpus statistics for keywords: in how many canonical articles each lemmatized term occurs.",
    ["term"],
    [
        col("term", pa.string(), "lemmatized content term", nullable=False),
        col("docs", pa.int64(), "canonical articles containing the term", nullable=False),
    ],
)

LAKE_FILES = table(
    "lake_files",
    "Parquet files in warehouse/lake committed together with their DuckDB load (crash recovery).",
    ["path"],
    [
        col("path", pa.string(), "path relative to the warehouse directory", nullable=False),
        col("table_name", pa.string(), "which table the file holds", nullable=False),
        col("rows", pa.int64(), "rows in the file", nullable=False),
        col("run_id", pa.string(), "run that wrote it", nullable=False),
        col("written_at", TS, "when", nullable=False),
    ],
)

LAKE_STALE = table(
    "lake_stale",
    "Lake partitions whose files no longer match their DuckDB table (marked in the transaction that changed the"
    " rows; `akhbar reextract` rewrites each and clears the mark in the transaction that swaps the files).",
    ["partition"],
    [
        col("partition", pa.string(), "partition directory relative to the warehouse (lake/<table>/ingest_date=...)", nullable=False),
        col("table_name", pa.string(), "which table the partition holds", nullable=False),
        col("run_id", pa.string(), "run that changed the rows", nullable=False),
        col("marked_at", TS, "when", nullable=False),
    ],
)

# Scraper state (read and written by akhbar.scrape.state).
FEED_STATE = table(
    "feed_state",
    "Conditional-GET validators and last outcome of every feed/sitemap URL the scraper checked.",
    ["feed_url"],
    [
        col("feed_url", pa.string(), "the feed or sitemap URL as configured", nullable=False),
        col("etag", pa.string(), "ETag of the last 200 answer (sent back as If-None-Match)"),
        col(
            "last_modified",
            pa.string(),
            "Last-Modified of the last 200 answer (sent back as If-Modified-Since)",
        ),
        col(
            "last_status",
            pa.string(),
            "outcome of the last check (ok, not_modified, timeout ...)",
            nullable=False,
        ),
        col("checked_at", TS, "when the URL was last checked", nullable=False),
    ],
)

SEEN_URLS = table(
    "seen_urls",
    "Article keys already scraped (normalized URL and feed guid), so they are never fetched twice.",
    ["key"],
    [
        col("key", pa.string(), "normalized article URL, or 'guid:' + the feed item's guid", nullable=False),
        col("source", pa.string(), "the configured source that first saw it"),
        col("first_seen", TS, "when it was first scraped", nullable=False),
    ],
)

ENTITIES = table(
    "entities",
    "Named entities found in each article (CRF model trained on PEYMA), with canonical names, titles and roles.",
    ["article_id", "start"],
    [
        col("article_id", pa.string(), "the article (articles.article_id)", nullable=False),
        col("start", pa.int32(), "start offset of the mention in articles.body", nullable=False),
        col("end", pa.int32(), "end offset (exclusive) in articles.body", nullable=False),
        col("type", pa.string(), "PER, ORG, LOC, DAT, TIM, MON or PCT", nullable=False),
        col("text", pa.string(), "the mention as written", nullable=False),
        col("canonical", pa.string(), "canonical name: title split off, variants merged, surname linked to the full name", nullable=False),
        col("title", pa.string(), "honorific before the name (سردار، دکتر، آیت‌الله ...)"),
        col("role", pa.string(), "role stated with the name (e.g. وزیر دفاع عراق)"),
        col("run_id", pa.string(), "the run that loaded the article", nullable=False),
    ],
    indexed=False,
)

QUOTES = table(
    "quotes",
    "Who said what: quotes introduced by speech cues or «» spans, with the speaker resolved to a person (or to an"
    " unnamed office holder, or an organization).",
    ["article_id", "start"],
    [
        col("article_id", pa.string(), "the article (articles.article_id)", nullable=False),
        col("start", pa.int32(), "start offset of the quote in articles.body", nullable=False),
        col("end", pa.int32(), "end offset (exclusive) in articles.body", nullable=False),
        col("speaker", pa.string(), "canonical name of the speaker (never a pronoun)", nullable=False),
        col("speaker_role", pa.string(), "the speaker's role when stated (e.g. وزیر دفاع)"),
        col(
            "speaker_kind",
            pa.string(),
            "'person': speaker is a named person; 'role': an office whose holder the article does not name"
            " (speaker = speaker_role = the role, e.g. استاندار اردبیل); 'organization': an organization"
            " (e.g. باشگاه بارسلونا اعلام کرد)",
            nullable=False,
            backfill="person",
        ),
        col("text", pa.string(), "the quoted text", nullable=False),
        col("cue", pa.string(), "the speech verb or mark that introduced it (گفت، افزود، تصریح کرد، «» ...)", nullable=False),
        col("run_id", pa.string(), "the run that loaded the article", nullable=False),
    ],
    indexed=False,
)

# Near-duplicate clustering (written by akhbar.dedup.lsh_store).
LSH_BANDS = table(
    "lsh_bands",
    "LSH band hashes of each near-duplicate-eligible article (no primary key: an index would sit in memory).",
    [],
    [
        col("article_id", pa.string(), "article the band belongs to", nullable=False),
        col("band", pa.int16(), "band number, 0..BANDS-1", nullable=False),
        col("hash", pa.int64(), "hash of the band's MinHash rows", nullable=False),
    ],
)

NEAR_SKETCHES = table(
    "near_sketches",
    "Low byte of each MinHash value of every eligible article: a candidate pair's Jaccard estimate, read before its text.",
    ["article_id"],
    [
        col("article_id", pa.string(), "article id", nullable=False),
        col("sketch", pa.binary(), "near.NUM_PERM bytes, the low 8 bits of each MinHash value (b-bit minwise hashing)", nullable=False),
    ],
    indexed=False,
)

NEAR_KEYS = table(
    "near_keys",
    "Canonical key (capped at near.MAX_KEY_CHARS) of each eligible article, to verify later candidates.",
    ["article_id"],
    [
        col("article_id", pa.string(), "article id", nullable=False),
        col("key", pa.string(), "canonical key prefix used for shingling", nullable=False),
    ],
)

CLUSTERS = table(
    "clusters",
    "Near-duplicate cluster of every article; cluster_id is the article_id of the cluster's first member.",
    ["article_id"],
    [
        col("article_id", pa.string(), "article id", nullable=False),
        col("cluster_id", pa.string(), "article id of the cluster's first member", nullable=False),
        col(
            "first_seen_order", pa.int64(), "caller's order of first sight (lower = earlier)", nullable=False
        ),
        col("joined_at_run", pa.string(), "run that assigned the article"),
        col(
            "matched_article_id",
            pa.string(),
            "article it was verified against when it joined (null: new cluster)",
        ),
        col(
            "reason",
            pa.string(),
            "why: new_cluster, not_eligible: ..., or the similarity that matched",
            nullable=False,
        ),
    ],
)

CLUSTER_MERGES = table(
    "cluster_merges",
    "Clusters absorbed into an older cluster because a new article matched both.",
    ["absorbed_cluster_id"],
    [
        col(
            "absorbed_cluster_id", pa.string(), "the younger cluster id that no longer exists", nullable=False
        ),
        col("kept_cluster_id", pa.string(), "the older cluster id it was merged into", nullable=False),
        col("via_article_id", pa.string(), "the new article that matched both", nullable=False),
        col("run_id", pa.string(), "run that merged them"),
    ],
)

# Full-text search input (written by the load step, indexed by akhbar.search).
SEARCH_DOCS = table(
    "search_docs",
    "Full-text search input: each article's title, lead and body reduced to lemmatized, folded terms (BM25-indexed).",
    ["article_id"],
    [
        col("article_id", pa.string(), "the article (articles.article_id)", nullable=False),
        col("terms", pa.string(), "space-separated terms: lemmatized, letters/digits folded, stopwords dropped", nullable=False),
    ],
    indexed=False,
)

# Per-agency boilerplate counts (akhbar.dedup.boilerplate). Both tables grow with the corpus: no PRIMARY KEY index (DuckDB holds it in memory and rewrites it at
# every checkpoint); counting merges by join and skips articles already counted, so keys stay unique.
BOILERPLATE = table(
    "boilerplate",
    "Paragraph keys per agency with the number of distinct articles that contain them.",
    ["agency", "paragraph_key"],
    [
        col("agency", pa.string(), "agency whose articles were counted ('' when unknown)", nullable=False),
        col("paragraph_key", pa.string(), "canonical paragraph key (no spaces, digits as 0)", nullable=False),
        col("text", pa.string(), "one display form of the paragraph (first seen, truncated)", nullable=False),
        col("count", pa.int64(), "distinct articles of the agency containing the paragraph", nullable=False),
        col(
            "seed",
            pa.bool_(),
            "a known sign-off (SEED_PATTERNS): boilerplate whatever its count",
            nullable=False,
        ),
        col("first_run", pa.string(), "run that first counted it"),
        col("last_run", pa.string(), "run that last counted it"),
    ],
    indexed=False,
)
BOILERPLATE_ARTICLES = table(
    "boilerplate_articles",
    "Articles already counted into `boilerplate` (one row each, so a rerun does not count them twice).",
    ["agency", "article_id"],
    [
        col("agency", pa.string(), "agency ('' when unknown)", nullable=False),
        col("article_id", pa.string(), "article id", nullable=False),
        col(
            "paragraph_keys",
            pa.list_(pa.string()),
            "paragraph key of each line of articles.body, in order ('' for a line without letters)",
        ),
    ],
    indexed=False,
)

REGISTRY: dict[str, pa.Schema] = {}


def register(schema: pa.Schema) -> pa.Schema:
    """Add a table schema to the registry (tables are created in registration order)."""
    REGISTRY[schema.metadata[b"table"].decode()] = schema
    return schema


for _s in (ARTICLES, REJECTS, RUNS, TERM_STATS, LAKE_FILES, LAKE_STALE, FEED_STATE, SEEN_URLS, SEARCH_DOCS, ENTITIES, QUOTES, LSH_BANDS, NEAR_SKETCHES, NEAR_KEYS, CLUSTERS, CLUSTER_MERGES,
           BOILERPLATE, BOILERPLATE_ARTICLES):
    register(_s)


def table_name(schema: pa.Schema) -> str:
    """Return the table name declared in a schema's metadata."""
    return schema.metadata[b"table"].decode()


def primary_key(schema: pa.Schema) -> list[str]:
    """Return the primary key columns declared in a schema's metadata."""
    return json.loads(schema.metadata.get(b"primary_key", b"[]"))


def is_indexed(schema: pa.Schema) -> bool:
    """Say whether the table's key is a DuckDB PRIMARY KEY (else a key kept by the loader and checked)."""
    return bool(json.loads(schema.metadata.get(b"indexed", b"true")))


def doc(schema_or_field: pa.Schema | pa.Field) -> str:
    """Return the description stored in a schema's or field's metadata."""
    meta = schema_or_field.metadata or {}
    return meta.get(b"doc", b"").decode()


def duckdb_type(t: pa.DataType) -> str:
    """Map a pyarrow type to the DuckDB type name used in generated DDL."""
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "VARCHAR"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_int32(t):
        return "INTEGER"
    if pa.types.is_int16(t):
        return "SMALLINT"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_binary(t):
        return "BLOB"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_float32(t):
        return "FLOAT"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE" if t.tz else "TIMESTAMP"
    if pa.types.is_list(t):
        return duckdb_type(t.value_type) + "[]"
    raise TypeError(f"no DuckDB mapping for {t}")


def ddl_for(schema: pa.Schema, name: str | None = None) -> str:
    """Generate `CREATE TABLE IF NOT EXISTS` for a declared schema (types, NOT NULL, primary key)."""
    name = name or table_name(schema)
    cols = [f'    "{f.name}" {duckdb_type(f.type)}{"" if f.nullable else " NOT NULL"}' for f in schema]
    pk = primary_key(schema) if is_indexed(schema) else []
    if pk:
        cols.append("    PRIMARY KEY (" + ", ".join(f'"{c}"' for c in pk) + ")")
    return f'CREATE TABLE IF NOT EXISTS "{name}" (\n' + ",\n".join(cols) + "\n);"


