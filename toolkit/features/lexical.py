"""Lexical and style features: length, diversity, pronouns, stance markers, punctuation and emphasis.

Features (``lexical.<feature>``, for the whole article and ``@authorial`` / ``@quoted``):

- ``n_words``: word tokens of the scope (the toolkit tokenizer: "don't", "anti-terror" and "7,000" are one word);
- ``n_sentences``: sentences of the scope with at least one word (a sentence's voice is the voice of most of its
  words);
- ``mean_sentence_length``: words per sentence, over the sentences of the scope;
- ``type_token_ratio``: distinct words / words (0–1; falls with length, so compare texts of similar length);
- ``mtld``: measure of textual lexical diversity, tokens per factor, the mean of a forward and a backward pass
  with the factor threshold 0.72 (McCarthy & Jarvis 2010); 0 for an empty scope;
- ``long_word_share``: share of words with at least 7 letters (0–1);
- ``numbers_per_1k``: tokens holding a digit ("2020", "7.5"), per 1,000 words;
- ``first_singular_per_1k``, ``first_plural_per_1k`` ("we", "our", "us"), ``second_person_per_1k``,
  ``third_plural_per_1k`` ("they", "them"): pronoun classes per 1,000 words;
- ``modals_per_1k``, ``hedges_per_1k`` ("perhaps", "reportedly", "according to"), ``boosters_per_1k``
  ("clearly", "undoubtedly", "of course"), ``intensifiers_per_1k`` ("very", "extremely"): per 1,000 words;
- ``superlatives_per_1k``: "best", "worst", "most", "least" and regular "-est" superlatives (a word ending in
  "-est" whose base — largest → large, biggest → big, happiest → happy — is in the CMU dictionary, minus a list of
  non-superlatives such as "interest", "protest"), per 1,000 words;
- ``exclamations_per_1k``, ``questions_per_1k``: sentences ending with "!" / "?" (closing quotes skipped), per
  1,000 words of the scope's sentences;
- ``allcaps_per_1k``: words written in capitals for emphasis, per 1,000 words. A word counts when all its letters
  are upper-case and it is not an acronym: it has at least 4 letters, or 2–3 letters and is one of the Dale–Chall
  familiar words ("WAR", "NOT"), and it is not on the acronym list of ``style.yaml`` ("NATO", "COVID", "US").
  "US" in capitals is the United States, not the pronoun: it is not counted in ``first_plural_per_1k``.

Word lists: ``toolkit/data/style.yaml`` (registry name ``style``), written for this project after Hyland (2005)
and Biber (1988) categories, Apache-2.0.

References:
    McCarthy, P. M. & Jarvis, S. (2010). MTLD, vocd-D, and HD-D: A validation study of sophisticated approaches to
    lexical diversity assessment. Behavior Research Methods 42(2), 381-392.
    Hyland, K. (2005). Metadiscourse: Exploring Interaction in Writing. Continuum.
    Biber, D. (1988). Variation across Speech and Writing. Cambridge University Press.
"""

from __future__ import annotations

import re
from itertools import accumulate

import numpy as np

from toolkit.features._batch import Batch
from toolkit.features._evidence import sentence_evidence, token_evidence
from toolkit.features._wordstats import easy_words, type_table, warm_up
from toolkit.lexicons import load_lexicon

NAME = "lexical"
DEFAULT = True

MTLD_THRESHOLD = 0.72

_STYLE_FEATURES = {
    "first_singular_per_1k": "first_singular",
    "first_plural_per_1k": "first_plural",
    "second_person_per_1k": "second_person",
    "third_plural_per_1k": "third_plural",
    "modals_per_1k": "modals",
    "hedges_per_1k": "hedges",
    "boosters_per_1k": "boosters",
    "intensifiers_per_1k": "intensifiers",
}

