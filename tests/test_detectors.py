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

    _, small = techniques_small
    model = fit_main(small)
    assert model.n_aux_ == len(ptc_units(small).ids) > 0
    assert model.length_weight == MAIN_PARAMS["techniques"]["length_weight"] > 0
    # longer paragraphs carry more techniques: the length column pushes the most frequent technique up
    j = list(small.labels).index("Loaded_Language")
    assert model.coef_[j, -1] > 0
    short, long = "He said no.", " ".join(small.texts[i] for i in np.argsort([-len(t) for t in small.texts])[:1])
    p = model.predict_proba([short, long])
    assert p.shape == (2, len(small.labels)) and p[1, j] > p[0, j]
