"""A batch of segmented articles, read by every feature family.

Each article is segmented once. Tokens of all articles are concatenated into flat arrays (token id, article,
voice, sentence), so families count with sparse matrices and score lexicons with one matrix product instead of
looping over words.

Scopes: ``all`` is every token but boilerplate (the outlet's words, quotations and embedded posts), ``authorial``
and ``quoted`` are the tokens of those voices.
"""

from __future__ import annotations

import weakref
from functools import cached_property
from itertools import chain, count

import numpy as np
import pandas as pd
import scipy.sparse as sp

from toolkit._compiled import compiled
from toolkit.features._ngrams import count_terms
from toolkit.lexicons import Lexicon, Vocabulary, bounded_vocabulary
from toolkit.segment import VOICE_CODE, VOICES, Layout, Segmentation, _code_points, layouts, segment

SCOPES = ("all", "authorial", "quoted")

NEGATORS = frozenset(
    "not no never none nobody nothing neither nor nowhere cannot without hardly barely scarcely "
    "isn't aren't wasn't weren't don't doesn't didn't won't wouldn't can't couldn't shouldn't hasn't haven't "
    "hadn't mustn't ain't".split()
)
NEGATION_WINDOW = 3  # a word is negated when one of the three words before it, in its sentence, is a negator


_NEGATOR_FLAGS: dict = {}


def negator_flags(vocab: Vocabulary) -> np.ndarray:
    """Whether each term of a vocabulary, by id, is a negator; extended as the vocabulary grows (not rescanned
    every batch)."""
    entry = _NEGATOR_FLAGS.get(id(vocab))
    if entry is None or entry[0]() is not vocab:
        entry = _NEGATOR_FLAGS[id(vocab)] = [weakref.ref(vocab), np.zeros(0, dtype=bool)]
    flags = entry[1]
    if len(flags) < len(vocab):
        new = vocab.terms[len(flags) :]
        flags = entry[1] = np.concatenate((flags, [t in NEGATORS or t.endswith("n't") for t in new]))
    return flags


def phrase_table(lexicon: Lexicon, vocab: Vocabulary):
    """``lexicon.phrase_table(vocab)``, kept on the lexicon: phrase ids never change once assigned."""
    cached = lexicon.__dict__.get("_batch_phrase_table")
    if cached is None or cached[0]() is not vocab:
        cached = (weakref.ref(vocab), lexicon.phrase_table(vocab))
        lexicon.__dict__["_batch_phrase_table"] = cached
    return cached[1]


_JOINED_MATRICES: dict = {}


def _joined_matrix(lexicons: list[Lexicon], mats: list[sp.csr_matrix], vocab: Vocabulary) -> sp.csr_matrix:
    """The vocabulary × category matrices ``mats`` of ``lexicons`` side by side (kept between batches: a batch's new
    words add their rows to it)."""
    if len(mats) == 1:
        return mats[0]
    key = tuple(id(lexicon) for lexicon in lexicons)
    generations = tuple(lexicon._matrix_generation for lexicon in lexicons)
    held = _JOINED_MATRICES.get(key)
    if held is None and len(_JOINED_MATRICES) >= 16:  # lexicons made on the fly are not kept alive for ever
        _JOINED_MATRICES.clear()
    if held is not None and held[1]() is vocab and held[2] == generations:
        joined = held[3]
        if joined.shape[0] == mats[0].shape[0]:
            return joined
        rows = sp.hstack([mat[joined.shape[0] :] for mat in mats], format="csr")  # the new words' rows
        joined = sp.vstack([joined, rows], format="csr")
    else:
        joined = sp.hstack(mats, format="csr")
    _JOINED_MATRICES[key] = (lexicons, weakref.ref(vocab), generations, joined)  # the lexicons keep their ids
    return joined


