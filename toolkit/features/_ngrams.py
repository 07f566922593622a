"""Counts of a fixed list of word unigrams and bigrams in a ``Batch``, without re-tokenizing any text.

The detectors (``toolkit.detectors``) read texts as the toolkit's tokens plus the bigrams of adjacent tokens; a
``NgramIndex`` finds the same terms in a batch's flat token-id arrays, in one compiled pass over the tokens:
unigrams through a vocabulary-id → column array, bigrams through an open-addressing hash table of (first id, second
id) keys, each slot one 64-bit number holding the key and its column (one memory read per probe). The tokens of a
scope are read as one sequence per article, so ``counts(batch, mask)`` equals counting the terms in the text of the
scope's spans joined together, which is what the detectors were trained on.

Prefix terms (``econom*``, as in unfitted seed-cue lexicons) match every unigram that starts with the stem; an exact
term takes precedence, then the first prefix in list order.
"""

from __future__ import annotations

import weakref
from itertools import repeat

import numpy as np
from scipy import sparse

from toolkit._compiled import compiled
from toolkit.lexicons import Vocabulary

_ID_BITS = 21  # word ids and columns below 2**21 (2,097,152): a key (two ids) and a column fit in 63 bits
_ID_LIMIT = 1 << _ID_BITS
_HEAD = 3  # letters of a prefix term's stem looked up first (``NgramIndex._sync``)


