"""The batch n-gram path of the detector families gives what the detectors give on the texts themselves."""

import numpy as np
import pytest
from collections import Counter

from toolkit.features import _families
from toolkit.features._batch import Batch
from toolkit.features._ngrams import NgramIndex
from toolkit.segment import tokenize


def _plain_counts(texts, terms):
    """The oracle: tokenize each text, count its unigrams and adjacent bigrams, look every one up in ``terms``."""
    exact = {}
    for j, t in enumerate(terms):
        exact.setdefault(t, j)
    stems = [(t[:-1], j) for t, j in exact.items() if t.endswith("*") and " " not in t]
    out = np.zeros((len(texts), len(terms)))
    for r, text in enumerate(texts):
        tokens = tokenize(text)
        for term, n in Counter(tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]).items():
            j = exact.get(term)
            if j is None and " " not in term:
                j = next((k for stem, k in stems if term.startswith(stem)), None)
            if j is not None:
                out[r, j] += n
    return out


def test_ngram_counts_match_a_plain_loop(seed_text):
    terms = ["revenge", "martyr*", "general soleimani", "the us", "us", "resist*", "resistance front",
             "revenge", "islamic republic", "no such bigram", "killing", "kill*"]
    texts = [seed_text, "", "The US and the US. Revenge! Resistance-front resisted; killing, killings.",
             "no such bigram here: islamic\n\nrepublic"]
    batch = Batch(texts)
    got = NgramIndex(terms).counts(batch).toarray()
    assert np.array_equal(got, _plain_counts(texts, terms))
    assert got[0, terms.index("martyr*")] > 0 and got[0, terms.index("general soleimani")] > 0
    # a second batch grows the process vocabulary: the index follows it
    more = ["Martyrdom and martyrs; a brand-new-word and the islamic republic."]
    assert np.array_equal(NgramIndex(terms).counts(Batch(more)).toarray(), _plain_counts(more, terms))


def test_bigrams_are_found_through_colliding_hash_slots_and_only_those():
    rng = np.random.default_rng(7)
    words = [f"w{i}x" for i in range(400)]
    pairs = {(a, b) for a, b in rng.integers(0, len(words), (5000, 2)).tolist()}
    terms = [f"{words[a]} {words[b]}" for a, b in sorted(pairs)]
    index = NgramIndex(terms)
    texts = [" ".join(words[i] for i in rng.integers(0, len(words), 300)) for _ in range(20)]
    batch = Batch(texts)
    got = index.counts(batch).toarray()
    assert index._table[1] > 1, "the keys should collide somewhere, or probing is not exercised"
    assert np.array_equal(got, _plain_counts(texts, terms))
    assert 0 < got.sum() < 20 * 299  # bigrams present and absent among the adjacent pairs


def test_compiled_hash_table_fill_equals_the_same_code_run_by_python():
    from toolkit._compiled import compiled
    from toolkit.features._ngrams import _EMPTY, _fill_loop, _slots

    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 1 << 42, 3000))
    cols = rng.integers(0, 1 << 20, len(keys))
    slots = _slots(keys, 12)  # 4,096 slots for 3,000 keys: long probe sequences
    tables = [np.full(1 << 12, _EMPTY, dtype=np.int64) for _ in range(2)]
    probes = [_fill_loop(tables[0], keys, cols, slots), compiled(_fill_loop)(tables[1], keys, cols, slots)]
    assert probes[0] == probes[1] > 5
    np.testing.assert_array_equal(tables[0], tables[1])
    held = tables[0][tables[0] != _EMPTY]
    assert sorted((held >> 21).tolist()) == keys.tolist()
    assert dict(zip((held >> 21).tolist(), (held & ((1 << 21) - 1)).tolist())) == dict(zip(keys.tolist(), cols.tolist()))


def test_compiled_count_loop_equals_the_same_code_run_by_python(seed_text):
    from toolkit._compiled import compiled
    from toolkit.features._ngrams import _count_loop, _filter_bits

    index = NgramIndex(["revenge", "martyr*", "general soleimani", "the us", "resistance front", "the"])
    batch = Batch([seed_text, "", "The US. The US said revenge.", ""])
    index._sync(batch.vocab)
    table, _ = index._table
    args = (batch.token_ids.astype(np.int64), batch.token_doc.astype(np.int64), batch.n_docs, len(index),
            index._uni_cols, index._big_first, table, np.uint64(64 - (len(table).bit_length() - 1)), index._filter,
            np.uint64(64 - _filter_bits(index._filter)))
    with np.errstate(over="ignore"):  # the hash wraps around on purpose; numpy scalars warn when Python runs it
        by_python = _count_loop(*args)
    for a, b in zip(compiled(_count_loop)(*args), by_python):
        np.testing.assert_array_equal(a, b)


