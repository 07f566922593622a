"""Frame, technique and genre detectors: storage without pickle, validation output, gold sets, errors."""

import json
import zipfile

import numpy as np
import pytest

from toolkit.__main__ import main
from toolkit.detectors import metrics
from toolkit.detectors.cues import CueLexicon, log_odds_z
from toolkit.detectors.linear import LinearMultiLabel, joint_thresholds
from toolkit.detectors.models import PrevalenceBaseline, fit_main
from toolkit.errors import ToolkitError


@pytest.fixture(scope="session")
def frames_data(installed_corpus):
    installed_corpus("semeval2023-task3-en")  # skips (fails under CI) when the corpus is not installed
    from toolkit.detectors.data import load_shared

    return load_shared("frames")


@pytest.fixture(scope="session")
def frames_model(frames_data):
    return fit_main(frames_data)


def test_frames_data_matches_the_labels(frames_data, installed_corpus):
    assert len(frames_data.ids) == 334
    assert frames_data.Y.shape == (334, 14)
    arts = installed_corpus("semeval2023-task3-en").set_index("id")
    i = frames_data.ids.index("semeval2023-task3-en:833042063")
    got = {f for f, y in zip(frames_data.labels, frames_data.Y[i]) if y}
    assert got == set(arts.loc["semeval2023-task3-en:833042063", "frames"].split(";"))


