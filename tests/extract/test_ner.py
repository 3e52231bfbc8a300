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
# With the BiLSTM mixed in (opt-in, `--network`): measured 84.80; the floor leaves room for float rounding.
PEYMA_TEST_F1_FLOOR_NETWORK = 84.5
# Bare surnames linked to full names within 20 sentences (`--surnames 20`, the pipeline's per-article step run
# over the file as running text): measured 84.69 (CRF alone 83.98).
PEYMA_TEST_F1_FLOOR_SURNAMES = 84.5


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
    assert [tagger.crf_tag(tokens) for tokens in sentences] == full
    kept = ner.sentence_features(
        sentences[1], tagger.lexicon, tagger.names, parts=tagger._token_parts, keep=tagger._keep
    )
    assert sum(map(len, kept)) < sum(
        map(len, ner.sentence_features(sentences[1], tagger.lexicon, tagger.names))
    )


def test_numpy_decoder_gives_crfsuites_tags(tagger: ner.NerTagger) -> None:
    # The pipeline scores sentences with the model's weights in NumPy; crfsuite itself is the reference.
    sentences = [tokens for tokens, _ in ner_io.read_file(PEYMA_FIXTURE, "peyma")]
    sentences += [["سردار", "حسین", "دهقان"], ["ایران"], []]  # a title run, one token, nothing
    expected = [tagger.crfsuite_tag(tokens) for tokens in sentences]
    assert tagger.tag_many(sentences) == expected
    assert [tagger.tag(tokens) for tokens in sentences] == expected
    ner.clear_caches()  # new words are scored in one go: the same tags from a cold cache
    assert tagger.tag_many(list(reversed(sentences))) == list(reversed(expected))


@pytest.mark.shared
@pytest.mark.parametrize(
    ("model", "path", "fmt"),
    [("ner.crfsuite", ("peyma-ner", "test.txt"), "peyma"), ("ner-arman.crfsuite", ("arman-ner", "test_fold1.txt"), "arman")],
)
def test_numpy_decoder_gives_crfsuites_tags_on_a_whole_test_split(model: str, path: tuple[str, str], fmt: str) -> None:
    tagger = ner.get_tagger(ner.MODEL_DIR / model)
    sentences = [tokens for tokens, _ in ner_io.read_file(_shared(*path), fmt)]
    assert tagger.tag_many(sentences) == [tagger.crfsuite_tag(tokens) for tokens in sentences]


def test_numpy_marginals_match_crfsuites(tagger: ner.NerTagger) -> None:
    import numpy as np

    sentences = [tokens for tokens, _ in ner_io.read_file(PEYMA_FIXTURE, "peyma")][:20]
    marks = [ner.sentence_marks([ner.token_key(t) for t in tokens], tagger.lexicon, tagger.names) for tokens in sentences]
    got = ner._marginals(tagger._crf.scores(sentences, marks), tagger._crf.trans)
    for tokens, probs in zip(sentences, got, strict=True):
        tagger._tagger.set(ner.sentence_features(tokens, tagger.lexicon, tagger.names))
        ref = np.array([[tagger._tagger.marginal(y, i) for y in tagger.labels] for i in range(len(tokens))])
        # The NumPy weights are crfsuite's, printed with six decimals by its model dump.
        assert np.allclose(probs, ref, atol=1e-4)
        assert np.allclose(probs.sum(axis=1), 1.0)


def test_viterbi_finds_the_best_path_by_brute_force() -> None:
    import itertools

    import numpy as np

    rng = np.random.default_rng(7)
    labels = 3
    trans = rng.normal(size=(labels, labels))
    scores = [rng.normal(size=(n, labels)) for n in (4, 1, 3, 4, 2)]

    def total(path: tuple[int, ...], x: np.ndarray) -> float:
        return float(sum(x[t, y] for t, y in enumerate(path)) + sum(trans[a, b] for a, b in itertools.pairwise(path)))

    best = [list(max(itertools.product(range(labels), repeat=len(x)), key=lambda p: total(p, x))) for x in scores]
    assert ner._viterbi(scores, trans) == best


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
def test_peyma_test_f1_floor(tagger: ner.NerTagger) -> None:
    sentences = ner_io.read_file(_shared("peyma-ner", "test.txt"), "peyma")
    pred = tagger.tag_many([tokens for tokens, _ in sentences])
    f1 = ner_io.score([tags for _, tags in sentences], pred)["micro"].prf()[2]
    assert f1 >= PEYMA_TEST_F1_FLOOR, f"PEYMA test micro F1 {f1:.2f} < {PEYMA_TEST_F1_FLOOR}"


