-- Persian text folding in SQL, for filters written by hand.
-- Answers: how do I match Persian text typed with Arabic ي/ك, other digits, or ZWNJ/space differences?
--   fa_fold(text)  -> text in the display convention of articles.body: Arabic ي ى ے ك ڪ ة ہ ە folded to
--                     Persian ی ک ه, Arabic-Indic and ASCII digits to Persian ۰-۹. Use it on input compared with body.
--   fa_key(text)   -> the comparison key of akhbar.text.chars.canonical_key (letters, hamza forms and digits
--                     folded, ASCII digits, lower case, diacritics/kashida dropped, ZWNJ and punctuation turned
--                     into single spaces). Equal keys = same words whatever the spelling.
--   fa_contains(haystack, needle) -> true when needle occurs in haystack as whole words, compared by fa_key:
--                     WHERE fa_contains(body, 'تيم ملي')   (a phrase search without the index; scans every row)
CREATE OR REPLACE MACRO fa_fold(s) AS
    translate(s, 'يىےكڪةہە٠١٢٣٤٥٦٧٨٩0123456789', 'یییککههه۰۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹');
CREATE OR REPLACE MACRO fa_key(s) AS
    trim(regexp_replace(
        lower(translate(
            regexp_replace(s, '[\x{0640}\x{064B}-\x{065F}\x{0670}\x{06D6}-\x{06ED}\x{200B}\x{200D}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}\x{2066}-\x{2069}\x{FEFF}\x{00AD}]', '', 'g'),
            'يىےكڪةہەأإآٱؤئۀ۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩',
            'یییککهههااااویه01234567890123456789')),
        '[^\p{L}\p{N}]+', ' ', 'g'));
CREATE OR REPLACE MACRO fa_contains(haystack, needle) AS
    contains(' ' || fa_key(haystack) || ' ', ' ' || fa_key(needle) || ' ');
-- name_key(name) -> the key under which spellings of one name are counted together: ZWNJ, spaces and punctuation
--                   alike, alef with madda or hamza as plain alef, lower case ('کی‌روش' = 'کی روش',
--                   'آمریکا' = 'امریکا'). Lighter than fa_key: ی and ئ stay apart ('رئال' is not 'ریال').
CREATE OR REPLACE MACRO name_key(s) AS
    trim(regexp_replace(lower(translate(s, 'آأإٱ', 'اااا')), '[^\p{L}\p{N}]+', ' ', 'g'));
