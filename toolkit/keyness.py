"""Keyness: which words and phrases set a target (one article or a set) apart from a reference corpus.

``keyness(target, reference)`` returns one row per n-gram the target uses (unigrams to trigrams by default) with

- ``n_target``, ``n_reference``: counts; ``n_docs_target``, ``n_docs_reference``: documents containing the term;
- ``per_1k_target``, ``per_1k_reference``: relative frequency per 1,000 n-grams of the same order;
- ``log_odds``, ``log_odds_z``: the weighted log-odds ratio with an informative Dirichlet prior and its z-score
  (Monroe, Colaresi & Quinn 2008, eqs. 16–22). The prior is the pooled (target + reference) frequency of the term,
  scaled so that the prior pseudo-counts of the whole vocabulary sum to ``alpha_0``:
  ``a_w = alpha_0 · (y_w^T + y_w^R) / (n^T + n^R)``;
  ``delta_w = log((y_w^T + a_w) / (n^T + alpha_0 − y_w^T − a_w)) − log((y_w^R + a_w) / (n^R + alpha_0 − y_w^R − a_w))``;
  ``var(delta_w) ≈ 1 / (y_w^T + a_w) + 1 / (y_w^R + a_w)``; ``z = delta_w / sqrt(var)``. Positive z: more typical
  of the target.
- ``g2``: the log-likelihood ratio statistic G² of the 2×2 table (term, other n-grams) × (target, reference), all
  four cells (as ``scipy.stats.chi2_contingency(..., correction=False, lambda_="log-likelihood")``); ``p_value``
  from the chi-square distribution with 1 df; ``q_value``: Benjamini–Hochberg over every row of the table.
- ``log_ratio``: Hardie's log ratio, log2 of the ratio of relative frequencies (target / reference). When either
  count is zero, 0.5 is added to both counts before the ratio (Hardie's zero-frequency adjustment as used by
  CQPweb), so that a term absent from the reference gets a large finite value rather than infinity.
- ``n_tokens_target``, ``n_tokens_reference``: the word-token totals; ``n_total_target``, ``n_total_reference``:
  the number of n-gram positions of the row's order (n-grams never cross a sentence), the totals every statistic
  of that row uses.

Counting. The words come from ``toolkit.segment`` (the same tokenizer, paragraphs and sentences as
``segment()``; a test pins the equality). N-grams never cross a sentence boundary. With ``exclude_boilerplate``
(the default) tokens in the segmenter's boilerplate voice (header lines, syndication and caption lines) are left
out, and n-grams that would touch them are not formed; with a corpus-wide boilerplate table
(``toolkit.boilerplate.detect_boilerplate``) those outlet-specific lines are blanked first.

Only n-grams the target uses are scored, so the reference is counted against the target's vocabulary; the
reference totals stay exact (every n-gram position is counted). A term the target never uses cannot be
distinctive of the target; what the reference says that the target does not is a different question.

Minimum counts are explicit: ``min_count_target`` defaults to 1 for a one-document target and 2 for a larger
target (unlike the common "Fightin' Words" code, which silently drops terms found in fewer than ten documents and
so would drop almost everything a single article says). ``min_count_reference`` defaults to 0.

Speed. The reference is tokenized once into integer arrays, cached on disk under the cache folder keyed by a
checksum of the texts and of the segmenter's source; counting against it is vectorised (numpy), so all of
AllSides (~25M tokens) as a reference takes seconds once cached (see ``benchmarks/bench_keyness.py``).

References:
    Monroe, B. L., Colaresi, M. P. & Quinn, K. M. (2008). Fightin' words: lexical feature selection and evaluation
    for identifying the content of political conflict. Political Analysis 16(4), 372–403.
    Dunning, T. (1993). Accurate methods for the statistics of surprise and coincidence. Computational
    Linguistics 19(1), 61–74.
    Rayson, P. & Garside, R. (2000). Comparing corpora using frequency profiling. WCC workshop, ACL.
    Hardie, A. (2014). Log Ratio – an informal introduction. CASS blog, Lancaster University.
    Benjamini, Y. & Hochberg, Y. (1995). JRSS B 57(1), 289–300.
"""

from __future__ import annotations

import hashlib
import inspect
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse, stats as _stats
from sklearn.feature_extraction.text import CountVectorizer

from toolkit import segment as _seg
from toolkit.errors import ToolkitError
from toolkit.stats import bh_qvalues

