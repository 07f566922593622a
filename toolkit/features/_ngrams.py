"""Counts of a fixed list of word unigrams and bigrams in a ``Batch``, without re-tokenizing any text.

The detectors (``toolkit.detectors``) read texts as the toolkit's tokens plus the bigrams of adjacent tokens; a
``NgramIndex`` finds the same terms in a batch's flat token-id arrays: unigrams through a vocabulary-id → column
array applied to the batch's cached article × vocabulary counts (one sparse product), bigrams through an
open-addressing hash table of (first id, second id) keys probed with numpy. The tokens of a
scope are read as one sequence per article, so ``counts(batch, mask)`` equals counting the terms in the text of
the scope's spans joined together, which is what the detectors were trained on.

Prefix terms (``econom*``, as in unfitted seed-cue lexicons) match every unigram that starts with the stem; an exact
term takes precedence, then the first prefix in list order.
"""

from __future__ import annotations

import weakref

import numpy as np
from scipy import sparse

from toolkit.lexicons import Vocabulary

_KEY_SHIFT = np.int64(1) << np.int64(32)


class NgramIndex:
    """Column positions of unigram, prefix and bigram terms (``"word"``, ``"stem*"``, ``"first second"``)."""

    def __init__(self, terms):
        self.terms = list(terms)
        self.unigrams: dict[str, int] = {}
        self.prefixes: dict[str, int] = {}
        self.bigrams: list[tuple[str, str, int]] = []
        for j, term in enumerate(self.terms):
            words = term.split(" ")
            if len(words) == 1 and term.endswith("*") and len(term) > 1:
                self.prefixes.setdefault(term[:-1], j)
            elif len(words) == 1:
                self.unigrams.setdefault(term, j)
            elif len(words) == 2:
                self.bigrams.append((words[0], words[1], j))
            # longer n-grams are not read by any detector
        self._prefix_tuple = tuple(self.prefixes)
        self._vocab_ref = None
        self._uni_cols = np.zeros(0, dtype=np.int64)
        self._big_first = np.zeros(1, dtype=bool)
        self._table = None  # the bigram hash table: (keys, columns, number of probes)
        self._uni_matrix = None

    def __len__(self) -> int:
        return len(self.terms)

    def _sync(self, vocab: Vocabulary) -> None:
        """Extend the id → column array to the vocabulary's current size (new terms only)."""
        if self._vocab_ref is None or self._vocab_ref() is not vocab:
            self._vocab_ref = weakref.ref(vocab)
            self._uni_cols = np.zeros(0, dtype=np.int64)
            # Bigram words join the vocabulary once, so their ids (and the keys) never change afterwards.
            if self.bigrams:
                first = vocab.ids([a for a, _, _ in self.bigrams]).astype(np.int64)
                second = vocab.ids([b for _, b, _ in self.bigrams]).astype(np.int64)
                keys = first * _KEY_SHIFT + second
                order = np.argsort(keys, kind="stable")
                keys, cols = keys[order], np.asarray([c for _, _, c in self.bigrams], dtype=np.int64)[order]
                first_of_key = np.ones(len(keys), dtype=bool)
                first_of_key[1:] = keys[1:] != keys[:-1]  # a duplicate term keeps its first column
                self._big_first = np.zeros(int(first.max()) + 2, dtype=bool)  # last entry: ids beyond, never set
                self._big_first[first] = True
                self._table = _hash_table(keys[first_of_key], cols[first_of_key])
        seen = len(self._uni_cols)
        if seen == len(vocab):
            return
        new = np.full(len(vocab) - seen, -1, dtype=np.int64)
        uni, prefixes, stems = self.unigrams, self.prefixes, self._prefix_tuple
        for k, term in enumerate(vocab.terms[seen:]):
            j = uni.get(term)
            if j is None and stems and term.startswith(stems):
                j = next(prefixes[s] for s in stems if term.startswith(s))
            if j is not None:
                new[k] = j
        self._uni_cols = np.concatenate((self._uni_cols, new))

    def _unigram_matrix(self, n_vocab: int) -> sparse.csr_matrix:
        """Vocabulary × terms, 1 where a vocabulary word is (or starts with) a unigram term."""
        if self._uni_matrix is None or self._uni_matrix.shape[0] != n_vocab:
            cols = self._uni_cols[:n_vocab]
            rows = np.flatnonzero(cols >= 0)
            self._uni_matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols[rows])),
                                                 shape=(n_vocab, len(self.terms)))
        return self._uni_matrix

    def counts(self, batch, mask: np.ndarray | None = None) -> sparse.csr_matrix:
        """Articles × terms counts over the tokens selected by ``mask`` (all tokens when None)."""
        self._sync(batch.vocab)
        vocab_counts = batch.counts_under(mask)
        out = vocab_counts @ self._unigram_matrix(vocab_counts.shape[1])
        if self._table is not None and len(batch.token_ids) > 1:
            ids, docs = batch.token_ids, batch.token_doc
            if mask is not None:
                ids, docs = ids[mask], docs[mask]
            ids = ids.astype(np.int64)
            # candidates: adjacent pairs of one article whose first word starts some bigram term
            first = np.flatnonzero(self._big_first[np.minimum(ids[:-1], len(self._big_first) - 1)]
                                   & (docs[1:] == docs[:-1]))
            cols = _probe(self._table, ids[first] * _KEY_SHIFT + ids[first + 1])
            found = cols >= 0
            bigrams = sparse.csr_matrix((np.ones(int(found.sum())), (docs[first[found]], cols[found])),
                                        shape=out.shape)
            out = out + bigrams
        out.sum_duplicates()  # canonical: sorted columns, as the plain count of the terms gives them
        return out


