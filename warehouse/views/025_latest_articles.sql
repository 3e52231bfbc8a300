-- latest_articles: what are the newest stories?
-- One row per story (canonical articles only: a reprint shows once, copies = how many other articles share its
-- cluster), newest first by publish time, then by load time for undated articles.
CREATE OR REPLACE VIEW latest_articles AS
SELECT
    a.article_id,
    a.published_jalali,
    a.published_at,
    a.agency,
    a.category,
    a.title,
    left(a.lead, 200) AS lead,
    a.url,
    c.members - 1 AS copies
FROM articles AS a
JOIN (SELECT cluster_id, count(*) AS members FROM articles GROUP BY cluster_id) AS c USING (cluster_id)
WHERE a.is_canonical
ORDER BY a.published_at DESC NULLS LAST, a.loaded_at DESC, a.article_id;
