"""Term tables: groups of patterns matched in a ``Batch``, shared by the ``naming`` and ``actors`` families.

A term table maps patterns to groups (a naming concept's variant, an actor). Patterns use the lexicon syntax of
``toolkit.lexicons``: a word (``murder``), a prefix (``martyr*``), or a phrase of several words
(``resistance front``), matched against the toolkit's lower-cased tokens. A pattern can be case-sensitive
(``US``, ``the Leader``): every word of it that holds a capital letter must then appear with exactly that
capitalisation, so ``US`` matches "US" but not the pronoun "us", and ``the Leader`` matches "The Leader".

Matching rules:

- a phrase never crosses a sentence;
- within one *key* (a naming concept, an actor) matches do not overlap: the longest match wins, so "drone strike"
  is counted once, as ``drone strike``, and not again as ``strike``;
- a key may require an *anchor*: a match counts only when an anchor term occurs in the same sentence (or, with
  ``anchor_window: 1``, in the same or the previous sentence of the article);
- optionally, contiguous matches of one key are merged into one (``Leader of the Islamic Revolution`` directly
  followed by ``Ayatollah Seyyed Ali Khamenei`` is one mention).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toolkit import yamlio
from toolkit._compiled import compiled
from toolkit.errors import ToolkitError
from toolkit.features._batch import phrase_table
from toolkit.lexicons import Lexicon, share_rows
from toolkit.segment import tokenize_with_offsets


def pattern_words(pattern: str) -> list[str]:
    """The words of a pattern as written (case kept, apostrophes normalised, a trailing ``*`` dropped)."""
    text = pattern.strip().rstrip("*").replace("’", "'")
    tokens, starts, ends = tokenize_with_offsets(text)
    return [text[s:e] for s, e in zip(starts.tolist(), ends.tolist())]


@dataclass
class TermTable:
    """Patterns → groups; each group belongs to a key (overlaps are resolved and anchors checked per key).

    Build with ``add(pattern, group, key, case_sensitive)`` and ``set_anchor(key, terms, window)``.
    """

    name: str
    groups: list[str] = field(default_factory=list)
    group_key: list[str] = field(default_factory=list)
    merge_contiguous: bool = False

    def __post_init__(self):
        self.lexicon = Lexicon(name=self.name, categories=[])
        self.cs_lexicon = Lexicon(name=self.name + "-case", categories=[])
        # case-sensitive entries: lexicon term (str or tuple) → list of (group index, required surface words)
        self.cs_required: dict = {}
        self.cs_prefix_required: dict[str, list] = {}
        self.anchors: dict[str, tuple[Lexicon, int]] = {}

    def group_index(self, group: str, key: str) -> int:
        if group in self.groups:
            return self.groups.index(group)
        self.groups.append(group)
        self.group_key.append(key)
        # keep both lexicons' category lists aligned with ``groups``
        for lex in (self.lexicon, self.cs_lexicon):
            lex.categories.append(group)
        return len(self.groups) - 1

    def add(self, pattern: str, group: str, key: str, case_sensitive: bool = False, source: str = "") -> None:
        if not isinstance(pattern, str) or not pattern.strip():
            raise ToolkitError(f"{source or self.name}: group {group!r} has an empty or non-text pattern {pattern!r}")
        self.group_index(group, key)
        words = pattern_words(pattern)
        if not words:
            raise ToolkitError(f"{source or self.name}: pattern {pattern!r} of {group!r} holds no word")
        if not case_sensitive or not any(c.isupper() for c in pattern):
            self.lexicon.add(pattern, group)
            return
        self.cs_lexicon.add(pattern, group)
        stem = pattern.strip().rstrip("*").replace("’", "'")
        if pattern.strip().endswith("*") and stem.lower() in self.cs_lexicon.prefixes:
            # a case-sensitive prefix ("US-*" for "US-backed"): the token must start with the stem as written
            self.cs_prefix_required.setdefault(stem.lower(), []).append((self.groups.index(group), stem))
            return
        lowered = tuple(w.lower() for w in words)
        term = lowered[0] if len(lowered) == 1 else lowered
        required = [w if any(c.isupper() for c in w) else None for w in words]
        self.cs_required.setdefault(term, []).append((self.groups.index(group), required))

    def set_anchor(self, key: str, terms, window: int = 0, source: str = "") -> None:
        if isinstance(terms, str):
            terms = [terms]
        if not isinstance(terms, list) or not terms:
            raise ToolkitError(f"{source or self.name}: 'anchor' of {key!r} must be a list of terms, got {terms!r}")
        if window not in (0, 1):
            raise ToolkitError(f"{source or self.name}: 'anchor_window' of {key!r} must be 0 or 1, got {window!r}")
        lex = Lexicon(name=f"{self.name}-anchor-{key}", categories=["anchor"])
        for t in terms:
            lex.add(str(t), "anchor")
        self.anchors[key] = (lex, int(window))

    def finish(self) -> "TermTable":
        for lex in (self.lexicon, self.cs_lexicon):
            lex.categories = list(self.groups)
            lex.__post_init__()
        for lex, _ in self.anchors.values():
            lex.__post_init__()
        share_rows(self.lexicon, self.cs_lexicon, *(lex for lex, _ in self.anchors.values()))
        return self

    # -- matching --------------------------------------------------------------------------------------------
    def matches(self, batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All matches in a batch: global token position, length in tokens, group index (sorted by position).

        Computed once per batch and table (the scopes of a family reuse them)."""
        cache = batch.__dict__.setdefault("_term_table_matches", {})
        if id(self) not in cache:
            cache[id(self)] = (self, self._matches(batch))  # the table is kept so its id is not reused
        return cache[id(self)][1]

    def _matches(self, batch):
        pos, length, group = self._raw(batch, self.lexicon)
        if self.cs_lexicon.n_entries:
            p2, l2, g2 = self._raw(batch, self.cs_lexicon)
            keep = self._case_ok(batch, p2, l2, g2)
            pos, length, group = (np.concatenate([a, b[keep]]) for a, b in ((pos, p2), (length, l2), (group, g2)))
        if len(pos) and self.anchors:
            keep = np.ones(len(pos), dtype=bool)
            keys = np.asarray(self.group_key, dtype=object)[group]
            for key, (lex, window) in self.anchors.items():
                sel = keys == key
                if sel.any():
                    ok = self._anchored_sentences(batch, lex, window)
                    keep[sel] = ok[batch.token_sentence[pos[sel]]]
            pos, length, group = pos[keep], length[keep], group[keep]
        return self._resolve(batch, pos, length, group)

    def _raw(self, batch, lexicon: Lexicon):
        phrases = phrase_table(lexicon, batch.vocab)
        mat = lexicon.matrix(batch.vocab)
        rows, cols, _ = batch.token_hits(mat)
        pos = [rows.astype(np.int64)]
        group = [cols.astype(np.int64)]
        length = [np.ones(len(rows), dtype=np.int64)]
        for p, k, cats in batch.phrase_matches(phrases):
            for cat in cats:
                pos.append(p.astype(np.int64))
                group.append(np.full(len(p), cat, dtype=np.int64))
                length.append(np.full(len(p), k, dtype=np.int64))
        return np.concatenate(pos), np.concatenate(length), np.concatenate(group)

    def _case_ok(self, batch, pos, length, group) -> np.ndarray:
        """Which case-sensitive matches are written as their entries require."""
        keep = np.zeros(len(pos), dtype=bool)
        done = np.zeros(len(pos), dtype=bool)
        terms, ids = batch.vocab.terms, batch.token_ids
        # The matches of each entry ("US" against the pronoun "us", the most frequent; "U.S." as "u s"): the written
        # characters of all its matches, read from the batch's code points at once, against each form it may take.
        # One-word matches of no entry are a case-sensitive prefix's, checked one by one.
        codes, bases = batch.code_points if len(pos) else (None, None)
        for k in np.unique(length).tolist():
            of_length = np.flatnonzero(length == k)
            words = ids[pos[of_length][:, None] + np.arange(k)]
            distinct, which = np.unique(words, axis=0, return_inverse=True)
            which = which.ravel()
            for u, row in enumerate(distinct.tolist()):
                required = self.cs_required.get(terms[row[0]] if k == 1 else tuple(terms[t] for t in row))
                if required is None and k == 1:
                    continue
                at = of_length[which == u]
                done[at] = True
                for grp, forms in required or ():
                    ok = group[at] == grp
                    for j, form in enumerate(forms):
                        if form is not None:
                            ok &= self._written_as(batch, codes, bases, pos[at] + j, form)
                    keep[at] |= ok
        rest = np.flatnonzero(~done)
        keep[rest] = self._case_ok_one_by_one(batch, pos[rest], length[rest], group[rest])
        return keep

    @staticmethod
    def _written_as(batch, codes, bases, tokens, form: str) -> np.ndarray:
        """Whether each of ``tokens`` (batch positions) is written ``form`` (the written ’ reads as ')."""
        start = batch.token_start[tokens] + bases[batch.token_doc[tokens]]
        ok = batch.token_end[tokens] - batch.token_start[tokens] == len(form)
        for i, char in enumerate(form):
            written = codes[np.minimum(start + i, len(codes) - 1)]
            ok &= (written == 39) | (written == 0x2019) if char == "'" else written == ord(char)
            if char == "’":
                ok[:] = False
        return ok

    def _case_ok_one_by_one(self, batch, pos, length, group) -> np.ndarray:
        keep = []
        terms, ids, texts = batch.vocab.terms, batch.token_ids, [seg.text for seg in batch.layouts]
        starts, ends = batch.token_start, batch.token_end
        for p, k, g, doc, t, a, b in zip(pos.tolist(), length.tolist(), group.tolist(), batch.token_doc[pos].tolist(),
                                         ids[pos].tolist(), starts[pos].tolist(), ends[pos].tolist()):
            text = texts[doc]
            if k == 1:  # most matches: their one token was gathered above
                term, surface = terms[t], [text[a:b].replace("’", "'")]
            else:
                term = tuple(terms[t] for t in ids[p : p + k].tolist())
                surface = [text[a:b].replace("’", "'")
                           for a, b in zip(starts[p : p + k].tolist(), ends[p : p + k].tolist())]
            ok = any(grp == g and all(r is None or r == s for r, s in zip(required, surface))
                     for grp, required in self.cs_required.get(term, ()))
            if not ok and k == 1 and term not in self.cs_required:
                ok = any(term.startswith(stem) and any(grp == g and surface[0].startswith(req) for grp, req in entries)
                         for stem, entries in self.cs_prefix_required.items())
            keep.append(ok)
        return np.asarray(keep, dtype=bool)

    def _anchored_sentences(self, batch, lex: Lexicon, window: int) -> np.ndarray:
        """Per sentence of the batch: whether it (or, with window 1, the previous sentence of its article) holds
        an anchor."""
        n_sent = int(batch.sentence_ptr[-1])
        has = np.zeros(n_sent + 1, dtype=bool)
        if len(batch.token_ids):
            pos, _, values = batch.token_hits(lex.matrix(batch.vocab))
            tokens, entry_of = np.unique(pos, return_inverse=True)  # a token's row sum: its entries' weights
            has[batch.token_sentence[tokens[np.bincount(entry_of.ravel(), weights=values) > 0]]] = True
            for p, k, _ in batch.phrase_matches(phrase_table(lex, batch.vocab)):
                has[batch.token_sentence[p]] = True
        if window:
            prev = np.zeros_like(has)
            prev[1:] = has[:-1]
            prev[batch.sentence_ptr[:-1]] = False  # the first sentence of an article has no previous sentence
            has = has | prev
        return has

    def _resolve(self, batch, pos, length, group):
        if not len(pos):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy()
        key_codes = {k: i for i, k in enumerate(dict.fromkeys(self.group_key))}
        key = np.asarray([key_codes[self.group_key[g]] for g in range(len(self.groups))], dtype=np.int64)[group]
        order = np.lexsort((-length, pos, key))
        pos, length, group, key = pos[order], length[order], group[order], key[order]
        keep = compiled(_first_of_overlaps)(pos, length, key)
        pos, length, group, key = pos[keep], length[keep], group[keep], key[keep]
        if self.merge_contiguous and len(pos) > 1:
            where = np.stack([batch.token_doc[pos], batch.token_sentence[pos]]).astype(np.int64)
            keep = compiled(_merge_runs)(pos, length, key, where)
            pos, length, group = pos[keep], length[keep], group[keep]
        order = np.argsort(pos, kind="stable")
        return pos[order], length[order], group[order]

    def counts(self, batch, scope: str = "all", matches=None) -> np.ndarray:
        """Articles × groups: number of matches whose first token is in the scope."""
        pos, length, group = matches if matches is not None else self.matches(batch)
        out = np.zeros((batch.n_docs, len(self.groups)), dtype=np.float64)
        if len(pos):
            m = batch.mask(scope)[pos]
            np.add.at(out, (batch.token_doc[pos[m]], group[m]), 1.0)
        return out


