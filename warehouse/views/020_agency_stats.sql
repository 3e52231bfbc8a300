-- agency_stats: what does the warehouse hold per agency: volume, duplicates, date range, coverage of fields?
-- One row per agency (NULL = agency not recognised). duplicate_share = duplicates / articles; undated = articles
-- with no publish time; avg_chars = mean body length; runs = how many runs loaded its articles.
CREATE OR REPLACE VIEW agency_stats AS
SELECT
    agency,
    count(*) AS articles,
    count(*) FILTER (WHERE is_canonical) AS canonical,
    count(*) FILTER (WHERE NOT is_canonical) AS duplicates,
    round(count(*) FILTER (WHERE NOT is_canonical) / count(*), 3) AS duplicate_share,
    min(published_jalali) AS first_jalali,
    max(published_jalali) AS last_jalali,
    min(published_at) AS first_published_at,
    max(published_at) AS last_published_at,
    count(*) FILTER (WHERE published_at IS NULL) AS undated,
    count(*) FILTER (WHERE category IS NULL) AS uncategorised,
    count(DISTINCT category) AS categories,
    CAST(round(avg(chars)) AS INTEGER) AS avg_chars,
    count(DISTINCT run_id) AS runs
FROM articles
GROUP BY agency
ORDER BY articles DESC, agency;