_EMPTY = np.int64(-1)
_GOLDEN = np.int64(0x9E3779B97F4A7C15 - (1 << 64))  # 2**64 / golden ratio, as a signed 64-bit number


def _slots(keys: np.ndarray, bits: int) -> np.ndarray:
    """Home slots of int64 keys in a table of 2**bits slots (multiplicative hashing)."""
    mixed = keys * _GOLDEN  # wraps around, as intended
    return (mixed.view(np.uint64) >> np.uint64(64 - bits)).view(np.int64)


def _hash_table(keys: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """An open-addressing table (linear probing, at most an eighth full) of distinct non-negative keys.

    Looking a key up costs a probe or two of numpy gathers, where a binary search in the sorted keys costs about
    fourteen dependent, cache-missing steps per key.
    """
    bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 8))))
    size = 1 << bits
    table_keys = np.full(size, _EMPTY, dtype=np.int64)
    table_cols = np.full(size, -1, dtype=np.int64)
    probes = 1
    for key, col, slot in zip(keys.tolist(), cols.tolist(), _slots(keys, bits).tolist()):
        n = 1
        while table_keys[slot] != _EMPTY:
            slot = (slot + 1) & (size - 1)
            n += 1
        table_keys[slot], table_cols[slot] = key, col
        probes = max(probes, n)
    return table_keys, table_cols, probes


def _probe(table, keys: np.ndarray) -> np.ndarray:
    """The column of each key in a ``_hash_table`` (-1 when absent)."""
    table_keys, table_cols, probes = table
    size = len(table_keys)
    slot = _slots(keys, size.bit_length() - 1)
    out = np.full(len(keys), -1, dtype=np.int64)
    todo = np.arange(len(keys))
    for _ in range(probes):  # no key sits further than ``probes`` slots from its home slot
        held = table_keys[slot]
        hit = held == keys[todo]
        out[todo[hit]] = table_cols[slot[hit]]
        more = ~hit & (held != _EMPTY)
        todo, slot = todo[more], (slot[more] + 1) & (size - 1)
        if not len(todo):
            break
    return out


def model_proba(model, batch, mask: np.ndarray | None = None, texts=None) -> np.ndarray:
    """``model.predict_proba`` of each article's tokens under ``mask``, from the batch's token ids.

    ``model`` is a ``toolkit.detectors.linear.LinearMultiLabel``. A model that reads more than word n-grams
    (character n-grams, a length column, context or extra features) is given the texts instead: ``texts()``
    returns them.
    """
    from toolkit.detectors.linear import _tfidf

    reads_more = (getattr(model, "n_extra_", 0) or getattr(model, "context_weight", 0)
                  or getattr(model, "length_weight", 0))
    if set(model.vocabularies_) != {"word"} or reads_more:
        return model.predict_proba(texts())
    if "_ngram_index" not in model.__dict__:  # kept on the model: built once
        model.__dict__["_ngram_index"] = NgramIndex(model._word_names())
    X = _tfidf(model.__dict__["_ngram_index"].counts(batch, mask), model.idf_["word"])
    return 1.0 / (1.0 + np.exp(-model.decision_from_features(X)))


def cue_scores(lexicon, batch, mask: np.ndarray | None = None) -> np.ndarray:
    """``CueLexicon.score`` of each article's tokens under ``mask``: cue weights per 1,000 tokens."""
    if "_ngram_weights" not in lexicon.__dict__:
        terms, _, lexicon.__dict__["_ngram_weights"] = lexicon._matrix()
        lexicon.__dict__["_ngram_index"] = NgramIndex(terms)
    counts = lexicon.__dict__["_ngram_index"].counts(batch, mask)
    W = lexicon.__dict__["_ngram_weights"]
    n_tokens = np.bincount(batch.token_doc[mask] if mask is not None else batch.token_doc, minlength=batch.n_docs)
    per_1k = 1000.0 / np.maximum(n_tokens.astype(float), 1.0)
    return np.asarray(counts @ W) * per_1k[:, None]
