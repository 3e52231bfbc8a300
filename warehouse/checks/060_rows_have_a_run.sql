-- Every article and reject row names a run recorded in `runs` (lineage). Rows returned = orphans.
SELECT 'articles' AS table_name, article_id AS row_id, run_id FROM articles WHERE run_id NOT IN (SELECT run_id FROM runs)
UNION ALL
SELECT 'rejects', reject_id, run_id FROM rejects WHERE run_id NOT IN (SELECT run_id FROM runs);