class NgramIndex:
    """Column positions of unigram, prefix and bigram terms (``"word"``, ``"stem*"``, ``"first second"``)."""

    def __init__(self, terms):
        self.terms = list(terms)
        self.unigrams: dict[str, int] = {}
        self.prefixes: dict[str, int] = {}
        self.bigrams: list[tuple[str, str, int]] = []
        for j, term in enumerate(self.terms):
            if " " in term:
                first, _, second = term.partition(" ")
                if " " not in second:  # longer n-grams are not read by any detector
                    self.bigrams.append((first, second, j))
            elif term.endswith("*") and len(term) > 1:
                self.prefixes.setdefault(term[:-1], j)
            else:
                self.unigrams.setdefault(term, j)
        self._prefix_tuple = tuple(self.prefixes)
        # A term can start with a stem only if it starts with the stem's first letters: one set lookup rules out
        # most terms (``_HEAD`` letters, or the whole stem when shorter).
        self._prefix_heads = frozenset(stem[:_HEAD] for stem in self.prefixes)
        self._vocab_ref = None
        self._uni_cols = np.zeros(0, dtype=np.int64)
        self._big_first = np.zeros(1, dtype=bool)
        self._table = None  # the bigram hash table: (slots, number of probes)
        self._filter = _NO_FILTER  # a bit per hash prefix of the bigram keys (``_key_filter``)
        if len(self.terms) >= _ID_LIMIT:
            raise ValueError(f"an n-gram index holds fewer than {_ID_LIMIT:,} terms, got {len(self.terms):,}")

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
                if max(int(first.max()), int(second.max())) >= _ID_LIMIT:
                    raise ValueError(f"bigram words need vocabulary ids below {_ID_LIMIT:,}; the vocabulary holds "
                                     f"{len(vocab):,} terms")
                keys = first * _ID_LIMIT + second
                order = np.argsort(keys, kind="stable")
                keys, cols = keys[order], np.asarray([c for _, _, c in self.bigrams], dtype=np.int64)[order]
                first_of_key = np.ones(len(keys), dtype=bool)
                first_of_key[1:] = keys[1:] != keys[:-1]  # a duplicate term keeps its first column
                self._big_first = np.zeros(int(first.max()) + 2, dtype=bool)  # last entry: ids beyond, never set
                self._big_first[first] = True
                self._table = _hash_table(keys[first_of_key], cols[first_of_key])
                self._filter = _key_filter(keys[first_of_key], len(self._table[0]))
        seen = len(self._uni_cols)
        if seen == len(vocab):
            return
        terms = vocab.terms[seen:]
        new = np.fromiter(map(self.unigrams.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
        stems, heads = self._prefix_tuple, self._prefix_heads
        if stems:  # an exact term first, then the first prefix in list order
            short = any(len(head) < _HEAD for head in heads)
            for k in np.flatnonzero(new < 0).tolist():
                term = terms[k]
                if (term[:_HEAD] in heads or short) and term.startswith(stems):
                    new[k] = next(self.prefixes[s] for s in stems if term.startswith(s))
        self._uni_cols = np.concatenate((self._uni_cols, new))

    def counts(self, batch, mask: np.ndarray | None = None) -> sparse.csr_matrix:
        """Articles × terms counts over the tokens selected by ``mask`` (all tokens when None); canonical (sorted
        columns, no duplicates), as the plain count of the terms gives them."""
        self._sync(batch.vocab)
        ids, docs = batch.masked_tokens(mask)
        indptr, indices, data = count_terms(ids, docs, batch.n_docs, len(self.terms), self._uni_cols, self)
        return sparse.csr_matrix((data, indices, indptr), shape=(batch.n_docs, len(self.terms)))


def count_terms(ids: np.ndarray, docs: np.ndarray, n_docs: int, n_terms: int, uni_cols: np.ndarray,
                index: NgramIndex | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_count_loop``'s CSR arrays for the tokens ``ids`` of the articles ``docs`` (int64): unigrams through
    ``uni_cols``, and the bigrams of ``index`` (synced to the vocabulary) when given."""
    table = index._table[0] if index is not None and index._table is not None else _NO_TABLE
    big_first = index._big_first if index is not None else _NO_BIGRAM_FIRST
    key_filter = index._filter if index is not None else _NO_FILTER
    shift = 64 - (len(table).bit_length() - 1)  # a home slot is the top bits of the hashed key
    return compiled(_count_loop)(ids, docs, n_docs, n_terms, uni_cols, big_first, table, np.uint64(shift), key_filter,
                                 np.uint64(64 - _filter_bits(key_filter)))


def warm_up() -> None:
    """Compile the counting loop (before worker processes are forked)."""
    none = np.zeros(0, dtype=np.int64)
    count_terms(none, none, 0, 0, none)
    _hash_table(none, none)
    compiled(_tfidf_decision_loop)(np.zeros(1, np.int32), np.zeros(0, np.int32), np.zeros(0), np.ones(1), np.zeros(0),
                                   np.zeros((1, 1)))


def _count_loop(ids, docs, n_docs, n_terms, uni_cols, big_first, table, shift, key_filter, filter_shift):
    """CSR arrays (indptr, indices, data) of the term counts of each article's tokens ``ids`` (``docs``: their
    article, non-decreasing): a token counts for its unigram column (``uni_cols``, -1 for none), and a token and the
    next one of the same article for their bigram's column, looked up in the ``_hash_table`` (no table: empty
    arrays; ``shift``: 64 minus the table's bits, as ``_slots`` hashes) when the ``_key_filter`` (``filter_shift``:
    64 minus its bits) lets the key through: most adjacent pairs are no bigram of the list, and the filter, a
    sixteenth of the table's size, tells so without a read in the table, which is too large to stay in the cache.

    Compiled (``toolkit._compiled``): one pass over the tokens, where numpy needs a dozen over the candidate pairs
    and a sort of all the hits. An article's columns come out sorted without a sort: each hit sets the column's
    bit in a bitmap of all columns, which is then read word by word (set bits in order, found by a de Bruijn
    multiply).
    """
    n = len(ids)
    indptr = np.zeros(n_docs + 1, np.int32)
    indices = np.empty(2 * n, np.int32)
    data = np.empty(2 * n)
    count = np.zeros(n_terms, np.int64)
    bits = np.zeros((n_terms + 63) // 64, np.uint64)
    size = len(table)
    column = np.int64(_ID_LIMIT - 1)
    n_first = len(big_first) - 1  # ids from here on start no bigram
    one = np.uint64(1)
    nnz = 0
    i = 0
    while i < n:
        d = docs[i]
        j = i
        while j < n and docs[j] == d:
            j += 1
        for k in range(i, j):
            t = ids[k]
            c = uni_cols[t]
            if c >= 0:
                count[c] += 1
                bits[c >> 6] |= one << np.uint64(c & 63)
            if size and k + 1 < j and t < n_first and big_first[t] and ids[k + 1] < _ID_LIMIT:
                key = t * _ID_LIMIT + ids[k + 1]
                hashed = np.uint64(key) * _GOLDEN_U
                bit = hashed >> filter_shift
                if not (key_filter[np.int64(bit >> np.uint64(6))] >> (bit & np.uint64(63))) & one:
                    continue
                slot = np.int64(hashed >> shift)
                while table[slot] != _EMPTY:
                    if table[slot] >> _ID_BITS == key:
                        c = table[slot] & column
                        count[c] += 1
                        bits[c >> 6] |= one << np.uint64(c & 63)
                        break
                    slot = (slot + 1) & (size - 1)
        for w in range(len(bits)):
            word = bits[w]
            if word:
                bits[w] = 0
                while word:
                    low = word & (~word + one)  # the lowest set bit
                    c = w * 64 + _DE_BRUIJN_BIT[np.int64((low * _DE_BRUIJN) >> np.uint64(58))]
                    indices[nnz] = c
                    data[nnz] = count[c]
                    count[c] = 0
                    nnz += 1
                    word ^= low
        indptr[d + 1] = nnz
        i = j
    for d in range(n_docs):  # articles without tokens end where the previous one did
        if indptr[d + 1] < indptr[d]:
            indptr[d + 1] = indptr[d]
    return indptr, indices[:nnz].copy(), data[:nnz].copy()


def _de_bruijn_table(multiplier: int) -> np.ndarray:
    """Bit index of ``2**b`` from the top 6 bits of ``2**b × multiplier`` (a de Bruijn sequence: all distinct)."""
    table = np.zeros(64, dtype=np.int64)
    for b in range(64):
        table[((1 << b) * multiplier % (1 << 64)) >> 58] = b
    return table


_DE_BRUIJN = np.uint64(0x022FDD63CC95386D)
_DE_BRUIJN_BIT = _de_bruijn_table(int(_DE_BRUIJN))


_EMPTY = np.int64(-1)
_GOLDEN_U = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio
_GOLDEN = _GOLDEN_U.astype(np.int64)  # the same bits as a signed 64-bit number
_NO_TABLE = np.full(0, _EMPTY, dtype=np.int64)


def _slots(keys: np.ndarray, bits: int) -> np.ndarray:
    """Home slots of int64 keys in a table of 2**bits slots (multiplicative hashing)."""
    mixed = keys * _GOLDEN  # wraps around, as intended
    return (mixed.view(np.uint64) >> np.uint64(64 - bits)).view(np.int64)


_NO_FILTER = np.zeros(1, dtype=np.uint64)
_NO_BIGRAM_FIRST = np.zeros(1, dtype=bool)  # (its last entry stands for the ids beyond: none starts a bigram)


def _filter_bits(key_filter: np.ndarray) -> int:
    return (len(key_filter) * 64).bit_length() - 1


def _key_filter(keys: np.ndarray, n_slots: int) -> np.ndarray:
    """A bit for each value of the top bits of the hashed keys (sixteen times as many values as ``n_slots``), set
    for those of ``keys``: a key whose bit is not set is none of them."""
    bits = max(6, (n_slots * 16).bit_length() - 1)
    top = _slots(keys, bits).astype(np.uint64)
    out = np.zeros(1 << (bits - 6), dtype=np.uint64)
    np.bitwise_or.at(out, (top >> np.uint64(6)).astype(np.int64), np.uint64(1) << (top & np.uint64(63)))
    return out


def _hash_table(keys: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, int]:
    """An open-addressing table (linear probing, at most a quarter full) of distinct non-negative keys below 2**42 with
    their columns (below 2**21), each slot ``key << 21 | column`` (-1: empty); and the longest probe sequence.

    Looking a key up costs a probe or two in one small array, where a binary search in the sorted keys costs about
    fourteen dependent steps per key.
    """
    bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 4))))
    table = np.full(1 << bits, _EMPTY, dtype=np.int64)
    probes = compiled(_fill_loop)(table, keys.astype(np.int64), cols.astype(np.int64), _slots(keys, bits))
    return table, int(probes)


def _fill_loop(table, keys, cols, slots):
    """Put each key with its column in ``table`` from its home slot on (the next empty slot), in order; returns the
    longest probe sequence. Compiled (``toolkit._compiled``)."""
    size = len(table)
    probes = 1
    for k in range(len(keys)):
        slot = slots[k]
        n = 1
        while table[slot] != _EMPTY:
            slot = (slot + 1) & (size - 1)
            n += 1
        table[slot] = keys[k] << _ID_BITS | cols[k]
        probes = max(probes, n)
    return probes


def model_proba(model, batch, mask: np.ndarray | None = None, texts=None) -> np.ndarray:
    """``model.predict_proba`` of each article's tokens under ``mask``, from the batch's token ids.

    ``model`` is a ``toolkit.detectors.linear.LinearMultiLabel`` or another detector with ``predict_proba``. A
    model that reads more than word n-grams (character n-grams, a length column, context or extra features, a
    stacked span lexicon) is given the texts instead: ``texts()`` returns them.
    """
    reads_more = (getattr(model, "n_extra_", 0) or getattr(model, "context_weight", 0)
                  or getattr(model, "length_weight", 0))
    if set(getattr(model, "vocabularies_", ())) != {"word"} or reads_more:
        return model.predict_proba(texts())
    if "_ngram_index" not in model.__dict__:  # kept on the model: built once
        model.__dict__["_ngram_index"] = NgramIndex(model._word_names())
        model.__dict__["_coef_by_term"] = np.ascontiguousarray(model.coef_.T)
    counts = model.__dict__["_ngram_index"].counts(batch, mask)
    decision = tfidf_decision(counts, model.idf_["word"], model.__dict__["_coef_by_term"])
    return 1.0 / (1.0 + np.exp(-(decision + model.intercept_)))


def tfidf_decision(counts: sparse.csr_matrix, idf: np.ndarray, coef_by_term: np.ndarray) -> np.ndarray:
    """``_tfidf(counts, idf) @ coef_by_term`` (terms × labels), the same numbers bit for bit, in one compiled pass
    over the counts, without the TF-IDF matrix: each article's sublinear TF × IDF values, its norm, and its sums
    in the order ``scipy.sparse`` adds them. The logarithms come from numpy (one per count value), as ``_tfidf``
    takes them."""
    largest = int(counts.data.max()) if counts.nnz else 0
    sublinear = 1.0 + np.log(np.arange(largest + 1, dtype=np.float64)[1:])  # count k: sublinear[k - 1]
    return compiled(_tfidf_decision_loop)(counts.indptr, counts.indices, counts.data, idf, sublinear, coef_by_term)


def _tfidf_decision_loop(indptr, indices, data, idf, sublinear, coef_by_term):
    """``tfidf_decision`` after its arrays are made: per article, the values ``sublinear[count - 1] * idf`` in
    column order, the sum of their squares in that order (``np.bincount``'s), scaled by the reciprocal of its
    square root (1 when it is 0), then added times each label's coefficient, term after term. Compiled."""
    n_rows, n_labels = len(indptr) - 1, coef_by_term.shape[1]
    out = np.zeros((n_rows, n_labels))
    values = np.empty(len(data))
    for i in range(n_rows):
        a, b = indptr[i], indptr[i + 1]
        squares = 0.0
        for p in range(a, b):
            v = sublinear[np.int64(data[p]) - 1] * idf[indices[p]]
            values[p] = v
            squares += v * v
        norm = np.sqrt(squares)
        scale = 1.0 / (norm if norm != 0.0 else 1.0)
        for p in range(a, b):
            v = values[p] * scale
            c = indices[p]
            for j in range(n_labels):
                out[i, j] += v * coef_by_term[c, j]
    return out


def cue_scores(lexicon, batch, mask: np.ndarray | None = None) -> np.ndarray:
    """``CueLexicon.score`` of each article's tokens under ``mask``: cue weights per 1,000 tokens."""
    if "_ngram_weights" not in lexicon.__dict__:
        terms, _, lexicon.__dict__["_ngram_weights"] = lexicon._matrix()
        lexicon.__dict__["_ngram_index"] = NgramIndex(terms)
    counts = lexicon.__dict__["_ngram_index"].counts(batch, mask)
    W = lexicon.__dict__["_ngram_weights"]
    n_tokens = np.bincount(batch.masked_tokens(mask)[1], minlength=batch.n_docs)
    per_1k = 1000.0 / np.maximum(n_tokens.astype(float), 1.0)
    return np.asarray(counts @ W) * per_1k[:, None]
