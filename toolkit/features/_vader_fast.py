"""VADER's ``polarity_scores`` for many sentences at once, with vaderSentiment's results.

``polarity_scores_many(sentences)`` returns one row per sentence: neg, neu, pos and compound, rounded as
vaderSentiment rounds them (3 and 4 decimals). It re-implements ``SentimentIntensityAnalyzer.polarity_scores`` of
vaderSentiment 3.3.2 rule for rule, quirks included, so the scores are the same:

- tokens are the white-space separated words of the sentence, stripped of surrounding ASCII punctuation unless
  fewer than three characters would be left (emoticons); emoji are first replaced by their descriptions;
- each distinct token is looked up once (valence, booster, negator, ALL CAPS, and a code for the few words the rules
  name) and kept in a process-wide table, so a batch maps its tokens to ids with one dict look-up each;
- the rules (``no``, ALL CAPS emphasis, boosters over the three preceding words damped by 0.95 and 0.9, negation
  with ``N_SCALAR``, ``never so/this``, ``without doubt``, special idioms, ``kind of``, ``least``) run with numpy
  over the lexicon words of the whole batch, in vaderSentiment's order of operations, so every float is the same;
- the ``but`` re-weighting runs per sentence in Python (vaderSentiment finds each score with ``list.index``, so
  equal scores interact and the loop is reproduced as it is); sentences without ``but`` (most) skip it;
- sums are taken in sentence order, as Python's ``sum`` (3.11) takes them, and the final rounding is Python's
  ``round`` (numpy's ``round`` differs near ties, which are re-rounded with Python's).

The lexicon and emoji descriptions are read from the installed ``vaderSentiment`` package (MIT licence); the rule
constants (``BOOSTER_DICT``, ``NEGATE``, ``SPECIAL_CASES``, ``B_INCR``, ``C_INCR``, ``N_SCALAR``) are imported from it.

References:
    Hutto, C. J. & Gilbert, E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media
    Text. ICWSM. Implementation: vaderSentiment 3.3.2, ``vaderSentiment/vaderSentiment.py``.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from importlib import resources
from itertools import repeat

import numpy as np

# Words the rules name; each gets a small code (0 = any other word).
_RULE_WORDS = ("no", "kind", "of", "never", "so", "this", "without", "doubt", "least", "at", "very", "or", "nor", "but")
_CODE_BITS = 6  # codes below 64, so up to three codes pack into one table index
TABLE_LIMIT = 200_000  # distinct tokens kept (about 30 MB); past it the table starts afresh


class _Tables:
    """The lexicon, emoji descriptions and the per-token attribute table (grown as tokens are seen)."""

    def __init__(self):
        from vaderSentiment import vaderSentiment as vs

        self.vs = vs
        package = resources.files("vaderSentiment")
        # read as vaderSentiment reads them: bytes decoded as UTF-8, no newline translation
        self.lexicon = {}
        for line in package.joinpath("vader_lexicon.txt").read_bytes().decode("utf-8").rstrip("\n").split("\n"):
            if not line:
                continue
            word, measure = line.strip().split("\t")[0:2]
            self.lexicon[word] = float(measure)
        self.emojis = {}
        for line in package.joinpath("emoji_utf8_lexicon.txt").read_bytes().decode("utf-8").rstrip("\n").split("\n"):
            emoji, description = line.strip().split("\t")[0:2]
            self.emojis[emoji] = description
        # polarity_scores replaces emoji one character at a time: longer keys never match. A character class of a
        # few ranges around those characters finds candidates fast (a class of all 1,200 of them is six times slower):
        # runs of the BMP characters, and one range for the astral ones.
        self.emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)
        runs: list[list[int]] = []
        for c in sorted(map(ord, self.emoji_chars)):
            if runs and (c - runs[-1][1] <= 64 or runs[-1][0] > 0xFFFF):
                runs[-1][1] = c
            else:
                runs.append([c, c])
        self.emoji_hint = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs) + "]")

        self.booster_dict = dict(vs.BOOSTER_DICT)
        self.negate = frozenset(vs.NEGATE)
        phrase_words = {w for key in list(vs.SPECIAL_CASES) + list(vs.BOOSTER_DICT) if " " in key for w in key.split()}
        words = list(_RULE_WORDS) + sorted(phrase_words - set(_RULE_WORDS))
        if len(words) >= 1 << _CODE_BITS:
            raise RuntimeError(f"too many rule words for {_CODE_BITS}-bit codes: {len(words)}")
        self.codes = {w: i + 1 for i, w in enumerate(words)}
        self.rule = {w: self.codes[w] for w in _RULE_WORDS}
        # phrase tables indexed by packed codes: NaN where no phrase
        self.special2, self.special3 = self._phrase_tables(vs.SPECIAL_CASES)
        self.boost2, self.boost3 = self._phrase_tables({k: v for k, v in vs.BOOSTER_DICT.items() if " " in k})
        self.reset()

    def _phrase_tables(self, phrases):
        two = np.full(1 << (2 * _CODE_BITS), np.nan)
        three = np.full(1 << (3 * _CODE_BITS), np.nan)
        for key, value in phrases.items():
            parts = key.split(" ")
            if len(parts) not in (2, 3) or any(p not in self.codes for p in parts):
                continue
            index = 0
            for p in parts:
                index = (index << _CODE_BITS) | self.codes[p]
            (two if len(parts) == 2 else three)[index] = float(value)
        return two, three

    def reset(self) -> None:
        self.ids: dict[str, int] = {}
        self.n = 0
        self._allocate(4096)

    def _allocate(self, capacity: int) -> None:
        old = self.__dict__.get("valence")
        fields = {
            "valence": np.float64, "in_lexicon": bool, "booster": np.float64, "is_booster": bool,
            "upper": bool, "negator": bool, "code": np.int64,
        }
        for name, dtype in fields.items():
            fresh = np.zeros(capacity, dtype=dtype)
            if old is not None:
                fresh[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, fresh)
        self.capacity = capacity

    def add(self, tokens: list[str]) -> None:
        """Add the attributes of raw (white-space delimited) tokens not seen before."""
        new = [w for w in dict.fromkeys(tokens) if w not in self.ids]
        if not new:
            return
        lo, hi = self.n, self.n + len(new)
        if hi > self.capacity:
            self._allocate(max(2 * self.capacity, hi))
        punctuation = string.punctuation
        items = []
        for w in new:
            stripped = w.strip(punctuation)
            items.append(w if len(stripped) <= 2 else stripped)  # SentiText._strip_punc_if_word
        lowers = [w.lower() for w in items]
        lexicon, booster, negate, codes = self.lexicon, self.booster_dict, self.negate, self.codes
        self.in_lexicon[lo:hi] = [w in lexicon for w in lowers]
        self.valence[lo:hi] = [lexicon.get(w, 0.0) for w in lowers]
        self.is_booster[lo:hi] = [w in booster for w in lowers]
        self.booster[lo:hi] = [booster.get(w, 0.0) for w in lowers]
        self.upper[lo:hi] = [w.isupper() for w in items]
        twice = [w.lower() for w in lowers]  # negated() lower-cases again
        self.negator[lo:hi] = [w in negate or "n't" in w for w in twice]
        self.code[lo:hi] = [codes.get(w, 0) for w in lowers]
        self.ids.update(zip(new, range(lo, hi)))
        self.n = hi

    def has_emoji(self, text: str) -> bool:
        chars = self.emoji_chars
        return any(c in chars for c in self.emoji_hint.findall(text))

    def replace_emoji(self, text: str) -> str:
        """polarity_scores' emoji step: each emoji character becomes its description."""
        out = []
        prev_space = True
        for ch in text:
            description = self.emojis.get(ch)
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out).strip()


