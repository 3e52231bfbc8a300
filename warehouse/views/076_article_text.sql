-- article_text: what does each article say without its agency's boilerplate?
-- articles.body keeps the full normalized text; paragraphs that boilerplate_current lists for the article's agency
-- are left out here, at query time, so reruns and loading in halves give the same text. A sign-off glued to the
-- last line («... انتهای پیام/م») is cut off too (boilerplate._TAIL_SIGNOFF in RE2 syntax); tests/dedup/
-- test_boilerplate.py checks that this view and boilerplate.strip_boilerplate agree.
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
