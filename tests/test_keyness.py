"""Keyness: statistics against plain arithmetic and scipy, counting against the segmenter, and real-data checks."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from toolkit.errors import ToolkitError
from toolkit.keyness import (
    encode_corpus,
    g2_statistic,
    keyness,
    log_odds_dirichlet,
    log_ratio,
    ngram_analyzer,
    token_stream,
)

multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests

DISTINCTIVE = ("martyrdom", "arrogance", "resistance")


# --------------------------------------------------------------------------------------- statistics by hand
def test_log_odds_by_hand_on_a_toy_table():
    # target: 10 tokens, "war" 3 times; reference: 90 tokens, "war" 2 times; alpha_0 = 10
    y_t, y_r, n_t, n_r, a0 = 3, 2, 10, 90, 10.0
    a_w = a0 * (3 + 2) / (10 + 90)  # 0.5
    delta = math.log((3 + 0.5) / (10 + 10 - 3 - 0.5)) - math.log((2 + 0.5) / (90 + 10 - 2 - 0.5))
    var = 1 / (3 + 0.5) + 1 / (2 + 0.5)
    d, z = log_odds_dirichlet(y_t, y_r, n_t, n_r, a0)
    assert d == pytest.approx(delta)
    assert z == pytest.approx(delta / math.sqrt(var))
    assert a_w == 0.5


def test_g2_by_hand_and_against_scipy():
    a, b, c, d = 3, 2, 7, 88  # term in target, term in reference, rest of target, rest of reference
    n = a + b + c + d
    cells = [(a, (a + c) * (a + b) / n), (b, (b + d) * (a + b) / n), (c, (a + c) * (c + d) / n),
             (d, (b + d) * (c + d) / n)]
    by_hand = 2 * sum(o * math.log(o / e) for o, e in cells)
    assert g2_statistic(a, b, a + c, b + d) == pytest.approx(by_hand)
    scipy_g2 = stats.chi2_contingency([[a, b], [c, d]], correction=False, lambda_="log-likelihood")[0]
    assert g2_statistic(a, b, a + c, b + d) == pytest.approx(scipy_g2)
    # a zero cell contributes 0 (0 * log 0 = 0)
    assert g2_statistic(4, 0, 10, 100) == pytest.approx(
        stats.chi2_contingency([[4, 0], [6, 100]], correction=False, lambda_="log-likelihood")[0])


def test_log_ratio_by_hand_with_zero_adjustment():
    assert log_ratio(4, 2, 100, 200) == pytest.approx(math.log2((4 / 100) / (2 / 200)))
    assert log_ratio(4, 0, 100, 200) == pytest.approx(math.log2((4.5 / 100) / (0.5 / 200)))


def test_keyness_table_matches_formulas_on_a_toy_corpus():
    target = "The war began. The war goes on. Peace talks failed."
    reference = ["Peace talks resumed today.", "The talks were about peace and trade.", "Trade grew."]
    table = keyness(target, reference, ngram_range=(1, 2), alpha_0=5.0, cache=False)
    uni = table[table["n"] == 1].set_index("term")
    # word counts by hand: target 10 words, reference 4 + 7 + 2 = 13 words
    assert set(table["n_tokens_target"]) == {10} and set(table["n_tokens_reference"]) == {13}
    assert uni.loc["war", "n_target"] == 2 and uni.loc["war", "n_reference"] == 0
    assert uni.loc["peace", "n_target"] == 1 and uni.loc["peace", "n_reference"] == 2
    assert uni.loc["talks", "n_docs_reference"] == 2
    d, z = log_odds_dirichlet(1, 2, 10, 13, 5.0)
    assert uni.loc["peace", "log_odds_z"] == pytest.approx(z)
    assert uni.loc["peace", "g2"] == pytest.approx(g2_statistic(1, 2, 10, 13))
    assert uni.loc["peace", "p_value"] == pytest.approx(stats.chi2.sf(g2_statistic(1, 2, 10, 13), 1))
    np.testing.assert_allclose(table["q_value"], multipletests(table["p_value"], method="fdr_bh")[1])
    # bigrams never cross a sentence: "war the" (end of sentence 1 + start of 2) does not exist
    bi = table[table["n"] == 2]
    assert "war the" not in set(bi["term"]) and "the war" in set(bi["term"])
    # bigram positions: one fewer than the words of each sentence; target 3, 4, 3 words; reference 4, 7, 2
    assert set(bi["n_total_target"]) == {2 + 3 + 2}
    assert set(bi["n_total_reference"]) == {3 + 6 + 1}
    for col in ("term", "n_target", "n_reference", "log_odds_z", "g2", "log_ratio", "q_value",
                "n_tokens_target", "n_tokens_reference"):
        assert col in table.columns


def test_min_count_defaults_keep_what_one_article_says():
    target = "Resistance is a word. Another word here."
    one = keyness(target, ["Some other text entirely."], ngram_range=(1, 1), cache=False)
    assert "resistance" in set(one["term"])  # used once, kept for a one-article target
    two = keyness([target, "Nothing else."], ["Some other text entirely."], ngram_range=(1, 1), cache=False)
    assert "resistance" not in set(two["term"]) and "word" in set(two["term"])  # a set keeps terms used twice
    explicit = keyness(target, ["x y z word"], ngram_range=(1, 1), min_count_target=2, min_count_reference=1,
                       cache=False)
    assert set(explicit["term"]) == {"word"}


def test_boilerplate_voice_excluded_unless_asked():
    target = "date 2020-12-16\nClick here to subscribe to our newsletter.\nThe leader spoke about resistance."
    kept = keyness(target, ["A reference text."], ngram_range=(1, 1), cache=False, exclude_boilerplate=False)
    dropped = keyness(target, ["A reference text."], ngram_range=(1, 1), cache=False)
    assert "newsletter" in set(kept["term"]) and "newsletter" not in set(dropped["term"])
    assert "resistance" in set(dropped["term"])


def test_validation_messages():
    with pytest.raises(ToolkitError, match=r"ngram_range: expected 1 <= min_n <= max_n <= 3, got \(1, 4\)"):
        keyness("a b", ["c d"], ngram_range=(1, 4), cache=False)
    with pytest.raises(ToolkitError, match="alpha_0: expected a positive number, got 0"):
        keyness("a b", ["c d"], alpha_0=0, cache=False)
    with pytest.raises(ToolkitError, match="reference: expected every text to be a str; item 1 is int"):
        keyness("a b", ["c d", 3], cache=False)


# ------------------------------------------------------------------------------------------------ counting
def test_token_stream_agrees_with_segment(seed_text, installed_corpus):
    from toolkit.segment import VOICE_CODE, segment

    texts = [seed_text] + installed_corpus("allsides-abp")["text"].head(80).tolist()
    for text in texts:
        seg = segment(text)
        tokens, sent, boiler = token_stream(text)
        assert tokens == seg.tokens
        np.testing.assert_array_equal(sent, seg.token_sentence)
        np.testing.assert_array_equal(boiler, seg.token_voice == VOICE_CODE["boilerplate"])


def test_encoded_reference_counts_equal_countvectorizer(installed_corpus, tmp_path):
    from sklearn.feature_extraction.text import CountVectorizer

    ref = installed_corpus("allsides-abp")["text"].iloc[1000:1120].tolist()
    target = ref[0] + "\n" + ref[1]
    table = keyness(target, ref, ngram_range=(1, 3), cache=tmp_path)
    cv = CountVectorizer(analyzer=ngram_analyzer((1, 3)), lowercase=False)
    x = cv.fit_transform(ref)
    vocab = cv.vocabulary_
    sums = np.asarray(x.sum(axis=0)).ravel()
    dfs = np.asarray((x > 0).sum(axis=0)).ravel()
    expected = [sums[vocab[t]] if t in vocab else 0 for t in table["term"]]
    expected_df = [dfs[vocab[t]] if t in vocab else 0 for t in table["term"]]
    np.testing.assert_array_equal(table["n_reference"].to_numpy(), expected)
    np.testing.assert_array_equal(table["n_docs_reference"].to_numpy(), expected_df)
    # exact totals: every n-gram position of the reference
    totals = {1: 0, 2: 0, 3: 0}
    for doc in ref:
        for term in ngram_analyzer((1, 3))(doc):
            totals[term.count(" ") + 1] += 1
    for n in (1, 2, 3):
        assert set(table.loc[table["n"] == n, "n_total_reference"]) == {totals[n]}
    # the cache gives the same answer
    again = keyness(target, encode_corpus(ref, cache=tmp_path), ngram_range=(1, 3))
    pd.testing.assert_frame_equal(table, again)


# ------------------------------------------------------------------------------------------------ real data
@pytest.fixture(scope="module")
def seed_vs_allsides(seed_article, installed_corpus):
    """Unigram keyness of the seed against all of AllSides (default minimum counts), computed once."""
    return keyness(seed_article, installed_corpus("allsides-abp"), ngram_range=(1, 1))


@pytest.mark.slow
def test_seed_framing_words_distinctive_against_allsides(seed_vs_allsides):
    table = seed_vs_allsides
    top30 = set(table["term"].head(30))
    assert {"martyrdom", "arrogance"} <= top30
    rows = table.set_index("term").loc[list(DISTINCTIVE)]
    # "resistance" is common in AllSides (political "resistance"), so rarer words outrank it; it is still strongly
    # over-represented in the seed and significant after BH.
    assert (rows["log_odds_z"] > 4).all() and (rows["q_value"] < 0.01).all() and (rows["log_ratio"] > 3).all()
    assert table["n_tokens_reference"].iloc[0] > 20_000_000
    assert table["n_docs_reference_total"].iloc[0] > 37_000


@pytest.mark.slow
def test_seed_framing_words_ordinary_against_tehran_times_on_soleimani(seed_article, installed_corpus,
                                                                       seed_vs_allsides):
    tt = installed_corpus("tehran-times")
    tt = tt[tt["text"].str.contains("Soleimani", case=False)]
    assert len(tt) > 500
    against_tt = keyness(seed_article, tt, ngram_range=(1, 1)).set_index("term")
    against_as = seed_vs_allsides.set_index("term")
    top30 = set(against_tt.index[:30])
    for word in DISTINCTIVE:
        assert word not in top30, f"{word!r} is in the top 30 even against Tehran Times on Soleimani"
        assert against_tt.loc[word, "log_odds_z"] < 0.5 * against_as.loc[word, "log_odds_z"]
