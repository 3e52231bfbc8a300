-- Jalali (Solar Hijri) calendar conversion, pure SQL.
-- Answers: which Jalali day is this date/timestamp, and which Gregorian date is this Jalali day?
--   to_jalali(DATE) -> 'YYYY-MM-DD'            e.g. to_jalali(DATE '2023-03-21') = '1402-01-01'
--   tehran_jalali(TIMESTAMPTZ) -> 'YYYY-MM-DD' the Jalali day of the instant in Tehran (as articles.published_jalali)
--   jalali_to_date(jy, jm, jd) -> DATE         e.g. jalali_to_date(1402, 1, 1) = DATE '2023-03-21'
-- The _jalali_* macros are internal helpers. akhbar.extract.dates.JALALI_MACROS_SQL is read from between the
-- markers below (this file is the only copy).
-- BEGIN JALALI_MACROS_SQL
CREATE OR REPLACE MACRO jalali_to_date(jy, jm, jd) AS
    DATE '1600-01-01' + CAST(
        365 * (jy - 979) + ((jy - 979) // 33) * 8 + (((jy - 979) % 33) + 3) // 4
        + CASE WHEN jm <= 7 THEN 31 * (jm - 1) ELSE 186 + 30 * (jm - 7) END
        + (jd - 1) + 79 AS INTEGER);
CREATE OR REPLACE MACRO _jalali_n(d) AS (CAST(d AS DATE) - DATE '1600-01-01') - 79;
CREATE OR REPLACE MACRO _jalali_r4(n) AS (n % 12053) % 1461;
CREATE OR REPLACE MACRO _jalali_year(n) AS
    979 + 33 * (n // 12053) + 4 * ((n % 12053) // 1461)
    + CASE WHEN _jalali_r4(n) >= 366 THEN (_jalali_r4(n) - 1) // 365 ELSE 0 END;
CREATE OR REPLACE MACRO _jalali_yday(n) AS
    CASE WHEN _jalali_r4(n) >= 366 THEN (_jalali_r4(n) - 1) % 365 ELSE _jalali_r4(n) END;
CREATE OR REPLACE MACRO _jalali_fmt(y, yd) AS
    lpad(CAST(y AS VARCHAR), 4, '0') || '-'
    || lpad(CAST(CASE WHEN yd < 186 THEN 1 + yd // 31 ELSE 7 + (yd - 186) // 30 END AS VARCHAR), 2, '0') || '-'
    || lpad(CAST(CASE WHEN yd < 186 THEN 1 + yd % 31 ELSE 1 + (yd - 186) % 30 END AS VARCHAR), 2, '0');
-- to_jalali(DATE) -> 'YYYY-MM-DD'; for a TIMESTAMPTZ use tehran_jalali(ts) (the Tehran-local day).
CREATE OR REPLACE MACRO to_jalali(d) AS _jalali_fmt(_jalali_year(_jalali_n(d)), _jalali_yday(_jalali_n(d)));
CREATE OR REPLACE MACRO tehran_jalali(ts) AS to_jalali(CAST(timezone('Asia/Tehran', ts) AS DATE));
-- END JALALI_MACROS_SQL
