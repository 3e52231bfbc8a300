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
