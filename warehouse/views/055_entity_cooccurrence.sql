-- entity_cooccurrence: which entities appear together in the same stories?
-- Needs table `entities`. One row per unordered pair of distinct entities (type + canonical name) named in at least
-- two common stories (canonical articles), most frequent pairs first. Spellings of one name count together (see
-- entity_names).
CREATE OR REPLACE VIEW entity_cooccurrence AS
WITH ea AS (
    SELECT DISTINCT e.article_id, e.type, n.entity
    FROM entities AS e
    JOIN articles AS a USING (article_id)
    JOIN entity_spellings AS n ON n.type = e.type AND n.spelling = coalesce(e.canonical, e.text)
    WHERE a.is_canonical
)
SELECT
    x.type AS type_a,
    x.entity AS entity_a,
    y.type AS type_b,
    y.entity AS entity_b,
    count(*) AS articles
FROM ea AS x
JOIN ea AS y
    ON x.article_id = y.article_id
    AND (x.entity < y.entity OR (x.entity = y.entity AND x.type < y.type))
GROUP BY ALL
HAVING count(*) >= 2
ORDER BY articles DESC, entity_a, entity_b;
