"""Naming choices: the seed's names for the death of Soleimani, matching rules, user tables, the long table."""

import re

import pandas as pd
import pytest

from toolkit.errors import ToolkitError
from toolkit.features import explain, featurize
from toolkit.features import naming
from toolkit.features.naming import count_naming, naming_evidence


@pytest.fixture(autouse=True)
def no_user_tables(monkeypatch):
    monkeypatch.delenv("TOOLKIT_NAMING", raising=False)
    naming.configure(None)
    yield
    naming.configure(None)


def variants(frame, concept):
    return frame[frame["concept"] == concept]


def test_seed_martyr_words_counted_by_hand(seed_text):
    # By hand: "first martyrdom anniversary", "were martyred in a drone strike", "Soleimani’s “historic” martyrdom",
    # "“Martyr Soleimani became a hero", "then with his martyrdom" — five words starting with "martyr".
    found = variants(naming_evidence(seed_text), "soleimani_killing")
    martyr = found[found["variant"] == "martyrdom"]
    assert len(martyr) == 5
    assert [seed_text[s:e] for s, e in zip(martyr["start"], martyr["end"])] == [
        "martyrdom", "martyred", "martyrdom", "Martyr", "martyrdom"]
    assert len(re.findall(r"\bmartyr", seed_text, flags=re.IGNORECASE)) == 5  # the oracle for "by hand"
    # the family reports the same five per 1,000 words, and explain() gives the same offsets
    column = "naming.soleimani_killing__martyrdom_per_1k"
    table = featurize([seed_text], ["naming"])
    from toolkit.features import Batch

    n_words = Batch([seed_text]).n_words("all")[0]
    assert table[column].iloc[0] == pytest.approx(5 * 1000 / n_words)
    evidence = explain(seed_text, column)
    assert evidence["start"].tolist() == martyr["start"].tolist()


def test_seed_assassinated_murder_martyrdom_map_to_their_variants(seed_text):
    found = naming_evidence(seed_text)
    by_term = {}
    for row in found.itertuples():
        by_term.setdefault(row.term.lower(), set()).add((row.concept, row.variant))
    assert by_term["assassinated"] == {("soleimani_killing", "assassination")}
    assert by_term["murder"] == {("soleimani_killing", "murder")}
    assert by_term["martyrdom"] == {("soleimani_killing", "martyrdom")}
    assert by_term["drone strike"] == {("soleimani_killing", "drone_strike")}
    # the first "murder" is in the tweet that names Soleimani and al-Muhandis
    first = found[found["term"] == "murder"].iloc[0]
    assert "Soleimani and Al-Muhandis murder by US" in first["sentence_text"]
    assert first["voice"] == "social"


def test_seed_anchor_rules(seed_text):
    found = variants(naming_evidence(seed_text), "soleimani_killing")
    sentences = found.groupby("variant")["sentence_text"].apply(list)
    # "Iran’s retaliatory missile strike on the American Ain al-Asad air base": no Soleimani in that sentence or
    # the one before, so no "strike" is counted; "eliminating the US-sponsored Daesh" is not a variant form.
    assert "strike" not in sentences.index
    assert "elimination" not in sentences.index
    # anchor_window 1 accepts an anchor in the previous sentence: it catches "The two commanders were martyred …"
    # after the tweet naming Soleimani, and — the rule's known cost — "Israel's murder of nuclear scientist
    # Fakhrizadeh" right after "… assassination of Soleimani."
    assert any(s.startswith("The two commanders were martyred") for s in sentences["martyrdom"])
    assert any("murder of nuclear scientist Fakhrizadeh" in s for s in sentences["murder"])


def test_anchored_sentences_equal_a_token_by_token_loop(installed_corpus, seed_text):
    """A sentence holds an anchor when one of its words has a positive weight in the anchor lexicon (a word or a
    prefix entry), or an anchor phrase starts in it."""
    import numpy as np

    from toolkit.features._batch import Batch, phrase_table

    batch = Batch(installed_corpus("tehran-times")["text"].head(150).tolist() + [seed_text])
    table = naming.term_table()
    held = 0
    for lex, _ in table.anchors.values():
        got = table._anchored_sentences(batch, lex, 0)
        expected = np.zeros_like(got)
        for i, t in enumerate(batch.token_ids.tolist()):
            if sum(lex.match(batch.vocab.terms[t]).values()) > 0:
                expected[batch.token_sentence[i]] = True
        for p, _, _ in batch.phrase_matches(phrase_table(lex, batch.vocab)):
            expected[batch.token_sentence[p]] = True
        np.testing.assert_array_equal(got, expected)
        held += int(expected.sum() > 0)
    assert held == len(table.anchors) >= 3  # every anchor is met in these articles


