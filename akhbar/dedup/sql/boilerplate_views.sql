-- boilerplate_current, article_text: which paragraphs are boilerplate for each agency now, and each article's
-- display body without them (articles.body keeps the full normalized text; boilerplate is stripped here, at
-- query time, from the counts of everything loaded, so reruns and loading in halves give the same text).
-- Needs tables `boilerplate` and `boilerplate_articles` (akhbar/dedup/boilerplate.py). The thresholds are
-- boilerplate.MIN_COUNT (5) and MIN_SHARE (0.02), and the tail pattern is boilerplate._TAIL_SIGNOFF in RE2
-- syntax; tests/dedup/test_boilerplate.py checks that this view and boilerplate.strip_boilerplate agree.
CREATE OR REPLACE VIEW boilerplate_current AS
WITH totals AS (SELECT agency, count(*) AS articles FROM boilerplate_articles GROUP BY agency)
SELECT
    b.agency, b.paragraph_key, b.text, b.count, t.articles,
    CASE WHEN b.count >= 5 AND b.count / t.articles >= 0.02 THEN 'frequency' ELSE 'seed' END AS why
FROM boilerplate AS b
JOIN totals AS t USING (agency)
WHERE b.seed OR (b.count >= 5 AND b.count / t.articles >= 0.02);

CREATE OR REPLACE VIEW article_text AS
WITH paras AS (
    SELECT a.article_id, p.text, p.pos, ba.paragraph_keys[p.pos] AS paragraph_key,
        EXISTS (
            SELECT 1 FROM boilerplate_current AS c
            WHERE c.agency = coalesce(a.agency, '') AND c.paragraph_key = ba.paragraph_keys[p.pos]
        ) AS is_boilerplate
    FROM articles AS a
    LEFT JOIN boilerplate_articles AS ba ON ba.article_id = a.article_id AND ba.agency = coalesce(a.agency, '')
    CROSS JOIN unnest(string_split(a.body, chr(10))) WITH ORDINALITY AS p(text, pos)
),
kept AS (
    SELECT article_id, pos,
        CASE WHEN pos = max(pos) OVER (PARTITION BY article_id) THEN regexp_replace(
            text,
            '[\s\pZ]*[(\[]?[\s\pZ]*(?:انتهای|انتهاي|پایان|پايان)[\s\pZ\x{200c}]*(?:پیام|پيام|خبر|متن)[\s\pZ]*[/\\]?[\s\pZ]*[\pL\pN_*]{0,4}[\s\pZ]*[)\]]?[\s\pZ]*$',
            ''
        ) ELSE text END AS text
    FROM paras
    WHERE NOT is_boilerplate
)
SELECT
    a.article_id,
    a.agency,
    coalesce(string_agg(k.text, chr(10) ORDER BY k.pos) FILTER (WHERE regexp_matches(k.text, '[^\s\pZ]')), '') AS body,
    len(string_split(a.body, chr(10))) - count(k.text) FILTER (WHERE regexp_matches(k.text, '[^\s\pZ]')) AS paragraphs_removed
FROM articles AS a
LEFT JOIN kept AS k USING (article_id)
GROUP BY a.article_id, a.agency, a.body;