# The target is 2,000 sentences/s per core. An absolute floor flaked on a shared machine (CI saw
# 1,016/s on a run where a quiet core gives 1,900-2,200/s for the same cold-cache pass), so the speed is
# checked against stock hazm's Normalizer().normalize() (a fixed reference: hazm 0.10.0 is pinned) timed on
# the same sentences, interleaved chunk by chunk, in the same process: a slow or stolen core slows both.
# Measured with the NumPy decoder: 0.68-0.70x (2,860-3,030 sentences/s cold vs stock hazm at 4,150-4,380/s);
# crfsuite decoding each sentence was ~0.46x of the same reference. The floor 0.5 keeps the gain.
TAGGING_TO_HAZM_SPEED_FLOOR = 0.5


@pytest.mark.shared
def test_tagging_speed_relative_to_hazm(tagger: ner.NerTagger) -> None:
    from hazm import Normalizer

    hazm = Normalizer()
    warm = [tokens for tokens, _ in ner_io.read_file(_shared("peyma-ner", "train.txt"), "peyma")[:1000]]
    sentences = [tokens for tokens, _ in ner_io.read_file(_shared("peyma-ner", "test.txt"), "peyma")]
    texts = [" ".join(tokens) for tokens in sentences]
    best: tuple[float, float] | None = None
    for _ in range(3):  # best of three cold passes: the least disturbed one
        ner.clear_caches()
        tagger.tag_many(warm)  # other sentences warm the word caches, as a running pipeline has
        tagging = normalizing = 0.0
        for i in range(0, len(sentences), 100):
            started = time.process_time()
            tagger.tag_many(sentences[i : i + 100])
            tagging += time.process_time() - started
            started = time.process_time()
            for text in texts[i : i + 100]:
                hazm.normalize(text)
            normalizing += time.process_time() - started
        if best is None or normalizing / tagging > best[0] / best[1]:
            best = (normalizing, tagging)
    assert best is not None
    ratio = best[0] / best[1]
    rate = len(sentences) / best[1]
    assert ratio >= TAGGING_TO_HAZM_SPEED_FLOOR, (
        f"tagging {rate:.0f} sentences/s = {ratio:.2f}x hazm normalize ({len(sentences) / best[0]:.0f}/s)"
    )


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