def test_longest_match_case_and_anchor_on_small_texts():
    text = ("A drone strike killed Soleimani. They told us the US would pay. "
            "A strike hit the base. The U.S. and America denied it.")
    found = naming_evidence(text)
    killing = variants(found, "soleimani_killing")
    assert sorted(zip(killing["variant"], killing["term"])) == [("drone_strike", "drone strike"),
                                                                 ("killing", "killed")]
    us = variants(found, "united_states")
    assert sorted(zip(us["variant"], us["term"])) == [("america", "America"), ("us_abbreviation", "U.S"),
                                                      ("us_abbreviation", "US")]


def test_count_naming_long_table():
    articles = pd.DataFrame({"id": ["a", "b"], "text": ["Daesh and ISIS. Daesh again.", "The Persian Gulf is calm."]})
    table = count_naming(articles)
    assert list(table.columns) == ["id", "concept", "variant", "n"]
    rows = sorted(map(tuple, table.itertuples(index=False)))
    assert rows == [("a", "isis", "daesh", 2), ("a", "isis", "isis", 1), ("b", "gulf", "persian_gulf", 1)]
    empty = count_naming(articles.iloc[0:0])
    assert list(empty.columns) == ["id", "concept", "variant", "n"] and empty.empty


def test_family_columns_are_family_dot_feature_without_at():
    names = naming.FEATURES()
    assert "soleimani_killing__martyrdom_per_1k" in names and "soleimani_killing_per_1k" in names
    assert all("@" not in n and "." not in n for n in names)


def test_user_table_adds_and_replaces(tmp_path, monkeypatch):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "concepts:\n"
        "  gulf:\n    variants:\n      persian_gulf:\n        patterns: ['persian gulf', 'khalij-e fars']\n"
        "  covid:\n    description: the pandemic\n    variants:\n"
        "      wuhan_virus:\n        patterns: ['wuhan virus', 'china virus']\n        note: blames China\n"
        "      covid:\n        patterns: [covid-19, covid, coronavirus]\n", encoding="utf-8")
    monkeypatch.setenv("TOOLKIT_NAMING", str(path))
    table = count_naming(["The China virus reached the Khalij-e Fars and Iran. COVID-19 spread."])  # the gulf needs an anchor
    table = table[table["concept"].isin(["covid", "gulf"])]
    assert sorted(map(tuple, table[["concept", "variant", "n"]].itertuples(index=False))) == [
        ("covid", "covid", 1), ("covid", "wuhan_virus", 1), ("gulf", "persian_gulf", 1)]
    assert "covid__wuhan_virus_per_1k" in naming.FEATURES()


def test_bad_user_tables(tmp_path):
    missing = tmp_path / "nope.yaml"
    naming.configure([missing])
    with pytest.raises(ToolkitError, match=re.escape(
            f"naming table not found: '{missing}' (from TOOLKIT_NAMING or configure(paths=...))")):
        count_naming(["x"])
    cases = {
        "concepts: [a, b]\n": "expected a mapping with a 'concepts' mapping of concept → variants",
        "concepts:\n  Bad-Name:\n    variants: {a: {patterns: [x]}}\n":
            "concept 'Bad-Name': expected a lower-case identifier (letters, digits, single underscores)",
        "concepts:\n  good:\n    variants: {}\n": "concept 'good': expected a mapping with a non-empty 'variants' mapping",
        "concepts:\n  good:\n    variants: {v: {patterns: []}}\n":
            "concept 'good', variant 'v': expected a mapping with a non-empty list 'patterns'",
        "concepts:\n  good:\n    anchor: 5\n    variants: {v: {patterns: [x]}}\n":
            "concept 'good': 'anchor' of 'good' must be a list of terms, got 5",
    }
    for i, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"bad{i}.yaml"
        path.write_text(text, encoding="utf-8")
        naming.configure([path])
        with pytest.raises(ToolkitError, match="^" + re.escape(f"naming table '{path}'") + ".*" + re.escape(message)):
            count_naming(["x"])
