"""Reject reasons: snake_case constants, counted per run and stored in `rejects.reason`."""

BAD_ENCODING = "bad_encoding"
MALFORMED_JSON = "malformed_json"
MALFORMED_CSV = "malformed_csv"
WRONG_TYPE = "wrong_type"
MISSING_FIELD = "missing_field"
EMPTY_BODY = "empty_body"
NOT_PERSIAN = "not_persian"
TOO_LARGE = "too_large"
BAD_GZIP = "bad_gzip"
UNREADABLE = "unreadable"
UNSUPPORTED_FORMAT = "unsupported_format"
DUPLICATE_RECORD = "duplicate_record"
BINARY_CONTENT = "binary_content"
HTML_CONTENT = "html_content"
BAD_DATE = "bad_date"
DATE_CONFLICT = "date_conflict"
MOJIBAKE = "mojibake"

ALL = {
    BAD_ENCODING: "bytes that no plausible encoding (UTF-8, UTF-16, Windows-1256) decodes",
    MALFORMED_JSON: "a JSON line or document that does not parse",
    MALFORMED_CSV: "a CSV row that cannot be parsed (e.g. broken quoting)",
    WRONG_TYPE: "a field of the wrong JSON type (e.g. a number where text is required)",
    MISSING_FIELD: "no body/paragraphs field in the record",
    EMPTY_BODY: "the body is empty or whitespace only after cleaning",
    NOT_PERSIAN: "the text is not Persian (e.g. English or Arabic)",
    TOO_LARGE: "the record or file is larger than the configured maximum",
    BAD_GZIP: "a truncated or corrupt gzip stream",
    UNREADABLE: "the file could not be opened or read (permissions, symlink loop)",
    UNSUPPORTED_FORMAT: "a file type akhbar does not read",
    DUPLICATE_RECORD: "the same record (same id and content) appears again in the same file",
    BINARY_CONTENT: "binary data (NUL bytes) where text was expected",
    HTML_CONTENT: "an HTML page where plain text was expected",
    BAD_DATE: "an impossible date, e.g. month 13 (the article still loads, with a null date)",
    DATE_CONFLICT: "two date sources disagree by more than a day (the article loads with the higher-priority one)",
    MOJIBAKE: "UTF-8 text that went through a wrong 8-bit decoding (e.g. `ط³ظ„ط§ظ…`) and cannot be repaired",
}

# Reasons about one field of an article that still loads: they do not make a run "partial".
FIELD_LEVEL = frozenset({BAD_DATE, DATE_CONFLICT})
