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

import numpy as np

from toolkit._compiled import compiled
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
    """Load word lists and compile MTLD's loop before worker processes are forked."""
    warm_up()
    style_lexicon()
    compiled(_factor_loop)(np.zeros(1, dtype=np.int64), np.array([0, 1], dtype=np.int64), 1, MTLD_THRESHOLD)


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
    cache["upper_at"] = cache["allcaps_at"] = np.zeros(0, dtype=np.int64)
    if not n:
        return
    texts = [seg.text for seg in batch.layouts]
    codes, bases = batch.code_points
    starts, ends = batch.token_start, batch.token_end
    at = bases[batch.token_doc]
    first, last = codes[starts + at], codes[ends - 1 + at]
    candidates = np.flatnonzero((ends - starts >= 2) & (first >= 65) & (first <= 90) & (last >= 65) & (last <= 90))
    # Most candidates are plain: A to Z only, after and before an ASCII character that is no word character, or the
    # text's start or end. The pattern matches such a token exactly (it can go no further), so only the others are
    # tried with it.
    if not len(candidates):
        return
    _acronyms()  # (forgets the words judged before when the acronym list changed)
    c_start, c_end, c_doc = starts[candidates], ends[candidates], batch.token_doc[candidates]
    c_at = at[candidates]
    lengths = c_end - c_start
    inside = np.repeat(c_start + c_at - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    letters_only = np.add.reduceat((codes[inside] >= 65) & (codes[inside] <= 90), np.cumsum(lengths) - lengths)
    text_len = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))[c_doc]
    before = codes[np.maximum(c_start + c_at - 1, 0)]
    after = codes[np.minimum(c_end + c_at, len(codes) - 1)]
    plain = ((letters_only == lengths) & ((c_start == 0) | ((before < 128) & ~_ASCII_WORDISH[np.minimum(before, 127)]))
             & ((c_end == text_len) | ((after < 128) & ~_ASCII_WORDISH[np.minimum(after, 127)])))
    is_hit = plain.copy()
    flags = np.zeros(len(candidates), dtype=bool)
    terms = batch.vocab.terms
    for k, t in zip(np.flatnonzero(plain).tolist(), batch.token_ids[candidates[plain]].tolist()):
        flags[k] = _emphasis(terms[t].upper())
    for k in np.flatnonzero(~plain).tolist():
        text, s, e = texts[c_doc[k]], int(c_start[k]), int(c_end[k])
        m = _ALLCAPS_RE.match(text, s)
        if m is None or m.end() != e or (s and _WORDISH_RE.match(text, s - 1)):
            continue
        is_hit[k] = True
        flags[k] = _emphasis(m.group())
    hits = candidates[is_hit]
    upper[hits] = True
    out[hits] = flags[is_hit]
    cache["upper_at"] = hits.astype(np.int64)
    cache["allcaps_at"] = hits[flags[is_hit]].astype(np.int64)


_ASCII_WORDISH = np.array([chr(c).isalnum() or chr(c) in "_'-" for c in range(128)])
_EMPHASIS: dict[str, bool] = {}


def _emphasis(written: str) -> bool:
    """Whether a word written in capitals is so for emphasis, not an acronym (see the module docstring); kept."""
    flag = _EMPHASIS.get(written)
    if flag is None:
        if len(_EMPHASIS) > 100_000:
            _EMPHASIS.clear()
        word = written.lower().replace("’", "'")
        n_letters = len(word) - word.count("'") - word.count("-")  # the match holds only A-Z ' ’ -
        flag = _EMPHASIS[written] = not (word in _acronyms() or n_letters < 2
                                         or (n_letters < 4 and word not in easy_words()))
    return flag


def _acronyms() -> frozenset:
    """The acronyms of the style lexicon in use."""
    lexicon = style_lexicon()
    held = _ACRONYMS.get("held")
    if held is None or held[0] is not lexicon:
        held = _ACRONYMS["held"] = (lexicon, frozenset(lexicon.terms("acronyms")))
        _EMPHASIS.clear()
    return held[1]


