"""Keywords: hazm lemmatized content terms and tf-idf ranking against corpus statistics."""

from __future__ import annotations

from akhbar.extract.keywords import doc_terms, idf, terms, top_keywords


def test_terms_lemmatize_and_drop_stopwords() -> None:
    got = terms("کتاب\u200cهای تازه در نمایشگاه کتاب تهران عرضه شد و بازدیدکنندگان از آن استقبال کردند.")
    assert got[:3] == ["کتاب", "تازه", "نمایشگاه"]
    assert got.count("کتاب") == 2  # plural folded to the lemma
    for stop in ("در", "و", "از", "آن", "شد", "کردند"):
        assert stop not in got


def test_terms_drop_numbers_verbs_latin_and_punctuation() -> None:
    got = terms("تیم\u200cهای ملی ۲۰ بازی انجام داده\u200cاند ، NBA را می\u200cبینند !")
    assert "تیم" in got and "ملی" in got
    assert not any(ch.isdigit() for t in got for ch in t)
    assert "NBA" not in got and "،" not in got and "!" not in got


def test_terms_fold_arabic_letters() -> None:
    assert terms("كتابخانه ملي") == terms("کتابخانه ملی")


def test_terms_empty() -> None:
    assert terms("") == []
    assert top_keywords("", {}, 10) == []


def test_top_keywords_prefers_rare_terms() -> None:
    text = "ایران و عراق درباره تروریسم گفتگو کردند. ایران و عراق همکاری دفاعی را گسترش می\u200cدهند. تروریسم"
    doc_freq = {"ایران": 900, "عراق": 300, "تروریسم": 20, "همکاری": 400, "دفاعی": 50, "گفتگو": 500}
    got = top_keywords(text, doc_freq, n_docs=1000, k=3)
    assert got[0] == "تروریسم"  # frequent in the text and rare in the corpus
    assert "ایران" not in got
    assert len(got) == 3


def test_top_keywords_deterministic_ties() -> None:
    text = "سیل شمال کشور جاده"
    assert top_keywords(text, {}, 10, k=4) == ["سیل", "شمال", "کشور", "جاده"]


def test_doc_terms_and_idf() -> None:
    assert doc_terms("کتاب کتاب\u200cها نمایشگاه") == {"کتاب", "نمایشگاه"}
    assert idf(0, 10) > idf(5, 10) > 0
