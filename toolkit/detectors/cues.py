"""Transparent cue-lexicon detectors: seed cues written by us, expanded and weighted from gold labels.

A cue lexicon maps each label (frame or technique) to weighted words. The score of a label in a text is the sum of
the weights of its cues that occur, per 1,000 word tokens; the evidence is which cues matched and in which sentences.

Expansion follows Field, Kliger, Wintner, Pan, Jurafsky & Tsvetkov (2018), who grew seed frame lexicons from
annotated articles by pointwise mutual information; here words are ranked by the weighted log-odds ratio with an
informative Dirichlet prior of Monroe, Colaresi & Quinn (2008) between texts with and without the label, and the
words with z ≥ ``z_min`` (and at least ``min_df`` documents) are added with weight z / z_ref (capped at 1).
Seed cues keep weight 1 when their z is positive, and 0.5 otherwise (they were chosen by definition, not by data).

References:
    Field et al. (2018). Framing and Agenda-setting in Russian News: a Computational Analysis of Intricate Political
    Strategies. EMNLP 2018.
    Monroe, Colaresi & Quinn (2008). Fightin' Words: Lexical Feature Selection and Evaluation for Identifying the
    Content of Political Conflict. Political Analysis 16(4).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np
from scipy import sparse

from toolkit.errors import ToolkitError
from toolkit.segment import tokenize, tokenize_with_offsets


@lru_cache(maxsize=None)
def load_seed_cues(name: str = "frames_cues.yaml") -> dict:
    """The seed cue file shipped in ``toolkit/data`` (``frames_cues.yaml`` or ``techniques_cues.yaml``)."""
    from toolkit import yamlio

    path = resources.files("toolkit") / "data" / name
    if not path.is_file():
        raise ToolkitError(f"seed cue file '{name}' is not in the package data (toolkit/data/)")
    with path.open("r", encoding="utf-8") as fh:
        doc = yamlio.safe_load(fh)
    if not isinstance(doc, dict):
        raise ToolkitError(f"seed cue file '{name}': expected a mapping at the top level")
    return doc


def _bigrams(tokens: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _terms(text: str) -> list[str]:
    tokens = tokenize(text)
    return tokens + _bigrams(tokens)


def expand_seed(seeds: list[str], vocabulary) -> list[str]:
    """Seed cues with wildcards (``econom*``) resolved against ``vocabulary``; plain cues are kept as they are."""
    out = []
    vocab = sorted(vocabulary)
    import bisect

    for cue in seeds:
        cue = str(cue).lower().strip()
        if cue.endswith("*"):
            stem = cue[:-1]
            i = bisect.bisect_left(vocab, stem)
            while i < len(vocab) and vocab[i].startswith(stem):
                if " " not in vocab[i] or " " in stem:
                    out.append(vocab[i])
                i += 1
        elif cue:
            out.append(cue)
    return list(dict.fromkeys(out))


def log_odds_z(counts_in: np.ndarray, counts_out: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """z-scores of the weighted log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008, eq. 22)."""
    a0 = prior.sum()
    n1, n2 = counts_in.sum(), counts_out.sum()
    l1 = np.log((counts_in + prior) / (n1 + a0 - counts_in - prior))
    l2 = np.log((counts_out + prior) / (n2 + a0 - counts_out - prior))
    var = 1.0 / (counts_in + prior) + 1.0 / (counts_out + prior)
    return (l1 - l2) / np.sqrt(var)


class CueLexicon:
    """Per-label weighted cue words: fit (expand and weight seeds from labelled texts), score, explain.

    Parameters:
        seeds: label → list of seed cues (wildcards allowed).
        n_expand: at most this many data-derived cues per label.
        z_min: minimum log-odds z-score of a data-derived cue.
        z_ref: z-score that earns the full weight 1.
        min_df: minimum number of documents (with the label) a data-derived cue occurs in.
    """

    def __init__(self, seeds: dict[str, list[str]], n_expand=60, z_min=2.0, z_ref=4.0, min_df=3):
        self.seeds = {k: list(v or []) for k, v in seeds.items()}
        self.n_expand = n_expand
        self.z_min = z_min
        self.z_ref = z_ref
        self.min_df = min_df

    @property
    def labels(self) -> list[str]:
        return list(self.seeds)

    def fit(self, texts, Y):
        """Expand and weight the seeds from texts with the 0/1 label matrix ``Y`` (columns in ``self.labels``)."""
        from sklearn.feature_extraction.text import CountVectorizer

        Y = np.asarray(Y, dtype=bool)
        cv = CountVectorizer(analyzer=_terms, min_df=2)
        X = cv.fit_transform(list(texts)).tocsc()
        vocab = cv.vocabulary_
        names = np.empty(len(vocab), dtype=object)
        for t, i in vocab.items():
            names[i] = t
        total = np.asarray(X.sum(axis=0)).ravel().astype(float)
        prior = 0.01 * total / total.mean() + 1e-3  # informative prior proportional to corpus frequency
        dfreq = (X > 0).astype(np.int32)
        self.weights_ = {}
        for j, label in enumerate(self.labels):
            rows = Y[:, j]
            weights: dict[str, float] = {}
            if rows.any() and (~rows).any():
                c_in = np.asarray(X[rows].sum(axis=0)).ravel()
                c_out = np.asarray(X[~rows].sum(axis=0)).ravel()
                z = log_odds_z(c_in, c_out, prior)
                df_in = np.asarray(dfreq[rows].sum(axis=0)).ravel()
                ok = np.flatnonzero((z >= self.z_min) & (df_in >= self.min_df))
                for i in ok[np.argsort(-z[ok])][: self.n_expand]:
                    weights[names[i]] = round(float(min(1.0, z[i] / self.z_ref)), 4)
            else:
                z = np.zeros(len(vocab))
            for cue in expand_seed(self.seeds[label], vocab.keys()) or []:
                i = vocab.get(cue)
                weights[cue] = 1.0 if (i is None or z[i] > 0) else 0.5
            self.weights_[label] = weights
        return self

    @classmethod
    def from_seeds(cls, seeds: dict[str, list[str]]):
        """An unfitted lexicon that uses the seed cues only (weight 1; wildcards match at scoring time)."""
        lex = cls(seeds)
        lex.weights_ = {label: {str(c).lower(): 1.0 for c in cues} for label, cues in lex.seeds.items()}
        return lex

    def _matrix(self):
        terms = sorted({t for w in self.weights_.values() for t in w})
        index = {t: i for i, t in enumerate(terms)}
        W = np.zeros((len(terms), len(self.labels)))
        for j, label in enumerate(self.labels):
            for t, w in self.weights_[label].items():
                W[index[t], j] = w
        return terms, index, W

    def _resolve(self, term: str, index: dict) -> int | None:
        i = index.get(term)
        if i is not None:
            return i
        if " " in term:
            return None
        # wildcard cues of an unfitted seed lexicon (single words only)
        for cue, j in self._wild.items():
            if term.startswith(cue):
                return j
        return None

    def score(self, texts) -> np.ndarray:
        """Per-label cue scores per 1,000 word tokens (n_texts × n_labels)."""
        terms, index, W = self._matrix()
        self._wild = {t[:-1]: i for t, i in index.items() if t.endswith("*")}
        rows, cols, n_tokens = [], [], []
        for r, text in enumerate(texts):
            tokens = tokenize(text)
            n_tokens.append(len(tokens))
            for term in tokens + _bigrams(tokens):
                i = self._resolve(term, index)
                if i is not None:
                    rows.append(r)
                    cols.append(i)
        C = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(n_tokens), len(terms)))
        per_1k = 1000.0 / np.maximum(np.asarray(n_tokens, dtype=float), 1.0)
        return np.asarray(C @ W) * per_1k[:, None]

    def explain(self, text: str, sentences=None, k: int = 10) -> dict[str, list[dict]]:
        """Per label, the matched cues: ``{"cue", "weight", "count", "spans": [(start, end)], "sentences": [i]}``.

        ``sentences`` is an optional list of (start, end) offsets; a match records the index of its sentence.
        """
        tokens, starts, ends = tokenize_with_offsets(text)
        terms = [(t, int(s), int(e)) for t, s, e in zip(tokens, starts, ends)]
        terms += [(f"{a[0]} {b[0]}", a[1], b[2]) for a, b in zip(terms, terms[1:])]
        sent_starts = np.asarray([s for s, _ in sentences]) if sentences else None
        out = {}
        for label in self.labels:
            weights = self.weights_[label]
            wild = {c[:-1]: w for c, w in weights.items() if c.endswith("*")}
            found: dict[str, dict] = {}
            for term, s, e in terms:
                w = weights.get(term)
                cue = term
                if w is None and " " not in term:
                    for stem, ww in wild.items():
                        if term.startswith(stem):
                            w, cue = ww, stem + "*"
                            break
                if w is None:
                    continue
                rec = found.setdefault(cue, {"cue": cue, "weight": w, "count": 0, "spans": [], "sentences": []})
                rec["count"] += 1
                rec["spans"].append((s, e))
                if sent_starts is not None:
                    i = int(np.searchsorted(sent_starts, s, side="right") - 1)
                    if i not in rec["sentences"]:
                        rec["sentences"].append(i)
            ranked = sorted(found.values(), key=lambda r: -r["weight"] * r["count"])
            out[label] = ranked[:k]
        return out

    def to_json(self) -> str:
        return json.dumps({"labels": self.labels, "weights": self.weights_}, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, doc: str | dict) -> "CueLexicon":
        doc = json.loads(doc) if isinstance(doc, str) else doc
        lex = cls({label: [] for label in doc["labels"]})
        lex.weights_ = {label: {t: float(w) for t, w in doc["weights"][label].items()} for label in doc["labels"]}
        return lex
