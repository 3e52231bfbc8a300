-- Calendar helpers for grouping by Tehran-local time (published_at is stored in UTC).
-- Answers: which Tehran day or week did this instant fall in, independent of the session's TimeZone setting?
--   tehran_date(TIMESTAMPTZ) -> DATE   the Gregorian day in Asia/Tehran
--   tehran_week(TIMESTAMPTZ) -> DATE   the Saturday that starts the Tehran-local (Iranian) week
--   jalali_month(TIMESTAMPTZ) -> 'YYYY-MM'  the Jalali month in Tehran
CREATE OR REPLACE MACRO tehran_date(ts) AS CAST(timezone('Asia/Tehran', ts) AS DATE);
-- dayofweek: Sunday = 0 ... Saturday = 6, so (dow + 1) % 7 is the number of days since Saturday.
CREATE OR REPLACE MACRO tehran_week(ts) AS
    CAST(timezone('Asia/Tehran', ts) AS DATE) - CAST((dayofweek(timezone('Asia/Tehran', ts)) + 1) % 7 AS INTEGER);
CREATE OR REPLACE MACRO jalali_month(ts) AS left(tehran_jalali(ts), 7);
