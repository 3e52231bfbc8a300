-- entities_per_agency: which entities does each agency write about most, and how much of its output is that?
-- Needs table `entities`. One row per agency, entity type and entity (top 50 per agency and type); share = the
-- fraction of the agency's articles (duplicates included: this is about what the agency published) naming it.
-- Spellings of one name count together (see entity_names).
CREATE OR REPLACE VIEW entities_per_agency AS
WITH totals AS (
    SELECT agency, count(*) AS agency_articles FROM articles GROUP BY agency
), m AS (
    SELECT a.agency, e.type, n.entity, count(DISTINCT e.article_id) AS articles
    FROM entities AS e
    JOIN articles AS a USING (article_id)
    JOIN entity_spellings AS n ON n.type = e.type AND n.spelling = coalesce(e.canonical, e.text)
    GROUP BY ALL
)
SELECT
    m.agency,
    m.type,
    m.entity,
    m.articles,
    round(m.articles / t.agency_articles, 4) AS share,
    row_number() OVER (PARTITION BY m.agency, m.type ORDER BY m.articles DESC, m.entity) AS rank
FROM m
JOIN totals AS t ON t.agency IS NOT DISTINCT FROM m.agency
QUALIFY rank <= 50
ORDER BY m.agency, m.type, rank;
