"""The widget explorer: term rates and contexts, the feature view, and the widget's callbacks."""

import html

import numpy as np
import pandas as pd
import pytest

from toolkit import explorer
from toolkit.errors import ToolkitError

ARTICLES = pd.DataFrame({
    "id": ["seed", "r1", "r2", "r3"],
    "text": [
        "The drone strike ordered by the United States killed the general. Iran condemned the strike. <script>alert(1)</script>",
        "A strike near the airport. Officials in Iran said the drone strike was unlawful.",
        "Markets rose on Monday.",
        "The general was killed in a drone strike, officials said.",
    ],
    "group": ["seed", "left", "right", "left"],
})


def test_term_rates_count_words_and_phrases():
    rates = explorer.term_rates(ARTICLES, "drone strike")
    assert rates.loc["seed", "n_term"] == 1 and rates.loc["r1", "n_term"] == 1 and rates.loc["r2", "n_term"] == 0
    single = explorer.term_rates(ARTICLES, "Strike")
    assert single.loc["seed", "n_term"] == 2 and single.loc["r1", "n_term"] == 2
    n_words = single.loc["r1", "n_words"]
    assert np.isclose(single.loc["r1", "per_1k"], 1000 * 2 / n_words)
    with pytest.raises(ToolkitError, match="expected a term with at least one word, got '  '"):
        explorer.term_rates(ARTICLES, "  ")


def test_term_contexts_give_offsets_and_escaped_html():
    text = ARTICLES.loc[0, "text"]
    rows = explorer.term_contexts(text, "strike")
    assert list(rows["start"]) == [m for m in (text.find("strike"), text.find("strike", text.find("strike") + 1))]
    page = explorer._kwic_html(explorer.term_contexts(text, "condemned", width=60), "in the seed")
    assert "<script>" not in page and html.escape("<script>") in page


def test_feature_view_marks_the_seed_and_groups():
    ref = pd.DataFrame({"f.x": [1.0, 2.0, 3.0]}, index=pd.Index(["r1", "r2", "r3"], name="id"))
    seed = pd.DataFrame({"f.x": [2.5]}, index=pd.Index(["seed"], name="id"))
    fig, evidence = explorer.feature_view("f.x", seed, ref, ARTICLES)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == ["left", "right"]
    with pytest.raises(ToolkitError, match="unknown feature 'f.y'"):
        explorer.feature_view("f.y", seed, ref, ARTICLES)


def test_explore_builds_a_widget_that_reacts_to_term_and_mode():
    pytest.importorskip("ipywidgets")
    ref = pd.DataFrame({"f.x": [1.0, 2.0, 3.0], "f.y": [0.0, 1.0, 0.5]}, index=pd.Index(["r1", "r2", "r3"], name="id"))
    seed = pd.DataFrame({"f.x": [2.5], "f.y": [0.2]}, index=pd.Index(["seed"], name="id"))
    box = explorer.explore(seed, ref, ARTICLES)
    mode, row, out = box.children
    feature, term = row.children
    assert list(feature.options) == ["f.x", "f.y"]
    feature.value = "f.y"
    term.value = "drone strike"
    mode.value = "term"  # callbacks run without error and render into the output
    assert mode.value == "term"
    with pytest.raises(ToolkitError, match="one-row DataFrame"):
        explorer.explore(ref, ref, ARTICLES)


def test_feature_view_shows_evidence_sentences_for_real_features():
    from toolkit.features import featurize

    feats = featurize(ARTICLES, families=["actors"])
    col = next((c for c in feats.columns if c.endswith("_mentions_per_1k") and "@" not in c and feats[c].iloc[0] > 0), None)
    if col is None:
        pytest.skip("the actors family found no actor in the test articles")
    fig, evidence = explorer.feature_view(col, feats.loc[["seed"]], feats.drop(index="seed"), ARTICLES)
    assert any(k.startswith("seed") for k in evidence)
    table = next(v for k, v in evidence.items() if k.startswith("seed"))
    assert {"start", "end"} <= set(table.columns)
