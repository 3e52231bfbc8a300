-- No lake partition is left out of date: `akhbar reextract` marks the partitions whose rows it changed and clears
-- each mark when the partition's files are rewritten. Rows returned = partitions of a re-extraction that stopped
-- before its lake rewrite; run `akhbar reextract` again to finish them.
SELECT "partition", table_name, run_id, marked_at FROM lake_stale;
