"""Lexicon coverage: how much of a corpus each lexicon (and each of its categories) matches.

For every corpus × lexicon × category, ``lexicon_coverage`` reports:

- ``n_articles``: articles in the corpus; ``n_hit_articles``: articles with at least one match;
- ``hit_rate`` = ``n_hit_articles / n_articles`` (the share of articles with ≥ 1 match);
- ``n_tokens``: word tokens (every voice but boilerplate); ``n_matched_tokens``: tokens covered by a match (a
  phrase match covers all its words; a token matched by several entries counts once);
- ``token_share`` = ``n_matched_tokens / n_tokens``.

The row with ``category == "*"`` is the lexicon as a whole (a token counts once even when it belongs to several
categories). Low coverage warns that a lexicon built for another genre (Wikipedia edits, product reviews) says
little about news text; very high coverage that it matches function words.

References:
    Grimmer, J. & Stewart, B. M. (2013). Text as Data: The Promise and Pitfalls of Automatic Content Analysis
    Methods for Political Texts. Political Analysis 21(3) (dictionaries must be validated on the corpus at hand).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch, phrase_table
from toolkit.lexicons import Lexicon, load_lexicon, registry

COLUMNS = ["corpus", "lexicon", "category", "n_articles", "n_hit_articles", "hit_rate", "n_tokens",
           "n_matched_tokens", "token_share"]
BATCH_SIZE = 256


def available_lexicons() -> list[str]:
    """Registered lexicons that load here (missing user-supplied ones are left out)."""
    out = []
    for name in registry():
        try:
            load_lexicon(name)
        except ToolkitError:
            continue
        out.append(name)
    return out


def _resolve_lexicons(lexicons) -> list[Lexicon]:
    if lexicons is None:
        names = available_lexicons()
        missing = [n for n in registry() if n not in names]
        if missing:
            warnings.warn(f"lexicon coverage: not available here, left out: {', '.join(missing)}", stacklevel=3)
        return [load_lexicon(n) for n in names]
    if isinstance(lexicons, (str, Lexicon)):
        lexicons = [lexicons]
    return [lex if isinstance(lex, Lexicon) else load_lexicon(lex) for lex in lexicons]


def _corpora(articles, by):
    if isinstance(articles, dict):
        return list(articles.items())
    if isinstance(articles, pd.DataFrame) and by is not None:
        if by not in articles.columns:
            raise ToolkitError(f"lexicon_coverage(by={by!r}): the article table has no such column; "
                               f"its columns are {list(articles.columns)}")
        return [(str(k), g) for k, g in articles.groupby(by, sort=True, dropna=False)]
    return [("articles", articles)]


def _token_hits(batch: Batch, lexicon: Lexicon, mask: np.ndarray) -> np.ndarray:
    """Tokens × categories: whether a token of the scope is covered by a match of the category (bool)."""
    n_tok = len(batch.token_ids)
    n_cat = len(lexicon.categories)
    phrases = phrase_table(lexicon, batch.vocab)
    mat = lexicon.matrix(batch.vocab)
    hits = np.zeros((n_tok, n_cat), dtype=bool)
    if n_tok:
        coo = mat[batch.token_ids].tocoo()
        nz = coo.data != 0
        hits[coo.row[nz], coo.col[nz]] = True
        for pos, k, cats in batch.phrase_matches(phrases, mask):
            for cat in cats:
                for j in range(k):
                    hits[pos + j, cat] = True
    hits &= mask[:, None]
    return hits


def lexicon_coverage(articles, lexicons=None, *, by: str | None = None) -> pd.DataFrame:
    """Hit rates and token shares per corpus × lexicon × category (see the module docstring).

    Parameters:
        articles: an article table or a list of texts (one corpus), or ``{corpus name: table}``.
        lexicons: registry names, paths or ``Lexicon`` objects; default every registered lexicon available here.
        by: a column of the article table that splits it into corpora (``"outlet"``, ``"corpus"`` …).
    """
    from toolkit.features import _texts_and_ids, batch_spans

    lexs = _resolve_lexicons(lexicons)
    rows = []
    for corpus, table in _corpora(articles, by):
        texts, ids = _texts_and_ids(table)
        n_articles = len(texts)
        n_tokens = 0
        hit_docs = {lex.name: np.zeros((n_articles, len(lex.categories) + 1), dtype=bool) for lex in lexs}
        matched = {lex.name: np.zeros(len(lex.categories) + 1, dtype=np.int64) for lex in lexs}
        for start, stop in batch_spans(texts, BATCH_SIZE):
            batch = Batch(texts[start:stop], ids[start:stop])
            mask = batch.mask("all")
            n_tokens += int(mask.sum())
            for lex in lexs:
                hits = _token_hits(batch, lex, mask)
                both = np.concatenate([hits, hits.any(axis=1, keepdims=True)], axis=1)
                matched[lex.name] += both.sum(axis=0)
                per_doc = np.zeros((batch.n_docs, both.shape[1]), dtype=np.int64)
                np.add.at(per_doc, batch.token_doc, both.astype(np.int64))
                hit_docs[lex.name][start : start + batch.n_docs] = per_doc > 0
        for lex in lexs:
            for j, category in enumerate(list(lex.categories) + ["*"]):
                n_hit = int(hit_docs[lex.name][:, j].sum())
                n_match = int(matched[lex.name][j])
                rows.append({
                    "corpus": corpus, "lexicon": lex.name, "category": category, "n_articles": n_articles,
                    "n_hit_articles": n_hit, "hit_rate": n_hit / n_articles if n_articles else 0.0,
                    "n_tokens": n_tokens, "n_matched_tokens": n_match,
                    "token_share": n_match / n_tokens if n_tokens else 0.0,
                })
    return pd.DataFrame(rows, columns=COLUMNS)