DEFAULT_ALPHA_0 = 1000.0
_BOILERPLATE = _seg.VOICE_CODE["boilerplate"]
_STREAM_VERSION = "1"


# --------------------------------------------------------------------------------------------------- token streams
def token_stream(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Word tokens of ``text`` with their sentence index and a boilerplate flag, exactly as ``segment()`` gives them.

    This is the part of ``segment()`` that keyness needs (tokens, ``token_sentence``, ``token_voice ==
    boilerplate``) without quote and social-media attribution, which is about ten times slower and not needed to
    count words. ``tests/test_keyness.py`` checks that both agree.
    """
    if not isinstance(text, str):
        raise ToolkitError(f"text: expected a str, got {type(text).__name__}")
    boiler = _seg._boilerplate_header_spans(text)
    paragraphs, _ = _seg._paragraphs(text, boiler)
    para_boiler = [bool(_seg._BOILERPLATE_LINE_RE.match(text[start:end])) for start, end in paragraphs]
    sentences = _seg._sentences_all(text, paragraphs)
    sent_starts = [s for s, _, _ in sentences]
    sent_boiler = [para_boiler[k] for _, _, k in sentences]
    tokens, starts, _ends = _seg.tokenize_with_offsets(text)
    starts_arr = np.asarray(starts, dtype=np.int64)
    if sent_starts:
        sent = np.searchsorted(np.asarray(sent_starts, dtype=np.int64), starts_arr, side="right") - 1
        flags = np.asarray(sent_boiler, dtype=bool)
        boiler_flag = np.where(sent >= 0, flags[np.clip(sent, 0, None)], True)
    else:
        sent = np.full(len(tokens), -1, dtype=np.int64)
        boiler_flag = np.ones(len(tokens), dtype=bool)
    boiler_flag |= sent < 0
    return tokens, np.clip(sent, 0, None).astype(np.int32), boiler_flag


def ngram_analyzer(ngram_range: tuple[int, int] = (1, 3), exclude_boilerplate: bool = True):
    """A CountVectorizer ``analyzer``: n-gram strings (words joined by a space) within sentences."""
    lo, hi = _check_ngram_range(ngram_range)

    def analyze(text: str) -> list[str]:
        tokens, sent, boiler = token_stream(text)
        out: list[str] = []
        for n in range(lo, hi + 1):
            for i in _valid_positions(sent, boiler if exclude_boilerplate else None, n):
                out.append(" ".join(tokens[i : i + n]))
        return out

    return analyze


def _valid_positions(sent: np.ndarray, boiler: np.ndarray | None, n: int) -> np.ndarray:
    """Start positions of n-grams that stay inside one sentence and (optionally) avoid boilerplate tokens."""
    m = len(sent) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.int64)
    ok = sent[: m] == sent[n - 1 :]
    if boiler is not None:
        bad = np.zeros(m, dtype=bool)
        for k in range(n):
            bad |= boiler[k : k + m]
        ok &= ~bad
    return np.flatnonzero(ok)


def _check_ngram_range(ngram_range) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in ngram_range)
    except (TypeError, ValueError):
        raise ToolkitError(f"ngram_range: expected two integers (min_n, max_n), got {ngram_range!r}") from None
    if not (1 <= lo <= hi <= 3):
        raise ToolkitError(f"ngram_range: expected 1 <= min_n <= max_n <= 3, got {ngram_range!r}")
    return lo, hi


# ----------------------------------------------------------------------------------------- the encoded reference
@dataclass
class EncodedCorpus:
    """A corpus as integer arrays: ``ids`` (token ids into ``vocab``), ``sent`` (a corpus-wide sentence number),
    ``boiler`` (boilerplate flag) and ``doc`` (document number) per token."""

    vocab: np.ndarray  # str array, id -> word
    ids: np.ndarray
    sent: np.ndarray
    boiler: np.ndarray
    doc: np.ndarray
    n_docs: int

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.vocab.tolist())}


def _encode_chunk(texts: list[str]):
    all_tokens: list[str] = []
    sent_parts, boil_parts, lengths = [], [], []
    sent_offset = 0
    for text in texts:
        tokens, sent, boiler = token_stream(text)
        all_tokens.extend(tokens)
        sent_parts.append(sent.astype(np.int64) + sent_offset)
        sent_offset += (int(sent.max()) + 1) if len(sent) else 0
        boil_parts.append(boiler)
        lengths.append(len(tokens))
    codes, uniques = pd.factorize(pd.Series(all_tokens, dtype=object), sort=False)
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dtype=dt))
    doc = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
    return (list(uniques), codes.astype(np.int32), cat(sent_parts, np.int64), cat(boil_parts, bool), doc,
            sent_offset)


def _texts_checksum(texts: list[str]) -> str:
    h = hashlib.sha256()
    h.update(_STREAM_VERSION.encode())
    h.update(inspect.getsource(_seg).encode())
    for t in texts:
        b = t.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:24]


def encode_corpus(texts, cache: bool | str | os.PathLike = True, n_jobs: int | None = None) -> EncodedCorpus:
    """Tokenize ``texts`` once into an :class:`EncodedCorpus`, in parallel, cached on disk.

    Parameters:
        cache: True for the toolkit cache folder, a folder path, or False for no cache.
        n_jobs: worker processes (default: the number of CPUs, at most 8; 1 for small corpora).
    """
    texts = _as_texts(texts, "reference")
    folder = None
    if cache:
        from toolkit.paths import cache_dir

        folder = Path(cache_dir() / "keyness") if cache is True else Path(cache)
        key = _texts_checksum(texts)
        path = folder / f"encoded-{key}.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as z:
                enc = EncodedCorpus(z["vocab"], z["ids"], z["sent"], z["boiler"], z["doc"], int(z["n_docs"]))
                if "uni_df_nb" in z.files:
                    enc.__dict__["_unigram_stored"] = {
                        False: (z["uni_counts_all"], z["uni_df_all"]), True: (z["uni_counts_nb"], z["uni_df_nb"])}
                    return enc
            _save_encoded(enc, folder, key, path)  # a cache file from before the word tables were stored
            return enc
    n_jobs = n_jobs or min(os.cpu_count() or 1, 8)
    if len(texts) < 2000:
        n_jobs = 1
    size = max(1, -(-len(texts) // (n_jobs * 4)))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    if n_jobs > 1:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            results = list(pool.map(_encode_chunk, chunks))
    else:
        results = [_encode_chunk(c) for c in chunks]
    vocab: dict[str, int] = {}
    ids, sent, boil, doc = [], [], [], []
    sent_offset, doc_offset = 0, 0
    for (chunk_vocab, c_ids, c_sent, c_boil, c_doc, c_nsent), chunk in zip(results, chunks):
        remap = np.fromiter((vocab.setdefault(w, len(vocab)) for w in chunk_vocab), dtype=np.int32,
                            count=len(chunk_vocab))
        ids.append(remap[c_ids] if len(c_ids) else c_ids)
        sent.append(c_sent + sent_offset)
        boil.append(c_boil)
        doc.append(c_doc + doc_offset)
        sent_offset += c_nsent
        doc_offset += len(chunk)
    enc = EncodedCorpus(
        vocab=np.asarray(list(vocab), dtype=str) if vocab else np.zeros(0, dtype="<U1"),
        ids=np.concatenate(ids) if ids else np.zeros(0, np.int32),
        sent=np.concatenate(sent) if sent else np.zeros(0, np.int64),
        boiler=np.concatenate(boil) if boil else np.zeros(0, bool),
        doc=np.concatenate(doc) if doc else np.zeros(0, np.int32),
        n_docs=len(texts),
    )
    if folder is not None:
        _save_encoded(enc, folder, key, path)
    return enc


def _save_encoded(enc: EncodedCorpus, folder: Path, key: str, path: Path) -> None:
    """Write the encoded corpus and its word tables to the cache (temporary file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".encoded-{key}.{os.getpid()}.npz"
    ca, da = _unigram_tables(enc, False)
    cn, dn = _unigram_tables(enc, True)
    with open(tmp, "wb") as fh:
        np.savez(fh, vocab=enc.vocab, ids=enc.ids, sent=enc.sent, boiler=enc.boiler, doc=enc.doc,
                 n_docs=np.int64(enc.n_docs), uni_counts_all=ca, uni_df_all=da, uni_counts_nb=cn, uni_df_nb=dn)
    os.replace(tmp, path)


def _valid_mask(enc: EncodedCorpus, n: int, exclude_boilerplate: bool) -> np.ndarray:
    """Boolean mask over start positions of n-grams inside one sentence (and off boilerplate), memoised."""
    memo = enc.__dict__.setdefault("_mask_memo", {})
    key = (n, exclude_boilerplate)
    if key not in memo:
        m = max(enc.ids.size - n + 1, 0)
        ok = enc.sent[:m] == enc.sent[n - 1 : n - 1 + m]
        if exclude_boilerplate:
            for k in range(n):
                ok &= ~enc.boiler[k : k + m]
        memo[key] = ok
    return memo[key]


def _n_positions(enc: EncodedCorpus, n: int, exclude_boilerplate: bool) -> int:
    return int(np.count_nonzero(_valid_mask(enc, n, exclude_boilerplate)))


def _unigram_tables(enc: EncodedCorpus, exclude_boilerplate: bool) -> tuple[np.ndarray, np.ndarray]:
    """Counts and document frequencies of every vocabulary word (computed once per corpus and setting)."""
    memo = enc.__dict__.setdefault("_unigram_memo", {})
    if exclude_boilerplate not in memo:
        stored = enc.__dict__.get("_unigram_stored", {}).get(exclude_boilerplate)
        if stored is not None:
            memo[exclude_boilerplate] = stored
        else:
            mask = _valid_mask(enc, 1, exclude_boilerplate)
            ids = enc.ids[mask].astype(np.int64)
            v = len(enc.vocab)
            counts = np.bincount(ids, minlength=v)
            pairs = np.unique(enc.doc[mask].astype(np.int64) * v + ids)
            df = np.bincount(pairs % v, minlength=v)
            memo[exclude_boilerplate] = (counts, df)
    return memo[exclude_boilerplate]


def _count_in_encoded(enc: EncodedCorpus, terms: list[str], n: int, exclude_boilerplate: bool):
    """Counts and document counts of the n-gram ``terms`` (all of order n) in ``enc``; and the exact total."""
    valid = _valid_mask(enc, n, exclude_boilerplate)
    total = int(np.count_nonzero(valid))
    counts = np.zeros(len(terms), dtype=np.int64)
    docs = np.zeros(len(terms), dtype=np.int64)
    if not terms or total == 0:
        return counts, docs, total
    index = enc.__dict__.get("_index")
    if index is None:
        index = enc.__dict__["_index"] = enc.index()
    word_ids = np.array([[index.get(w, -1) for w in t.split(" ")] for t in terms], dtype=np.int64)
    known = (word_ids >= 0).all(axis=1)
    if n == 1:
        all_counts, all_df = _unigram_tables(enc, exclude_boilerplate)
        ids = word_ids[known, 0]
        counts[known] = all_counts[ids]
        docs[known] = all_df[ids]
        return counts, docs, total
    v = len(enc.vocab) + 1
    codes = np.zeros(len(terms), dtype=np.int64)
    for k in range(n):
        codes = codes * v + word_ids[:, k]
    # Keep only positions whose word at each slot occurs at that slot in one of the target's n-grams (cheap
    # boolean gathers over slices, no large index arrays), then match whole n-gram codes.
    m = valid.size
    keep = valid.copy()
    for k in range(n):
        wanted = np.zeros(v, dtype=bool)
        wanted[word_ids[known, k]] = True
        keep &= wanted[enc.ids[k : k + m]]
    pos = np.flatnonzero(keep)
    pos_codes = np.zeros(pos.size, dtype=np.int64)
    for k in range(n):
        pos_codes = pos_codes * v + enc.ids[pos + k]
    order = np.argsort(codes[known])
    known_idx = np.flatnonzero(known)[order]
    sorted_codes = codes[known][order]
    if sorted_codes.size == 0 or pos_codes.size == 0:
        return counts, docs, total
    where = np.clip(np.searchsorted(sorted_codes, pos_codes), 0, sorted_codes.size - 1)
    hit = sorted_codes[where] == pos_codes
    rows = known_idx[where[hit]]
    counts += np.bincount(rows, minlength=len(terms))
    # Document frequencies through a sparse document × term matrix (coo -> csr sums duplicates per document).
    doc_term = sparse.csr_matrix((np.ones(rows.size, dtype=np.int32), (enc.doc[pos[hit]], rows)),
                                 shape=(enc.n_docs, len(terms)))
    doc_term.sum_duplicates()
    docs += np.bincount(doc_term.indices, minlength=len(terms))
    return counts, docs, total


# ------------------------------------------------------------------------------------------------------ keyness
def _as_texts(obj, name: str, boilerplate: pd.DataFrame | None = None) -> list[str]:
    if isinstance(obj, pd.DataFrame):
        if "text" not in obj.columns:
            raise ToolkitError(f"{name}: expected an article table with a 'text' column, got columns {list(obj.columns)}")
        if boilerplate is not None:
            from toolkit.boilerplate import strip_boilerplate

            return strip_boilerplate(obj, boilerplate).tolist()
        obj = obj["text"]
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, EncodedCorpus):
        raise ToolkitError(f"{name}: an encoded corpus is only accepted as the reference")
    try:
        texts = list(obj)
    except TypeError:
        raise ToolkitError(f"{name}: expected a text, a list of texts or an article table, got {type(obj).__name__}") from None
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise ToolkitError(f"{name}: expected every text to be a str; item {bad[0]} is {type(texts[bad[0]]).__name__}")
    if not texts:
        raise ToolkitError(f"{name}: expected at least one text, got none")
    return texts


def log_odds_dirichlet(y_t, y_r, n_t, n_r, alpha_0: float = DEFAULT_ALPHA_0):
    """Monroe et al. (2008) weighted log-odds with the pooled informative Dirichlet prior; returns (delta, z)."""
    y_t = np.asarray(y_t, dtype=float)
    y_r = np.asarray(y_r, dtype=float)
    n_t = np.asarray(n_t, dtype=float)
    n_r = np.asarray(n_r, dtype=float)
    a = alpha_0 * (y_t + y_r) / (n_t + n_r)
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = np.log((y_t + a) / (n_t + alpha_0 - y_t - a)) - np.log((y_r + a) / (n_r + alpha_0 - y_r - a))
        var = 1.0 / (y_t + a) + 1.0 / (y_r + a)
        z = delta / np.sqrt(var)
    return delta, z


def g2_statistic(y_t, y_r, n_t, n_r) -> np.ndarray:
    """Log-likelihood G² of the 2×2 table [[y_t, y_r], [n_t − y_t, n_r − y_r]] (all four cells; 0·log 0 = 0)."""
    y_t = np.asarray(y_t, dtype=float)
    y_r = np.asarray(y_r, dtype=float)
    n_t = np.asarray(n_t, dtype=float)
    n_r = np.asarray(n_r, dtype=float)
    n = n_t + n_r
    obs = [y_t, y_r, n_t - y_t, n_r - y_r]
    exp = [n_t * (y_t + y_r) / n, n_r * (y_t + y_r) / n, n_t * (n - y_t - y_r) / n, n_r * (n - y_t - y_r) / n]
    g2 = np.zeros(np.broadcast(y_t, y_r, n_t, n_r).shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for o, e in zip(obs, exp):
            g2 = g2 + np.where(o > 0, o * np.log(o / e), 0.0)
    return np.maximum(2.0 * g2, 0.0)


def log_ratio(y_t, y_r, n_t, n_r) -> np.ndarray:
    """Hardie's log ratio, log2((y_t / n_t) / (y_r / n_r)), adding 0.5 to both counts when either is zero."""
    y_t = np.asarray(y_t, dtype=float)
    y_r = np.asarray(y_r, dtype=float)
    zero = (y_t == 0) | (y_r == 0)
    a = np.where(zero, y_t + 0.5, y_t)
    b = np.where(zero, y_r + 0.5, y_r)
    return np.log2((a / np.asarray(n_t, dtype=float)) / (b / np.asarray(n_r, dtype=float)))


def keyness(
    target,
    reference,
    ngram_range: tuple[int, int] = (1, 3),
    alpha_0: float = DEFAULT_ALPHA_0,
    min_count_target: int | None = None,
    min_count_reference: int = 0,
    exclude_boilerplate: bool = True,
    boilerplate: pd.DataFrame | None = None,
    cache: bool | str | os.PathLike = True,
) -> pd.DataFrame:
    """Keyness of every n-gram the target uses, against a reference; a tidy table sorted by ``log_odds_z``.

    Parameters:
        target: one text, a list of texts, or an article table (``text`` column; ``outlet`` when ``boilerplate``).
        reference: the same kinds, or an :class:`EncodedCorpus` from :func:`encode_corpus`.
        ngram_range: (min_n, max_n) within 1..3.
        alpha_0: total pseudo-count of the informative Dirichlet prior (the prior's weight, in tokens).
        min_count_target: keep terms the target uses at least this often (default 1 for one document, else 2).
        min_count_reference: keep terms the reference uses at least this often (default 0: keep all).
        exclude_boilerplate: leave out the segmenter's boilerplate voice (header, caption and syndication lines).
        boilerplate: a table from ``toolkit.boilerplate.detect_boilerplate``; its lines are blanked in both sides
            (needs article tables with an ``outlet`` column).
        cache: where to cache the encoded reference (see :func:`encode_corpus`).

    Returns:
        A DataFrame with the columns described in the module docstring, one row per term.
    """
    lo, hi = _check_ngram_range(ngram_range)
    if not (isinstance(alpha_0, (int, float)) and alpha_0 > 0):
        raise ToolkitError(f"alpha_0: expected a positive number, got {alpha_0!r}")
    target_texts = _as_texts(target, "target", boilerplate)
    if min_count_target is None:
        min_count_target = 1 if len(target_texts) == 1 else 2
    for name, value in (("min_count_target", min_count_target), ("min_count_reference", min_count_reference)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ToolkitError(f"{name}: expected a non-negative integer, got {value!r}")
    if isinstance(reference, EncodedCorpus):
        enc_ref = reference
    else:
        enc_ref = encode_corpus(_as_texts(reference, "reference", boilerplate), cache=cache)
    enc_tgt = encode_corpus(target_texts, cache=False, n_jobs=1)

    # The target's n-grams and counts: CountVectorizer over the same analyzer (the reference is counted in numpy).
    vectorizer = CountVectorizer(analyzer=ngram_analyzer((lo, hi), exclude_boilerplate), lowercase=False)
    try:
        x = vectorizer.fit_transform(target_texts)
    except ValueError:  # empty vocabulary
        return _empty_table()
    terms = vectorizer.get_feature_names_out().tolist()
    x = sparse.csc_matrix(x)
    n_target = np.asarray(x.sum(axis=0)).ravel()
    n_docs_target = np.diff(x.indptr)
    order_of = np.array([t.count(" ") + 1 for t in terms])

    frames = []
    for n in range(lo, hi + 1):
        sel = np.flatnonzero((order_of == n) & (n_target >= min_count_target))
        if sel.size == 0:
            continue
        sel_terms = [terms[i] for i in sel]
        y_r, d_r, total_r = _count_in_encoded(enc_ref, sel_terms, n, exclude_boilerplate)
        total_t = _n_positions(enc_tgt, n, exclude_boilerplate)
        frames.append(pd.DataFrame({
            "term": sel_terms,
            "n": n,
            "n_target": n_target[sel],
            "n_reference": y_r,
            "n_docs_target": n_docs_target[sel],
            "n_docs_reference": d_r,
            "n_total_target": total_t,
            "n_total_reference": total_r,
        }))
    if not frames:
        return _empty_table()
    table = pd.concat(frames, ignore_index=True)
    table = table[table["n_reference"] >= min_count_reference].reset_index(drop=True)
    yt, yr = table["n_target"].to_numpy(float), table["n_reference"].to_numpy(float)
    nt, nr = table["n_total_target"].to_numpy(float), table["n_total_reference"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["per_1k_target"] = 1000.0 * yt / nt
        table["per_1k_reference"] = np.where(nr > 0, 1000.0 * yr / nr, np.nan)
    delta, z = log_odds_dirichlet(yt, yr, nt, nr, alpha_0)
    table["log_odds"] = delta
    table["log_odds_z"] = z
    table["g2"] = g2_statistic(yt, yr, nt, nr)
    table["log_ratio"] = log_ratio(yt, yr, nt, nr) if (nr > 0).all() else np.nan
    table["p_value"] = _stats.chi2.sf(table["g2"].to_numpy(), 1)
    table["q_value"] = bh_qvalues(table["p_value"].to_numpy())
    table["n_tokens_target"] = _n_positions(enc_tgt, 1, exclude_boilerplate)
    table["n_tokens_reference"] = _n_positions(enc_ref, 1, exclude_boilerplate)
    table["n_docs_target_total"] = enc_tgt.n_docs
    table["n_docs_reference_total"] = enc_ref.n_docs
    table["alpha_0"] = float(alpha_0)
    table = table.sort_values(["log_odds_z", "term"], ascending=[False, True], kind="mergesort")
    return table.reset_index(drop=True)


KEYNESS_COLUMNS = [
    "term", "n", "n_target", "n_reference", "n_docs_target", "n_docs_reference", "n_total_target",
    "n_total_reference", "per_1k_target", "per_1k_reference", "log_odds", "log_odds_z", "g2", "log_ratio",
    "p_value", "q_value", "n_tokens_target", "n_tokens_reference", "n_docs_target_total", "n_docs_reference_total",
    "alpha_0",
]


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if c == "term" else float) for c in KEYNESS_COLUMNS})
