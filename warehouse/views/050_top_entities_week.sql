-- top_entities_week: who and what was in the news each week?
-- Needs table `entities` (article_id, type, text, canonical, ...). One row per Iranian week (starting Saturday,
-- Tehran time), entity type and entity, top 20 per week and type by the number of stories naming it. Stories =
-- canonical articles, so a reprint does not count twice; mentions = all mentions in those stories. Spellings of one
-- name count together (see entity_names).
CREATE OR REPLACE VIEW top_entities_week AS
WITH m AS (
    SELECT
        tehran_week(a.published_at) AS week,
        e.type,
        n.entity,
        count(DISTINCT e.article_id) AS articles,
        count(*) AS mentions
    FROM entities AS e
    JOIN articles AS a USING (article_id)
    JOIN entity_spellings AS n ON n.type = e.type AND n.spelling = coalesce(e.canonical, e.text)
    WHERE a.is_canonical AND a.published_at IS NOT NULL
    GROUP BY ALL
)
SELECT
    week,
    to_jalali(week) AS week_jalali,
    type,
    entity,
    articles,
    mentions,
    row_number() OVER (PARTITION BY week, type ORDER BY articles DESC, mentions DESC, entity) AS rank
FROM m
QUALIFY rank <= 20
ORDER BY week DESC, type, rank;
