-- most_quoted_week: which persons were quoted most each week?
-- Needs table `quotes` (article_id, speaker, speaker_role, speaker_kind, text, cue, ...). One row per Iranian week
-- (Saturday start, Tehran time) and named person, top 20 per week by quotes in stories (canonical articles); role =
-- the role most often attached to the speaker that week. Quotes of unnamed office holders (speaker_kind = 'role')
-- are left out: query `quotes` for them. Spellings of one name count together (name_key), shown as the spelling
-- the quotes use most.
CREATE OR REPLACE VIEW most_quoted_week AS
WITH spellings AS (
    SELECT speaker AS spelling, name_key(speaker) AS key, count(*) AS n
    FROM quotes
    WHERE speaker_kind = 'person'
    GROUP BY speaker
), spelled AS (
    SELECT s.spelling, d.speaker
    FROM spellings AS s
    JOIN (SELECT key, arg_min(spelling, (-n, spelling)) AS speaker FROM spellings GROUP BY key) AS d USING (key)
), m AS (
    SELECT
        tehran_week(a.published_at) AS week,
        s.speaker,
        mode(q.speaker_role) AS role,
        count(*) AS quotes,
        count(DISTINCT q.article_id) AS articles
    FROM quotes AS q
    JOIN articles AS a USING (article_id)
    JOIN spelled AS s ON s.spelling = q.speaker
    WHERE a.is_canonical AND a.published_at IS NOT NULL AND q.speaker_kind = 'person'
    GROUP BY ALL
)
SELECT
    week,
    to_jalali(week) AS week_jalali,
    speaker,
    role,
    quotes,
    articles,
    row_number() OVER (PARTITION BY week ORDER BY quotes DESC, articles DESC, speaker) AS rank
FROM m
QUALIFY rank <= 20
ORDER BY week DESC, rank;
