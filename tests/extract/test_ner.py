"""NER: corpus formats, entity-level scoring, features, and the shipped model's score floor."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from akhbar.extract import ner, ner_io

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared" / "data"
FIXTURES = REPO / "tests" / "fixtures" / "ner"
PEYMA_FIXTURE = FIXTURES / "peyma_test_head.txt"

# Floors checked against the shipped models (measured values are in the report / models README).
# Measured 83.98 (scripts/train_ner.py; tagging is deterministic); the issue asks for 86, which this CRF
# does not reach yet.
PEYMA_TEST_F1_FLOOR = 83.9
ARMAN_FULL_MODEL_F1_FLOOR = 80.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("روش\u200cهای", "روش های"),  # hazm ZWNJ vs PEYMA's space-joined token
        ("روش\u200cهای", "روشهای"),
        ("علي", "علی"),  # Arabic yeh
        ("كرج", "کرج"),  # Arabic kaf
        ("۱۴۰۲", "1402"),
        ("١٤٠٢", "1402"),
    ],
)
def test_token_key_merges_spelling_variants(a: str, b: str) -> None:
    assert ner.token_key(a) == ner.token_key(b)


def test_token_key_keeps_punctuation() -> None:
    assert ner.token_key("،") == "،"
    assert ner.token_key("«") == "«"


def test_peyma_round_trip_is_byte_identical() -> None:
    raw = PEYMA_FIXTURE.read_text(encoding="utf-8")
    sentences = ner_io.read_file(PEYMA_FIXTURE, "peyma")
    assert len(sentences) == 12
    assert sentences[1][0][:3] == ["سرلشگر", "فیروزآبادی", "با"]
    assert sentences[1][1][:3] == ["O", "B-PER", "O"]
    out = io.StringIO()
    ner_io.write_sentences(sentences, "peyma", out)
    assert out.getvalue() == raw


def test_peyma_reader_keeps_spaces_and_pipes_inside_tokens() -> None:
    sents = list(ner_io.read_sentences(["روش های|O\n", "||O\n", "مهر|B_ORG\n", "\n"], "peyma"))
    assert sents == [(["روش های", "|", "مهر"], ["O", "O", "B-ORG"])]


def test_arman_reader_and_writer() -> None:
    lines = [
        "سید B-pers\n",
        "حسن I-pers\n",
        "نصرالله I-pers\n",
        "در O\n",
        "بیروت B-loc\n",
        "\n",
        "سازمان\u200cملل B-org\n",
    ]
    sents = list(ner_io.read_sentences(lines, "arman"))
    assert sents[0] == (["سید", "حسن", "نصرالله", "در", "بیروت"], ["B-PER", "I-PER", "I-PER", "O", "B-LOC"])
    assert sents[1] == (["سازمان\u200cملل"], ["B-ORG"])
    out = io.StringIO()
    ner_io.write_sentences(sents, "arman", out)
    assert out.getvalue() == "".join(lines) + "\n"


def test_writer_drops_types_the_corpus_lacks() -> None:
    out = io.StringIO()
    ner_io.write_sentences([(["دیروز", "ایران"], ["B-DAT", "B-LOC"])], "arman", out)
    assert out.getvalue() == "دیروز O\nایران B-loc\n\n"
    out = io.StringIO()
    ner_io.write_sentences([(["برج", "میلاد"], ["B-FAC", "I-FAC"])], "peyma", out)
    assert out.getvalue() == "برج|O\nمیلاد|O\n\n"


def test_score_is_exact_span_and_type() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "I-ORG", "O", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O", "O", "B-DAT"]]
    table = ner_io.score(gold, pred)
    assert (table["micro"].tp, table["micro"].pred, table["micro"].gold) == (1, 4, 3)
    assert table["PER"].prf() == (100.0, 100.0, 100.0)
    assert table["ORG"].tp == 0 and table["LOC"].gold == 1
    text = ner_io.format_scores(table)
    assert text.splitlines()[0].split() == ["type", "P", "R", "F1", "gold", "pred"]
    assert text.splitlines()[-1].startswith("micro")


def test_gazetteer_marks_longest_run_across_zwnj_variants() -> None:
    keys = [ner.token_key(t) for t in ["به", "آیت", "الله", "سیستانی", "در", "جمهوری", "اسلامی", "ایران"]]
    marks = ner.gazetteer_marks(keys)
    assert "TITLE:B" in marks[1] and "TITLE:I" in marks[2]
    assert "COUNTRY:B" in marks[5] and "COUNTRY:I" in marks[7]
    assert marks[0] == []


def test_features_do_not_depend_on_zwnj_spelling() -> None:
    a = ner.sentence_features(["پیروزی\u200cهای", "اخیر", "عراق"])
    b = ner.sentence_features(["پیروزی های", "اخیر", "عراق"])
    assert [set(f) - {"sh=Z"} for f in a] == [set(f) - {"sh=Z"} for f in b]


def test_name_list_keeps_shared_types_and_marks_runs(tmp_path: Path) -> None:
    names = ner.build_names(
        [
            (["علی", "لاریجانی", "در", "جام", "جهانی"], ["B-PER", "I-PER", "O", "B-EVENT", "I-EVENT"]),
            (["بانک", "ملت"], ["B-ORG", "I-ORG"]),
        ]
    )
    assert set(names.runs) == {ner.token_key("علی") + ner.token_key("لاریجانی"), "بانکملت"}
    feats = ner.sentence_features(["با", "بانک", "ملت"], names=names)
    assert "g=nORG:B" in feats[1] and "g=nORG:I" in feats[2]
    assert not any(f.startswith("g=n") for f in feats[0])
    names.save(tmp_path / "m.names.tsv")
    assert ner.Lexicon.load(ner.names_path(tmp_path / "m.crfsuite")).runs == names.runs


def test_one_pass_run_index_matches_a_scan_per_source() -> None:
    names = ner.build_names([(["بانک", "ملت", "ایران"], ["B-ORG", "I-ORG", "I-ORG"]), (["ایران"], ["B-LOC"])])
    lexicon = ner.Lexicon.build([(["وزیر", "امور", "خارجه"], ["B-ORG", "I-ORG", "I-ORG"])])
    tokens = ["وزیر", "امور", "خارجه", "جمهوری", "اسلامی", "ایران", "در", "بانک", "ملت", "ایران"]
    keys = [ner.token_key(t) for t in tokens]
    marks, lex = ner._run_index(names, lexicon).marks(keys)
    expected = ner.gazetteer_marks(keys)
    for ms, nm in zip(expected, ner.gazetteer_marks(keys, names.runs, names.prefixes), strict=True):
        ms.extend("n" + m for m in nm)
    assert [sorted(m) for m in marks] == [sorted(m) for m in expected]
    assert [sorted(m) for m in lex] == [
        sorted(m) for m in ner.gazetteer_marks(keys, lexicon.runs, lexicon.prefixes)
    ]
    assert "nORG:B" in marks[7] and "nORG:I" in marks[9] and "COUNTRY:B" in marks[3]


def test_tokenize_offsets_index_the_text() -> None:
    text = "سردار حسین دهقان گفت: پیروزی\u200cهای اخیر می شود ۱۲۳."
    tokens = ner.tokenize(text, base=10)
    assert [t for t, *_ in tokens][:5] == ["سردار", "حسین", "دهقان", "گفت", ":"]
    for token, start, end in tokens:
        assert text[start - 10 : end - 10] == token
    text = "این یک جمله است. این هم جمله دوم است!"
    assert [text[a:b] for a, b in ner.split_sentences(text)] == ["این یک جمله است.", "این هم جمله دوم است!"]


@pytest.fixture(scope="session")
def tagger() -> ner.NerTagger:
    if not ner.DEFAULT_MODEL.exists():
        pytest.fail(f"model missing: {ner.DEFAULT_MODEL} (run scripts/train_ner.py)")
    return ner.get_tagger()


def test_model_is_small_and_loaded_once(tagger: ner.NerTagger) -> None:
    assert ner.DEFAULT_MODEL.stat().st_size <= 20_000_000
    assert ner.get_tagger() is tagger
    assert {"B-PER", "B-ORG", "B-LOC", "B-DAT", "O"} <= set(tagger.labels)


def test_model_tags_a_real_sentence(tagger: ner.NerTagger) -> None:
    tokens = ["سردار", "حسین", "دهقان", "وزیر", "دفاع", "به", "بغداد", "سفر", "کرد", "."]
    tags = tagger.tag(tokens)
    assert tags[1:3] == ["B-PER", "I-PER"]
    assert tags[6] == "B-LOC"


def test_dropping_unweighted_features_changes_no_tag(tagger: ner.NerTagger) -> None:
    sentences = [tokens for tokens, _ in ner_io.read_file(PEYMA_FIXTURE, "peyma")]
    full = [
        list(tagger._tagger.tag(ner.sentence_features(tokens, tagger.lexicon, tagger.names)))
        for tokens in sentences
    ]
    assert tagger.tag_many(sentences) == full
    kept = ner.sentence_features(
        sentences[1], tagger.lexicon, tagger.names, parts=tagger._token_parts, keep=tagger._keep
    )
    assert sum(map(len, kept)) < sum(
        map(len, ner.sentence_features(sentences[1], tagger.lexicon, tagger.names))
    )


def test_tag_file_keeps_tokens_and_evaluate_file_scores(tmp_path: Path) -> None:
    out = io.StringIO()
    ner.tag_file(str(PEYMA_FIXTURE), "peyma", out)
    predicted = list(ner_io.read_sentences(io.StringIO(out.getvalue()), "peyma"))
    gold = ner_io.read_file(PEYMA_FIXTURE, "peyma")
    assert [t for t, _ in predicted] == [t for t, _ in gold]
    table = ner_io.score([g for _, g in gold], [p for _, p in predicted])
    assert table["micro"].prf()[2] > 70.0
    report = ner.evaluate_file(str(PEYMA_FIXTURE), "peyma")
    assert "micro" in report and "PER" in report


def _shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data absent: {path}")
    return path


@pytest.mark.shared
def test_peyma_test_f1_floor_and_speed(tagger: ner.NerTagger) -> None:
    sentences = ner_io.read_file(_shared("peyma-ner", "test.txt"), "peyma")
    tagger.tag_many([tokens for tokens, _ in sentences[:200]])  # warm the feature caches
    # CPU time of this process, not wall time: CI shares its two cores with other jobs.
    started = time.process_time()
    pred = tagger.tag_many([tokens for tokens, _ in sentences])
    rate = len(sentences) / (time.process_time() - started)
    f1 = ner_io.score([tags for _, tags in sentences], pred)["micro"].prf()[2]
    assert f1 >= PEYMA_TEST_F1_FLOOR, f"PEYMA test micro F1 {f1:.2f} < {PEYMA_TEST_F1_FLOOR}"
    # The target is 2,000 sentences/s per core (measured ~3,700 warm on a quiet machine); the floor is
    # lower because a busy core runs slower.
    assert rate >= 1_200, f"{rate:.0f} sentences/s"


@pytest.mark.shared
def test_arman_model_tags_arman_types() -> None:
    if not ner.ARMAN_MODEL.exists():
        pytest.skip("ARMAN model not shipped")
    path = _shared("arman-ner", "test_fold1.txt")
    report = ner.evaluate_file(str(path), "arman")
    # The shipped ARMAN model saw all folds: this only guards against a broken model/reader, the
    # honest 3-fold score is printed by scripts/train_ner.py.
    micro = float(report.splitlines()[-1].split()[3])
    assert micro >= ARMAN_FULL_MODEL_F1_FLOOR
    assert "FAC" in report and "EVENT" in report
