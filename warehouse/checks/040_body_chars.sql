-- chars is the length of body and body is not empty. Rows returned = articles where that fails.
SELECT article_id, chars, length(body) AS body_chars
FROM articles
WHERE chars <> length(body) OR trim(body) = '';
