"""Entities: titles split off, roles, canonical names, surname linking, offsets."""

from __future__ import annotations

import pytest

from akhbar.extract.entities import (
    Entity,
    display_form,
    extract_entities,
    extract_entities_many,
    link_names,
    name_key,
    person_roles,
)


def _people(entities: list[Entity]) -> list[Entity]:
    return [e for e in entities if e.type == "PER"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("آیت الله سیستانی", "آیت\u200cالله سیستانی"),
        ("علي لاريجاني", "علی لاریجانی"),
        ("سازمان بین المللی", "سازمان بین\u200cالمللی"),
    ],
)
def test_display_form_merges_letter_and_zwnj_variants(a: str, b: str) -> None:
    assert display_form(a) == display_form(b)
    assert name_key(a) == name_key(b)


def test_display_form_uses_persian_digits() -> None:
    assert display_form("گروه 5+1") == "گروه ۵+۱"


def _ent(text: str, start: int, kind: str = "PER") -> Entity:
    return Entity(kind, text, display_form(text), None, None, start, start + len(text))


def test_link_names_surname_to_earlier_full_name() -> None:
    ents = [_ent("حسین دهقان", 0), _ent("عراق", 20, "LOC"), _ent("دهقان", 40), _ent("دهقان", 80)]
    link_names(ents)
    assert [e.canonical for e in ents] == ["حسین دهقان", "عراق", "حسین دهقان", "حسین دهقان"]


def test_link_names_short_form_and_variant_spelling() -> None:
    ents = [
        _ent("عرفان محمود عبدالغفور عبدالله الحیالی", 0),
        _ent("عرفان محمود الحيالي", 60),
        _ent("الحیالی", 99),
    ]
    link_names(ents)
    assert {e.canonical for e in ents} == {"عرفان محمود عبدالغفور عبدالله الحیالی"}


def test_link_names_leaves_ambiguous_later_surnames_alone() -> None:
    ents = [_ent("لاریجانی", 0), _ent("علی لاریجانی", 20), _ent("صادق لاریجانی", 50)]
    link_names(ents)
    assert ents[0].canonical == "لاریجانی"


def test_link_names_prefers_the_earlier_namesake() -> None:
    ents = [_ent("علی لاریجانی", 0), _ent("لاریجانی", 30), _ent("صادق لاریجانی", 60), _ent("لاریجانی", 90)]
    link_names(ents)
    assert [e.canonical for e in ents] == ["علی لاریجانی", "علی لاریجانی", "صادق لاریجانی", "صادق لاریجانی"]


def test_title_role_and_surname_in_an_article() -> None:
    paragraphs = [
        "سردار حسین دهقان وزیر دفاع جمهوری اسلامی ایران از همتای عراقی خود در تهران استقبال کرد.",
        "دهقان در این دیدار از نیروهای مسلح عراق قدردانی کرد.",
    ]
    ents = extract_entities(paragraphs)
    people = _people(ents)
    assert [p.canonical for p in people] == ["حسین دهقان", "حسین دهقان"]
    assert people[0].title == "سردار"
    assert people[0].text == "حسین دهقان"
    assert people[0].role == "وزیر دفاع جمهوری اسلامی ایران"
    assert people[1].text == "دهقان"
    assert person_roles(ents) == {"حسین دهقان": "وزیر دفاع جمهوری اسلامی ایران"}
    assert any(e.type == "LOC" and e.text == "تهران" for e in ents)


@pytest.mark.parametrize(
    ("sentence", "title", "name"),
    [
        ("دکتر محمدجواد ظریف در نشست خبری شرکت کرد.", "دکتر", "محمدجواد ظریف"),
        ("مهندس علی صالحی از نیروگاه بازدید کرد.", "مهندس", "علی صالحی"),
        ("آیت\u200cالله سیستانی فتوای جهاد کفایی را صادر کرد.", "آیت\u200cالله", "سیستانی"),
        ("آیت الله سیستانی فتوای جهاد کفایی را صادر کرد.", "آیت\u200cالله", "سیستانی"),
        ("حجت\u200cالاسلام حسن روحانی در مجلس سخنرانی کرد.", "حجت\u200cالاسلام", "حسن روحانی"),
        ("سرلشکر محمد باقری از ستاد کل نیروهای مسلح بازدید کرد.", "سرلشکر", "محمد باقری"),
    ],
)
def test_titles_are_split_off(sentence: str, title: str, name: str) -> None:
    people = _people(extract_entities([sentence]))
    assert people, f"no person found in {sentence!r}"
    assert (people[0].title, people[0].canonical) == (title, name)
    assert not people[0].text.startswith(title.split("\u200c")[0])


def test_role_before_the_name() -> None:
    people = _people(extract_entities(["به گزارش ایرنا، وزیر امور خارجه عراق فواد حسین به تهران سفر کرد."]))
    assert people and people[0].canonical == "فواد حسین"
    assert people[0].role == "وزیر امور خارجه عراق"


