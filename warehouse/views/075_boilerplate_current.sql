-- boilerplate_current: which paragraphs count as boilerplate for each agency now?
-- Per agency, the paragraph keys counted in at least 5 articles and 2 % of the agency's articles (boilerplate.MIN_COUNT,
-- MIN_SHARE) plus the known sign-offs (seed), from the counts in `boilerplate` / `boilerplate_articles` of everything
-- loaded; `why` says which rule holds. article_text strips these paragraphs from the display body.
CREATE OR REPLACE VIEW boilerplate_current AS
WITH totals AS (SELECT agency, count(*) AS articles FROM boilerplate_articles GROUP BY agency)
SELECT
    b.agency, b.paragraph_key, b.text, b.count, t.articles,
    CASE WHEN b.count >= 5 AND b.count / t.articles >= 0.02 THEN 'frequency' ELSE 'seed' END AS why
FROM boilerplate AS b
JOIN totals AS t USING (agency)
WHERE b.seed OR (b.count >= 5 AND b.count / t.articles >= 0.02);
