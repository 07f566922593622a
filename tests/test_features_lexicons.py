"""Lexicon-backed families (moral, bias, gi) against plain loops over the lexicon files, on the seed."""

import csv
import re
import warnings

import numpy as np
import pytest

from toolkit import lexicons
from toolkit.errors import ToolkitError
from toolkit.features import Batch, explain, featurize, resolve_families
from toolkit.features import bias, gi_frames, moral
from toolkit.segment import VOICE_CODE, segment

FOUNDATIONS = ("care", "fairness", "loyalty", "authority", "sanctity")


def seed_tokens(text):
    """(token, sentence) of every token outside boilerplate: what scope 'all' counts."""
    seg = segment(text)
    keep = seg.token_voice != VOICE_CODE["boilerplate"]
    return [(t, int(s)) for t, s, k in zip(seg.tokens, seg.token_sentence, keep) if k]


def read_dic_by_hand(path):
    """Oracle: the .dic file read with a plain loop (no toolkit code)."""
    header, body = path.read_text(encoding="utf-8").split("%")[1:3]
    names = {int(line.split()[0]): line.split()[1] for line in header.strip().splitlines()}
    entries = {}
    for line in body.strip().splitlines():
        if not line.strip():
            continue
        term, codes = line.split("\t")[0], line.split("\t")[1:]
        entries[tuple(term.lower().split())] = {names[int(c)] for field in codes for c in field.split()}
    return entries


def count_by_hand(entries, tokens):
    """Oracle: every entry (a word or a phrase within one sentence) counted at every position."""
    counts = {}
    positions = []
    by_first = {}
    for term, cats in entries.items():
        by_first.setdefault(term[0], []).append((term, cats))
    for i in range(len(tokens)):
        for term, cats in by_first.get(tokens[i][0], ()):
            k = len(term)
            window = tokens[i : i + k]
            if len(window) == k and tuple(t for t, _ in window) == term and len({s for _, s in window}) == 1:
                positions.append(i)
                for c in cats:
                    counts[c] = counts.get(c, 0) + 1
    return counts, positions


def test_mfd2_on_the_seed_matches_a_plain_loop(lexicons_available, seed_text):
    entries = read_dic_by_hand(lexicons_available / "moral-foundations" / "mfd2.0.dic")
    assert not any(t[-1].endswith("*") for t in entries)  # MFD 2.0 has no prefix entries
    tokens = seed_tokens(seed_text)
    expected, _ = count_by_hand(entries, tokens)
    table = featurize([seed_text], ["moral"])
    for f in FOUNDATIONS:
        for pole in ("virtue", "vice"):
            got = table[f"moral.mfd2_{f}_{pole}_per_1k"].iloc[0] * len(tokens) / 1000
            assert got == pytest.approx(expected.get(f"{f}.{pole}", 0)), f"{f}.{pole}"
    assert sum(expected.values()) > 20  # the seed is full of moral words; the comparison is not vacuous
    virtue = sum(v for k, v in expected.items() if k.endswith(".virtue"))
    assert table["moral.mfd2_virtue_per_1k"].iloc[0] == pytest.approx(virtue * 1000 / len(tokens))
    # evidence: the sanctity.virtue words, with offsets that slice back to them
    evidence = explain(seed_text, "moral.mfd2_sanctity_virtue_per_1k")
    assert len(evidence) == expected["sanctity.virtue"]
    assert all(seed_text[s:e].lower() == t.lower() for s, e, t in zip(evidence["start"], evidence["end"],
                                                                        evidence["term"]))
    assert set(evidence["category"]) == {"sanctity.virtue"}


def test_emfd_is_the_mean_over_matched_words(lexicons_available, seed_text):
    with open(lexicons_available / "moral-foundations" / "emfd_scoring.csv", encoding="utf-8") as fh:
        rows = {r["word"]: r for r in csv.DictReader(fh)}
    words = [t for t, _ in seed_tokens(seed_text) if t in rows]
    assert len(words) > 50
    table = featurize([seed_text], ["moral"])
    for f in FOUNDATIONS:
        for kind in ("p", "sent"):
            expected = np.mean([float(rows[w][f"{f}_{kind}"]) for w in words])
            assert table[f"moral.emfd_{f}_{kind}"].iloc[0] == pytest.approx(expected), f"{f}_{kind}"
    # each voice over its own words (the scopes share one indicator of the words in the eMFD)
    seg = segment(seed_text)
    for voice in ("authorial", "quoted"):
        mine = [t for t, v in zip(seg.tokens, seg.token_voice) if v == VOICE_CODE[voice]]
        matched = [t for t in mine if t in rows]
        assert len(matched) > 20, voice
        assert table[f"moral.emfd_matched_per_1k@{voice}"].iloc[0] == pytest.approx(1000 * len(matched) / len(mine))
        expected = np.mean([float(rows[w]["care_p"]) for w in matched])
        assert table[f"moral.emfd_care_p@{voice}"].iloc[0] == pytest.approx(expected), voice