def test_offsets_index_the_joined_body() -> None:
    paragraphs = [
        "علی لاریجانی رئیس مجلس به مشهد رفت.",
        "لاریجانی در مشهد با استاندار خراسان رضوی دیدار کرد.",
    ]
    body = "\n".join(paragraphs)
    ents = extract_entities(paragraphs)
    assert ents
    for e in ents:
        assert body[e.start : e.end] == e.text
    assert [e.canonical for e in _people(ents)] == ["علی لاریجانی", "علی لاریجانی"]


def test_empty_input() -> None:
    assert extract_entities([]) == []
    assert extract_entities(["", "  "]) == []


def test_articles_tagged_together_get_the_same_entities_as_one_by_one() -> None:
    articles = [
        ["سردار حسین دهقان وزیر دفاع به بغداد رفت.", "دهقان گفت: سلام."],
        [],
        ["عرفان محمود الحیالی وزیر دفاع عراق در تهران با رئیس جمهور دیدار کرد."],
        ["", "بانک ملت ایران اعلام کرد."],
    ]
    assert extract_entities_many(articles) == [extract_entities(a) for a in articles]
    assert extract_entities_many([]) == []


# Bare surnames the tagger leaves untagged (real Fars/Varzesh3 copy): linked to the full name stated earlier.
ANVARI = [
    "به گزارش خبرنگار اجتماعی فارس؛ حسین انواری در حاشیه افتتاح فروشگاه نوروزی امداد در جمع خبرنگاران اظهار داشت: "
    "این تعداد خانواده طی دو سه سال گذشته به خودکفایی کامل رسیده است.",
    "انواری در ادامه با اشاره به اینکه افزایش مستمری به مددجویان نیازمند اعتبارات بیشتر است اظهار داشت: چنانچه "
    "دولت بودجه کمیته امداد را افزایش دهد ما نیز می‌توانیم مستمری مددجویان را افزایش دهیم.",
]
NIKBAKHSH = [
    "امیرعلی نیک‌بخش امروز در گفت‌وگو با خبرنگار فارس در زنجان اظهار کرد: بحث ترویج فرهنگ مطالعه یکی از "
    "موضوعات مهم است.",
    "نیکبخش به اجرای طرح‌های ویژه کتابخوانی برای ترویج مطالعه نیز اشاره کرد و گفت: در این راستا طرح کتابخوان "
    "اجرایی می‌شود.",
]


@pytest.mark.parametrize(("paragraphs", "surname", "full"), [(ANVARI, "انواری", "حسین انواری"), (NIKBAKHSH, "نیکبخش", "امیرعلی نیک‌بخش")])
def test_bare_surname_the_tagger_missed_is_linked(paragraphs: list[str], surname: str, full: str) -> None:
    from akhbar.extract import ner
    from akhbar.extract.entities import article_sentences

    second = article_sentences(paragraphs)[-1]
    tags = ner.get_tagger().tag([t[0] for t in second])
    assert tags[0] == "O"  # the tagger alone misses it: the linking step is what finds it
    people = _people(extract_entities(paragraphs))
    assert [(p.text, p.canonical) for p in people] == [(full, full), (surname, full)]
    body = "\n".join(paragraphs)
    assert body[people[1].start : people[1].end] == surname


def test_a_common_word_after_a_misread_name_is_not_a_surname() -> None:
    # "محسن هنوز هم": the tagger may read "محسن هنوز" as a name; "هنوز" (still) elsewhere stays a word, because
    # the CRF gives it no chance of being a person there.
    paragraphs = [
        "من فکر می‌کنم محسن هنوز هم یکی از بهترین بازیکنان ما است.",
        "واقعا نتوانسته‌ام هنوز تصمیم بگیرم.",
        "هنوز تصمیم نگرفته‌ام.",
    ]
    assert not [p for p in _people(extract_entities(paragraphs)) if p.text == "هنوز"]


def test_surname_candidates_skip_a_namesake_with_another_given_name() -> None:
    from akhbar.extract.entities import surname_candidates

    keys = [["علی", "لاریجانی", "گفت"], ["صادق", "لاریجانی", "افزود"], ["لاریجانی", "گفت"]]
    tagged = [["B-PER", "I-PER", "O"], ["O", "O", "O"], ["O", "O"]]
    # "صادق لاریجانی" untagged is another person: only the bare "لاریجانی" of the third sentence is a candidate.
    assert surname_candidates(keys, tagged) == [(2, 0)]
    # Outside the window, no candidate.
    assert surname_candidates(keys, tagged, window=1) == []


def test_bullets_and_dashes_glued_to_a_name_are_not_part_of_it() -> None:
    # Varzesh3 copy: a bullet glued to the name; the offsets move with the text.
    paragraphs = ["*علی دایی در حاشیه تمرین امروز با خبرنگاران گفت‌وگو کرد.", "تیم ملی هلند- آلمان در راه جام جهانی است."]
    ents = extract_entities(paragraphs)
    body = "\n".join(paragraphs)
    assert ("PER", "علی دایی") in [(e.type, e.text) for e in ents]
    assert all(body[e.start : e.end] == e.text and e.text[0] not in "*-" and e.text[-1] not in "*-" for e in ents)