def warm_up() -> None:
    """Compile the loops of ``TermTable`` (before worker processes are forked)."""
    none = np.zeros(0, dtype=np.int64)
    compiled(_first_of_overlaps)(none, none, none)
    compiled(_merge_runs)(none, none, none, np.zeros((2, 0), dtype=np.int64))


def _first_of_overlaps(pos, length, key):
    """Which matches to keep, sorted by key, position and longest first: a match is dropped when it starts before
    the end of the last match kept with the same key. Compiled (``toolkit._compiled``)."""
    keep = np.ones(len(pos), np.bool_)
    end = -1
    for i in range(len(pos)):
        if i and key[i] != key[i - 1]:
            end = -1
        if pos[i] < end:
            keep[i] = False
        else:
            end = pos[i] + length[i]
    return keep


def _merge_runs(pos, length, key, where):
    """Which matches to keep, sorted by key and position, when a match that starts where the last one kept with the
    same key ends, in the same article and sentence (``where``: the article and sentence of each match, two rows),
    joins it (``length`` is extended in place). Compiled (``toolkit._compiled``)."""
    keep = np.ones(len(pos), np.bool_)
    j = -1
    for i in range(len(pos)):
        p = pos[i]
        if (j >= 0 and key[j] == key[i] and pos[j] + length[j] == p and where[0, i] == where[0, j]
                and where[1, i] == where[1, j]):
            length[j] = p + length[i] - pos[j]
            keep[i] = False
        else:
            j = i
    return keep


IDENTIFIER_RE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")  # concept, variant and actor names


def path_list(paths) -> list[str] | None:
    """``configure(paths=…)`` input as a list of strings (one path or several; None stays None)."""
    if paths is not None and isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return None if paths is None else [str(p) for p in paths]


def with_user_tables(default: Path, configured, env: str) -> list[Path]:
    """Our table, then the user's: paths given to ``configure``, else those in the environment variable ``env``."""
    user = configured
    if user is None:
        user = [p for p in os.environ.get(env, "").split(os.pathsep) if p.strip()]
    return [default] + [Path(p).expanduser() for p in user]


def read_table_file(path: Path, what: str, key: str, expected: str, env: str) -> dict:
    """A user-extensible YAML table (naming table, actor gazetteer) with a top-level ``key`` mapping."""
    if not path.is_file():
        raise ToolkitError(f"{what} not found: '{path}' (from {env} or configure(paths=...))")
    try:
        data = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except yamlio.YAMLError as exc:
        raise ToolkitError(f"{what} '{path}' is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise ToolkitError(f"{what} '{path}': expected a mapping with {expected}")
    return data
