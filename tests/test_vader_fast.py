"""The batch VADER scorer against its oracle: vaderSentiment's own ``polarity_scores``, sentence by sentence."""

import random

import numpy as np
import pytest

pytest.importorskip("vaderSentiment")

from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES, SentimentIntensityAnalyzer  # noqa: E402

from toolkit.features import _vader_fast  # noqa: E402
from toolkit.features._vader_fast import polarity_scores_many  # noqa: E402
from toolkit.segment import layout  # noqa: E402

ANALYZER = SentimentIntensityAnalyzer()


def oracle(sentences) -> np.ndarray:
    rows = [ANALYZER.polarity_scores(s) for s in sentences]
    return np.array([[r["neg"], r["neu"], r["pos"], r["compound"]] for r in rows]).reshape(len(rows), 4)


def assert_same_as_oracle(sentences) -> np.ndarray:
    fast = polarity_scores_many(sentences)
    expected = oracle(sentences)
    assert fast.shape == expected.shape
    differ = np.flatnonzero(np.abs(fast - expected).max(axis=1) > 1e-9) if len(sentences) else []
    shown = [(sentences[k], fast[k].tolist(), expected[k].tolist()) for k in differ[:5]]
    assert len(differ) == 0, f"{len(differ)} of {len(sentences)} sentences differ, e.g. {shown}"
    return expected


def _but_quirk_sentence() -> str:
    """Two positive words, the first with twice the valence of the second, before "but": vaderSentiment finds the
    second word's score with ``list.index`` and halves the first word's (already halved) score instead."""
    lexicon = {w: v for w, v in ANALYZER.lexicon.items() if w.isalpha() and w.islower() and w not in BOOSTER_DICT}
    by_valence = {}
    for word, valence in sorted(lexicon.items()):
        by_valence.setdefault(valence, word)
    for valence, word in sorted(by_valence.items()):
        if valence > 1 and 2 * valence in by_valence:
            return f"{by_valence[2 * valence]} {word} but the rest"
    raise AssertionError("no pair of lexicon words with valences v and 2v")


TRICKY = [
    "VADER is smart, handsome, and funny.",
    "VADER is smart, handsome, and funny!",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "The book was not very good.",
    "It isn't a horrible book.",
    "At least it isn't a horrible book.",
    "Not bad at all",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "good but good but bad",
    "But it was fine.",
    "but",
    _but_quirk_sentence(),
    "Today SUX!",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "(: :( <3 :-) ;)",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "💘💋😁",
    "Text©2024 Example™ News",
    "ON🔛 the way 🆙",
    "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!",
    "It was never so good, never this bad.",
    "this is good",
    "Most automated sentiment analysis tools are shit.",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!",
    "That was the kiss of death for the plan.",
    "A cake to die for, with a beating heart.",
    "We waited at the bus stop.",
    "Yeah right, what a great idea.",
    "It was the bomb.",
    "Without a doubt, excellent idea.",
    "Without any doubt, an excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "the very least compelling",
    "Least good of all",
    "The book was only kind of good.",
    "It is KIND OF GOOD news, sort of bad news, just enough good news.",
    "kind of",
    "kind",
    "no good",
    "no no good",
    "No problem at all.",
    "no",
    "NO GOOD at all, he said",
    "no fun or joy",
    "no fun nor joy whatsoever",
    "It is neither good nor bad.",
    "uh-uh, nope, that is not good",
    "I can't stand it, don't like it, won't love it.",
    "GOOD",
    "GOOD news for everyone",
    "The VERY good news is here",
    "ALL CAPS SENTENCE IS HAPPY",
    "great!!!",
    "great!!!!!!!",
    "bad??",
    "bad???? really????",
    "good?",
    "?!?!",
    "",
    "   ",
    "!!!",
    "...",
    "\t\n",
    "it's",
    "good\u00a0news\u2003great",
    "good\u200bnews",
    "'good' \"bad\" (happy) [sad] --love--",
    "a ab abc :-(",
    " ".join(["good", "bad", "not", "very", "but", "never", "so", "happy"] * 20),
]


