-- run_history: which runs happened, how long did they take, what did each add, and how big is the warehouse after each?
-- One row per run, newest first; articles_total = articles added by this run and all earlier ones.
CREATE OR REPLACE VIEW run_history AS
SELECT
    run_id,
    flow,
    status,
    started_at,
    tehran_jalali(started_at) AS started_jalali,
    finished_at,
    round(epoch(finished_at) - epoch(started_at), 1) AS duration_s,
    files_read,
    records_read,
    articles_new,
    duplicates_new,
    articles_unchanged,
    rejects_new,
    rejects_seen,
    CAST(sum(articles_new) OVER (ORDER BY started_at, run_id) AS BIGINT) AS articles_total,
    error
FROM runs
ORDER BY started_at DESC, run_id DESC;