def test_network_forward_matches_a_step_by_step_lstm(tmp_path: Path) -> None:
    """The batched NumPy BiLSTM equals an unbatched reference written from the LSTM equations."""
    import numpy as np

    from akhbar.extract import ner_nn

    rng = np.random.default_rng(7)
    d_in, h, tags = 6, 4, ["B-PER", "I-PER", "O"]

    def rand(*shape: int) -> np.ndarray:
        return rng.normal(0, 0.5, shape).astype(np.float32)

    arrays = {
        "tags": np.array(tags), "words": np.array(["", "a"]), "feats": np.array(["", "f"]),
        "word_emb": rand(2, 3).astype(np.float16), "feat_emb": rand(2, 3).astype(np.float16),
        "out_w": rand(3, 2 * h), "out_b": rand(3),
    }  # fmt: skip
    for d in ("fw", "bw"):
        arrays.update({f"{d}_w_ih": rand(4 * h, d_in), f"{d}_w_hh": rand(4 * h, h), f"{d}_b": rand(4 * h)})
    np.savez(tmp_path / "m.nn.npz", **arrays)
    net = ner_nn.BiLstmTagger(tmp_path / "m.nn.npz")

    def sig(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-x))

    def run(x: np.ndarray, d: str) -> list[np.ndarray]:
        hs, hh, c = [], np.zeros(h), np.zeros(h)
        for row in x:
            g = arrays[f"{d}_w_ih"] @ row + arrays[f"{d}_w_hh"] @ hh + arrays[f"{d}_b"]
            c = sig(g[h : 2 * h]) * c + sig(g[:h]) * np.tanh(g[2 * h : 3 * h])
            hh = sig(g[3 * h :]) * np.tanh(c)
            hs.append(hh)
        return hs

    sentences = [rand(n, d_in) for n in (5, 1, 3)]
    got = net.log_probs(sentences)
    for x, lp in zip(sentences, got, strict=True):
        both = np.hstack([np.array(run(x, "fw")), np.array(run(x[::-1], "bw")[::-1])])
        logits = both @ arrays["out_w"].T + arrays["out_b"]
        want = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        assert lp.shape == want.shape
        assert np.allclose(lp, want, atol=1e-5)
    # Inputs: word embedding then the sum of the token's known features (unknown ones ignored).
    x = net.inputs(["a", "zz"], [("f", "unknown"), ()])
    assert np.allclose(x[0], np.hstack([arrays["word_emb"][1], arrays["feat_emb"][1]]).astype(np.float32))
    assert np.allclose(x[1], np.hstack([arrays["word_emb"][0], arrays["feat_emb"][0]]).astype(np.float32))


def test_constrained_decoding_never_starts_an_entity_with_i() -> None:
    import numpy as np

    from akhbar.extract import ner_nn

    tags = ["B-LOC", "B-PER", "I-PER", "O"]
    trans, start = ner_nn.allowed_transitions(tags)
    # Per-token favourites O, I-PER, I-PER are invalid (I after O); the best valid path is O B-PER I-PER,
    # and a second, shorter sentence in the batch decodes independently of the padding.
    first = np.log(np.array([[0.1, 0.1, 0.1, 0.7], [0.05, 0.35, 0.5, 0.1], [0.1, 0.1, 0.7, 0.1]]))
    second = np.log(np.array([[0.1, 0.2, 0.6, 0.1]]))
    paths = ner_nn.decode([first, second], trans, start)
    assert [[tags[i] for i in p] for p in paths] == [["O", "B-PER", "I-PER"], ["B-PER"]]


def _network_tagger() -> ner.NerTagger:
    from akhbar.extract import ner_nn

    if not ner_nn.nn_path(ner.DEFAULT_MODEL).exists():
        pytest.fail(f"network missing: {ner_nn.nn_path(ner.DEFAULT_MODEL)} (run scripts/train_ner.py)")
    return ner.get_tagger(network=True)


def test_shipped_network_agrees_with_its_crf_on_most_tags() -> None:
    tagger = _network_tagger()
    assert tagger is not ner.get_tagger() and ner.get_tagger().nn is None
    sentences = [tokens for tokens, _ in ner_io.read_file(PEYMA_FIXTURE, "peyma")]
    mixed = tagger.tag_many(sentences)
    # One batch or one at a time: the same tags.
    assert [tagger.tag(tokens) for tokens in sentences] == mixed
    crf = [tagger.crf_tag(tokens) for tokens in sentences]
    same = sum(a == b for m, c in zip(mixed, crf, strict=True) for a, b in zip(m, c, strict=True))
    total = sum(map(len, crf))
    assert 0.95 < same / total, (same, total)


@pytest.mark.shared
def test_peyma_test_f1_floor_with_network() -> None:
    tagger = _network_tagger()
    sentences = ner_io.read_file(_shared("peyma-ner", "test.txt"), "peyma")
    pred = tagger.tag_many([tokens for tokens, _ in sentences])
    f1 = ner_io.score([tags for _, tags in sentences], pred)["micro"].prf()[2]
    assert f1 >= PEYMA_TEST_F1_FLOOR_NETWORK, f"PEYMA test micro F1 {f1:.2f} < {PEYMA_TEST_F1_FLOOR_NETWORK}"