def test_model_round_trip_has_no_pickle(frames_model, frames_data, tmp_path):
    folder = frames_model.save(tmp_path / "m", metadata={"task": "frames"})
    texts = frames_data.texts[:20] + ["", "A short text about taxes and the court."]
    loaded = LinearMultiLabel.load(folder)
    assert np.array_equal(loaded.predict_proba(texts), frames_model.predict_proba(texts))
    assert np.array_equal(loaded.predict(texts), frames_model.predict(texts))
    assert loaded.explain(texts[0]) == frames_model.explain(texts[0])
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "model.json"]
    json.loads((folder / "model.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(folder / "arrays.npz") as zf:
        for name in zf.namelist():
            head = zf.read(name)[:128]
            assert head.startswith(b"\x93NUMPY") and b"'O'" not in head and b"|O" not in head
    with np.load(folder / "arrays.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)


def test_model_beats_prevalence_in_sample_and_explains(frames_model, frames_data):
    P = frames_model.predict(frames_data.texts)
    base = PrevalenceBaseline().fit(frames_data.Y).predict(len(frames_data.ids))
    m = metrics.evaluate(frames_data.Y, P, frames_data.labels, n_boot=0)
    b = metrics.evaluate(frames_data.Y, base, frames_data.labels, n_boot=0)
    assert m["micro_f1"] > b["micro_f1"]
    words = frames_model.explain(frames_data.texts[0])
    assert set(words) == set(frames_data.labels)


def test_metrics_against_sklearn():
    from sklearn.metrics import f1_score

    rng = np.random.RandomState(1)
    Y = rng.rand(60, 5) < 0.3
    P = rng.rand(60, 5) < 0.4
    Y[:, 4] = False  # a label without support is left out of macro-F1
    r = metrics.evaluate(Y, P, list("abcde"), n_boot=50)
    assert r["micro_f1"] == pytest.approx(f1_score(Y, P, average="micro"), abs=1e-4)
    assert r["macro_f1"] == pytest.approx(f1_score(Y[:, :4], P[:, :4], average="macro"), abs=1e-4)
    assert r["micro_f1_ci"][0] <= r["micro_f1"] <= r["micro_f1_ci"][1]
    assert r["per_label"]["e"]["support"] == 0


def test_log_odds_matches_formula():
    a = np.array([10.0, 0.0, 5.0])
    b = np.array([2.0, 8.0, 5.0])
    prior = np.array([1.0, 1.0, 1.0])
    z = log_odds_z(a, b, prior)
    # Monroe et al. (2008): delta = log((y_i + a_i)/(n + a0 - y_i - a_i)) - same for j; var = 1/(y_i+a_i) + 1/(y_j+a_j)
    d0 = np.log(11 / (15 + 3 - 11)) - np.log(3 / (15 + 3 - 3))
    assert z[0] == pytest.approx(d0 / np.sqrt(1 / 11 + 1 / 3))
    assert z[1] < 0 < z[0]


def test_joint_thresholds_improve_the_objective():
    rng = np.random.RandomState(0)
    Y = rng.rand(200, 4) < [0.5, 0.3, 0.1, 0.05]
    P = np.clip(Y * 0.35 + rng.rand(200, 4) * 0.6, 0, 1)
    th = joint_thresholds(P, Y)
    flat = metrics.evaluate(Y, P >= 0.5, list("abcd"), n_boot=0)
    tuned = metrics.evaluate(Y, P >= th, list("abcd"), n_boot=0)
    assert tuned["micro_f1"] + tuned["macro_f1"] >= flat["micro_f1"] + flat["macro_f1"]


def test_cue_lexicon_scores_and_evidence():
    lex = CueLexicon.from_seeds({"economic": ["econom*", "tax"], "war": ["troops"]})
    text = "The economy grew. Taxes rose, and the tax bill passed. Troops left."
    scores = lex.score([text, ""])
    assert scores.shape == (2, 2)
    assert scores[1].tolist() == [0.0, 0.0]
    n_words = 12
    assert scores[0, 0] == pytest.approx(2 * 1000 / n_words)  # "economy" and "tax" ("taxes" is not "tax")
    ev = lex.explain(text, sentences=[(0, 18), (19, 54), (55, 67)])
    cues = {r["cue"]: r for r in ev["economic"]}
    assert cues["econom*"]["spans"] == [(4, 11)] and cues["econom*"]["sentences"] == [0]
    assert cues["tax"]["sentences"] == [1]
    assert ev["war"][0]["sentences"] == [2]


@pytest.mark.slow
def test_validate_cross_validation_json(frames_data, capsys):
    from toolkit.detectors.validate import validate

    r = validate("frames", n_splits=3, n_boot=100, data=frames_data)
    assert r["n_articles"] == 334
    assert set(r["detectors"]) == {"model", "prevalence", "tfidf_logreg", "cues"}
    for name, d in r["detectors"].items():
        assert set(d["per_label"]) == set(frames_data.labels)
        assert {"precision", "recall", "f1", "support"} <= set(d["per_label"]["Political"])
        assert d["micro_f1_ci"][0] <= d["micro_f1"] <= d["micro_f1_ci"][1]
    assert r["micro_f1"] == r["detectors"]["model"]["micro_f1"]
    assert r["detectors"]["model"]["micro_f1"] > r["detectors"]["prevalence"]["micro_f1"]
    assert r["detectors"]["cues"]["micro_f1"] > r["detectors"]["prevalence"]["micro_f1"]
    json.dumps(r)


def _gold_folder(root, frames_data, n=40):
    """A folder laid out like the shared SemEval-2023 data, from the installed corpus, under another top name."""
    data = root / "held-out-set" / "data" / "en"
    (data / "test-articles-subtask-1").mkdir(parents=True)
    lines = []
    for uid, text, row in list(zip(frames_data.ids, frames_data.texts, frames_data.Y))[:n]:
        aid = uid.split(":", 1)[1]
        (data / "test-articles-subtask-1" / f"article{aid}.txt").write_text(text, encoding="utf-8")
        lines.append(aid + "\t" + ",".join(f for f, y in zip(frames_data.labels, row) if y))
    (data / "test-labels-subtask-2.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "held-out-set"


@pytest.mark.slow
def test_validate_on_gold_folder(frames_data, tmp_path, capsys):
    gold = _gold_folder(tmp_path, frames_data)
    assert main(["validate", "frames", "--gold", str(gold), "--json", "--n-boot", "50"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["mode"] == "gold" and r["n_articles"] == 40
    assert r["n_train_articles_excluded_as_in_gold"] == 40  # never train on the gold articles
    assert r["n_train_articles"] == 334 - 40
    assert 0.0 <= r["micro_f1"] <= 1.0 and "per_label" in r["detectors"]["model"]


def test_bad_gold_paths_give_clear_errors(tmp_path, capsys, frames_data):
    assert main(["validate", "frames", "--gold", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    junk = tmp_path / "gold.txt"
    junk.write_text("not an archive")
    assert main(["validate", "frames", "--gold", str(junk)]) == 2
    assert "not a tar or zip archive" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["validate", "frames", "--gold", str(empty)]) == 2
    assert "no usable frames labels" in capsys.readouterr().err
    with pytest.raises(ToolkitError, match="task: expected one of"):
        from toolkit.detectors.data import load_gold

        load_gold("sentiment", empty)


def test_train_caches_by_checksum(frames_data, tmp_path, monkeypatch):
    from toolkit.detectors import models

    monkeypatch.setattr(models, "cache_dir", lambda: tmp_path)
    small = frames_data.subset(np.arange(60))
    folder = models.train("frames", data=small)
    assert folder.parent == tmp_path / "models" and small.checksum()[:12] in folder.name
    stamp = (folder / "arrays.npz").stat().st_mtime_ns
    assert models.train("frames", data=small) == folder  # cached: not trained again
    assert (folder / "arrays.npz").stat().st_mtime_ns == stamp
    other = frames_data.subset(np.arange(1, 61))
    assert models.train("frames", data=other) != folder
    cues = json.loads((folder / "cues.json").read_text(encoding="utf-8"))
    assert set(cues["labels"]) == set(frames_data.labels)


def _toy_corpus(n=80, seed=0):
    rng = np.random.RandomState(seed)
    words = [f"w{i}" for i in range(40)]
    texts, Y = [], np.zeros((n, 2), dtype=np.int8)
    for i in range(n):
        Y[i] = rng.rand(2) < 0.4
        toks = list(rng.choice(words, 12))
        toks += ["alpha"] * int(Y[i, 0]) + ["beta"] * int(Y[i, 1])
        texts.append(" ".join(toks))
    return texts, Y


def test_cross_fit_model_is_the_average_of_the_inner_models():
    texts, Y = _toy_corpus()
    model = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1, inner_folds=4).fit(texts, Y)
    # the stored scores are the mean log-odds of the inner models, whose out-of-fold probabilities tuned the thresholds
    assert model.oof_.shape == Y.shape
    X = model.transform(texts)
    inner = np.zeros(Y.shape)
    from sklearn.model_selection import KFold
    for tr, _ in KFold(4, shuffle=True, random_state=0).split(texts):
        coef, intercept = model._fit_coefs(X[tr], Y[tr])
        inner += np.asarray(X @ coef.T) + intercept
    np.testing.assert_allclose(model.decision_function(texts), inner / 4, atol=1e-4)
    assert (model.predict(texts) == Y).mean() > 0.8


def test_shrunk_thresholds_move_rare_labels_toward_the_common_threshold():
    from toolkit.detectors.linear import shrunk_thresholds

    rng = np.random.RandomState(1)
    Y = np.zeros((200, 2), dtype=np.int8)
    Y[:100, 0] = 1
    Y[:3, 1] = 1
    P = np.clip(Y * 0.5 + rng.rand(200, 2) * 0.5, 0, 1)
    own = shrunk_thresholds(P, Y, prior=0)
    shrunk = shrunk_thresholds(P, Y, prior=50)
    common = joint_thresholds(P, Y, n_passes=0)
    assert np.array_equal(own, joint_thresholds(P, Y))
    # the weight of a label's own threshold is n_pos / (n_pos + prior)
    np.testing.assert_allclose(shrunk, own * np.array([100 / 150, 3 / 53]) + common * np.array([50 / 150, 50 / 53]))


def test_context_block_uses_the_group_of_each_text(tmp_path):
    texts, Y = _toy_corpus(60)
    groups = np.repeat(np.arange(15), 4)
    model = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1, context_weight=0.5)
    model.fit(texts, Y, groups=groups)
    n_word = len(model.vocabularies_["word"])
    assert model.coef_.shape[1] == 2 * n_word
    X = model.transform(texts[:4], groups=[0, 0, 1, 1])
    ctx = X[:, n_word:].toarray()
    assert np.allclose(ctx[0], ctx[1]) and np.allclose(ctx[2], ctx[3]) and not np.allclose(ctx[0], ctx[2])
    assert np.allclose(np.linalg.norm(ctx, axis=1), 0.5)
    # no groups: all texts are one article
    one = model.transform(texts[:4]).toarray()[:, n_word:]
    assert np.allclose(one, one[0])
    loaded = LinearMultiLabel.load(model.save(tmp_path / "m"))
    assert loaded.context_weight == 0.5
    assert np.array_equal(loaded.predict_proba(texts, groups=groups), model.predict_proba(texts, groups=groups))
    with pytest.raises(ToolkitError, match="groups"):
        model.transform(texts[:4], groups=[0, 1])


def test_length_feature_is_the_standardised_log_word_count(tmp_path):
    from toolkit.segment import tokenize

    texts, Y = _toy_corpus(60)
    texts = [t + " extra" * (i % 7) for i, t in enumerate(texts)]
    model = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1, length_weight=0.8).fit(texts, Y)
    n_word = len(model.vocabularies_["word"])
    assert model.coef_.shape[1] == n_word + 1
    new = ["", "One word.", "Taxes, courts and troops: a longer text, with punctuation!", texts[0]]
    log_len = np.log1p([len(tokenize(t)) for t in new])
    col = model.transform(new).toarray()[:, n_word]
    train_log = np.log1p([len(tokenize(t)) for t in texts])
    np.testing.assert_allclose(col, 0.8 * (log_len - train_log.mean()) / train_log.std())
    loaded = LinearMultiLabel.load(model.save(tmp_path / "m"))
    assert np.array_equal(loaded.predict_proba(new), model.predict_proba(new))
    assert loaded.length_weight == 0.8


def test_auxiliary_units_of_held_out_groups_stay_out_of_the_inner_folds():
    # labels are noise, but each text has a unique word and an auxiliary copy with the same labels: an inner model
    # that saw the copies of its held-out texts would score them almost perfectly out of fold
    rng = np.random.RandomState(3)
    texts = [f"uid{i} " + " ".join(rng.choice([f"w{k}" for k in range(30)], 8)) for i in range(120)]
    Y = (rng.rand(120, 2) < 0.5).astype(np.int8)
    groups = np.arange(120) // 2
    model = LinearMultiLabel(["a", "b"], C=10.0, char_ngrams=None, min_df=1)
    model.fit(texts, Y, groups=groups, aux=(texts, Y, groups), aux_weight=1.0)
    assert model.n_aux_ == 120
    corr = np.corrcoef(model.oof_.ravel(), Y.ravel())[0, 1]
    assert corr < 0.3
    with pytest.raises(ToolkitError, match="aux"):
        model.fit(texts, Y, aux=(texts, Y, groups))


def test_nb_ratios_by_hand():
    from scipy import sparse

    from toolkit.detectors.linear import nb_ratios

    B = sparse.csr_matrix(np.array([[1, 0], [1, 1], [0, 1]], dtype=float))
    # positives (rows 0, 1): 1 + [2, 1] = [3, 2]; negative (row 2): 1 + [0, 1] = [1, 2]
    r = nb_ratios(B, np.array([1, 1, 0]), np.ones(3), alpha=1.0)
    np.testing.assert_allclose(r, [np.log((3 / 5) / (1 / 3)), np.log((2 / 5) / (2 / 3))])
    # a row weight counts the row that many times
    r2 = nb_ratios(B, np.array([1, 1, 0]), np.array([1.0, 1.0, 2.0]), alpha=1.0)
    np.testing.assert_allclose(r2, [np.log((3 / 5) / (1 / 4)), np.log((2 / 5) / (3 / 4))])


def test_nb_scaled_model_is_the_regression_on_the_scaled_columns(tmp_path):
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    from toolkit.detectors.linear import nb_ratios

    texts, Y = _toy_corpus(80)
    model = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1, threshold=0.5, word_ngrams=1,
                             nb_scale=0.5, nb_alpha=1.0).fit(texts, Y)
    assert all(" " not in term for term in model.vocabularies_["word"])  # unigrams only
    X = model.transform(texts)
    presence = X.copy()
    presence.data[:] = 1.0
    for j in range(2):
        scale = np.abs(nb_ratios(presence, Y[:, j], np.ones(len(texts)), 1.0)) ** 0.5
        plain = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000, random_state=0)
        plain.fit(X @ sparse.diags(scale), Y[:, j])
        expected = np.asarray(X @ sparse.diags(scale) @ plain.coef_[0]) + plain.intercept_[0]
        np.testing.assert_allclose(model.decision_function(texts)[:, j], expected, rtol=1e-5, atol=1e-5)
    # the scaling changes the model, and the label's own word carries it
    unscaled = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1, threshold=0.5,
                                word_ngrams=1).fit(texts, Y)
    assert not np.allclose(unscaled.coef_, model.coef_)
    assert model.top_features(1) == {"a": [("alpha", pytest.approx(model.coef_[0].max(), abs=1e-4))],
                                     "b": [("beta", pytest.approx(model.coef_[1].max(), abs=1e-4))]}
    loaded = LinearMultiLabel.load(model.save(tmp_path / "m"))
    assert (loaded.word_ngrams, loaded.nb_scale, loaded.nb_alpha) == (1, 0.5, 1.0)
    assert np.array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    with pytest.raises(ToolkitError, match="word_ngrams: expected 1 .* or 2 .*, got 3"):
        LinearMultiLabel(["a", "b"], char_ngrams=None, min_df=1, word_ngrams=3).fit(texts, Y)


def test_C_is_chosen_on_the_inner_folds():
    texts, Y = _toy_corpus(80)
    model = LinearMultiLabel(["a", "b"], C=[0.01, 10.0], char_ngrams=None, min_df=1).fit(texts, Y)
    assert set(model.C_scores_) == {0.01, 10.0}
    assert model.C_ == max(model.C_scores_, key=model.C_scores_.get)
    with pytest.raises(ToolkitError, match="C: several values"):
        LinearMultiLabel(["a", "b"], C=[0.1, 1.0], threshold=0.5, char_ngrams=None, min_df=1).fit(texts, Y)


@pytest.fixture(scope="session")
def techniques_small(installed_corpus):
    installed_corpus("semeval2023-task3-en")
    installed_corpus("semeval2020-ptc")
    from toolkit.detectors.data import load_shared

    data = load_shared("techniques")
    articles = np.unique(data.groups)[:60]
    return data, data.subset(np.flatnonzero(np.isin(data.groups, articles)))


def test_ptc_sentences_only_come_from_training_articles(techniques_small):
    from toolkit.detectors.models import ptc_units

    full, small = techniques_small
    aux = ptc_units(small)
    assert len(aux.ids) > 0 and set(aux.groups) <= set(small.groups)
    everything = ptc_units(full)
    held_out = set(everything.groups) - set(small.groups)
    assert held_out and not held_out & set(aux.groups)
    assert len(aux.ids) == int(np.isin(everything.groups, list(small.groups)).sum())


def test_techniques_model_reads_length_and_ptc_sentences(techniques_small):
    from toolkit.detectors.models import MAIN_PARAMS, ptc_units

    from toolkit.detectors.models import span_units
    from toolkit.detectors.spans import SpanStacked

    _, small = techniques_small
    model = fit_main(small)
    assert isinstance(model, SpanStacked)  # the paragraph classifier with the span lexicon stacked on it
    base = model.base
    assert base.n_aux_ == len(ptc_units(small).ids) + len(span_units(small).ids)
    assert len(ptc_units(small).ids) > 0 and len(span_units(small).ids) > 0
    assert base.length_weight == MAIN_PARAMS["techniques"]["length_weight"] > 0
    # longer paragraphs carry more techniques: the length column pushes the most frequent technique up
    j = list(small.labels).index("Loaded_Language")
    assert base.coef_[j, -1] > 0 and j in model.stacked_
    short, long = "He said no.", " ".join(small.texts[i] for i in np.argsort([-len(t) for t in small.texts])[:1])
    p = model.predict_proba([short, long])
    assert p.shape == (2, len(small.labels)) and p[1, j] > p[0, j]


def test_span_lexicon_by_hand():
    from toolkit.detectors.spans import SpanLexicon

    texts = ["They are evil thugs, he said.", "The thugs left.", "Evil is a word."]
    # label 0 covers "evil thugs" in the first text; label 1 covers "he said"
    spans = [[(0, 9, 19), (1, 21, 28)], [], []]
    lex = SpanLexicon(["loaded", "quote"], smoothing=2.0).fit(texts, spans)
    n_terms = (6 + 5) + (3 + 2) + (4 + 3)  # words and adjacent pairs of the three texts
    prior = np.array([3 / n_terms, 3 / n_terms])  # inside "loaded": evil, thugs, "evil thugs"; "quote": he, said, "he said"
    np.testing.assert_allclose(lex.prior_, prior)
    scores = dict(zip(*lex.term_scores("evil thugs")[::3]))
    # "evil": 2 occurrences, 1 inside; "thugs": 2 and 1; the pair: 1 and 1
    assert scores["evil"][0] == pytest.approx((1 + 2 * prior[0]) / (2 + 2), rel=1e-6)
    assert scores["evil thugs"][0] == pytest.approx((1 + 2 * prior[0]) / (1 + 2), rel=1e-6)
    assert scores["evil"][1] == 0.0  # kept, but never inside a "quote" span
    assert "they" not in lex.vocabulary_ and "are evil" not in lex.vocabulary_  # never inside any span
    F = lex.features(["evil thugs", "nothing here", ""])
    top = sorted([scores["evil"][0], scores["thugs"][0], scores["evil thugs"][0]], reverse=True)
    np.testing.assert_allclose(F[0, 0], [top[0], sum(top) / 3, sum(top)], rtol=1e-6)
    assert not F[1:].any()
    ev = lex.evidence("Some evil thugs.", k=2)["loaded"]
    assert [r["term"] for r in ev] == ["evil thugs", "evil"]
    assert [("Some evil thugs."[s:e]) for s, e in ev[0]["spans"]] == ["evil thugs"]
    # a word that is seldom inside the spans is no evidence, unless asked for
    common = SpanLexicon(["loaded"]).fit(["the evil one"] + ["the other one"] * 20, [[(0, 0, 8)]] + [[]] * 20)
    assert [r["term"] for r in common.evidence("the evil")["loaded"]] == ["evil", "the evil"]
    assert "the" in [r["term"] for r in common.evidence("the evil", min_lift=0)["loaded"]]
    with pytest.raises(ToolkitError, match=r"spans\[0\]: expected \(label index in 0..1"):
        SpanLexicon(["loaded", "quote"]).fit(texts, [[(2, 0, 4)], [], []])
    with pytest.raises(ToolkitError, match="spans: expected one list .* per text \\(3\\), got 1"):
        SpanLexicon(["loaded", "quote"]).fit(texts, [[]])


def _span_corpus(n=120, seed=0):
    """Texts where label "a" is carried by one of many rare words, each marked as a span; "b" by the word beta."""
    rng = np.random.RandomState(seed)
    words = [f"w{i}" for i in range(40)]
    loaded = [f"vile{i}" for i in range(30)]
    texts, spans, Y = [], [], np.zeros((n, 2), dtype=np.int8)
    for i in range(n):
        Y[i] = rng.rand(2) < 0.4
        toks = list(rng.choice(words, 10))
        unit = []
        if Y[i, 0]:
            word = loaded[rng.randint(len(loaded))]
            start = len(" ".join(toks)) + 1
            toks.append(word)
            unit.append((0, start, start + len(word)))
        toks += ["beta"] * int(Y[i, 1])
        texts.append(" ".join(toks))
        spans.append(unit)
    return texts, Y, spans


def test_span_stacked_round_trip_and_out_of_fold_inputs(tmp_path):
    from toolkit.detectors.spans import SPANS_FILE, SpanStacked, load_detector

    texts, Y, spans = _span_corpus()
    base = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1, threshold_mix=0.0)
    model = SpanStacked(base, min_positives=10).fit(texts, Y, spans)
    assert list(model.stacked_) == [0, 1]
    assert model.coef_.shape == (2, 4) and model.thresholds_.shape == (2,)
    # oracle: each combiner is scikit-learn's logistic regression on the standardised out-of-fold inputs, made here
    # from span lexicons fitted on the other inner folds of the classifier
    from sklearn.linear_model import LogisticRegression

    from toolkit.detectors.spans import SpanLexicon

    F = np.zeros((len(texts), 2, 3))
    for tr, te in base.inner_splits_:
        lex = SpanLexicon(["a", "b"]).fit([texts[i] for i in tr], [spans[i] for i in tr])
        F[te] = lex.features([texts[i] for i in te])
    p_oof = np.clip(base.oof_, 1e-6, 1 - 1e-6)
    for j in range(2):
        Z = np.column_stack([np.log(p_oof[:, j] / (1 - p_oof[:, j])), F[:, j, 0], np.log1p(F[:, j, 1]),
                             np.log1p(F[:, j, 2])])
        Z = (Z - Z.mean(axis=0)) / np.where(Z.std(axis=0) > 0, Z.std(axis=0), 1.0)
        oracle = LogisticRegression(C=1.0, max_iter=2000).fit(Z, Y[:, j])
        np.testing.assert_allclose(model.coef_[j], oracle.coef_[0], rtol=1e-4, atol=1e-6)
    # the lexicon learned the span words, and a paragraph's score for "a" rises with one of them
    marked = {text[s:e] for text, unit in zip(texts, spans) for _, s, e in unit}
    assert set(model.lexicon_.vocabulary_) == marked and len(marked) > 10
    word = sorted(marked)[0]
    p = model.predict_proba([f"w1 w2 w3 {word}", "w1 w2 w3 w4"])
    assert p[0, 0] > p[1, 0]
    assert model.span_evidence(f"w1 {word} w3")["a"][0]["term"] == word
    folder = model.save(tmp_path / "m", metadata={"task": "toy"})
    assert sorted(q.name for q in folder.iterdir()) == ["arrays.npz", "model.json", SPANS_FILE]
    json.loads((folder / SPANS_FILE).read_text(encoding="utf-8"))
    loaded = load_detector(folder)
    assert isinstance(loaded, SpanStacked)
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts), rtol=1e-5, atol=1e-6)
    assert np.array_equal(loaded.predict(texts), model.predict(texts))
    assert isinstance(load_detector(base.save(tmp_path / "plain")), LinearMultiLabel)
    # a label with too few positives keeps the classifier's probability
    few = SpanStacked(LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1), min_positives=10 ** 6)
    few.fit(texts, Y, spans)
    assert len(few.stacked_) == 0
    np.testing.assert_allclose(few.predict_proba(texts[:5]), few.base.predict_proba(texts[:5]))
    with pytest.raises(ToolkitError, match="must tune its thresholds on inner folds"):
        SpanStacked(LinearMultiLabel(["a", "b"], char_ngrams=None, min_df=1, threshold=0.5)).fit(texts, Y, spans)