def _phrase_categories(phrases) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The categories and weights of each phrase of a table, end to end: phrase ``j``'s are ``ptr[j]:ptr[j + 1]``,
    in the order of its dictionary (kept for the last tables used: tables are kept between batches)."""
    held = _PHRASE_CATEGORIES.get(id(phrases))
    if held is None or held[0] is not phrases:
        if len(_PHRASE_CATEGORIES) >= 64:
            _PHRASE_CATEGORIES.clear()
        pairs = [list(cats.items()) for _, cats in phrases]
        ptr = np.concatenate(([0], np.cumsum([len(p) for p in pairs]))).astype(np.int64)
        flat = [pair for p in pairs for pair in p]
        held = _PHRASE_CATEGORIES[id(phrases)] = (  # the table is kept, so its id is not reused while held
            phrases, ptr, np.array([c for c, _ in flat], dtype=np.int64), np.array([w for _, w in flat], dtype=float)
        )
    return held[1], held[2], held[3]


_PHRASE_CATEGORIES: dict = {}


def _as_layout(seg) -> Layout:
    """A ``Layout`` from a ``Segmentation`` (or a ``Layout`` as it is)."""
    if isinstance(seg, Layout):
        return seg
    quotes = [v for v in seg.voices if v.voice == "quoted"]
    return Layout(
        seg.text, seg.token_start, seg.token_end, seg.token_sentence, seg.token_voice, seg.token_paragraph,
        sentence_start=np.asarray([s.start for s in seg.sentences], dtype=np.int64),
        sentence_end=np.asarray([s.end for s in seg.sentences], dtype=np.int64),
        sentence_voice=np.asarray([VOICE_CODE[s.voice] for s in seg.sentences], dtype=np.int8),
        n_quotations=len(quotes), n_attributed=sum(v.speaker is not None for v in quotes), _tokens=seg.tokens,
    )


_TERMINAL_WINDOW = 8
_NEWLINE = np.array([10], dtype=np.uint32)
_SPACE_CODES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)  # none above U+3000
_CLOSER_CODES = np.array([ord(c) for c in "\"”’')]»"], dtype=np.uint32)
_TERMINAL_CODES = np.array([ord(c) for c in ".!?"], dtype=np.uint32)

class Batch:
    """Segmented articles with flat token arrays.

    Attributes:
        ids, texts: article ids and texts, in order.
        layouts: one ``toolkit.segment.Layout`` per article (tokens, sentences, voices);
            ``segmentations`` (full ``Segmentation`` objects with spans and speakers) are made on first use.
        vocab: the process-wide ``Vocabulary`` the token ids index into.
        token_ids, token_doc, token_voice, token_sentence: one entry per token of every article;
            ``token_sentence`` indexes ``sentence_table`` (sentences of all articles, in order);
            ``token_start`` and ``token_end`` (made on first use) are offsets in each token's own text.
        doc_ptr: tokens of article ``i`` are ``doc_ptr[i]:doc_ptr[i + 1]``.
    """

    def __init__(self, texts, ids=None, vocab: Vocabulary | None = None, segmentations=None):
        self.texts = list(texts)
        self.ids = [str(i) for i in (ids if ids is not None else range(len(self.texts)))]
        self.serial = next(_SERIALS)  # batches made one after another in a process are numbered in order
        if segmentations is not None:  # made already: ``Segmentation`` or ``Layout`` objects
            segmentations = list(segmentations)
            if all(isinstance(s, Segmentation) for s in segmentations):
                self.__dict__["segmentations"] = segmentations
            self.layouts = [_as_layout(s) for s in segmentations]
        else:
            self.layouts: list[Layout] = layouts(self.texts)
        self.vocab = bounded_vocabulary() if vocab is None else vocab  # (an empty vocabulary is falsy)
        n_tokens = [s.n_tokens for s in self.layouts]
        self.doc_ptr = np.concatenate(([0], np.cumsum(n_tokens))).astype(np.int64)
        self.n_docs = len(self.layouts)
        self.token_doc = np.repeat(np.arange(self.n_docs, dtype=np.int32), n_tokens)
        words = [s.word_codes for s in self.layouts]
        if any(w is None for w in words):  # made from segmentations: their token strings
            self.token_ids = self.vocab.ids(list(chain.from_iterable(s.tokens for s in self.layouts)))
        else:  # read from the code points of the lower-cased texts, without making a string per token
            codes = np.concatenate(words) if words else np.zeros(0, np.uint32)
            at = np.concatenate(([0], np.cumsum([len(w) for w in words[:-1]], dtype=np.int64)))[self.token_doc]
            self.token_ids = self.vocab.ids_at(codes, self.token_start + at, self.token_end + at)
        all_tokens = int(self.doc_ptr[-1]) > 0
        self.token_voice = (
            np.concatenate([s.token_voice for s in self.layouts]) if all_tokens else np.zeros(0, np.int8)
        )
        n_sent = [len(s.sentence_start) for s in self.layouts]
        self.sentence_ptr = np.concatenate(([0], np.cumsum(n_sent))).astype(np.int64)
        self.token_sentence = (
            np.concatenate([s.token_sentence + self.sentence_ptr[i] for i, s in enumerate(self.layouts)])
            if all_tokens
            else np.zeros(0, np.int64)
        )
        self._counts: dict[str, sp.csr_matrix] = {}

    @cached_property
    def token_start(self) -> np.ndarray:
        """Each token's start offset in its own article's text."""
        return np.concatenate([np.zeros(0, np.int64)] + [s.token_start for s in self.layouts]).astype(np.int64)

    @cached_property
    def token_end(self) -> np.ndarray:
        """Each token's end offset in its own article's text."""
        return np.concatenate([np.zeros(0, np.int64)] + [s.token_end for s in self.layouts]).astype(np.int64)

    @cached_property
    def segmentations(self) -> list[Segmentation]:
        """One full ``Segmentation`` per article (spans, speakers), made on first use: evidence needs them."""
        return [segment(t) for t in self.texts]

    def __len__(self) -> int:
        return self.n_docs

    # -- masks and counts ---------------------------------------------------------------------------------
    def mask(self, scope: str) -> np.ndarray:
        """Which tokens belong to a scope (cached; do not modify the array)."""
        cache = self.__dict__.setdefault("_masks", {})
        if scope not in cache:
            if scope == "all":
                cache[scope] = self.token_voice != VOICE_CODE["boilerplate"]
            elif scope in VOICE_CODE:
                cache[scope] = self.token_voice == VOICE_CODE[scope]
            else:
                raise ValueError(f"unknown scope {scope!r}; expected one of {SCOPES}")
        return cache[scope]

    def counts(self, scope: str = "all") -> sp.csr_matrix:
        """Articles × vocabulary token counts for a scope."""
        return self._masked_counts(scope, self.mask(scope) if scope not in self._counts else None)

    def counts_under(self, mask: np.ndarray | None) -> sp.csr_matrix:
        """Articles × vocabulary counts of the tokens under ``mask`` (every token when None); cached when ``mask``
        is one of the batch's scope masks."""
        if mask is None:
            return self._masked_counts("every token", np.ones(len(self.token_ids), dtype=bool))
        for scope, scope_mask in self.__dict__.get("_masks", {}).items():
            if scope_mask is mask:
                return self.counts(scope)
        return self._masked_counts(None, mask)

    def _masked_counts(self, key: str | None, mask: np.ndarray | None) -> sp.csr_matrix:
        """Articles × vocabulary counts of the tokens under ``mask``, cached under ``key`` (None: not cached).
        Canonical (sorted columns), from one compiled pass over the tokens (``_ngrams.count_terms`` with every word
        its own column)."""
        if key is None or key not in self._counts:
            n_types = len(self.vocab)
            identity = self.__dict__.get("_identity")
            if identity is None or len(identity) < n_types:
                identity = self.__dict__["_identity"] = np.arange(n_types, dtype=np.int64)
            ids, docs = self.masked_tokens(mask)
            indptr, indices, data = count_terms(ids, docs, self.n_docs, n_types, identity)
            mat = sp.csr_matrix((data, indices, indptr), shape=(self.n_docs, n_types))
            if key is None:
                return mat
            self._counts[key] = mat
        mat = self._counts[key]
        if mat.shape[1] < len(self.vocab):  # the vocabulary grew (phrases of a new lexicon)
            mat = sp.csr_matrix((mat.data, mat.indices, mat.indptr), shape=(self.n_docs, len(self.vocab)))
            self._counts[key] = mat
        return mat

    def masked_tokens(self, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The token ids and articles (int64) of the tokens under ``mask`` (all when None); kept for the masks of
        the batch's scopes, which several counts read."""
        if mask is None:
            return self.token_ids.astype(np.int64), self.token_doc.astype(np.int64)
        cache = self.__dict__.setdefault("_masked_tokens", {})
        held = cache.get(id(mask))
        if held is not None and held[0] is mask:
            return held[1], held[2]
        ids, docs = self.token_ids[mask].astype(np.int64), self.token_doc[mask].astype(np.int64)
        if any(mask is kept for kept in self.__dict__.get("_masks", {}).values()):
            cache[id(mask)] = (mask, ids, docs)  # the mask is kept, so its id is not reused while cached
        return ids, docs

    @cached_property
    def _largest_id(self) -> int:
        return int(self.token_ids.max()) if len(self.token_ids) else -1

    def token_hits(self, matrix: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every nonzero of ``matrix``'s rows (vocabulary × anything) for the batch's tokens, as (token position,
        column, value), by position then column: ``matrix[token_ids].tocoo()`` without gathering the rows of the
        many tokens that have none. Cached per matrix."""
        cache = self.__dict__.setdefault("_token_hits", {})
        held = cache.get(id(matrix))
        if held is not None and held[0] is matrix:
            return held[1]
        if matrix.shape[0] <= self._largest_id:  # the compiled loop reads the rows unchecked
            raise ValueError(f"token_hits: the matrix has {matrix.shape[0]:,} rows; the batch's token ids need "
                             f"{self._largest_id + 1:,} (a matrix of its vocabulary, as Lexicon.matrix gives it)")
        out = compiled(_token_hits_loop)(self.token_ids, matrix.indptr, matrix.indices, matrix.data)
        cache[id(matrix)] = (matrix, out)  # the matrix is kept, so its id is not reused while cached
        return out

    def n_words(self, scope: str = "all") -> np.ndarray:
        """Word tokens per article in a scope."""
        cache = self.__dict__.setdefault("_n_words", {})
        if scope not in cache:
            cache[scope] = np.bincount(self.token_doc[self.mask(scope)], minlength=self.n_docs).astype(np.float64)
        return cache[scope].copy()

    def per_1k(self, values: np.ndarray, scope: str = "all") -> np.ndarray:
        """``values`` per 1,000 words of the scope (0 where the scope is empty)."""
        n = self.n_words(scope)
        values = np.asarray(values, dtype=np.float64)
        if values.ndim == 2:
            n = n[:, None]
        return np.divide(values * 1000.0, n, out=np.zeros_like(values, dtype=np.float64), where=n > 0)

    @cached_property
    def negator_mask(self) -> np.ndarray:
        """Tokens that are negators (``NEGATORS`` and every "n't" contraction)."""
        return negator_flags(self.vocab)[self.token_ids]

    @cached_property
    def negated(self) -> np.ndarray:
        """Tokens preceded, within ``NEGATION_WINDOW`` words of the same sentence, by a negator."""
        is_neg = self.negator_mask
        out = np.zeros(len(self.token_ids), dtype=bool)
        for k in range(1, NEGATION_WINDOW + 1):
            prev = np.zeros(len(self.token_ids), dtype=bool)
            prev[k:] = is_neg[:-k] & (self.token_sentence[:-k] == self.token_sentence[k:])
            out |= prev
        return out

    # -- sentences ----------------------------------------------------------------------------------------
    @cached_property
    def sentence_doc(self) -> np.ndarray:
        """The article of each sentence (sentences of all articles, in order)."""
        n_sent = np.diff(self.sentence_ptr)
        return np.repeat(np.arange(self.n_docs, dtype=np.int32), n_sent)

    @cached_property
    def sentence_voice(self) -> np.ndarray:
        """The voice code of each sentence (the voice of most of its tokens)."""
        if not self.n_docs:
            return np.zeros(0, dtype=np.int8)
        return np.concatenate([s.sentence_voice for s in self.layouts]).astype(np.int8)

    @cached_property
    def code_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The code points of all texts joined by newlines, and where each text starts among them."""
        texts = [seg.text for seg in self.layouts]
        if any(seg.codes is None for seg in self.layouts):
            codes = _code_points("\n".join(texts))
        else:  # the code points the layouts were made from, with a newline after each text but the last
            parts = [part for seg in self.layouts for part in (seg.codes, _NEWLINE)][:-1]
            codes = np.concatenate(parts) if parts else np.zeros(0, np.uint32)
        lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
        return codes, np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)

    @cached_property
    def sentence_terminal(self) -> np.ndarray:
        """The final punctuation of each sentence ('.', '!', '?' or '' when none), closing quotes skipped.

        Read from the last eight characters of each sentence, all sentences at once: white space is skipped from
        the end, then closing quotes and brackets, and the character reached is the answer when it is one of
        ``.!?``: ``text[max(start, end - 8):end].rstrip().rstrip("\"”’')]»")[-1:]``.
        """
        n = int(self.sentence_ptr[-1])
        if not n:
            return np.zeros(0, dtype="<U1")
        codes, bases = self.code_points
        n_sent = np.diff(self.sentence_ptr)
        base = np.repeat(bases, n_sent)
        start = np.concatenate([s.sentence_start for s in self.layouts]).astype(np.int64) + base
        end = np.concatenate([s.sentence_end for s in self.layouts]).astype(np.int64) + base
        back = np.arange(_TERMINAL_WINDOW)
        at = end[:, None] - 1 - back[None, :]  # the window, read from the end
        inside = at >= np.maximum(start, end - _TERMINAL_WINDOW)[:, None]
        window = np.where(inside, codes[np.clip(at, 0, max(len(codes) - 1, 0))], 0)
        space = np.isin(window, _SPACE_CODES) & inside
        first = np.argmin(space, axis=1)  # the first character that is not white space (or the window's end)
        closer = np.isin(window, _CLOSER_CODES) & inside & (back[None, :] >= first[:, None])
        # past the white space, the first character that is not a closer
        last = np.argmin(closer | (back[None, :] < first[:, None]), axis=1)
        reached = window[np.arange(n), last]
        ok = inside[np.arange(n), last] & np.isin(reached, _TERMINAL_CODES)
        return np.where(ok, reached, 0).astype(np.uint32).view("<U1")

    def sentence_mask(self, scope: str = "all") -> np.ndarray:
        """Which sentences belong to a scope (by their voice)."""
        if scope == "all":
            return self.sentence_voice != VOICE_CODE["boilerplate"]
        if scope in VOICE_CODE:
            return self.sentence_voice == VOICE_CODE[scope]
        raise ValueError(f"unknown scope {scope!r}; expected one of {SCOPES}")

    def sentence_token_mask(self, scope: str = "all") -> np.ndarray:
        """Tokens (not boilerplate) of the sentences of a scope: what sentence-based measures read."""
        if not len(self.token_sentence):
            return np.zeros(0, dtype=bool)
        # The tokens of an article without sentences (a header only) point one past the last sentence: none.
        return self.mask("all") & np.append(self.sentence_mask(scope), False)[self.token_sentence]

    def sentence_lengths(self, scope: str = "all") -> np.ndarray:
        """Word tokens per sentence (0 for sentences outside the scope)."""
        m = self.sentence_token_mask(scope)
        return np.bincount(self.token_sentence[m], minlength=int(self.sentence_ptr[-1])).astype(np.float64)

    def n_sentences(self, scope: str = "all") -> np.ndarray:
        """Sentences of a scope with at least one word, per article."""
        has_words = (self.sentence_lengths(scope) > 0) & self.sentence_mask(scope)
        return np.bincount(self.sentence_doc[has_words], minlength=self.n_docs).astype(np.float64)

    def doc_sum(self, per_sentence: np.ndarray) -> np.ndarray:
        """Sum a per-sentence array into one value per article."""
        return np.bincount(self.sentence_doc, weights=per_sentence, minlength=self.n_docs).astype(np.float64)

    # -- lexicons -----------------------------------------------------------------------------------------
    def lexicon_counts(self, lexicon: Lexicon, scope: str = "all", negated: bool | None = None) -> np.ndarray:
        """Articles × categories: summed weights of lexicon matches (words, prefixes and phrases).

        ``negated=True`` counts only negated matches, ``False`` only the others, ``None`` all of them.

        The families ask for a dozen lexicons per scope, one after another. The first lexicon asked for that the
        batch has not counted is counted together with those the batch before it asked for (``lexicon_counts_many``:
        one pass for all of them), and their counts are kept for when they are asked for.
        """
        key = (scope, negated)
        asked = _LEXICONS_ASKED.setdefault(key, {})
        asked[id(lexicon)] = (lexicon, self.serial)  # the lexicon is kept: its id is not reused
        if len(asked) > 64:  # lexicons nobody asked for lately
            for old in [k for k, (_, serial) in asked.items() if serial < self.serial - 1]:
                del asked[old]
        cache = self.__dict__.setdefault("_lexicon_count_cache", {})
        held = cache.get((id(lexicon), key))
        if held is None or held[0] is not lexicon:
            group = [lexicon] + [other for other, serial in list(asked.values()) if serial >= self.serial - 1
                                 and other is not lexicon and (id(other), key) not in cache]
            for other, counts in zip(group, self.lexicon_counts_many(group, scope, negated)):
                cache[(id(other), key)] = (other, counts)
            held = cache[(id(lexicon), key)]
        return held[1].copy()

    def lexicon_counts_many(self, lexicons, scope: str = "all", negated: bool | None = None) -> list[np.ndarray]:
        """``lexicon_counts`` of each of ``lexicons``, the same numbers bit for bit, from one pass over the scope's
        counts for all the lexicons with whole weights (and one for those with fractional weights) and one pass over
        the tokens for all their phrases (``_phrase_hits``): the pass, not the matches, is most of the cost of a
        lexicon."""
        m = self.mask(scope)
        if negated is not None:
            m = m & (self.negated if negated else ~self.negated)
        tables = [phrase_table(lexicon, self.vocab) for lexicon in lexicons]  # may grow the vocabulary
        mats = [lexicon.matrix(self.vocab) for lexicon in lexicons]
        whole = [bool(np.array_equal(mat.data, np.round(mat.data))) for mat in mats]
        out: list = [None] * len(lexicons)
        for is_whole in (True, False):
            group = [k for k in range(len(lexicons)) if whole[k] == is_whole]
            if not group:
                continue
            mat = _joined_matrix([lexicons[k] for k in group], [mats[k] for k in group], self.vocab)
            if negated is not None and is_whole:
                # Whole weights: the matches' weights summed token by token give the same whole numbers as
                # counting words first, without an article × word count matrix for each negation mask.
                pos, col, weight = self.token_hits(mat)
                keep = m[pos]
                n_cats = mat.shape[1]
                cells = self.token_doc[pos[keep]].astype(np.int64) * n_cats + col[keep]
                sums = np.bincount(cells, weights=weight[keep], minlength=self.n_docs * n_cats)
                joined = sums.astype(np.float64, copy=False).reshape(self.n_docs, n_cats)  # (integers when none match)
            else:
                # Fractional weights (eMFD) are summed exactly (``exact``): added in the order of the word ids, which
                # depends on the words the process met before, the last bit of a sum would change from run to run.
                counts = self.counts(scope) if negated is None else self._masked_counts(f"{scope}|negated={negated}", m)
                joined = compiled(_product_loop)(counts.indptr, counts.indices, counts.data, mat.indptr, mat.indices,
                                                 mat.data, mat.shape[1], not is_whole)
            at = 0
            for k in group:  # each lexicon's categories are the next columns
                width = mats[k].shape[1]
                out[k] = joined[:, at : at + width] if len(group) == 1 else joined[:, at : at + width].copy()
                at += width
        for k, table in enumerate(tables):
            if table:  # (their matches are found in one pass with the batch's other tables: ``_phrase_hits``)
                out[k] += self._phrase_counts(table, len(lexicons[k].categories), m)
        return out

    def _phrase_counts(self, phrases, n_categories: int, mask: np.ndarray) -> np.ndarray:
        """Articles × categories: the summed weights of the matches of a phrase table that start in ``mask``, added
        phrase by phrase and, within a phrase, in the order of the text."""
        pos, which = self._phrase_hits(phrases)
        if len(pos):
            keep = mask[pos]
            pos, which = pos[keep], which[keep]
        if not len(pos):
            return np.zeros((self.n_docs, n_categories))
        order = np.argsort(which, kind="stable")
        pos, which = pos[order], which[order]
        cat_ptr, cats, weights = _phrase_categories(phrases)
        n_cats = np.diff(cat_ptr)[which]
        hit = np.repeat(np.arange(len(pos)), n_cats)  # each match once per category of its phrase
        entry = cat_ptr[which][hit] + (np.arange(len(hit)) - np.repeat(np.cumsum(n_cats) - n_cats, n_cats))
        cells = self.token_doc[pos][hit].astype(np.int64) * n_categories + cats[entry]
        sums = np.bincount(cells, weights=weights[entry], minlength=self.n_docs * n_categories)
        return sums.reshape(self.n_docs, n_categories)

    def phrase_matches(self, phrases, mask: np.ndarray | None = None):
        """Yield (start positions, phrase length, categories) of each phrase, within one sentence and scope.

        ``phrases`` is a phrase table (``Lexicon.phrase_table``): (token ids, categories) pairs. The matches of all
        phrases are found once per batch and table (``_phrase_hits``); ``mask`` keeps the matches that start on
        a token of the scope.
        """
        pos, which = self._phrase_hits(phrases)
        if mask is not None and len(pos):
            keep = mask[pos]
            pos, which = pos[keep], which[keep]
        if not len(pos):
            return
        order = np.argsort(which, kind="stable")
        pos, which = pos[order], which[order]
        bounds = np.flatnonzero(np.diff(which)) + 1
        for group_pos, group_which in zip(np.split(pos, bounds), np.split(which, bounds)):
            phrase_ids, cats = phrases[int(group_which[0])]
            yield group_pos, len(phrase_ids), cats

    def _phrase_hits(self, phrases) -> tuple[np.ndarray, np.ndarray]:
        """Start positions and phrase indices of every match of a phrase table in the batch (cached per table), by
        position then phrase.

        The families ask for a dozen tables per batch, most with a few phrases, and a pass over the tokens costs
        about the same whatever the table. So the first table asked for that the batch has not matched is matched
        together with every table the previous batch asked for (``_ASKED``), in one compiled pass over the tokens
        (``_phrase_loop``) for all their phrases end to end; each table's matches are its share of them, in the
        same order.
        """
        cache = self.__dict__.setdefault("_phrase_hit_cache", {})
        entry = cache.get(id(phrases))
        _asked(phrases, self)
        if entry is not None and entry[0] is phrases:  # the table is kept in the entry, so its id is not reused
            return entry[1], entry[2]
        tables = [phrases] + [table for table in _tables_asked_before(self) if id(table) not in cache]
        tables = [table for table in tables if table] + [table for table in tables if not table]
        n_phrases = [len(table) for table in tables]
        ends = np.cumsum(n_phrases)
        joined = _joined_phrase_arrays([table for table in tables if table], len(self.vocab))
        if joined is None:
            pos = which = np.zeros(0, dtype=np.int64)
        else:
            pos, which = find_phrases(compiled(_phrase_loop), self.token_ids, self.token_sentence, joined)
        for k, table in enumerate(tables):
            if len(tables) == 1:
                mine = (pos, which)
            else:
                keep = (which >= ends[k] - n_phrases[k]) & (which < ends[k])
                mine = (pos[keep], which[keep] - (ends[k] - n_phrases[k]))
            cache[id(table)] = (table, *mine)
        return cache[id(phrases)][1], cache[id(phrases)][2]

    def lexicon_evidence(self, doc: int, lexicon: Lexicon, category: str | None = None, scope: str = "all"):
        """The tokens of one article that matched a lexicon (or one of its categories), with their sentences."""
        lo, hi = self.doc_ptr[doc], self.doc_ptr[doc + 1]
        mask = self.mask(scope)
        cat = None if category is None else lexicon.category_index(category)
        rows = []
        for t in range(lo, hi):
            if not mask[t]:
                continue
            hit = lexicon.match(self.vocab.terms[self.token_ids[t]])
            if hit and (cat is None or cat in hit):
                rows.append((t - lo, 1, hit if cat is None else {cat: hit[cat]}))
        phrases = phrase_table(lexicon, self.vocab)
        for pos, k, cats in self.phrase_matches(phrases, mask):
            if cat is not None and cat not in cats:
                continue
            for p in pos[(pos >= lo) & (pos < hi)]:
                rows.append((int(p - lo), k, cats if cat is None else {cat: cats[cat]}))
        return evidence_frame(self, doc, rows, lexicon)

    def sentence_frame(self, doc: int) -> pd.DataFrame:
        """Sentences of one article: index, start, end, voice, speaker, text."""
        seg = self.segmentations[doc]
        return pd.DataFrame(
            [
                {"sentence": i, "start": s.start, "end": s.end, "voice": s.voice, "speaker": s.speaker,
                 "text": seg.span_text(s)}
                for i, s in enumerate(seg.sentences)
            ],
            columns=["sentence", "start", "end", "voice", "speaker", "text"],
        )


EVIDENCE_COLUMNS = ["term", "category", "weight", "start", "end", "sentence", "voice", "negated", "sentence_text"]


def evidence_frame(batch: Batch, doc: int, rows, lexicon: Lexicon | None = None) -> pd.DataFrame:
    """Evidence rows (token position in the article, n tokens, {category: weight}) as a tidy table."""
    seg = batch.segmentations[doc]
    lo = batch.doc_ptr[doc]
    negated = batch.negated
    out = []
    for pos, k, cats in sorted(rows, key=lambda r: r[0]):
        start = int(seg.token_start[pos])
        end = int(seg.token_end[pos + k - 1])
        s_idx = int(seg.token_sentence[pos])
        sentence = seg.sentences[s_idx] if seg.sentences else None
        for cat, weight in cats.items():
            out.append(
                {
                    "term": seg.text[start:end],
                    "category": lexicon.categories[cat] if lexicon is not None else str(cat),
                    "weight": float(weight),
                    "start": start,
                    "end": end,
                    "sentence": s_idx,
                    "voice": VOICES[int(seg.token_voice[pos])],
                    "negated": bool(negated[lo + pos]),
                    "sentence_text": seg.span_text(sentence) if sentence else "",
                }
            )
    return pd.DataFrame(out, columns=EVIDENCE_COLUMNS)


def _product_loop(indptr, indices, data, m_indptr, m_indices, m_data, n_cols, exact):
    """The CSR matrix (``indptr``, ``indices``, ``data``) times the CSR matrix (``m_*``, ``n_cols`` columns), as a
    dense float64 array: the sums of ``scipy.sparse``'s product, added in the same order (bit for bit the same),
    without its two passes and sparse result. Rows of the second matrix with no entry (words of no category) cost
    one comparison. Compiled (``toolkit._compiled``).

    With ``exact`` (fractional weights, whose sums must not depend on the order of the terms), each product (a count
    of at most 2^26 times a weight) is split exactly into its rounded value and its error (Dekker), and both are added
    to a double-length accumulator (Knuth's two-sum), as in Ogita, Rump and Oishi's ``Dot2``: the result is the exact
    sum correctly rounded, whatever the order, unless the exact sum lies within about 2^-100 of its value from a
    rounding boundary."""
    n_rows = len(indptr) - 1
    out = np.zeros((n_rows, n_cols))
    low = np.zeros((n_rows, n_cols) if exact else (0, 0))  # the accumulated errors
    for i in range(n_rows):
        for p in range(indptr[i], indptr[i + 1]):
            k = indices[p]
            a, b = m_indptr[k], m_indptr[k + 1]
            if a == b:
                continue
            v = np.float64(data[p])
            for q in range(a, b):
                j = m_indices[q]
                if not exact:
                    out[i, j] += v * m_data[q]
                    continue
                w = m_data[q]
                c = 134217729.0 * w  # 2^27 + 1: w = w_hi + w_lo, halves of 26 bits; v * w_hi and v * w_lo are exact
                w_hi = c - (c - w)
                x = v * w
                err = (v * w_hi - x) + v * (w - w_hi)
                s = out[i, j] + x
                z = s - out[i, j]
                low[i, j] += ((out[i, j] - (s - z)) + (x - z)) + err
                out[i, j] = s
    return out + low if exact else out


def _token_hits_loop(ids, indptr, indices, data):
    """``Batch.token_hits`` of the tokens ``ids`` in a CSR matrix's arrays: the position (int64), column and value of
    each entry of each token's row, by position, each row's entries in their stored order (as scipy's row
    indexing gives them). Compiled (``toolkit._compiled``): numpy needs a vocabulary-long difference, a gather and a
    search for the tokens with a row, then scipy's indexing, about twice as long."""
    n = 0
    for k in range(len(ids)):
        n += indptr[ids[k] + 1] - indptr[ids[k]]
    pos = np.empty(n, np.int64)
    col = np.empty(n, indices.dtype)
    val = np.empty(n, data.dtype)
    q = 0
    for k in range(len(ids)):
        t = ids[k]
        for p in range(indptr[t], indptr[t + 1]):
            pos[q] = k
            col[q] = indices[p]
            val[q] = data[p]
            q += 1
    return pos, col, val


def warm_up() -> None:
    """Compile the batch's loops (before worker processes are forked)."""
    lexicon = Lexicon("warm-up", ["a"])
    lexicon.add("warm", "a")
    lexicon.add("warm up", "a")
    fractional = Lexicon("warm-up", ["a"])
    fractional.add("warm", "a", 0.5)
    batch = Batch(["Warm up."], vocab=Vocabulary())  # a vocabulary of its own: the process's is untouched
    batch.lexicon_counts(lexicon)
    batch.lexicon_counts(fractional)
    batch.token_hits(lexicon.matrix(batch.vocab))
    for asked in _LEXICONS_ASKED.values():  # not counted with the first batch's lexicons
        asked.pop(id(lexicon), None)
        asked.pop(id(fractional), None)


_SERIALS = count()
# (scope, negated) → id(lexicon) → (lexicon, serial of the last batch that asked for it)
_LEXICONS_ASKED: dict[tuple, dict] = {}
_ASKED: dict[int, tuple] = {}  # id(table) → (table, its vocabulary, serial of the last batch that asked for it)


def _asked(phrases, batch: Batch) -> None:
    """Note that ``batch`` asked for the matches of a phrase table."""
    _ASKED[id(phrases)] = (phrases, weakref.ref(batch.vocab), batch.serial)  # the table is kept: its id is not reused
    if len(_ASKED) > 256:  # tables nobody asked for lately (a vocabulary replaced, lexicons gone)
        for key in [key for key, (_, _, serial) in _ASKED.items() if serial < batch.serial - 1]:
            del _ASKED[key]


def _tables_asked_before(batch: Batch) -> list:
    """The phrase tables of ``batch``'s vocabulary asked for by the batch made just before it, or by it."""
    return [table for table, vocab, serial in list(_ASKED.values())
            if serial >= batch.serial - 1 and vocab() is batch.vocab]


_JOINED_PHRASE_ARRAYS: dict = {}


def _joined_phrase_arrays(tables: list, n_types: int):
    """``_phrase_arrays`` of the phrases of ``tables`` end to end (None when there are none); kept for the last
    tables joined, which the next batch joins again."""
    if not tables:
        return None
    key = tuple(id(table) for table in tables)
    held = _JOINED_PHRASE_ARRAYS.get(key)
    if held is None or any(a is not b for a, b in zip(held[0], tables)):
        _JOINED_PHRASE_ARRAYS.clear()
        held = (tables, _phrase_arrays([phrase for table in tables for phrase in table], n_types)[1:])
        _JOINED_PHRASE_ARRAYS[key] = held
    flat, ptr, by_first, first_of = held[1]
    is_first = np.zeros(n_types, dtype=bool)
    is_first[first_of] = True
    return is_first, flat, ptr, by_first, first_of


def _phrase_arrays(phrases, n_types: int) -> tuple[np.ndarray, ...]:
    """A phrase table as ``_phrase_loop`` reads it: which of ``n_types`` word ids begin a phrase, the phrases' ids
    end to end with where each begins (and the end), the phrases by first id then index, and their first ids."""
    words = [np.asarray(phrase_ids, dtype=np.int64) for phrase_ids, _ in phrases]
    lengths = np.array([len(w) for w in words], dtype=np.int64)
    flat = np.concatenate(words) if words else np.zeros(0, dtype=np.int64)
    ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    valid = np.flatnonzero(lengths > 0)
    by_first = valid[np.lexsort((valid, flat[ptr[valid]]))]
    is_first = np.zeros(n_types, dtype=bool)
    is_first[flat[ptr[valid]]] = True
    return is_first, flat, ptr, by_first, flat[ptr[by_first]]


def find_phrases(loop, ids: np.ndarray, sentence: np.ndarray, arrays: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(start positions, phrase indices) of the matches of a phrase table (``_phrase_arrays``) in the tokens ``ids``
    within one sentence, by position, then phrase, through ``loop`` (``_phrase_loop``, compiled or not). The output
    arrays are made as long as the tokens; in the rare case of more matches, the pass runs again with room for them
    (output arrays that grow inside the loop would cost their reference count at every token)."""
    room = len(ids) + 16
    while True:
        out_pos, out_which = np.empty(room, np.int64), np.empty(room, np.int64)
        n_out = loop(ids, sentence, *arrays, out_pos, out_which)
        if n_out <= room:
            return out_pos[:n_out].copy(), out_which[:n_out].copy()
        room = n_out


def _phrase_loop(ids, sentence, is_first, flat, ptr, by_first, first_of, out_pos, out_which):
    """The matches of the phrases ``flat[ptr[j]:ptr[j + 1]]`` (token ids) in the tokens ``ids`` within one sentence,
    by position, then phrase, written to ``out_pos`` and ``out_which`` while they have room; returns how many there
    are. ``is_first`` flags the ids that begin a phrase; ``by_first`` lists the phrases sorted by first id, then
    index, and ``first_of`` their first ids. Compiled (``find_phrases`` runs it)."""
    n = len(ids)
    room = len(out_pos)
    n_out = 0
    for p in range(n):
        t = ids[p]
        if t >= len(is_first) or not is_first[t]:
            continue
        lo, hi = 0, len(first_of)  # the first phrase that starts with ``t``
        while lo < hi:
            mid = (lo + hi) // 2
            if first_of[mid] < t:
                lo = mid + 1
            else:
                hi = mid
        while lo < len(first_of) and first_of[lo] == t:
            j = by_first[lo]
            lo += 1
            a, b = ptr[j], ptr[j + 1]
            k = b - a
            if p + k > n or sentence[p + k - 1] != sentence[p]:  # sentences are contiguous runs of tokens
                continue
            i = 1
            while i < k and ids[p + i] == flat[a + i]:
                i += 1
            if i < k:
                continue
            if n_out < room:
                out_pos[n_out] = p
                out_which[n_out] = j
            n_out += 1
    return n_out