FEATURES = {
    "n_words": "word tokens (count)",
    "n_sentences": "sentences with at least one word (count)",
    "mean_sentence_length": "words per sentence",
    "type_token_ratio": "distinct words / words (0-1)",
    "mtld": "MTLD lexical diversity, tokens per factor (threshold 0.72, mean of both directions)",
    "long_word_share": "share of words with 7 or more letters (0-1)",
    "numbers_per_1k": "tokens holding a digit per 1,000 words",
    "first_singular_per_1k": "I/me/my per 1,000 words",
    "first_plural_per_1k": "we/us/our per 1,000 words",
    "second_person_per_1k": "you/your per 1,000 words",
    "third_plural_per_1k": "they/them/their per 1,000 words",
    "modals_per_1k": "modal auxiliaries per 1,000 words",
    "hedges_per_1k": "hedges per 1,000 words (Hyland 2005 category)",
    "boosters_per_1k": "boosters and certainty markers per 1,000 words (Hyland 2005 category)",
    "intensifiers_per_1k": "intensifiers per 1,000 words",
    "superlatives_per_1k": "superlatives per 1,000 words",
    "exclamations_per_1k": "sentences ending with '!' per 1,000 words",
    "questions_per_1k": "sentences ending with '?' per 1,000 words",
    "allcaps_per_1k": "all-capital emphasis words (not acronyms) per 1,000 words",
}

# A word in capitals: [A-Z][A-Z'’-]*[A-Z], not preceded by a word character, apostrophe or hyphen (checked with
# ``_WORDISH_RE`` after the match, which is tried only at token starts: see ``_upper_scan``).
_ALLCAPS_RE = re.compile(r"[A-Z][A-Z'’-]*[A-Z](?=(?:['’]s)?(?![\w'’-]))")
_WORDISH_RE = re.compile(r"[\w'’-]")


def style_lexicon():
    return load_lexicon("style")


def prepare() -> None:
    """Load word lists before worker processes are forked."""
    warm_up()
    style_lexicon()


def lexicon_checksums() -> list[str]:
    return [f"style:{style_lexicon().sha256}"]


# -- per-token flags ---------------------------------------------------------------------------------------


def _cache(batch: Batch) -> dict:
    cache = batch.__dict__.get("_lexical_cache")
    if cache is None:
        cache = batch.__dict__["_lexical_cache"] = {}
    return cache


def allcaps_tokens(batch: Batch) -> np.ndarray:
    """Per token: written in capitals for emphasis (see the module docstring)."""
    _upper_scan(batch)
    return _cache(batch)["allcaps"]


def upper_tokens(batch: Batch) -> np.ndarray:
    """Per token: every letter upper-case, at least two letters ("US", "NATO", "NEVER")."""
    _upper_scan(batch)
    return _cache(batch)["upper"]


def _upper_scan(batch: Batch) -> None:
    cache = _cache(batch)
    if "allcaps" in cache:
        return
    n = len(batch.token_ids)
    out = np.zeros(n, dtype=bool)
    upper = np.zeros(n, dtype=bool)
    # A word in capitals starts and ends with a capital and has two characters or more: only tokens like that (a
    # few per article) are tried with the pattern, read from the code points of all texts at once; scanning every
    # text with the pattern costs three times more. The pattern matches at a token start that follows no word
    # character exactly where a scan of the whole text finds it: a match that began earlier would hold that
    # character.
    cache["allcaps"], cache["upper"] = out, upper
    if not n:
        return
    texts = [seg.text for seg in batch.layouts]
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bases = np.fromiter(accumulate((len(t) + 1 for t in texts[:-1]), initial=0), dtype=np.int64, count=len(texts))
    starts = np.concatenate([seg.token_start for seg in batch.layouts]).astype(np.int64)
    ends = np.concatenate([seg.token_end for seg in batch.layouts]).astype(np.int64)
    at = bases[batch.token_doc]
    first, last = codes[starts + at], codes[ends - 1 + at]
    candidates = np.flatnonzero((ends - starts >= 2) & (first >= 65) & (first <= 90) & (last >= 65) & (last <= 90))
    acronyms = set(style_lexicon().terms("acronyms"))
    easy = easy_words()
    emphasis: dict[str, bool] = {}  # by the capitals as written
    hits, hit_emphasis = [], []
    for p, d, s, e in zip(candidates.tolist(), batch.token_doc[candidates].tolist(), starts[candidates].tolist(),
                          ends[candidates].tolist()):
        text = texts[d]
        m = _ALLCAPS_RE.match(text, s)
        if m is None or m.end() != e or (s and _WORDISH_RE.match(text, s - 1)):
            continue
        written = m.group()
        flag = emphasis.get(written)
        if flag is None:
            word = written.lower().replace("’", "'")
            n_letters = len(word) - word.count("'") - word.count("-")  # the match holds only A-Z ' ’ -
            flag = emphasis[written] = not (word in acronyms or n_letters < 2 or (n_letters < 4 and word not in easy))
        hits.append(p)
        hit_emphasis.append(flag)
    upper[hits] = True
    out[hits] = hit_emphasis


