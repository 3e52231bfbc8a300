-- duplicate_clusters: which stories were published more than once, by whom, and who had them first?
-- One row per cluster with two or more articles (articles.cluster_id: exact and near duplicates). first_* is the
-- canonical member: the earliest published (undated members count as later), ties and undated to the first seen.
CREATE OR REPLACE VIEW duplicate_clusters AS
WITH ranked AS (
    SELECT
        *,
        row_number() OVER (
            PARTITION BY cluster_id ORDER BY is_canonical DESC, published_at NULLS LAST, loaded_at, article_id
        ) AS pos,
        count(*) OVER (PARTITION BY cluster_id) AS members
    FROM articles
)
SELECT
    cluster_id,
    any_value(members) AS members,
    count(DISTINCT agency) AS agencies,
    list(DISTINCT agency ORDER BY agency) FILTER (WHERE agency IS NOT NULL) AS agency_list,
    any_value(title) FILTER (WHERE is_canonical) AS title,
    any_value(agency) FILTER (WHERE pos = 1) AS first_agency,
    any_value(article_id) FILTER (WHERE pos = 1) AS first_article_id,
    min(published_at) AS first_published_at,
    max(published_at) AS last_published_at
FROM ranked
WHERE members > 1
GROUP BY cluster_id
ORDER BY members DESC, first_published_at NULLS LAST, cluster_id;
