-- monthly_counts: how many articles did each agency publish per Jalali month?
-- One row per Jalali month ('YYYY-MM', from published_jalali) and agency; undated articles are left out.
CREATE OR REPLACE VIEW monthly_counts AS
SELECT
    left(published_jalali, 7) AS jalali_month,
    agency,
    count(*) AS articles,
    count(*) FILTER (WHERE is_canonical) AS canonical,
    count(*) FILTER (WHERE NOT is_canonical) AS duplicates
FROM articles
WHERE published_jalali IS NOT NULL
GROUP BY ALL
ORDER BY jalali_month, agency;
