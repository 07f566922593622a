"""Actors: mentions in the seed counted by hand, tone of the mentioning sentences against a plain GI loop."""

import re

import numpy as np
import pandas as pd
import pytest

from toolkit.errors import ToolkitError
from toolkit.features import actors, explain, featurize
from toolkit.features.actors import actor_mentions, actor_table
from toolkit.lexicons import Lexicon

COLUMNS_START = ["id", "actor", "n_mentions", "n_sentences", "n_words", "gi_positive", "gi_negative", "tone"]


@pytest.fixture(autouse=True)
def default_gazetteer(monkeypatch):
    monkeypatch.delenv("TOOLKIT_ACTORS", raising=False)
    actors.configure()
    yield
    actors.configure()


def test_seed_khamenei_mentions_by_hand(seed_text):
    # By hand: the opening "Leader of the Islamic Revolution Ayatollah Seyyed Ali Khamenei" (one mention: title and
    # name are contiguous), six "Ayatollah Khamenei", five "the Leader" / "The Leader"; "he explained" is not counted.
    found = actor_mentions(seed_text)
    khamenei = found[found["actor"] == "khamenei"]
    terms = khamenei["term"].tolist()
    assert len(terms) == 12
    assert terms[0] == "Leader of the Islamic Revolution Ayatollah Seyyed Ali Khamenei"
    assert terms.count("Ayatollah Khamenei") == 6
    assert sorted(t for t in terms if t.lower() == "the leader") == ["The Leader"] * 2 + ["the Leader"] * 3
    assert all(seed_text[s:e] == t for s, e, t in zip(khamenei["start"], khamenei["end"], terms))


def test_seed_soleimani_mentions_include_the_misspelling(seed_text):
    # By hand: "Qassem Soleimeni" in the first sentence, then thirteen "Soleimani" (one of them "Qassem Soleimani").
    found = actor_mentions(seed_text)
    soleimani = found[found["actor"] == "soleimani"]
    assert len(soleimani) == 14
    assert soleimani["term"].iloc[0] == "Qassem Soleimeni"
    assert len(re.findall(r"Soleimani", seed_text)) == 13
    table = actor_table([seed_text]).set_index("actor")
    assert table.loc["soleimani", "n_mentions"] == 14
    assert table.loc["khamenei", "n_mentions"] == 12
    # "Martyr Soleimani … the reason being that Soleimani was …" is one sentence with two mentions
    assert table.loc["soleimani", "n_sentences"] == 13
    shares = table.loc["soleimani", ["share_authorial", "share_quoted", "share_social"]]
    assert shares.sum() == pytest.approx(1.0)


def gi_polarity(word):
    """(positive, negative): a GI word can be both ("deal")."""
    from toolkit.inquirer import load_inquirer

    gi = load_inquirer()
    cats = {gi.categories[c] for c in gi.match(word)}
    return "Positiv" in cats, "Negativ" in cats


def test_tone_against_a_plain_loop():
    from toolkit.segment import tokenize

    text = "Trump praised the honest and peaceful deal with a smile. Iran is fine. Trump is not good."
    sentences = ["Trump praised the honest and peaceful deal with a smile.", "Trump is not good."]
    pos = neg = words = 0
    for sentence in sentences:
        tokens = tokenize(sentence)
        words += len(tokens)
        for i, token in enumerate(tokens):
            if token == "trump":
                continue  # the alias itself is not scored
            p, n = gi_polarity(token)
            if any(t in ("not", "no", "never") for t in tokens[max(0, i - 3) : i]):
                p, n = n, p
            pos += p
            neg += n
    assert pos > 0 and neg > 0  # the example exercises both polarities and the negation
    row = actor_table([text]).set_index("actor").loc["trump"]
    assert (row["gi_positive"], row["gi_negative"], row["n_words"], row["n_sentences"]) == (pos, neg, words, 2)
    assert row["tone"] == pytest.approx(100 * (pos - neg) / words)
    features = featurize([text], ["actors"])
    assert features["actors.trump_tone"].iloc[0] == pytest.approx(100 * (pos - neg) / words)
    evidence = explain(text, "actors.trump_tone")
    assert (evidence["category"] == "positive").sum() == pos and (evidence["category"] == "negative").sum() == neg


