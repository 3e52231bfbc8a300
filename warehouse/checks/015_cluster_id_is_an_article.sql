-- A cluster id is the article_id of the cluster's first member, so it names an article in the warehouse.
-- Rows returned = articles whose cluster_id names no article.
SELECT a.article_id, a.cluster_id
FROM articles AS a
WHERE a.cluster_id NOT IN (SELECT article_id FROM articles);
