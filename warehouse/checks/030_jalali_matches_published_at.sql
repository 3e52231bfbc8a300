-- published_jalali is the Tehran-local Jalali day of published_at, written 'YYYY-MM-DD', and both are set together.
-- Rows returned = articles where they disagree, one is missing, or the format is wrong.
SELECT article_id, published_at, published_jalali, tehran_jalali(published_at) AS expected
FROM articles
WHERE (published_at IS NULL) <> (published_jalali IS NULL)
   OR published_jalali <> tehran_jalali(published_at)
   OR NOT regexp_full_match(published_jalali, '1[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])');
