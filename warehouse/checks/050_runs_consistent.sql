-- A finished run has an end time not before its start, and a failed run says why; only the latest run may
-- still be running. Rows returned = runs that break it.
SELECT run_id, status, started_at, finished_at, error
FROM runs
WHERE (status <> 'running' AND (finished_at IS NULL OR finished_at < started_at))
   OR (status = 'failed' AND error IS NULL)
   OR (status = 'running' AND started_at < (SELECT max(started_at) FROM runs));
