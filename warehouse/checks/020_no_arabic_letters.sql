-- Display text uses Persian letters: no Arabic yeh/kaf/alef maksura (ي ك ى) in title, lead or body.
-- Rows returned = articles that still hold one, with the field and the letter.
SELECT article_id, field, regexp_extract(value, '[يكى]') AS letter
FROM (
    SELECT article_id, 'title' AS field, title AS value FROM articles
    UNION ALL SELECT article_id, 'lead', lead FROM articles
    UNION ALL SELECT article_id, 'body', body FROM articles
)
WHERE regexp_matches(value, '[يكى]');
