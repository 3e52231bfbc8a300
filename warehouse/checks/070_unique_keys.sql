-- The keys of the tables that grow with the corpus are unique. They carry no DuckDB PRIMARY KEY (an index held in
-- memory and rewritten at every checkpoint); the loader inserts only keys it has checked are new.
-- Rows returned = (table, duplicated key, copies).
SELECT 'articles' AS "table", article_id AS "key", count(*) AS copies FROM articles GROUP BY article_id HAVING count(*) > 1
UNION ALL
SELECT 'rejects', reject_id, count(*) FROM rejects GROUP BY reject_id HAVING count(*) > 1
UNION ALL
SELECT 'search_docs', article_id, count(*) FROM search_docs GROUP BY article_id HAVING count(*) > 1
UNION ALL
SELECT 'entities', article_id || ':' || "start", count(*) FROM entities GROUP BY article_id, "start" HAVING count(*) > 1
UNION ALL
SELECT 'quotes', article_id || ':' || "start", count(*) FROM quotes GROUP BY article_id, "start" HAVING count(*) > 1
UNION ALL
SELECT 'boilerplate', agency || ':' || paragraph_key, count(*) FROM boilerplate GROUP BY agency, paragraph_key HAVING count(*) > 1
UNION ALL
SELECT 'boilerplate_articles', agency || ':' || article_id, count(*) FROM boilerplate_articles GROUP BY agency, article_id HAVING count(*) > 1
UNION ALL
SELECT 'near_sketches', article_id, count(*) FROM near_sketches GROUP BY article_id HAVING count(*) > 1;