def test_mfd1_option(lexicons_available, seed_text, monkeypatch):
    monkeypatch.setenv("TOOLKIT_MFD", "mfd1")
    table = featurize([seed_text], ["moral"])
    assert "moral.mfd1_care_vice_per_1k" in table.columns and "moral.mfd2_care_vice_per_1k" not in table.columns
    # MFD 1.0 has prefix entries ("kill*" style); the evidence words all start with one
    evidence = explain(seed_text, "moral.mfd1_care_vice_per_1k")
    prefixes = lexicons.load_lexicon("mfd1").terms("care.vice")
    for term in evidence["term"].str.lower():
        assert any(term == p or (p.endswith("*") and term.startswith(p[:-1])) for p in prefixes), term
    monkeypatch.setenv("TOOLKIT_MFD", "mfd3")
    with pytest.raises(ToolkitError, match=re.escape("TOOLKIT_MFD: expected 'mfd1' or 'mfd2', got 'mfd3'")):
        moral.mfd_name()


def read_list_by_hand(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    return {tuple(ln.strip().lower().split()) for ln in lines if ln.strip() and not ln.startswith("#")}


def test_bias_cues_match_plain_loops(lexicons_available, seed_text):
    tokens = seed_tokens(seed_text)
    table = featurize([seed_text], ["bias"])
    for feature, file in (("hedges_per_1k", "hedges_hyland2005.txt"), ("report_verbs_per_1k", "report_verbs.txt"),
                          ("bias_lexicon_per_1k", "bias-lexicon_og.txt")):
        entries = {t: {"x"} for t in read_list_by_hand(lexicons_available / "recasens2013-bias" / file)}
        expected, _ = count_by_hand(entries, tokens)
        assert table[f"bias.{feature}"].iloc[0] * len(tokens) / 1000 == pytest.approx(expected.get("x", 0)), feature
    # MPQA strong clues: a word's exact clues decide; otherwise its longest stem (stemmed1=y) among all clues
    exact, stems = {}, {}
    for line in (lexicons_available / "mpqa-subjclues" / "subjclueslen1-HLTEMNLP05.tff").read_text().splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if "word1" in fields:
            table_ = stems if fields.get("stemmed1") == "y" else exact
            table_.setdefault(fields["word1"], set()).add(fields["type"])

    def strength(token):
        if token in exact:
            return exact[token]
        for k in range(len(token), 0, -1):
            if token[:k] in stems:
                return stems[token[:k]]
        return set()

    n_strong = sum(1 for t, _ in tokens if "strongsubj" in strength(t))
    assert n_strong > 30
    assert table["bias.mpqa_strong_per_1k"].iloc[0] * len(tokens) / 1000 == pytest.approx(n_strong)


def test_gi_categories_and_configuration(seed_text, monkeypatch):
    from toolkit.inquirer import load_inquirer

    gi = load_inquirer()
    tokens = seed_tokens(seed_text)
    hostile = sum(1 for t, _ in tokens if "Hostile" in {gi.categories[c] for c in gi.match(t)})
    table = featurize([seed_text], ["gi"])
    assert table["gi.hostile_per_1k"].iloc[0] == pytest.approx(hostile * 1000 / len(tokens))
    assert {"gi.polit_per_1k", "gi.econ_per_1k", "gi.our_per_1k", "gi.milit_per_1k"} <= set(table.columns)
    evidence = explain(seed_text, "gi.hostile_per_1k")
    assert len(evidence) == hostile and set(evidence["category"]) == {"Hostile"}

    monkeypatch.setenv("TOOLKIT_GI_CATEGORIES", "Negativ, pleasur, POLIT")
    names = list(gi_frames.FEATURES())
    assert names[-3:] == ["negativ_per_1k", "pleasur_per_1k", "polit_lasswell_per_1k"]
    monkeypatch.delenv("TOOLKIT_GI_CATEGORIES")
    gi_frames.configure(["Relig"], replace=True)
    try:
        assert list(gi_frames.FEATURES()) == ["relig_per_1k"]
        gi_frames.configure(["Hostil"])
        with pytest.raises(ToolkitError, match="^" + re.escape(
                "unknown General Inquirer category 'Hostil' (from TOOLKIT_GI_CATEGORIES or configure(categories=...)); "
                "expected one of: ")):
            gi_frames.categories()
    finally:
        gi_frames.configure(None)


def test_missing_lexicons_make_families_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_LEXICONS", str(tmp_path))
    monkeypatch.setattr(lexicons, "_CACHE", {})
    for family in (moral, bias):
        why = family.available()
        assert "python -m toolkit corpora fetch lexicons" in why and "TOOLKIT_LEXICONS" in why
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        names = resolve_families(None)
    assert "moral" not in names and "bias" not in names
    assert any("feature family 'moral' skipped" in str(w.message) for w in caught)
    with pytest.raises(ToolkitError, match="^feature family 'moral' cannot run here: lexicon 'mfd2'"):
        featurize(["text"], ["moral"])


def test_lexicon_family_contract(lexicons_available, seed_text):
    texts = ["", seed_text, "No moral words here at all."]
    copy = list(texts)
    a = featurize(texts, ["moral", "bias", "gi"])
    b = featurize(texts, ["moral", "bias", "gi"])
    assert texts == copy
    assert np.isfinite(a.to_numpy()).all()
    assert (a.iloc[0] == 0).all()
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    assert all(re.fullmatch(r"(moral|bias|gi)\.[a-z0-9_.]+(@authorial|@quoted)?", c) for c in a.columns)
    batch = Batch(texts)
    for family in (moral, bias, gi_frames):
        feats = family.FEATURES() if callable(family.FEATURES) else family.FEATURES
        for feature in feats:
            frame = family.explain(batch, 1, feature, "all")
            assert list(frame.columns)[:5] == ["term", "category", "weight", "start", "end"], feature
