-- daily_counts: how many articles did each agency publish per day?
-- One row per Tehran-local day and agency, with the day in both calendars; articles without a publish time are
-- left out (agency_stats.undated counts them). duplicates = copies linked to an earlier article's cluster.
CREATE OR REPLACE VIEW daily_counts AS
SELECT
    tehran_date(published_at) AS day,
    to_jalali(tehran_date(published_at)) AS jalali_day,
    agency,
    count(*) AS articles,
    count(*) FILTER (WHERE is_canonical) AS canonical,
    count(*) FILTER (WHERE NOT is_canonical) AS duplicates
FROM articles
WHERE published_at IS NOT NULL
GROUP BY ALL
ORDER BY day, agency;