@lru_cache(maxsize=1)
def tables() -> _Tables:
    """The process-wide tables (loaded on first use)."""
    return _Tables()


def _python_round(values: np.ndarray, digits: int) -> np.ndarray:
    """``round(x, digits)`` of every value: numpy's multiply-and-round, with Python's rounding near ties."""
    scale = 10.0**digits
    scaled = values * scale
    whole = np.rint(scaled)
    out = whole / scale
    near = np.flatnonzero(np.abs(np.abs(scaled - whole) - 0.5) < 1e-6)
    for k in near.tolist():
        out[k] = round(float(values[k]), digits)
    return out


def _sum_in_order(values: np.ndarray, group: np.ndarray, rank: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the sum of ``values`` (columns) added one by one in ``rank`` order, as Python 3.11's ``sum`` adds
    (3.12's compensated ``sum`` can differ in the last bit, which changes a score only on an exact rounding tie)."""
    out = np.zeros((n_groups, values.shape[1]))
    if not len(rank):
        return out
    order = np.argsort(rank, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(rank))))
    for j in range(len(bounds) - 1):
        sel = order[bounds[j] : bounds[j + 1]]  # at most one entry per group at each rank
        out[group[sel]] += values[sel]
    return out


def _but_check(values: list[float], positions: list[int], but_at: int) -> list[float]:
    """``SentimentIntensityAnalyzer._but_check`` on a sentence's non-zero scores (zeros never change and are never
    found by ``list.index`` for a non-zero score, so leaving them out gives the same result)."""
    for k in range(len(values)):
        score = values[k]
        si = values.index(score)
        if positions[si] < but_at:
            values[si] = score * 0.5
        elif positions[si] > but_at:
            values[si] = score * 1.5
    return values


