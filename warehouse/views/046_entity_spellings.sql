-- entity_spellings: under which entity does a spelling count? One row per type and spelling (canonical name).
-- Needs table `entities` (through entity_names). Join it on (type, coalesce(canonical, text)) to count spellings
-- of one name together, as top_entities_week, entity_cooccurrence and entities_per_agency do.
CREATE OR REPLACE VIEW entity_spellings AS
SELECT type, unnest(spellings) AS spelling, entity
FROM entity_names;