def _us_caps(batch: Batch) -> np.ndarray:
    us = batch.vocab.get("us")
    if us is None:
        return np.zeros(len(batch.token_ids), dtype=bool)
    return (batch.token_ids == us) & upper_tokens(batch)


def _token_field(batch: Batch, field: str) -> np.ndarray:
    cache = _cache(batch)
    key = f"type:{field}"
    if key not in cache:
        table = type_table(batch.vocab)
        cache[key] = table.arrays[field][batch.token_ids]
    return cache[key]


def _doc_sum(batch: Batch, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.bincount(batch.token_doc[mask], weights=values[mask], minlength=batch.n_docs).astype(np.float64)


# -- diversity ---------------------------------------------------------------------------------------------


def _mtld_pass(ids: list[int], threshold: float = MTLD_THRESHOLD) -> float:
    """Factors of one pass (McCarthy & Jarvis 2010): full factors plus the partial factor of the remainder."""
    factors = 0.0
    seen: set[int] = set()
    n = 0
    for t in ids:
        n += 1
        seen.add(t)
        if len(seen) <= threshold * n:
            factors += 1.0
            seen = set()
            n = 0
    if n:
        ttr = len(seen) / n
        if ttr < 1.0:
            factors += (1.0 - ttr) / (1.0 - threshold)
    return factors


def mtld(ids, threshold: float = MTLD_THRESHOLD) -> float:
    """MTLD of one token sequence: the mean over a forward and a backward pass of tokens / factors.

    A factor ends at the first token where the type-token ratio of the current segment is at most ``threshold``;
    the remainder adds the partial factor (1 − TTR) / (1 − threshold). When a pass has no factor at all (no
    repeated word), it counts as one factor of the whole length, so short texts get MTLD = length.
    """
    ids = list(ids)
    n = len(ids)
    if n == 0:
        return 0.0
    values = []
    for seq in (ids, ids[::-1]):
        f = _mtld_pass(seq, threshold)
        values.append(n / f if f > 0 else float(n))
    return float(np.mean(values))


def _neighbours(ids, seq, order=None):
    """Per position: the previous and the next position of the same id in the same sequence (-1 when none).

    ``order``: the positions sorted by sequence, id and position, when the caller has them already.
    """
    n = len(ids)
    key = seq.astype(np.int64) * (int(ids.max()) + 1) + ids
    if order is None:
        order = np.argsort(key, kind="stable")
    prev = np.full(n, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    sorted_key = key[order]
    same = sorted_key[1:] == sorted_key[:-1]
    prev[order[1:][same]] = order[:-1][same]
    nxt[order[:-1][same]] = order[1:][same]
    return prev, nxt


def _factors(prev, bounds, threshold=MTLD_THRESHOLD, chunk=128):
    """MTLD factors of each sequence ``bounds[i]:bounds[i+1]`` (one pass), vectorised over sequences.

    ``prev``: per position, the previous position of the same word in the same sequence (-1 when none).
    Each round reads the next ``chunk`` positions of every unfinished sequence, carrying the count of distinct
    words of the current factor over from the previous round, and either ends the factor at the first position
    where the type-token ratio is at most ``threshold`` or moves on to the next chunk.
    """
    n_seq = len(bounds) - 1
    n = len(prev)
    factors = np.zeros(n_seq)
    if n == 0:
        return factors
    start = bounds[:-1].astype(np.int64).copy()  # where each sequence's current factor began
    cursor = start.copy()  # the next position to read
    types = np.zeros(n_seq, dtype=np.int64)  # distinct words of the current factor before ``cursor``
    ends = bounds[1:].astype(np.int64)
    offs = np.arange(chunk)
    active = np.flatnonzero(cursor < ends)
    while len(active):
        c, s, e = cursor[active], start[active], ends[active]
        idx = c[:, None] + offs[None, :]
        valid = idx < e[:, None]
        new = (prev[np.minimum(idx, n - 1)] < s[:, None]) & valid  # a word not seen since the factor began
        seen = types[active][:, None] + np.cumsum(new, axis=1)
        hit = (seen <= threshold * (idx - s[:, None] + 1)) & valid
        any_hit = hit.any(axis=1)
        # a complete factor: the next one starts after the first position where TTR <= threshold
        done = active[any_hit]
        factors[done] += 1.0
        start[done] = cursor[done] = c[any_hit] + hit[any_hit].argmax(axis=1) + 1
        types[done] = 0
        # no factor ends in the chunk: carry the count on
        miss = ~any_hit
        last = np.minimum(e - c, chunk)[miss] - 1
        going = active[miss]
        types[going] = seen[miss, last]
        cursor[going] = c[miss] + last + 1
        # the sequence is over inside an unfinished factor: the partial factor of the remainder
        over = going[cursor[going] >= ends[going]]
        if len(over):
            ttr = types[over] / (ends[over] - start[over])
            factors[over] += np.where(ttr < 1.0, (1.0 - ttr) / (1.0 - threshold), 0.0)
        active = np.flatnonzero(cursor < ends)
    return factors


def mtld_batch(ids, bounds, threshold=MTLD_THRESHOLD, order=None):
    """MTLD of every sequence ``ids[bounds[i]:bounds[i + 1]]``, as ``mtld`` computes it, vectorised.

    All sequences (and their reversals, for the backward pass) advance together: each round finds, for every
    sequence, where its current factor ends, from the running count of words not seen since the factor began
    (a word is new when its previous occurrence lies before the factor's start). ``order``: the positions sorted
    by sequence, id and position (``Batch.type_order``), when the caller has them.
    """
    ids = np.asarray(ids)
    bounds = np.asarray(bounds, dtype=np.int64)
    n_seq = len(bounds) - 1
    lengths = np.diff(bounds).astype(np.float64)
    n = len(ids)
    if n == 0:
        return np.zeros(n_seq)
    seq = np.repeat(np.arange(n_seq), np.diff(bounds))
    prev, nxt = _neighbours(ids, seq, order)
    # The backward pass reads every sequence reversed in place: position p there is forward position rev[p]
    # (rev is its own inverse), and the previous occurrence in reverse is the next occurrence forward.
    pos_in = np.arange(n) - bounds[seq]
    rev = bounds[seq] + (np.diff(bounds)[seq] - 1 - pos_in)
    nxt_rev = nxt[rev]
    prev_backward = np.where(nxt_rev >= 0, rev[np.maximum(nxt_rev, 0)] + n, -1)
    both_prev = np.concatenate([prev, prev_backward])
    both_bounds = np.concatenate([bounds, bounds[1:] + n])
    f = _factors(both_prev, both_bounds, threshold)
    out = np.zeros(n_seq)
    for part in (f[:n_seq], f[n_seq:]):
        out += np.divide(lengths, part, out=lengths.copy(), where=part > 0)
    return np.where(lengths > 0, out / 2.0, 0.0)


# -- features ----------------------------------------------------------------------------------------------


def compute(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    mask = batch.mask(scope)
    n_words = batch.n_words(scope)
    out: dict[str, np.ndarray] = {"n_words": n_words}

    s_mask = batch.sentence_token_mask(scope)
    s_words = np.bincount(batch.token_doc[s_mask], minlength=batch.n_docs).astype(np.float64)
    n_sent = batch.n_sentences(scope)
    out["n_sentences"] = n_sent
    out["mean_sentence_length"] = _ratio(s_words, n_sent)

    counts = batch.counts(scope)
    n_types = np.diff(counts.indptr).astype(np.float64)
    out["type_token_ratio"] = _ratio(n_types, n_words)
    ids, doc = batch.token_ids[mask], batch.token_doc[mask]
    out["mtld"] = mtld_batch(ids, np.searchsorted(doc, np.arange(batch.n_docs + 1)), order=batch.type_order(mask))

    table = type_table(batch.vocab)
    width = counts.shape[1]

    def type_sum(field):  # per-article sums of a per-type property: one sparse product
        return counts @ table.arrays[field][:width]

    out["long_word_share"] = _ratio(type_sum("long"), n_words)
    out["numbers_per_1k"] = batch.per_1k(type_sum("number"), scope)

    style = style_lexicon()
    hits = batch.lexicon_counts(style, scope)
    for feat, cat in _STYLE_FEATURES.items():
        out[feat] = batch.per_1k(hits[:, style.category_index(cat)], scope)
    # "US" (the United States) is not the pronoun "us".
    us_caps = _us_caps(batch)
    out["first_plural_per_1k"] = batch.per_1k(
        hits[:, style.category_index("first_plural")] - _doc_sum(batch, us_caps.astype(np.float64), mask), scope
    )
    out["superlatives_per_1k"] = batch.per_1k(type_sum("superlative"), scope)

    terminal = batch.sentence_terminal
    in_scope = batch.sentence_mask(scope) & (batch.sentence_lengths(scope) > 0)
    for feat, mark in (("exclamations_per_1k", "!"), ("questions_per_1k", "?")):
        n = batch.doc_sum((in_scope & (terminal == mark)).astype(np.float64)) if len(terminal) else np.zeros(batch.n_docs)
        out[feat] = _per_1k(n, s_words)
    out["allcaps_per_1k"] = batch.per_1k(_doc_sum(batch, allcaps_tokens(batch).astype(np.float64), mask), scope)
    return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _per_1k(num: np.ndarray, words: np.ndarray) -> np.ndarray:
    return _ratio(np.asarray(num, dtype=np.float64) * 1000.0, words)


# -- evidence ----------------------------------------------------------------------------------------------


def explain(batch: Batch, doc: int, feature: str, scope: str):
    if feature in _STYLE_FEATURES:
        rows = batch.lexicon_evidence(doc, style_lexicon(), _STYLE_FEATURES[feature], scope)
        if feature == "first_plural_per_1k":
            rows = rows[~rows["term"].str.fullmatch("US")].reset_index(drop=True)
        return rows
    token_flags = {
        "long_word_share": lambda: _token_field(batch, "long") > 0,
        "numbers_per_1k": lambda: _token_field(batch, "number") > 0,
        "superlatives_per_1k": lambda: _token_field(batch, "superlative") > 0,
        "allcaps_per_1k": lambda: allcaps_tokens(batch),
    }
    if feature in token_flags:
        return token_evidence(batch, doc, token_flags[feature](), feature, scope)
    if feature in ("exclamations_per_1k", "questions_per_1k"):
        mark = "!" if feature.startswith("exclamations") else "?"
        return sentence_evidence(batch, doc, batch.sentence_terminal == mark, feature, scope)
    if feature in ("n_words", "type_token_ratio", "mtld"):
        # Every word of the scope, each weighted by how often its type occurs in the article's scope.
        lo, hi = int(batch.doc_ptr[doc]), int(batch.doc_ptr[doc + 1])
        ids = batch.token_ids[lo:hi]
        mask = batch.mask(scope)[lo:hi]
        freq = np.zeros(len(batch.token_ids))
        if mask.any():
            uniq, inv, cnt = np.unique(ids[mask], return_inverse=True, return_counts=True)
            freq[lo:hi][mask] = cnt[inv]
        return token_evidence(batch, doc, np.ones(len(batch.token_ids), dtype=bool), feature, scope, weights=freq)
    # n_sentences, mean_sentence_length: the sentences with their word counts.
    lengths = batch.sentence_lengths(scope)
    return sentence_evidence(batch, doc, None, feature, scope, weights=lengths)