def test_technique_spans_align_with_the_paragraphs(techniques_small, installed_corpus):
    from toolkit import corpora
    from toolkit.detectors.data import TECHNIQUES

    _, small = techniques_small
    articles = installed_corpus("semeval2023-task3-en").set_index("id")["text"]  # span offsets are into these
    table = corpora.load_table("semeval2023-task3-en", "technique_spans")
    paras = corpora.load_table("semeval2023-task3-en", "paragraphs").set_index(["id", "line"])
    checked, edges = 0, []
    for uid, text, unit in zip(small.ids, small.texts, small.extra["spans"]):
        aid, line = uid.split("#")
        start, end = paras.loc[(aid, int(line)), ["start", "end"]]
        rows = table[(table["id"] == aid) & (table["line"] == int(line))]
        assert len(rows) == len(unit)
        expected = {(TECHNIQUES.index(r.technique), r.start - start, min(r.end, end) - start) for r in rows.itertuples()}
        assert set(unit) == expected
        for j, s, e in unit:
            assert 0 <= s < e <= len(text)
            # spans start and end at word boundaries (a shifted offset would cut words)
            edges += [s == 0 or not (text[s - 1].isalnum() and text[s].isalnum()),
                      e == len(text) or not (text[e - 1].isalnum() and text[e].isalnum())]
            if articles[aid][start:end] == text:  # the article table may hold the subtask-1 copy of the text
                assert text[s:e] == articles[aid][start + s:start + e]
                checked += 1
    assert checked > 500 and np.mean(edges) > 0.97


