"""Lexicons: word lists that map terms to categories, with the source, version and licence of each.

A ``Lexicon`` holds exact terms, prefix entries (``martyr*``) and multi-word phrases (``resistance front``), each
mapped to one or more categories with a weight (1.0 for plain lists). ``Lexicon.matrix(vocab)`` gives the
vocabulary × category weight matrix that the feature families multiply token counts with; it is built once per
vocabulary and extended as the vocabulary grows.

Readers (chosen by file suffix, or ``format=``):
- LIWC ``.dic``: a ``%``-delimited header of ``number<TAB>category`` lines, then ``term<TAB>number…`` lines
  (Moral Foundations Dictionary 1.0 and 2.0 use it);
- ``.csv``: long (``term,category[,weight]``) or wide (``word`` then one numeric column per category, as eMFD);
- ``.yaml``/``.yml``: ``{name, source, version, licence, categories: {category: [terms] | {term: weight}}}``;
- ``.txt`` and other plain lists: one term per line, ``#`` or ``;`` comments, the category is the file stem;
- ``.tff``: MPQA subjectivity clues (``type=strongsubj … word1=… priorpolarity=…``);
- ``.lc3``: Lexicoder dictionaries (``+category`` header lines, then terms, ``*`` for prefixes).

Lexicons the toolkit may not redistribute are read from where the user keeps them: a path, or the imported
``lexicons`` corpus (``python -m toolkit corpora fetch lexicons``). The registry of known lexicons is the package
data file ``toolkit/data/lexicons.yaml``.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import os
import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from toolkit import yamlio
from toolkit._compiled import compiled
from toolkit.errors import ToolkitError
from toolkit.paths import PACKAGE_DIR
from toolkit.segment import tokenize

REGISTRY_PATH = PACKAGE_DIR / "data" / "lexicons.yaml"


class Vocabulary:
    """Term ↔ id map shared by every batch in a process, so lexicon matrices are built once."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self.terms: list[str] = []
        # (the vocabulary this one was cut from, how many of its first terms it kept with the same ids): tables
        # kept per vocabulary copy those rows instead of recomputing them
        self.origin: tuple[Vocabulary, int] | None = None
        self._table: _TermTable | None = None  # made by the first ``ids_at``

    def __len__(self) -> int:
        return len(self.terms)

    def ids(self, tokens: list[str]) -> np.ndarray:
        """The id of each token; tokens not seen before are added, in order of first occurrence."""
        # The distinct tokens (in order of first occurrence) and each token's index among them, from one C hash
        # table pass: the dictionary is then consulted once per distinct token, not once per token.
        codes, distinct = pd.factorize(np.array(tokens, dtype=object))
        distinct = distinct.tolist()
        index, terms = self.index, self.terms
        found = list(map(index.get, distinct))
        for k in [k for k, j in enumerate(found) if j is None]:  # new tokens, in order of first occurrence
            token = distinct[k]
            found[k] = index[token] = len(terms)
            terms.append(token)
        return np.array(found, dtype=np.int32)[codes]

    def ids_at(self, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """``self.ids`` of the tokens whose code points are ``codes[starts[i]:ends[i]]``, without a string per token.

        The tokens are looked up in a compiled hash table of the terms' code points (``_TermTable``), which
        follows the terms added by ``ids`` too; only new terms are made into strings.
        """
        if self._table is None:
            self._table = _TermTable()
        table = self._table
        table.extend(self.terms)
        n_before = table.n_terms
        out = table.ids(np.asarray(codes, dtype=np.uint32), np.asarray(starts, dtype=np.int64),
                        np.asarray(ends, dtype=np.int64))
        new = table.strings(n_before, table.n_terms)
        index, terms = self.index, self.terms
        for k, term in enumerate(new, len(terms)):
            index[term] = k
        terms.extend(new)
        return out

    def get(self, term: str) -> int | None:
        return self.index.get(term)


# Term hashes: a polynomial over the code points kept below 2**40, so that no step overflows 64-bit integers
# (the loop gives the same values compiled and run by Python).
_HASH_MULTIPLIER = 1000003
_HASH_MASK = (1 << 40) - 1


def _term_ids_loop(codes, starts, ends, first, slot_term, term_hash, term_ptr, term_codes, n_terms, out):
    """Term ids of the tokens ``codes[starts[t]:ends[t]]`` for ``t`` from ``first`` on, into ``out``; a token not in
    the table becomes term ``n_terms`` (then ``n_terms + 1``, …) and is inserted.

    The table: ``slot_term`` (open addressing, linear probing; -1 for an empty slot; a power of two long), and per
    term its hash (``term_hash``) and code points (``term_codes[term_ptr[k]:term_ptr[k + 1]]``). When a new term
    would fill the table past half or overflow an array, the loop stops. Returns the first token not done
    (``len(starts)`` when all are) and the number of terms.

    Compiled (``toolkit._compiled``).
    """
    mask = len(slot_term) - 1
    for t in range(first, len(starts)):
        s = starts[t]
        n = ends[t] - s
        h = 0
        for i in range(s, s + n):
            h = (h * _HASH_MULTIPLIER + np.int64(codes[i])) & _HASH_MASK
        j = (h ^ (h >> 17)) & mask
        k = slot_term[j]
        while k >= 0:
            if term_hash[k] == h and term_ptr[k + 1] - term_ptr[k] == n:
                a = term_ptr[k]
                i = 0
                while i < n and term_codes[a + i] == codes[s + i]:
                    i += 1
                if i == n:
                    break
            j = (j + 1) & mask
            k = slot_term[j]
        if k < 0:
            a = term_ptr[n_terms]
            if 2 * (n_terms + 1) > len(slot_term) or n_terms == len(term_hash) or a + n > len(term_codes):
                return t, n_terms
            k = n_terms
            slot_term[j] = k
            term_hash[k] = h
            for i in range(n):
                term_codes[a + i] = codes[s + i]
            n_terms += 1
            term_ptr[n_terms] = a + n
        out[t] = k
    return len(starts), n_terms


def _rehash_loop(term_hash, n_terms, slot_term):
    """Insert terms ``0 … n_terms - 1`` into the empty table ``slot_term`` by their hashes. Compiled."""
    mask = len(slot_term) - 1
    for k in range(n_terms):
        h = term_hash[k]
        j = (h ^ (h >> 17)) & mask
        while slot_term[j] >= 0:
            j = (j + 1) & mask
        slot_term[j] = k


class _TermTable:
    """The terms of a ``Vocabulary`` as code points in a hash table, for ``_term_ids_loop``."""

    def __init__(self, capacity: int = 1024):
        self.slot_term = np.full(2 * capacity, -1, dtype=np.int32)
        self.term_hash = np.zeros(capacity, dtype=np.int64)
        self.term_ptr = np.zeros(capacity + 1, dtype=np.int64)
        self.term_codes = np.zeros(8 * capacity, dtype=np.uint32)
        self.n_terms = 0

    def ids(self, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Term ids of the tokens, new tokens inserted in order of first occurrence."""
        out = np.empty(len(starts), dtype=np.int32)
        done = 0
        loop = compiled(_term_ids_loop)
        while True:
            done, self.n_terms = loop(codes, starts, ends, done, self.slot_term, self.term_hash, self.term_ptr,
                                      self.term_codes, self.n_terms, out)
            if done == len(starts):
                return out
            self._grow(int(ends[done] - starts[done]))

    def extend(self, terms: list[str]) -> None:
        """Insert ``terms[self.n_terms:]`` (terms added to the vocabulary from strings)."""
        new = terms[self.n_terms :]
        if not new:
            return
        from toolkit.segment import _code_points

        lengths = np.fromiter(map(len, new), dtype=np.int64, count=len(new))
        ends = np.cumsum(lengths)
        n_before = self.n_terms
        ids = self.ids(_code_points("".join(new)), ends - lengths, ends)
        if not np.array_equal(ids, np.arange(n_before, n_before + len(new))):
            raise RuntimeError("the term table and the vocabulary disagree")  # a vocabulary's terms are distinct

    def strings(self, lo: int, hi: int) -> list[str]:
        """Terms ``lo … hi - 1`` as strings."""
        if hi <= lo:
            return []
        ptr = self.term_ptr[lo : hi + 1]
        joined = self.term_codes[ptr[0] : ptr[-1]].tobytes().decode("utf-32-le", "surrogatepass")
        cuts = (ptr - ptr[0]).tolist()
        return [joined[cuts[i] : cuts[i + 1]] for i in range(hi - lo)]

    def _grow(self, n_codes: int) -> None:
        """Room for at least one more term of ``n_codes`` code points: every array doubled where it is full."""
        n = self.n_terms
        if n == len(self.term_hash):
            self.term_hash = np.concatenate([self.term_hash, np.zeros(len(self.term_hash), dtype=np.int64)])
            self.term_ptr = np.concatenate([self.term_ptr, np.zeros(len(self.term_hash) + 1 - len(self.term_ptr),
                                                                    dtype=np.int64)])
        used = int(self.term_ptr[n])
        if used + n_codes > len(self.term_codes):
            grown = np.zeros(max(2 * len(self.term_codes), used + n_codes), dtype=np.uint32)
            grown[:used] = self.term_codes[:used]
            self.term_codes = grown
        if 2 * (n + 1) > len(self.slot_term):
            self.slot_term = np.full(2 * len(self.slot_term), -1, dtype=np.int32)
            compiled(_rehash_loop)(self.term_hash, n, self.slot_term)


def warm_up() -> None:
    """Compile the term-table loops (before worker processes are forked)."""
    from toolkit.segment import _code_points

    table = _TermTable(capacity=1)  # two terms: the table grows, and rehashes
    table.ids(_code_points("ab"), np.array([0, 1, 0]), np.array([1, 2, 1]))


_DEFAULT_VOCAB = Vocabulary()

# The process vocabulary grows with every new word of a corpus (names, numbers, typos), and with it the per-type
# tables kept for it (lexicon matrices, word statistics). Past ``VOCABULARY_LIMIT`` terms it is replaced by a new
# vocabulary holding its first ``VOCABULARY_KEEP`` terms (the words seen first, mostly common ones), so the memory
# of a long featurizing run stays bounded whatever the corpus size. Tables kept per vocabulary copy the rows of the
# kept terms from the old one's (``Vocabulary.origin``) and compute only the new terms. A worker featurizing half of
# AllSides (about 19,000 articles) meets some 140,000 terms: under this limit it computes each word once, for about
# 20 MB more than a limit of 80,000 (whose cuts had it redo about one word in three, 4% of its time).
VOCABULARY_LIMIT = 160_000
VOCABULARY_KEEP = 60_000


def default_vocabulary() -> Vocabulary:
    return _DEFAULT_VOCAB


def bounded_vocabulary(limit: int | None = None, keep: int | None = None) -> Vocabulary:
    """The process vocabulary, first replaced by a smaller one when it holds more than ``limit`` terms."""
    global _DEFAULT_VOCAB
    limit = VOCABULARY_LIMIT if limit is None else limit
    keep = VOCABULARY_KEEP if keep is None else keep
    if len(_DEFAULT_VOCAB) > limit:
        fresh = Vocabulary()
        kept = min(keep, limit)
        fresh.ids(_DEFAULT_VOCAB.terms[:kept])
        fresh.origin = (_DEFAULT_VOCAB, kept)
        _DEFAULT_VOCAB = fresh
    elif _DEFAULT_VOCAB.origin is not None:  # one batch has run: its tables copied what they could
        _DEFAULT_VOCAB.origin = None
    return _DEFAULT_VOCAB


_PLAIN_WORD_RE = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=200_000)
def _term_words(term: str) -> list[str]:
    """The tokens of a lexicon term (a plain lower-case word is its own token; the tokenizer costs ~0.5 ms)."""
    if _PLAIN_WORD_RE.fullmatch(term):
        return [term]
    return tokenize(term)


@dataclass
class Lexicon:
    """Terms → categories with weights, plus provenance."""

    name: str
    categories: list[str]
    words: dict[str, dict[int, float]] = field(default_factory=dict)
    prefixes: dict[str, dict[int, float]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], dict[int, float]] = field(default_factory=dict)
    source: str | None = None
    version: str | None = None
    licence: str | None = None
    citation: str | None = None
    path: str | None = None
    sha256: str | None = None

    def __post_init__(self):
        self._matrix = None
        self._matrix_rows = 0
        self._matrix_vocab = None
        self._matrix_generation = 0  # counts the matrices built from the first row: others only add rows to it
        self._trie = None

    # -- building -------------------------------------------------------------------------------------------
    def add(self, term: str, category: str, weight: float = 1.0) -> None:
        """Add one entry; ``term`` may end with ``*`` (prefix) or hold several words (phrase)."""
        if category not in self.categories:
            self.categories.append(category)
        cat = self.categories.index(category)
        term = term.strip().lower().replace("’", "'")
        if not term:
            return
        self._matrix, self._matrix_rows, self._matrix_vocab = None, 0, None  # rows built before may be wrong
        _ROWS.forget(self)
        if term.endswith("*"):
            stem = term.rstrip("*")
            words = _term_words(stem)
            if len(words) == 1 and stem.replace("'", "").replace("-", "").isalnum():
                self.prefixes.setdefault(stem, {})[cat] = weight
                self._trie = None
                return
            term = stem
        words = _term_words(term)
        if not words:
            return
        if len(words) == 1:
            self.words.setdefault(words[0], {})[cat] = weight
        else:
            self.phrases.setdefault(tuple(words), {})[cat] = weight

    # -- matching -------------------------------------------------------------------------------------------
    def match(self, term: str) -> dict[int, float]:
        """Categories of one token: the exact entry, else the longest matching prefix entry."""
        hit = self.words.get(term)
        if hit is not None:
            return hit
        if not self.prefixes:
            return {}
        # A walk down a character trie of the prefixes stops at the first character no prefix continues with,
        # usually after two or three; trying every length of the token costs five times more on new words.
        node = self._trie if self._trie is not None else self._build_trie()
        found = {}
        for ch in term:
            node = node.get(ch)
            if node is None:
                break
            found = node.get(None, found)
        return found

    def _build_trie(self) -> dict:
        root: dict = {}
        for prefix, cats in self.prefixes.items():
            node = root
            for ch in prefix:
                node = node.setdefault(ch, {})
            node[None] = cats  # the key None marks the end of a prefix entry: no character is None
        self._trie = root
        return root

    def matrix(self, vocab: Vocabulary | None = None) -> sp.csr_matrix:
        """Vocabulary × category weights (single-word and prefix entries; phrases are matched separately)."""
        vocab = _DEFAULT_VOCAB if vocab is None else vocab
        if self._matrix is not None and self._matrix_vocab is vocab and self._matrix_rows == len(vocab):
            return self._matrix
        if self._matrix is not None and vocab.origin is not None and self._matrix_vocab is vocab.origin[0]:
            kept = min(vocab.origin[1], self._matrix_rows)  # the first rows are the same terms with the same ids
            self._matrix, self._matrix_rows, self._matrix_vocab = self._matrix[:kept], kept, vocab
        start = self._matrix_rows if self._matrix_vocab is vocab else 0
        found = _ROWS.rows(self, vocab, start) if vocab is _DEFAULT_VOCAB else None
        if found is None:
            found = self._rows(vocab.terms[start:])
        rows, cols, vals = found  # by row (term position), as ``_entries`` gives them
        # The CSR arrays are made here, not by scipy from the triplets and then stacked under the rows before: a
        # batch extends every lexicon in use, and scipy's checks and conversions cost more than the new rows.
        row_ends = np.cumsum(np.bincount(np.asarray(rows, dtype=np.int64), minlength=len(vocab) - start))
        n_cols = len(self.categories)
        if start and self._matrix is not None and self._matrix.shape[1] == n_cols:
            old = self._matrix
            indptr = np.concatenate((old.indptr, old.indptr[-1] + row_ends.astype(old.indptr.dtype)))
            indices = np.concatenate((old.indices, np.asarray(cols, dtype=old.indices.dtype)))
            data = np.concatenate((old.data, np.asarray(vals, dtype=np.float64)))
        else:
            indptr = np.concatenate(([0], row_ends)).astype(np.int32)
            indices, data = np.asarray(cols, dtype=np.int32), np.asarray(vals, dtype=np.float64)
            self._matrix_generation += 1
        self._matrix = sp.csr_matrix((data, indices, indptr), shape=(len(vocab), n_cols))
        self._matrix_rows = len(vocab)
        self._matrix_vocab = vocab
        return self._matrix

    def _rows(self, terms: list[str]) -> tuple[list[int], list[int], list[float]]:
        """(term position, category, weight) of every category of every term."""
        # Most lexicons have no prefix entries: a dictionary lookup per new term is all they need.
        hits = map(self.match, terms) if self.prefixes else map(self.words.get, terms)
        return _entries(range(len(terms)), hits)

    def phrase_table(self, vocab: Vocabulary | None = None) -> list[tuple[np.ndarray, dict[int, float]]]:
        """Phrases as arrays of token ids (unknown words get ids too, so a phrase can match later text)."""
        vocab = _DEFAULT_VOCAB if vocab is None else vocab
        return [(vocab.ids(list(words)), cats) for words, cats in self.phrases.items()]

    @property
    def n_entries(self) -> int:
        return len(self.words) + len(self.prefixes) + len(self.phrases)

    def terms(self, category: str | None = None) -> list[str]:
        """Entries (prefixes with a trailing ``*``), optionally of one category."""
        cat = None if category is None else self.category_index(category)
        out = []
        for table, fmt in ((self.words, "{}"), (self.prefixes, "{}*"), (self.phrases, None)):
            for term, cats in table.items():
                if cat is None or cat in cats:
                    out.append(" ".join(term) if fmt is None else fmt.format(term))
        return sorted(out)

    def category_index(self, category: str) -> int:
        try:
            return self.categories.index(category)
        except ValueError:
            raise ToolkitError(
                f"lexicon {self.name!r} has no category {category!r}; its categories are {self.categories}"
            ) from None

    def provenance(self) -> dict:
        return {
            "name": self.name,
            "source": self.source,
            "version": self.version,
            "licence": self.licence,
            "citation": self.citation,
            "sha256": self.sha256,
            "n_entries": self.n_entries,
            "categories": list(self.categories),
        }


# -- readers ------------------------------------------------------------------------------------------------


def read_lexicon(path, *, name: str | None = None, format: str | None = None, **meta) -> Lexicon:
    """Read a lexicon file (LIWC .dic, .csv, .yaml, .txt list, MPQA .tff, Lexicoder .lc3)."""
    path = Path(path)
    if not path.is_file():
        raise ToolkitError(f"lexicon file not found: '{path}'")
    fmt = (format or path.suffix.lstrip(".")).lower()
    readers = {
        "dic": _read_dic,
        "csv": _read_csv,
        "yaml": _read_yaml,
        "yml": _read_yaml,
        "txt": _read_list,
        "list": _read_list,
        "tff": _read_tff,
        "lc3": _read_lc3,
    }
    if fmt not in readers:
        raise ToolkitError(
            f"cannot read lexicon '{path}': expected a .dic, .csv, .yaml, .txt, .tff or .lc3 file, got '{path.suffix}'"
        )
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = text.lstrip("\ufeff")  # a byte-order mark (spreadsheet exports) is not part of the first header
    lex = Lexicon(name=name or path.stem, categories=[])
    readers[fmt](text, lex, path)
    if not lex.n_entries:
        raise ToolkitError(f"lexicon '{path}' has no entries (read as {fmt})")
    lex.path = str(path)
    lex.sha256 = hashlib.sha256(raw).hexdigest()
    for key, value in meta.items():
        if value is not None and hasattr(lex, key):
            setattr(lex, key, value)
    lex.__post_init__()
    return lex


def _read_dic(text: str, lex: Lexicon, path: Path) -> None:
    parts = text.split("%")
    if len(parts) < 3:
        raise ToolkitError(f"'{path}' is not a LIWC .dic file: expected a header between two '%' lines")
    header, body = parts[1], "%".join(parts[2:])
    names = {}
    for line in header.strip().splitlines():
        bits = line.split()
        if len(bits) >= 2:
            names[_dic_code(bits[0])] = bits[1]
    for name in names.values():
        lex.categories.append(name) if name not in lex.categories else None
    for lineno, line in enumerate(body.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        bits = re.split(r"\t+", line)
        if len(bits) == 1:
            bits = line.split()
        term, codes = bits[0], [c for field in bits[1:] for c in field.split()]  # "preserve\t01 07 09"
        if len(bits) > 2 and not all(c.strip().isdigit() for c in codes):
            # phrase entries written with spaces: "resistance front 3"
            words = line.split()
            codes = [w for w in words if w.isdigit()]
            term = " ".join(w for w in words if not w.isdigit())
        if not codes:
            raise ToolkitError(
                f"'{path}': entry {term!r} names no category; expected a term followed by category numbers"
            )
        for code in codes:
            code = _dic_code(code)
            if code not in names:
                raise ToolkitError(f"'{path}': entry {term!r} names category {code!r}, which the header does not define")
            lex.add(term, names[code])


def _dic_code(code: str) -> str:
    """A LIWC category number as written in the header or an entry: "01" and "1" are the same category."""
    code = code.strip()
    return code.lstrip("0") or "0" if code.isdigit() else code


def _read_csv(text: str, lex: Lexicon, path: Path) -> None:
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return
    header = [h.strip().lower() for h in rows[0]]
    term_col = next((i for i, h in enumerate(header) if h in ("term", "word", "entry", "token")), None)
    if term_col is None:
        raise ToolkitError(f"'{path}': expected a column named term or word, found {rows[0]}")
    if "category" in header:
        cat_col = header.index("category")
        w_col = header.index("weight") if "weight" in header else None
        for lineno, row in enumerate(rows[1:], 2):
            if len(row) > max(term_col, cat_col):
                weight = row[w_col].strip() if w_col is not None and w_col < len(row) else ""
                lex.add(row[term_col], row[cat_col].strip(), _number(weight, path, f"line {lineno}, column 'weight'")
                        if weight else 1.0)
        return
    cats = [(i, rows[0][i].strip()) for i in range(len(header)) if i != term_col]
    for _, cat in cats:
        lex.categories.append(cat)
    for row in rows[1:]:
        for i, cat in cats:
            if i < len(row) and row[i].strip() not in ("", "0", "0.0"):
                lex.add(row[term_col], cat, _number(row[i], path, f"column {cat!r}"))


def _number(value, path: Path, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ToolkitError(f"'{path}': {where} holds {value!r}, expected a number") from None


def _read_yaml(text: str, lex: Lexicon, path: Path) -> None:
    try:
        data = yamlio.safe_load(text)
    except yamlio.YAMLError as exc:
        raise ToolkitError(f"'{path}' is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise ToolkitError(f"'{path}': expected a mapping with a 'categories' mapping of category → terms")
    for key in ("name", "source", "version", "licence", "citation"):
        if data.get(key):
            setattr(lex, key, str(data[key]))
    for cat, terms in data["categories"].items():
        lex.categories.append(str(cat))
        if terms is not None and not isinstance(terms, (dict, list)):
            raise ToolkitError(
                f"'{path}': category {cat!r} holds {terms!r}, expected a list of terms or a mapping of term → weight"
            )
        if isinstance(terms, dict):
            for term, weight in terms.items():
                lex.add(str(term), str(cat), _number(weight, path, f"category {cat!r}, term {term!r}"))
        else:
            for term in terms or []:
                lex.add(str(term), str(cat))


def _read_list(text: str, lex: Lexicon, path: Path) -> None:
    cat = path.stem
    lex.categories.append(cat)
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        lex.add(line.split("\t")[0], cat)


def _read_tff(text: str, lex: Lexicon, path: Path) -> None:
    for line in text.splitlines():
        fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if "word1" not in fields:
            continue
        strength = fields.get("type", "subj")
        polarity = fields.get("priorpolarity", "neutral")
        term = fields["word1"] + ("*" if fields.get("stemmed1") == "y" else "")
        lex.add(term, strength)
        lex.add(term, f"{strength}_{polarity}")


def _read_lc3(text: str, lex: Lexicon, path: Path) -> None:
    cat = None
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("+"):
            cat = line[1:].split("#")[0].strip().lower()  # "+negative#FF0000": the colour is not part of the name
            continue
        if cat is None:
            raise ToolkitError(f"'{path}' is not a Lexicoder .lc3 file: expected a '+category' line before {line!r}")
        lex.add(line.split("\t")[0], cat)


# -- rows shared by the lexicons in use ---------------------------------------------------------------------


class _SharedRows:
    """The matrix rows of the process vocabulary's terms for every lexicon in use, looked up in one pass.

    Featurizing uses some twenty lexicons, and a batch brings a few thousand terms none of them has seen. Looked up
    lexicon by lexicon, each term costs a dictionary lookup per lexicon and a walk down the prefix trie of each
    lexicon with prefixes; here it costs one lookup in a table of every lexicon's words and one walk down a trie
    of every lexicon's prefixes. Each lexicon's hits are kept by term position, so a lexicon asking for the rows
    of the terms from some position on reads them from there, whatever the others asked for.

    A lexicon joins when it is loaded by name or path, or shared by the family that built it (``share_rows``), else
    when its matrix is first extended over the process vocabulary; its hits are kept from then on (terms looked up before it joined it looks up itself). When the
    process vocabulary is replaced (``bounded_vocabulary``) the hits start again from the first position asked for.
    """

    def __init__(self):
        self._members: dict[int, weakref.ref] = {}
        self._index: tuple[dict, dict] | None = None  # every member's words and a trie of their prefixes
        self._vocab: weakref.ref | None = None  # the vocabulary the hits below are for
        self._upto = 0  # its terms before this position have been looked up
        # per member: the first position its hits are kept from, and its hits (positions, categories)
        self._from: dict[int, int] = {}
        self._hits: dict[int, tuple[list[int], list[dict[int, float]]]] = {}

    def join(self, lexicon: Lexicon) -> None:
        key = id(lexicon)
        if key not in self._members:
            self._members[key] = weakref.ref(lexicon, lambda _, key=key: self._drop(key))
            self._from[key], self._hits[key] = self._upto, ([], [])
            self._index = None

    def forget(self, lexicon: Lexicon) -> None:
        """Drop a lexicon whose entries changed; it joins again with its new entries."""
        self._drop(id(lexicon))

    def _drop(self, key: int) -> None:
        if self._members.pop(key, None) is not None:
            del self._from[key], self._hits[key]
            self._index = None

    def rows(self, lexicon: Lexicon, vocab: Vocabulary, start: int):
        """``lexicon._rows(vocab.terms[start:])``, or None when they were looked up before it joined."""
        key = id(lexicon)
        self.join(lexicon)
        if self._vocab is None or self._vocab() is not vocab:  # a new vocabulary: start again from here
            self._vocab, self._upto = weakref.ref(vocab), start
            for k in self._members:
                self._from[k], self._hits[k] = start, ([], [])
        if start < self._from[key]:
            return None
        if self._upto < len(vocab):
            self._look_up(vocab.terms[self._upto :], self._upto)
            self._upto = len(vocab)
        positions, cats = self._hits[key]
        lo = bisect.bisect_left(positions, start)
        return _entries(positions[lo:], cats[lo:], start)

    def _build_index(self) -> tuple[dict, dict]:
        words: dict[str, list] = {}
        trie: dict = {}
        for key, ref in self._members.items():
            lexicon = ref()
            if lexicon is None:
                continue
            for term, cats in lexicon.words.items():
                words.setdefault(term, []).append((key, cats))
            for prefix, cats in lexicon.prefixes.items():
                node = trie
                for ch in prefix:
                    node = node.setdefault(ch, {})
                node.setdefault(None, []).append((key, cats))  # None marks where prefix entries end
        self._index = words, trie
        return self._index

    def _look_up(self, terms: list[str], first: int) -> None:
        words, root = self._index or self._build_index()
        kept = self._hits
        for i, term in enumerate(terms, first):
            # per lexicon, its longest prefix entry, replaced by its exact entry (``Lexicon.match``)
            node, hits = root, None
            for ch in term:
                node = node.get(ch)
                if node is None:
                    break
                entries = node.get(None)
                if entries is not None:
                    hits = dict(entries) if hits is None else hits | dict(entries)
            exact = words.get(term)
            if exact is not None:
                hits = dict(exact) if hits is None else hits | dict(exact)
            if hits is None:
                continue
            for key, cats in hits.items():
                if cats:
                    positions, found = kept[key]
                    positions.append(i)
                    found.append(cats)


def _entries(positions, hits, start: int = 0) -> tuple[list[int], list[int], list[float]]:
    """(row, category, weight) of every category of every hit; a term at ``position`` is row ``position - start``."""
    rows, cols, vals = [], [], []
    for i, hit in zip(positions, hits):
        if hit:
            for cat, weight in hit.items():
                rows.append(i - start)
                cols.append(cat)
                vals.append(weight)
    return rows, cols, vals


_ROWS = _SharedRows()


def share_rows(*lexicons: Lexicon) -> None:
    """Have the rows of ``lexicons`` for the process vocabulary's new terms looked up with those of the other
    lexicons in use, in one pass (``_SharedRows``). Lexicons loaded by name or path join by themselves; a family
    joins those it builds (a term table's, a category subset) when it builds them, before the first batch: one that
    joins later looks up the terms met before by itself, and makes the shared index be built again."""
    for lexicon in lexicons:
        _ROWS.join(lexicon)


# -- registry -----------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def registry() -> dict[str, dict]:
    """Known lexicons: name → {path (relative to the lexicons folder or the package), format, source, …}."""
    if not REGISTRY_PATH.is_file():
        return {}
    with open(REGISTRY_PATH, encoding="utf-8") as fh:
        return yamlio.safe_load(fh) or {}


def lexicons_dir() -> Path | None:
    """The folder holding user-supplied lexicons: ``TOOLKIT_LEXICONS``, else the imported ``lexicons`` corpus."""
    env = os.environ.get("TOOLKIT_LEXICONS")
    if env:
        return Path(env)
    try:
        from toolkit.corpora import lexicons_dir as installed
    except ImportError:
        return None
    try:
        return installed()
    except ToolkitError:
        return None


_CACHE: dict[str, Lexicon] = {}
_SUFFIXES = (".dic", ".csv", ".yaml", ".yml", ".txt", ".list", ".tff", ".lc3")


def load_lexicon(name_or_path) -> Lexicon:
    """A lexicon by registry name (``mfd2``, ``gi``, …) or by file path; cached per process."""
    key = str(name_or_path)
    if key in _CACHE:
        return _CACHE[key]
    entry = registry().get(key)
    if entry is None:
        path = Path(key)
        if path.suffix.lower() in _SUFFIXES or (path.suffix and path.exists()):
            lex = read_lexicon(path)  # says "lexicon file not found" for a missing file
        else:
            known = ", ".join(sorted(registry()))
            raise ToolkitError(f"unknown lexicon {key!r}: expected a lexicon file path or one of: {known}")
    else:
        lex = _load_registered(key, entry)
    _CACHE[key] = lex
    _ROWS.join(lex)  # loaded before the first batch: its first rows are found with the other lexicons' too
    return lex


def _load_registered(name: str, entry: dict) -> Lexicon:
    meta = {k: entry.get(k) for k in ("source", "version", "licence", "citation")}
    where = entry.get("where", "user")
    if where == "package":
        path = PACKAGE_DIR / "data" / entry["path"]
    elif where == "python":
        import importlib

        module, _, attr = str(entry.get("loader", "")).partition(":")
        try:
            loader = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ToolkitError(
                f"lexicon {name!r}: its loader {entry.get('loader')!r} (module:function) cannot be used here: {exc}"
            ) from None
        lex = loader()
        for k, v in meta.items():
            if v and not getattr(lex, k):
                setattr(lex, k, v)
        lex.name = name
        return lex
    else:
        root = lexicons_dir()
        if root is None or not (root / entry["path"]).is_file():
            raise ToolkitError(
                f"lexicon {name!r} ({entry.get('source', '')}) is not available: its terms do not allow us to ship it. "
                f"Run 'python -m toolkit corpora fetch lexicons', or set TOOLKIT_LEXICONS to a folder holding "
                f"{entry['path']}"
            )
        path = root / entry["path"]
    return read_lexicon(path, name=name, format=entry.get("format"), **meta)


def available(name: str) -> bool:
    """Whether a registered lexicon can be loaded here."""
    try:
        load_lexicon(name)
        return True
    except ToolkitError:
        return False