def test_polarity_flags_of_the_vocabulary_equal_the_dense_columns(installed_corpus):
    from toolkit.features._batch import Batch

    batch = Batch(installed_corpus("allsides-abp")["text"].head(100).tolist())
    gi, pos_cat, neg_cat = actors._gi()
    mat = gi.matrix(batch.vocab)
    for cat in (pos_cat, neg_cat):
        dense = np.asarray(mat[:, cat].todense()).ravel() > 0
        np.testing.assert_array_equal(actors._positive_in(mat, cat), dense)
        assert 100 < dense.sum() < mat.shape[0] / 2
    fractional = Lexicon("signs", ["a", "b"], words={"up": {0: 0.5}, "down": {0: -0.5, 1: 2.0}, "flat": {1: 0.0}})
    up, down, flat = batch.vocab.ids(["up", "down", "flat"]).tolist()  # (weights of each sign, and a zero)
    signs = fractional.matrix(batch.vocab)
    assert [actors._positive_in(signs, c)[[up, down, flat]].tolist() for c in (0, 1)] == [[True, False, False],
                                                                                         [False, True, False]]
    np.testing.assert_array_equal(actors._positive_in(signs, 0), np.asarray(signs[:, 0].todense()).ravel() > 0)


def test_tone_is_zero_without_a_mention_and_case_matters():
    text = "They told us that the weather was lovely."
    features = featurize([text], ["actors"])
    assert features["actors.united_states_tone"].iloc[0] == 0.0
    assert features["actors.united_states_mentions_per_1k"].iloc[0] == 0.0
    assert actor_table([text]).empty
    table = actor_table(["The US and the U.S. and Washington."]).set_index("actor")
    assert table.loc["united_states", "n_mentions"] == 3


def test_frame_cues_are_swappable():
    cues = Lexicon(name="mine", categories=[])
    cues.add("war", "conflict")
    cues.add("oil", "money")
    cues.__post_init__()
    table = actor_table(["Iran warned of war over oil and war."], frame_cues=cues)
    assert list(table.columns) == COLUMNS_START + ["frame_conflict", "frame_money", "share_authorial",
                                                   "share_quoted", "share_social"]
    assert table[["frame_conflict", "frame_money"]].iloc[0].tolist() == [2.0, 1.0]
    actors.configure(frame_cues=cues)
    assert actors.frame_cue_lexicon() is cues


def test_default_frame_cues_fall_back_to_the_gazetteer(tmp_path, monkeypatch):
    import yaml

    from toolkit.features.actors import GAZETTEER_PATH, _default_frame_cues, frame_cue_lexicon

    ours = list(yaml.safe_load(GAZETTEER_PATH.read_text(encoding="utf-8"))["frame_cues"])
    monkeypatch.setattr(actors, "FRAMES_CUES_PATH", tmp_path / "absent.yaml")
    _default_frame_cues.cache_clear()
    try:
        assert frame_cue_lexicon().categories == ours
        # a cue file in the lexicon format replaces them
        (tmp_path / "cues.yaml").write_text("categories:\n  conflict: [war]\n  economic: [oil]\n", encoding="utf-8")
        monkeypatch.setattr(actors, "FRAMES_CUES_PATH", tmp_path / "cues.yaml")
        _default_frame_cues.cache_clear()
        assert frame_cue_lexicon().categories == ["conflict", "economic"]
        assert actor_table(["Iran fears war."])[["frame_conflict", "frame_economic"]].iloc[0].tolist() == [1.0, 0.0]
    finally:
        _default_frame_cues.cache_clear()