def test_span_lexicon_scores_held_out_span_words_higher(techniques_small):
    from toolkit.detectors.spans import SpanLexicon, _terms

    _, small = techniques_small
    articles = np.unique(small.groups)
    train = np.flatnonzero(np.isin(small.groups, articles[:45]))
    test = np.flatnonzero(~np.isin(small.groups, articles[:45]))
    lex = SpanLexicon(small.labels).fit([small.texts[i] for i in train], [small.extra["spans"][i] for i in train])
    j = list(small.labels).index("Loaded_Language")
    inside, outside = [], []
    for i in test:
        terms, starts, ends = _terms(small.texts[i])
        n_tok = (len(terms) + 1) // 2
        scores = lex.features([t for t in terms[:n_tok]])[:, j, 0]
        covered = np.zeros(n_tok, bool)
        for label, s, e in small.extra["spans"][i]:
            if label == j:
                covered |= (starts[:n_tok] < e) & (s < ends[:n_tok])
        inside += list(scores[covered])
        outside += list(scores[~covered])
    assert len(inside) > 100 and np.mean(inside) > 2 * np.mean(outside)


def test_detect_techniques_points_at_span_lexicon_terms(techniques_small):
    from toolkit.detectors import detect_techniques, load_model
    from toolkit.detectors.spans import SpanStacked
    from toolkit.segment import tokenize

    full, _ = techniques_small
    model, _ = load_model("techniques")
    assert isinstance(model, SpanStacked)
    j = list(full.labels).index("Loaded_Language")
    rows = np.flatnonzero(full.Y[:, j])[:200]
    text = full.texts[rows[np.argmax(model.predict_proba([full.texts[i] for i in rows])[:, j])]]
    record = detect_techniques(text)[0]
    assert "Loaded_Language" in record["techniques"]
    marked = [(s, e) for s, e, why in record["techniques"]["Loaded_Language"]["spans"] if why == "span-lexicon"]
    assert marked
    for s, e in marked:  # each is a word or word pair of the text that the lexicon scores for the technique
        term = " ".join(tokenize(text[s:e]))
        assert model.lexicon_.scores_[model.lexicon_.vocabulary_[term], j] > 0


