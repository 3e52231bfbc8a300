-- reprints: who republished whose story, and how long after?
-- Needs table `clusters` (article_id, cluster_id, matched_article_id, reason, ...) from near-duplicate detection.
-- One row per article of a cluster from another agency than the cluster's original: the original is the canonical
-- member (earliest published_at, else first seen; kept so by the loader, akhbar/etl.py::_settle_canonical),
-- then the reprint, the delay, and how it matched (clusters.reason: the similarity, or exact_duplicate).
CREATE OR REPLACE VIEW reprints AS
WITH ranked AS (
    SELECT
        a.article_id, a.cluster_id, a.agency, a.published_at, a.title, c.reason, c.matched_article_id,
        row_number() OVER (
            PARTITION BY a.cluster_id ORDER BY a.is_canonical DESC, a.published_at NULLS LAST, a.loaded_at, a.article_id
        ) AS pos
    FROM articles AS a
    LEFT JOIN clusters AS c USING (article_id)
)
SELECT
    o.cluster_id,
    o.article_id AS original_article_id,
    o.agency AS original_agency,
    o.published_at AS original_published_at,
    o.title AS original_title,
    r.article_id AS reprint_article_id,
    r.agency AS reprint_agency,
    r.published_at AS reprint_published_at,
    round((epoch(r.published_at) - epoch(o.published_at)) / 60) AS delay_minutes,
    r.reason AS match_reason,
    r.matched_article_id
FROM ranked AS o
JOIN ranked AS r ON r.cluster_id = o.cluster_id AND r.pos > 1
WHERE o.pos = 1 AND r.agency IS DISTINCT FROM o.agency
ORDER BY o.published_at DESC NULLS LAST, o.cluster_id, r.published_at NULLS LAST, r.article_id;