def test_user_gazetteer(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text("actors:\n  mossad:\n    aliases: [mossad]\n", encoding="utf-8")
    monkeypatch.setenv("TOOLKIT_ACTORS", str(path))
    table = actor_table(["The Mossad was blamed by Iran."])
    assert sorted(table["actor"]) == ["iran", "mossad"]
    assert "mossad_mentions_per_1k" in actors.FEATURES()
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors:\n  mossad:\n    aliases: mossad\n", encoding="utf-8")
    actors.configure(paths=[bad])
    message = f"actor gazetteer '{bad}', actor 'mossad': 'aliases' must be a list of terms, got 'mossad'"
    with pytest.raises(ToolkitError, match="^" + re.escape(message) + "$"):
        actor_table(["x"])
    assert actors.available() == message
    with pytest.raises(ToolkitError, match="^" + re.escape(f"feature family 'actors' cannot run here: {message}")):
        featurize(["x"], ["actors"])


def test_family_contract(seed_text):
    texts = ["", seed_text]
    copy = list(texts)
    a = featurize(texts, ["actors", "naming"])
    b = featurize(texts, ["actors", "naming"])
    assert texts == copy
    assert np.isfinite(a.to_numpy()).all()
    pd.testing.assert_frame_equal(a, b)
    assert (a.iloc[0] == 0).all()


def test_match_resolution_by_hand_and_compiled_as_python():
    from toolkit._compiled import compiled
    from toolkit.features._terms import _first_of_overlaps, _merge_runs

    # one key: "a b" at 0 wins over "a" at 0 and "b" at 1; another key starts again
    pos, length, key = np.array([0, 0, 1, 5, 1]), np.array([2, 1, 1, 1, 1]), np.array([0, 0, 0, 0, 1])
    assert compiled(_first_of_overlaps)(pos, length, key).tolist() == [True, False, False, True, True]
    # runs of one key in one sentence join; a new sentence (or article) does not
    pos, length, key = np.array([0, 2, 3, 4, 7]), np.array([2, 1, 1, 1, 1]), np.zeros(5, dtype=np.int64)
    where = np.array([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]])
    assert compiled(_merge_runs)(pos, length, key, where).tolist() == [True, False, False, True, True]
    assert length.tolist() == [4, 1, 1, 1, 1]

    rng = np.random.default_rng(4)
    key, pos, length = rng.integers(0, 4, 3000), rng.integers(0, 2000, 3000), rng.integers(1, 4, 3000)
    order = np.lexsort((-length, pos, key))
    key, pos, length = key[order], pos[order], length[order]
    where = np.stack([pos // 300, pos // 20])
    np.testing.assert_array_equal(compiled(_first_of_overlaps)(pos, length, key), _first_of_overlaps(pos, length, key))
    by_python, compiled_length = length.copy(), length.copy()
    keep = compiled(_merge_runs)(pos, compiled_length, key, where)
    np.testing.assert_array_equal(keep, _merge_runs(pos, by_python, key, where))
    np.testing.assert_array_equal(compiled_length, by_python)
    assert 0 < keep.sum() < len(keep)


def test_case_checks_read_from_code_points_equal_checking_each_match(installed_corpus):
    """Case-sensitive entries ("US" and not the pronoun "us", "EU", "U.S." read as two words, a form with an
    apostrophe) are checked for all matches of an entry at once; the result is what checking each match's written
    form gives."""
    import copy

    from toolkit.features._batch import Batch

    texts = installed_corpus("allsides-abp")["text"].head(200).tolist() + [
        "US us Us uS U.S. USA usa EU eu Eu us-led US-led US’ O’Neil O'Neil o’neil said the Leader and the leader.",
        "U.S. u.s. U.s. u.S. U. S. US-based US-Mexico."]
    table = actors.term_table()
    batch = Batch(texts)
    pos, length, group = table._raw(batch, table.cs_lexicon)
    assert (length == 1).sum() > 100 and (length > 1).sum() > 100
    fast = table._case_ok(batch, pos, length, group)
    np.testing.assert_array_equal(fast, table._case_ok_one_by_one(batch, pos, length, group))
    assert 0 < fast.sum() < len(fast)
    # an entry with an apostrophe: the written ' and ’ both match it, the lower-case form does not
    custom = copy.copy(table)
    custom.cs_required = {"o'neil": [(0, ["O'Neil"])]}
    at = np.flatnonzero(batch.token_ids == batch.vocab.get("o'neil"))
    ones = np.ones(len(at), dtype=np.int64)
    np.testing.assert_array_equal(custom._case_ok(batch, at, ones, 0 * ones), [True, True, False])
    np.testing.assert_array_equal(custom._case_ok_one_by_one(batch, at, ones, 0 * ones), [True, True, False])