def test_span_units_are_the_marked_text_with_its_techniques(techniques_small):
    from toolkit.detectors.models import span_units
    from toolkit.segment import tokenize

    _, small = techniques_small
    units = span_units(small)
    n_spans = sum(len({(s, e) for _, s, e in unit if e > s}) for unit in small.extra["spans"])
    assert len(units.ids) == n_spans > 300
    assert set(units.groups) <= set(small.groups)
    by_id = dict(zip(small.ids, range(len(small.ids))))
    for uid, text, row, group in list(zip(units.ids, units.texts, units.Y, units.groups))[:300]:
        para, offsets = uid.split("@")
        s, e = (int(v) for v in offsets.split("-"))
        i = by_id[para]
        assert text == small.texts[i][s:e] and small.groups[i] == group
        marked = {j for j, a, b in small.extra["spans"][i] if (a, b) == (s, e)}
        assert set(np.flatnonzero(row)) == marked and marked <= set(np.flatnonzero(small.Y[i]))
        # the length column of a span unit reads its paragraph's length, not the span's
        assert units.extra["lengths"][units.ids.index(uid)] == len(tokenize(small.texts[i]))


def test_aux_weight_per_unit(tmp_path):
    texts, Y = _toy_corpus(80)
    aux = (["alpha alpha", "beta beta", "w1 w2"], np.array([[1, 0], [0, 1], [0, 0]]), np.array([0, 1, 2]))
    groups = np.arange(len(texts))
    one = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1).fit(texts, Y, groups=groups, aux=aux,
                                                                            aux_weight=0.5)
    each = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1).fit(texts, Y, groups=groups, aux=aux,
                                                                             aux_weight=np.full(3, 0.5))
    np.testing.assert_allclose(each.coef_, one.coef_)
    other = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1).fit(texts, Y, groups=groups, aux=aux,
                                                                              aux_weight=[5.0, 0.5, 0.5])
    assert not np.allclose(other.coef_, one.coef_)
    with pytest.raises(ToolkitError, match=r"aux_weight: expected one number or one per auxiliary unit \(3\)"):
        LinearMultiLabel(["a", "b"], char_ngrams=None, min_df=1).fit(texts, Y, groups=groups, aux=aux,
                                                                     aux_weight=[1.0, 2.0])


def test_aux_lengths_feed_the_length_column():
    texts, Y = _toy_corpus(80)
    aux = (["alpha", "alpha", "alpha"], np.array([[1, 0], [1, 0], [1, 0]]), np.arange(3))
    groups = np.arange(len(texts))

    def fit(lengths):
        model = LinearMultiLabel(["a", "b"], C=1.0, char_ngrams=None, min_df=1, length_weight=1.0)
        return model.fit(texts, Y, groups=groups, aux=aux if lengths is None else aux + (lengths,), aux_weight=5.0)

    own, same, longer = fit(None), fit([1, 1, 1]), fit([400, 400, 400])
    np.testing.assert_allclose(same.coef_, own.coef_)  # one word each: their own length
    # units positive for "a" and negative for "b", read as long texts: long texts look more like "a", less like "b"
    assert longer.coef_[0, -1] > own.coef_[0, -1] and longer.coef_[1, -1] < own.coef_[1, -1]
    with pytest.raises(ToolkitError, match=r"aux: expected 3 texts.*\(and optionally 3 lengths\), got .* \(2,\) lengths"):
        fit([1, 2])
