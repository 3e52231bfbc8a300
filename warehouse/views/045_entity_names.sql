-- entity_names: which spellings are one entity, and which one is shown? One row per type + name_key of the name.
-- Needs table `entities`. Articles spell one name several ways ('کی‌روش' / 'کی روش', 'آمریکا' / 'امریکا');
-- each article merges its own variants, and this view merges them across articles: entity = the spelling
-- used most (ties: the first in sort order), spellings = all of them. The entity views count by this key
-- (through entity_spellings). name_key runs once per distinct spelling, not once per mention.
CREATE OR REPLACE VIEW entity_names AS
WITH s AS (
    SELECT type, coalesce(canonical, text) AS spelling, count(*) AS mentions
    FROM entities
    GROUP BY ALL
)
SELECT
    type,
    name_key(spelling) AS key,
    arg_min(spelling, (-mentions, spelling)) AS entity,
    list(spelling ORDER BY mentions DESC, spelling) AS spellings,
    sum(mentions)::BIGINT AS mentions
FROM s
GROUP BY type, key;