def test_ngram_counts_respect_the_mask(seed_text):
    batch = Batch([seed_text])
    mask = batch.mask("quoted")
    idx = NgramIndex(["revenge", "the leader"])
    quoted = idx.counts(batch, mask).toarray()
    everything = idx.counts(batch).toarray()
    assert (quoted <= everything).all() and quoted.sum() < everything.sum()


@pytest.fixture(scope="module")
def corpus_texts(installed_corpus, seed_text):
    installed_corpus("semeval2023-task3-en")  # the detectors are trained from it
    table = installed_corpus("allsides-abp")
    return table["text"].iloc[:150].tolist() + [seed_text, "", "Only words, no sentence end"]


def test_frames_family_equals_the_detectors_on_texts(corpus_texts):
    from toolkit.detectors.predict import _sv_lexicon

    frames = _families()["frames"]
    model, cues = frames._models()
    batch = Batch(corpus_texts)
    got = frames.compute(batch, "all")
    texts = frames._texts(batch, "all")
    proba, scores, sv = model.predict_proba(texts), cues.score(texts), _sv_lexicon().score(texts)
    has_words = batch.n_words("all") > 0
    for j, label in enumerate(model.labels):
        np.testing.assert_allclose(got[f"{label.lower()}_prob"], np.where(has_words, proba[:, j], 0), atol=1e-12)
        np.testing.assert_allclose(got[f"{label.lower()}_per_1k"], scores[:, j], atol=1e-9)
    for j, label in enumerate(_sv_lexicon().labels):
        np.testing.assert_allclose(got[f"sv_{label}_per_1k"], sv[:, j], atol=1e-9)
    assert got["security_and_defense_prob"][-3] > 0.5  # the seed


def test_genre_family_equals_the_model_on_texts(corpus_texts):
    genre = _families()["genre"]
    model, _ = genre._models()
    got = genre.compute(Batch(corpus_texts), "all")
    proba = model.predict_proba(corpus_texts)
    for j, label in enumerate(model.labels):
        np.testing.assert_allclose(got[f"{label}_prob"][:-2], proba[:-2, j], atol=1e-12)
    assert got["opinion_prob"][-2] == 0  # no words, no genre


def test_tfidf_decision_equals_the_tfidf_matrix_times_the_coefficients_bit_for_bit(corpus_texts):
    """The compiled pass gives what ``_tfidf`` and scipy's product give, to the last bit, for the frames and genre
    models, in every scope (counts of 1 to hundreds, empty articles); run by Python, the same."""
    from toolkit._compiled import compiled
    from toolkit.detectors.linear import _tfidf
    from toolkit.features._ngrams import _tfidf_decision_loop, tfidf_decision

    batch = Batch(corpus_texts)
    for model in (_families()["frames"]._models()[0], _families()["genre"]._models()[0]):
        index, idf = NgramIndex(model._word_names()), model.idf_["word"]
        coef_by_term = np.ascontiguousarray(model.coef_.T)
        for scope in ("all", "quoted"):
            counts = index.counts(batch, batch.mask(scope))
            expected = np.asarray(_tfidf(counts, idf) @ model.coef_.T)
            got = tfidf_decision(counts, idf, coef_by_term)
            assert got.shape == expected.shape and np.array_equal(got, expected), scope
            assert counts.data.max() > 20 and (np.diff(counts.indptr) == 0).any()
        largest = int(counts.data.max())
        args = (counts.indptr, counts.indices, counts.data, idf, 1.0 + np.log(np.arange(1, largest + 1.0)),
                coef_by_term)
        assert np.array_equal(_tfidf_decision_loop(*args), compiled(_tfidf_decision_loop)(*args))


def test_a_model_that_reads_more_than_words_gets_the_texts(corpus_texts):
    from toolkit.features._ngrams import model_proba

    techniques_model, _ = _families()["techniques"]._models()
    batch = Batch(corpus_texts[:20])
    asked = []

    def texts():
        asked.append(True)
        return batch.texts

    assert techniques_model.base.length_weight > 0  # it reads the length of each text, and a span lexicon
    got = model_proba(techniques_model, batch, None, texts)
    assert asked and np.allclose(got, techniques_model.predict_proba(batch.texts))
    frames_model, _ = _families()["frames"]._models()
    asked.clear()
    model_proba(frames_model, batch, None, texts)
    assert not asked  # words only: counted from the batch