@pytest.mark.shared
def test_peyma_test_surname_linking_gains_person_recall(tagger: ner.NerTagger) -> None:
    from akhbar.extract.entities import tag_surnames

    sentences = ner_io.read_file(_shared("peyma-ner", "test.txt"), "peyma")
    gold = [tags for _, tags in sentences]
    plain = tagger.tag_many([tokens for tokens, _ in sentences])
    linked = tag_surnames(tagger, [tokens for tokens, _ in sentences], plain, window=20)
    before, after = ner_io.score(gold, plain), ner_io.score(gold, linked)
    # Only O tags turn into B-PER.
    changed = [(a, b) for p, q in zip(plain, linked, strict=True) for a, b in zip(p, q, strict=True) if a != b]
    assert changed and set(changed) == {("O", "B-PER")}
    assert after["PER"].prf()[1] > before["PER"].prf()[1] + 1.0  # recall of persons
    f1 = after["micro"].prf()[2]
    assert f1 >= PEYMA_TEST_F1_FLOOR_SURNAMES, f"PEYMA test micro F1 with surnames {f1:.2f} < {PEYMA_TEST_F1_FLOOR_SURNAMES}"


def test_missing_network_is_a_clear_error(tmp_path: Path) -> None:
    import shutil

    for name in ("ner.crfsuite", "ner.lexicon.tsv"):
        shutil.copy(ner.MODEL_DIR / name, tmp_path / name)
    with pytest.raises(FileNotFoundError, match=r"no network beside ner\.crfsuite"):
        ner.NerTagger(tmp_path / "ner.crfsuite", network=True)


def test_cli_ner_eval_and_ner_with_and_without_network() -> None:
    from typer.testing import CliRunner

    from akhbar.cli import get_app

    app, runner = get_app(), CliRunner()
    plain = runner.invoke(app, ["ner-eval", str(PEYMA_FIXTURE), "--format", "peyma"])
    assert plain.exit_code == 0 and "model ner.crfsuite)" in plain.output, plain.output
    mixed = runner.invoke(app, ["ner-eval", str(PEYMA_FIXTURE), "--format", "peyma", "--network"])
    assert mixed.exit_code == 0 and "model ner.crfsuite + network)" in mixed.output, mixed.output
    assert float(mixed.output.splitlines()[-1].split()[3]) > 70.0
    tagged = runner.invoke(app, ["ner", str(PEYMA_FIXTURE), "--format", "peyma", "--network"])
    assert tagged.exit_code == 0
    gold = ner_io.read_file(PEYMA_FIXTURE, "peyma")
    assert [t for t, _ in ner_io.read_sentences(io.StringIO(tagged.stdout), "peyma")] == [t for t, _ in gold]
    linked = runner.invoke(app, ["ner-eval", str(PEYMA_FIXTURE), "--format", "peyma", "--surnames", "20"])
    assert linked.exit_code == 0 and "surnames linked within 20 sentences" in linked.output, linked.output
    tagged = runner.invoke(app, ["ner", str(PEYMA_FIXTURE), "--format", "peyma", "--surnames", "20"])
    assert tagged.exit_code == 0
    assert [t for t, _ in ner_io.read_sentences(io.StringIO(tagged.stdout), "peyma")] == [t for t, _ in gold]
    negative = runner.invoke(app, ["ner-eval", str(PEYMA_FIXTURE), "--format", "peyma", "--surnames", "-1"])
    assert negative.exit_code == 2
    bad = runner.invoke(app, ["ner-eval", str(PEYMA_FIXTURE), "--format", "nope", "--network"])
    assert bad.exit_code == 2 and "--format" in bad.output


def test_taggers_of_one_model_share_their_attribute_set() -> None:
    # The feature caches are keyed by this set: two equal but distinct sets made each tagger ~20x slower
    # once the other had filled the caches (2,800 -> 150 sentences/s measured).
    assert ner.NerTagger(ner.DEFAULT_MODEL)._keep is ner.NerTagger(ner.DEFAULT_MODEL)._keep
