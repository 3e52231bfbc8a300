-- rejects_by_reason: what was rejected, why, and in which run?
-- One row per run and reason: how many records, from how many files, with one example (detail and origin).
-- A reject is stored once, under the run that first met it (reruns count it in runs.rejects_seen only).
CREATE OR REPLACE VIEW rejects_by_reason AS
SELECT
    r.run_id,
    any_value(u.started_at) AS run_started_at,
    r.reason,
    count(*) AS rejects,
    count(DISTINCT r.origin_path) AS files,
    arg_min(r.detail, r.reject_id) AS example_detail,
    arg_min(r.origin_name || coalesce(':' || r.origin_line, ''), r.reject_id) AS example_origin
FROM rejects AS r
LEFT JOIN runs AS u USING (run_id)
GROUP BY r.run_id, r.reason
ORDER BY run_started_at DESC NULLS LAST, r.run_id DESC, rejects DESC, r.reason;
