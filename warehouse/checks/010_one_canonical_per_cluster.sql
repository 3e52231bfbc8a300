-- Every duplicate cluster has exactly one canonical article. Rows returned = clusters that break it.
SELECT cluster_id, count(*) FILTER (WHERE is_canonical) AS canonical_members, count(*) AS members
FROM articles
GROUP BY cluster_id
HAVING count(*) FILTER (WHERE is_canonical) <> 1;