def polarity_scores_many(sentences) -> np.ndarray:
    """neg, neu, pos and compound of each sentence (an ``n × 4`` array), as vaderSentiment's ``polarity_scores``.

    Parameters:
        sentences: a list (or other sequence) of str.
    """
    if isinstance(sentences, str):
        raise TypeError("polarity_scores_many() expects a sequence of sentences, got a single str")
    sentences = list(sentences)
    for s in sentences:
        if not isinstance(s, str):
            raise TypeError(f"polarity_scores_many() expects sentences as str, got {type(s).__name__}")
    n_sent = len(sentences)
    out = np.zeros((n_sent, 4))
    if not n_sent:
        return out
    t = tables()
    if t.n > TABLE_LIMIT:
        t.reset()
    vs = t.vs
    C = t.rule

    # -- tokens -------------------------------------------------------------------------------------------------
    texts = [t.replace_emoji(s) if not s.isascii() and t.has_emoji(s) else s for s in sentences]
    tokens: list[str] = []
    lengths = np.empty(n_sent, dtype=np.int64)
    extend = tokens.extend
    for k, s in enumerate(texts):
        words = s.split()
        extend(words)
        lengths[k] = len(words)
    n_tok = len(tokens)
    if not n_tok:
        return out
    ids = np.fromiter(map(t.ids.get, tokens, repeat(-1)), dtype=np.int64, count=n_tok)
    missing = np.flatnonzero(ids < 0)
    if len(missing):
        new = [tokens[k] for k in missing.tolist()]
        t.add(new)
        ids[missing] = list(map(t.ids.__getitem__, new))

    sent = np.repeat(np.arange(n_sent), lengths)
    first = np.zeros(n_sent, dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    pos = np.arange(n_tok) - first[sent]
    length = lengths[sent]
    code = t.code[ids]
    in_lex = t.in_lexicon[ids]
    upper = t.upper[ids]
    n_upper = np.bincount(sent[upper], minlength=n_sent)
    cap_diff = (n_upper > 0) & (n_upper < lengths)  # allcap_differential

    # -- valence of lexicon words (everything else scores 0) ----------------------------------------------------
    is_kind_of = np.zeros(n_tok, dtype=bool)
    is_kind_of[:-1] = (code[:-1] == C["kind"]) & (code[1:] == C["of"]) & (pos[:-1] < length[:-1] - 1)
    cand = np.flatnonzero(in_lex & ~t.is_booster[ids] & ~is_kind_of)
    i = pos[cand]
    n_after = length[cand] - 1 - i  # words after the candidate in its sentence
    capd = cap_diff[sent[cand]]

    def before(k, arr, fill):
        """``arr`` at the k-th word before each candidate (``fill`` where the sentence has none)."""
        return np.where(i >= k, arr[np.maximum(cand - k, 0)], fill)

    def after(k, arr, fill):
        return np.where(n_after >= k, arr[np.minimum(cand + k, n_tok - 1)], fill)

    c0, c1, c2, c3 = code[cand], before(1, code, 0), before(2, code, 0), before(3, code, 0)
    lex0 = t.valence[ids[cand]]
    v = lex0.copy()
    # "no" before another lexicon word only negates it
    v = np.where((c0 == C["no"]) & (n_after >= 1) & after(1, in_lex, False), 0.0, v)
    no_before = (c1 == C["no"]) | (c2 == C["no"]) | ((c3 == C["no"]) & ((c1 == C["or"]) | (c1 == C["nor"])))
    v = np.where(no_before, lex0 * vs.N_SCALAR, v)
    emphasis = upper[cand] & capd
    v = np.where(emphasis, np.where(v > 0, v + vs.C_INCR, v - vs.C_INCR), v)

    so_this = (C["so"], C["this"])
    for start_i in range(3):
        k = start_i + 1
        prev = np.maximum(cand - k, 0)
        active = (i > start_i) & ~in_lex[prev]
        pid = ids[prev]
        # scalar_inc_dec
        is_boost = t.is_booster[pid]
        scalar = t.booster[pid]
        scalar = np.where(v < 0, scalar * -1, scalar)
        caps = is_boost & t.upper[pid] & capd
        scalar = np.where(caps, np.where(v > 0, scalar + vs.C_INCR, scalar - vs.C_INCR), scalar)
        if start_i == 1:
            scalar = np.where(scalar != 0, scalar * 0.95, scalar)
        elif start_i == 2:
            scalar = np.where(scalar != 0, scalar * 0.9, scalar)
        w = v + scalar
        # _negation_check
        neg_prev = t.negator[pid]
        if start_i == 0:
            w = np.where(neg_prev, w * vs.N_SCALAR, w)
        elif start_i == 1:
            never = (c2 == C["never"]) & np.isin(c1, so_this)
            without = (c2 == C["without"]) & (c1 == C["doubt"])
            w = np.where(never, w * 1.25, np.where(without | ~neg_prev, w, w * vs.N_SCALAR))
        else:
            never = ((c3 == C["never"]) & np.isin(c2, so_this)) | np.isin(c1, so_this)
            without = (c3 == C["without"]) & ((c2 == C["doubt"]) | (c1 == C["doubt"]))
            w = np.where(never, w * 1.25, np.where(without | ~neg_prev, w, w * vs.N_SCALAR))
            w = _special_idioms(t, w, c0, c1, c2, c3, after(1, code, 0), after(2, code, 0), n_after)
        v = np.where(active, w, v)

    # _least_check
    least1 = (i > 1) & ~before(1, in_lex, True) & (c1 == C["least"])
    v = np.where(least1 & (c2 != C["at"]) & (c2 != C["very"]), v * vs.N_SCALAR, v)
    least2 = ~least1 & (i > 0) & ~before(1, in_lex, True) & (c1 == C["least"])
    v = np.where(least2, v * vs.N_SCALAR, v)

    # -- "but", sums and ratios ---------------------------------------------------------------------------------
    nonzero = v != 0
    where = cand[nonzero]
    score = v[nonzero]
    score_sent = sent[where]
    buts = np.flatnonzero(code == C["but"])
    if len(buts) and len(where):
        but_sent, first_but = np.unique(sent[buts], return_index=True)
        but_at = dict(zip(but_sent.tolist(), pos[buts[first_but]].tolist()))
        hit = np.flatnonzero(np.isin(score_sent, but_sent))
        if len(hit):
            group_bounds = np.flatnonzero(np.diff(score_sent[hit])) + 1
            for run in np.split(hit, group_bounds):
                s = int(score_sent[run[0]])
                score[run] = _but_check(score[run].tolist(), pos[where[run]].tolist(), but_at[s])

    rank = np.arange(len(where)) - np.searchsorted(score_sent, score_sent)  # order within the sentence
    parts = np.stack([score, np.where(score > 0, score + 1, 0.0), np.where(score < 0, score - 1, 0.0)], axis=1)
    sums = _sum_in_order(parts, score_sent, rank, n_sent)
    sum_s, pos_sum, neg_sum = sums[:, 0], sums[:, 1], sums[:, 2]
    neu_count = lengths - np.bincount(score_sent, minlength=n_sent)

    # _punctuation_emphasis (on the text after the emoji step)
    ep = np.minimum([s.count("!") for s in texts], 4)
    qm = np.asarray([s.count("?") for s in texts])
    amplifier = ep * 0.292 + np.where(qm > 1, np.where(qm <= 3, qm * 0.18, 0.96), 0)
    sum_s = np.where(sum_s > 0, sum_s + amplifier, np.where(sum_s < 0, sum_s - amplifier, sum_s))
    compound = np.clip(sum_s / np.sqrt(sum_s * sum_s + 15), -1.0, 1.0)  # normalize(alpha=15)
    abs_neg = np.abs(neg_sum)
    more, less = pos_sum > abs_neg, pos_sum < abs_neg
    pos_sum = np.where(more, pos_sum + amplifier, pos_sum)
    neg_sum = np.where(less, neg_sum - amplifier, neg_sum)
    total = pos_sum + np.abs(neg_sum) + neu_count
    has = lengths > 0
    total = np.where(has, total, 1.0)
    out[:, 0] = _python_round(np.abs(neg_sum / total), 3)
    out[:, 1] = _python_round(np.abs(neu_count / total), 3)
    out[:, 2] = _python_round(np.abs(pos_sum / total), 3)
    out[:, 3] = _python_round(compound, 4)
    out[~has] = 0.0
    return out


def _special_idioms(t: _Tables, v, c0, c1, c2, c3, n1, n2, n_after):
    """``SentimentIntensityAnalyzer._special_idioms_check`` on codes (every word of a phrase has a code)."""
    b = _CODE_BITS

    def two(x, y):
        return (x << b) | y

    def three(x, y, z):
        return (((x << b) | y) << b) | z

    found = np.full(len(v), np.nan)
    for value in (t.special2[two(c1, c0)], t.special3[three(c2, c1, c0)], t.special2[two(c2, c1)],
                  t.special3[three(c3, c2, c1)], t.special2[two(c3, c2)]):
        found = np.where(np.isnan(found), value, found)  # the first sequence that matches
    v = np.where(np.isnan(found), v, found)
    zero_one = np.where(n_after >= 1, t.special2[two(c0, n1)], np.nan)
    v = np.where(np.isnan(zero_one), v, zero_one)
    zero_one_two = np.where(n_after >= 2, t.special3[three(c0, n1, n2)], np.nan)
    v = np.where(np.isnan(zero_one_two), v, zero_one_two)
    for value in (t.boost3[three(c3, c2, c1)], t.boost2[two(c3, c2)], t.boost2[two(c2, c1)]):
        v = np.where(np.isnan(value), v, v + value)
    return v