def test_tricky_sentences_score_as_vader_scores_them():
    expected = assert_same_as_oracle(TRICKY)
    assert (expected[:, 3] > 0.05).sum() > 10 and (expected[:, 3] < -0.05).sum() > 10


def _generated_sentences(n: int, random_state: int) -> list[str]:
    """Sentences dense in the words VADER's rules name, with caps, punctuation, emoticons, emoji and odd spaces."""
    rng = random.Random(random_state)
    lexicon = sorted(ANALYZER.lexicon)
    rule_words = (
        "no kind of never so this without doubt least at very or nor but the shit bomb bad ass bus stop yeah right "
        "kiss death to die for beating heart just enough sort not isn't good great horrible love hate fine"
    ).split() + list(BOOSTER_DICT) + NEGATE + list(SPECIAL_CASES)
    others = ["💘", "😁", "©", "™", "🔛", ":)", ":D", ":-(", "<3", "the", "a", "house", "it", "x", "ab"]
    punct = ["!", "?", "!!", "???", ",", ".", "'", '"', "...", "-", "(", ")"]
    spaces = [" ", " ", " ", "  ", "\t", "\n", "\u00a0"]

    def word() -> str:
        r = rng.random()
        w = rng.choice(rule_words) if r < 0.55 else rng.choice(lexicon) if r < 0.8 else rng.choice(others)
        r = rng.random()
        w = w.upper() if r < 0.15 else w.capitalize() if r < 0.2 else w
        if rng.random() < 0.2:
            w += rng.choice(punct)
        if rng.random() < 0.08:
            w = rng.choice(punct) + w
        return w

    out = []
    for _ in range(n):
        s = "".join(word() + rng.choice(spaces) for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 8, 12])))
        if rng.random() < 0.2:
            s += rng.choice(["!", "!!!", "??", "?!?!", "?????", "!!!!!!"])
        out.append(s)
    return out


def test_generated_rule_dense_sentences_score_as_vader_scores_them():
    assert_same_as_oracle(_generated_sentences(6000, random_state=7))


@pytest.mark.parametrize("corpus", ["allsides-abp", "tehran-times"])
def test_corpus_sentences_score_as_vader_scores_them(installed_corpus, corpus):
    table = installed_corpus(corpus)
    texts = table["text"].sample(n=min(150, len(table)), random_state=0).tolist()
    sentences = []
    for text in texts:
        lay = layout(text)
        sentences += [text[a:b] for a, b in zip(lay.sentence_start.tolist(), lay.sentence_end.tolist())]
    assert len(sentences) > 2000
    expected = assert_same_as_oracle(sentences)
    assert (expected[:, 3] != 0).mean() > 0.5  # most news sentences carry some sentiment


def test_a_reset_token_table_gives_the_same_scores(monkeypatch):
    sentences = _generated_sentences(400, random_state=3)
    first = polarity_scores_many(sentences)
    n_before = _vader_fast.tables().n
    monkeypatch.setattr(_vader_fast, "TABLE_LIMIT", 10)  # every call starts a fresh table
    np.testing.assert_array_equal(polarity_scores_many(sentences[:200]), first[:200])
    np.testing.assert_array_equal(polarity_scores_many(sentences[200:]), first[200:])
    assert _vader_fast.tables().n < n_before  # the table was started afresh


def test_the_vader_family_scores_each_sentence_of_the_article(seed_text):
    from toolkit.features.vader import sentence_sentiment

    frame = sentence_sentiment(seed_text)
    assert len(frame) > 10
    expected = oracle(frame["text"].tolist())
    np.testing.assert_allclose(frame[["neg", "neu", "pos", "compound"]].to_numpy(), expected, rtol=0, atol=1e-9)


def test_input_must_be_a_sequence_of_str():
    with pytest.raises(TypeError, match="expects a sequence of sentences, got a single str"):
        polarity_scores_many("good news")
    with pytest.raises(TypeError, match="expects sentences as str, got int"):
        polarity_scores_many(["good news", 3])
    assert polarity_scores_many([]).shape == (0, 4)