_ACRONYMS: dict = {}


def _us_caps(batch: Batch) -> np.ndarray:
    """Positions of the tokens "US" in capitals (the United States, not the pronoun)."""
    cache = _cache(batch)
    if "us_caps_at" not in cache:
        _upper_scan(batch)
        upper = cache["upper_at"]
        us = batch.vocab.get("us")
        cache["us_caps_at"] = upper[batch.token_ids[upper] == us] if us is not None else upper[:0]
    return cache["us_caps_at"]


def _token_field(batch: Batch, field: str) -> np.ndarray:
    cache = _cache(batch)
    key = f"type:{field}"
    if key not in cache:
        table = type_table(batch.vocab)
        cache[key] = table.arrays[field][batch.token_ids]
    return cache[key]


def _doc_count(batch: Batch, positions: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per article, how many of the tokens at ``positions`` are under ``mask``."""
    return np.bincount(batch.token_doc[positions[mask[positions]]], minlength=batch.n_docs).astype(np.float64)


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


def _factor_loop(ids, bounds, n_types, threshold):
    """MTLD factors of each sequence ``ids[bounds[i]:bounds[i + 1]]``: the forward passes, then the backward passes
    (``2 × len(bounds) − 2`` values), as ``_mtld_pass`` counts them.

    Compiled (``toolkit._compiled``): the passes are sequential (a factor starts where the previous one ended), so
    numpy can only run them in rounds of chunks over all sequences at once, and the rounds cost ten times more.
    A word is new to the current factor when its stamp is not the factor's number: nothing is cleared between
    factors. ``n_types``: one more than the largest id.
    """
    n_seq = len(bounds) - 1
    out = np.zeros(2 * n_seq)
    stamp = np.full(n_types, -1, np.int64)
    factor = 0
    for d in range(n_seq):
        lo = bounds[d]
        hi = bounds[d + 1]
        for backward in range(2):
            factors = 0.0
            types = 0
            n = 0
            factor += 1
            for k in range(hi - lo):
                t = ids[hi - 1 - k] if backward else ids[lo + k]
                n += 1
                if stamp[t] != factor:
                    stamp[t] = factor
                    types += 1
                if types <= threshold * n:
                    factors += 1.0
                    factor += 1
                    types = 0
                    n = 0
            if n:
                ttr = types / n
                if ttr < 1.0:
                    factors += (1.0 - ttr) / (1.0 - threshold)
            out[backward * n_seq + d] = factors
    return out


def mtld_batch(ids, bounds, threshold=MTLD_THRESHOLD):
    """MTLD of every sequence ``ids[bounds[i]:bounds[i + 1]]``, as ``mtld`` computes it, in compiled code."""
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    bounds = np.ascontiguousarray(bounds, dtype=np.int64)
    n_seq = len(bounds) - 1
    lengths = np.diff(bounds).astype(np.float64)
    if not len(ids):
        return np.zeros(n_seq)
    f = compiled(_factor_loop)(ids, bounds, int(ids.max()) + 1, float(threshold))
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
    out["mtld"] = mtld_batch(ids, np.searchsorted(doc, np.arange(batch.n_docs + 1)))

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
    out["first_plural_per_1k"] = batch.per_1k(
        hits[:, style.category_index("first_plural")] - _doc_count(batch, _us_caps(batch), mask), scope
    )
    out["superlatives_per_1k"] = batch.per_1k(type_sum("superlative"), scope)

    terminal = batch.sentence_terminal
    in_scope = batch.sentence_mask(scope) & (batch.sentence_lengths(scope) > 0)
    for feat, mark in (("exclamations_per_1k", "!"), ("questions_per_1k", "?")):
        n = batch.doc_sum((in_scope & (terminal == mark)).astype(np.float64)) if len(terminal) else np.zeros(batch.n_docs)
        out[feat] = _per_1k(n, s_words)
    _upper_scan(batch)
    out["allcaps_per_1k"] = batch.per_1k(_doc_count(batch, _cache(batch)["allcaps_at"], mask), scope)
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

