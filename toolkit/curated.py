"""What the curated notebooks call: find the seed, select reference sets, and say plainly what is missing.

The notebooks in ``notebooks/`` stay thin: they call these functions and ``toolkit.plots``. A corpus that is not
installed, or a module that is not available in this install, gives a visible notice in the notebook (and so in
the report) naming what is missing and the command that fetches it, instead of a crash.
"""

from __future__ import annotations

import html
import importlib
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.paths import REPO_DIR, seeds_dir

#: Notices shown so far in this process (the report's tests and the index read them from the HTML).
NOTICES: list[str] = []


# --------------------------------------------------------------------------------------------------------------
# Notices


class Notice:
    """A visible, escaped message box for a notebook (rich HTML in Jupyter, plain text elsewhere)."""

    def __init__(self, message: str, kind: str = "missing"):
        self.message = str(message)
        self.kind = kind

    def _repr_html_(self) -> str:
        label = {"missing": "Not available", "note": "Note"}.get(self.kind, "Note")
        return (f'<div class="tk-notice" role="note" style="border-left:4px solid #D55E00;background:#FFF4E5;'
                f'padding:0.6em 1em;margin:0.8em 0"><strong>{label}:</strong> {html.escape(self.message)}</div>')

    def __repr__(self) -> str:
        return f"{self.kind.upper()}: {self.message}"


def notice(message: str, kind: str = "missing") -> Notice:
    """Show ``message`` in the notebook now (if running under IPython) and return the notice."""
    n = Notice(message, kind)
    NOTICES.append(n.message)
    try:
        from IPython.display import display

        from IPython import get_ipython

        if get_ipython() is not None:
            display(n)
    except ImportError:
        pass
    return n


def show_html(fragment: str):
    """Display an HTML fragment built by ``toolkit.plots`` (already escaped there)."""
    from IPython.display import HTML, display

    display(HTML(fragment))


def optional_module(name: str, what: str):
    """Import ``toolkit.<name>``; if it is not available, show a notice and return None."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        notice(f"{what} needs {name}, which is not available in this install ({exc}).")
        return None


def optional_attr(module_name: str, attr: str, what: str):
    """``module.attr`` or None with a notice (for interfaces that land later)."""
    module = optional_module(module_name, what)
    if module is None:
        return None
    fn = getattr(module, attr, None)
    if fn is None:
        notice(f"{what} needs {module_name}.{attr}, which this version of the toolkit does not provide yet.")
    return fn


# --------------------------------------------------------------------------------------------------------------
# The seed


def seed_file(seed_path: str | None = "") -> Path:
    """The seed article's path: ``seed_path`` as given (relative to the working folder or the checkout), or the
    first ``.txt`` in the checkout's ``seeds/`` when empty."""
    if seed_path:
        p = Path(seed_path).expanduser()
        for candidate in (p, REPO_DIR / p):
            if candidate.is_file():
                return candidate.resolve()
        raise ToolkitError(f"seed_path: file {str(seed_path)!r} does not exist; expected an article file (.txt)")
    found = sorted(seeds_dir().glob("*.txt")) if seeds_dir().is_dir() else []
    if not found:
        raise ToolkitError(f"seed_path is empty and {seeds_dir().name}/ holds no .txt article; pass seed_path")
    return found[0]


def load_seed(seed_path: str | None = "") -> pd.DataFrame:
    """The seed as a one-row article table."""
    from toolkit.articles import read_article

    return read_article(seed_file(seed_path))


# --------------------------------------------------------------------------------------------------------------
# Reference sets


def _fallback_select(spec: str) -> pd.DataFrame:
    """``corpus:NAME?field=value&q=term`` on an installed corpus, for installs without ``corpora.select``."""
    from toolkit.corpora.store import load_corpus

    parts = urlsplit(spec)
    if parts.scheme != "corpus" or not parts.path:
        raise ToolkitError(f"selection {spec!r}: expected 'corpus:NAME?field=value&q=term'")
    df = load_corpus(parts.path)
    for key, value in parse_qsl(parts.query):
        if key == "q":
            df = df[df["text"].str.contains(value, case=False, regex=False, na=False)]
        elif key in df.columns:
            df = df[df[key].astype(str).str.lower() == value.lower()]
        else:
            raise ToolkitError(f"selection {spec!r}: corpus has no field {key!r}")
    return df


def select(spec: str, max_articles: int | None = None, random_state: int = 0, *, label: str | None = None):
    """Articles for a selection spec, sampled to at most ``max_articles`` (reproducibly); None plus a notice when
    the corpus is not installed."""
    try:
        try:
            from toolkit.corpora import select as corpora_select
        except ImportError:
            corpora_select = _fallback_select
        df = corpora_select(spec)
    except ToolkitError as exc:
        name = urlsplit(spec).path or spec
        msg = str(exc)
        if "fetch" not in msg:
            msg += f" (install it with `python -m toolkit corpora fetch {name}`)"
        notice(f"{label or spec}: {msg}")
        return None
    df = sample_articles(df, max_articles, random_state)
    if label is not None:
        df = df.assign(group=label)
    return df


def sample_articles(df: pd.DataFrame, max_articles: int | None, random_state: int = 0) -> pd.DataFrame:
    """At most ``max_articles`` rows, drawn with ``random_state`` and returned in id order (reproducible)."""
    if max_articles is not None and len(df) > int(max_articles):
        df = df.sample(n=int(max_articles), random_state=np.random.RandomState(random_state))
    return df.sort_values("id").reset_index(drop=True) if "id" in df.columns else df.reset_index(drop=True)


def load_reference(reference: str, query: str = "", max_articles: int | None = None, random_state: int = 0):
    """A user's reference set: an installed corpus name or a path to articles (file or folder), optionally only
    articles containing ``query``, sampled to ``max_articles``; labelled ``group = "reference"``."""
    path = Path(str(reference)).expanduser()
    if path.exists():
        from toolkit.articles import load_articles

        df = load_articles(path)
        if query:
            df = df[df["text"].str.contains(query, case=False, regex=False, na=False)]
        return sample_articles(df, max_articles, random_state).assign(group="reference")
    spec = f"corpus:{reference}" + (f"?q={query}" if query else "")
    return select(spec, max_articles, random_state, label="reference")


def reference_groups(specs: dict, max_articles: int | None, random_state: int = 0) -> pd.DataFrame | None:
    """Several labelled selections (``{"left": "corpus:allsides-abp?bias=left", …}``) stacked with a ``group``
    column; groups whose corpus is missing are left out (with a notice). None when every group is missing."""
    parts = []
    for label, spec in specs.items():
        df = select(spec, max_articles, random_state, label=label)
        if df is not None and len(df):
            parts.append(df)
        elif df is not None:
            notice(f"{label}: the selection {spec!r} matched no articles.", kind="note")
    if not parts:
        return None
    out = pd.concat(parts, ignore_index=True)
    return out.drop_duplicates("id", keep="first").reset_index(drop=True) if "id" in out.columns else out


# --------------------------------------------------------------------------------------------------------------
# The seed's structure


def voice_table(seg, max_chars: int = 140) -> pd.DataFrame:
    """One row per voice span of a ``Segmentation``: voice, speaker or handle, offsets, and a text excerpt."""
    rows = []
    for span in seg.voices:
        text = " ".join(seg.span_text(span).split())
        rows.append({
            "voice": span.voice,
            "speaker / handle": span.speaker or span.handle or "",
            "start": span.start,
            "end": span.end,
            "excerpt": text if len(text) <= max_chars else text[: max_chars - 1] + "…",
        })
    return pd.DataFrame(rows, columns=["voice", "speaker / handle", "start", "end", "excerpt"])


def voice_summary(seg) -> pd.DataFrame:
    """Spans, sentences and word tokens per voice."""
    from toolkit.segment import VOICES

    voices = np.asarray(seg.token_voice)
    rows = []
    for i, v in enumerate(VOICES):
        rows.append({
            "voice": v,
            "n_spans": sum(1 for s in seg.voices if s.voice == v),
            "n_sentences": sum(1 for s in seg.sentences if s.voice == v),
            "n_tokens": int((voices == i).sum()),
        })
    out = pd.DataFrame(rows).set_index("voice")
    out["share_of_tokens"] = out["n_tokens"] / max(int(out["n_tokens"].sum()), 1)
    return out


def voice_spans(seg, voices=("quoted", "social", "boilerplate")) -> pd.DataFrame:
    """Voice spans as a ``start``/``end``/``label`` table for ``plots.highlight_evidence``."""
    rows = [{"start": s.start, "end": s.end,
             "label": s.voice + (f": {s.speaker}" if s.speaker else "") + (f": {s.handle}" if s.handle else "")}
            for s in seg.voices if s.voice in voices]
    return pd.DataFrame(rows, columns=["start", "end", "label"])


def sentence_sentiment(seg) -> pd.DataFrame:
    """VADER compound sentiment (−1 … 1) of every sentence of a ``Segmentation``, with its voice.

    References:
        Hutto, C. J. & Gilbert, E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social
        Media Text. ICWSM.
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    rows = []
    for i, s in enumerate(seg.sentences):
        text = seg.span_text(s)
        rows.append({"sentence": i + 1, "voice": s.voice, "sentiment": analyzer.polarity_scores(text)["compound"],
                     "start": s.start, "end": s.end, "text": text})
    return pd.DataFrame(rows, columns=["sentence", "voice", "sentiment", "start", "end", "text"])


def feature_profile(features: pd.DataFrame) -> pd.DataFrame:
    """One seed's feature row as a long table: family, feature, scope (article/authorial/quoted), value."""
    if features is None or len(features) == 0:
        return pd.DataFrame(columns=["family", "feature", "scope", "value"])
    row = features.iloc[0]
    rows = []
    for col, value in row.items():
        name, _, scope = str(col).partition("@")
        family, _, feature = name.partition(".")
        rows.append({"family": family, "feature": feature, "scope": scope or "article", "value": value})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------------------
# Tables the notebooks plot


def numeric_features(features: pd.DataFrame, prefix: str | None = None, scope: str | None = "article") -> list[str]:
    """Numeric feature columns, optionally of one family (``prefix``, e.g. ``"frames."``) and one scope
    (``"article"`` = no ``@voice`` suffix, ``"authorial"``, ``"quoted"``, or None for all)."""
    cols = []
    for c in features.columns:
        c = str(c)
        if prefix and not c.startswith(prefix):
            continue
        name, _, sc = c.partition("@")
        if scope is not None and (sc or "article") != scope:
            continue
        if pd.api.types.is_numeric_dtype(features[c]):
            cols.append(c)
    return cols


POSITION_COLUMNS = ["feature", "seed_value", "reference_median", "percentile", "robust_z", "q_value"]


def most_extreme(positions: pd.DataFrame) -> pd.DataFrame:
    """A ``compare.position_in_reference`` table, the features furthest from the reference median first.

    Features whose reference values vary (IQR > 0) come first; features that are zero in nearly every reference
    article (a name almost nobody uses) follow, since a percentile of 100 there says little more than "used".
    Only the columns a reader needs are kept.
    """
    if positions is None or positions.empty:
        return positions
    out = positions[np.isfinite(pd.to_numeric(positions["percentile"], errors="coerce"))].copy()
    spread = pd.to_numeric(out.get("reference_iqr", pd.Series(1.0, index=out.index)), errors="coerce").fillna(0) > 0
    z = pd.to_numeric(out.get("robust_z", pd.Series(0.0, index=out.index)), errors="coerce").abs()
    out = out.assign(_s=~spread, _k=(out["percentile"] - 50).abs(), _z=z.replace(np.inf, 1e300).fillna(0))
    out = out.sort_values(["_s", "_k", "_z", "feature"], ascending=[True, False, False, True])
    keep = [c for c in POSITION_COLUMNS if c in out.columns]
    return out[keep].reset_index(drop=True)


def strongest_contrasts(contrasts: pd.DataFrame) -> pd.DataFrame:
    """A ``compare.group_contrasts`` table, largest |Cliff's delta| first, with the columns a reader needs."""
    if contrasts is None or contrasts.empty:
        return contrasts
    keep = [c for c in ["feature", "median_a", "median_b", "cliffs_delta", "cliffs_delta_ci_low",
                        "cliffs_delta_ci_high", "q_value"] if c in contrasts.columns]
    out = contrasts[keep].assign(_k=contrasts["cliffs_delta"].abs())
    if {"group_a", "group_b"} <= set(contrasts.columns) and len(contrasts):
        a, b = contrasts["group_a"].iloc[0], contrasts["group_b"].iloc[0]
        out = out.rename(columns={"median_a": f"median {a}", "median_b": f"median {b}",
                                  "cliffs_delta_ci_low": "delta_low", "cliffs_delta_ci_high": "delta_high"})
    return out.sort_values(["_k", "feature"], ascending=[False, True]).drop(columns="_k").reset_index(drop=True)


def with_groups(features: pd.DataFrame, articles: pd.DataFrame, column: str = "group") -> pd.DataFrame:
    """``features`` with the articles' ``group`` column joined on id."""
    groups = dict(zip(articles["id"], articles[column]))
    return features.assign(**{column: features.index.map(groups)})


def group_means(features: pd.DataFrame, articles: pd.DataFrame, prefix: str, scope: str | None = "article",
                seed_features: pd.DataFrame | None = None, suffix: str = "") -> pd.DataFrame:
    """Mean of each ``prefix…suffix`` feature per group (rows: features without prefix and suffix, columns:
    groups, plus the seed as its own column when given). A suffix keeps one unit per table (``_prob``)."""
    cols = [c for c in numeric_features(features, prefix, scope) if c.split("@")[0].endswith(suffix)]
    if not cols:
        return pd.DataFrame()
    table = with_groups(features[cols], articles).groupby("group", sort=False)[cols].mean().T
    if seed_features is not None:
        table.insert(0, "seed", [float(seed_features[c].iloc[0]) if c in seed_features.columns else np.nan for c in cols])
    table.index = [c.split("@")[0][len(prefix):len(c.split("@")[0]) - len(suffix)] for c in table.index]
    return table


# --------------------------------------------------------------------------------------------------------------
# Features, guarded


def featurize(articles: pd.DataFrame | None, families=None, what: str = "Features"):
    """``toolkit.features.featurize`` or None with a notice when the features are not available here (module
    missing, no family computed, a lexicon missing)."""
    if articles is None or len(articles) == 0:
        return None
    fn = optional_attr("toolkit.features", "featurize", what)
    if fn is None:
        return None
    try:
        table = fn(articles, families=families)
    except ToolkitError as exc:
        notice(f"{what}: {exc}")
        return None
    if not numeric_features(table, scope=None):
        notice(f"{what}: no feature family produced a value in this install.")
        return None
    return table


def with_families(families, required) -> list[str] | None:
    """``families`` (None = the default set) plus the ``required`` families that are available here."""
    try:
        from toolkit.features import family_names, resolve_families
    except ImportError:
        return families
    base = resolve_families(families)
    known = set(family_names())
    out = list(base)
    for name in required:
        if name in known and name not in out:
            try:
                resolve_families([name])  # raises when its lexicon or model cannot be used here
            except ToolkitError as exc:
                notice(f"{name}: {exc}", kind="note")
                continue
            out.append(name)
    return out


def evidence(article: pd.DataFrame, feature: str, max_rows: int = 12):
    """``toolkit.features.explain`` as a short display table plus the full table (for highlighting); ``(None,
    None)`` when there is no evidence."""
    try:
        from toolkit.features import explain
    except ImportError:
        return None, None
    try:
        table = explain(article, feature)
    except ToolkitError as exc:
        notice(f"Evidence for {feature}: {exc}", kind="note")
        return None, None
    if table is None or len(table) == 0:
        return None, None
    return summarise_evidence(table).head(max_rows), table


def summarise_evidence(table: pd.DataFrame) -> pd.DataFrame:
    """Evidence rows grouped by term: occurrences, summed weight, the voices it occurs in, and the first sentence
    (shortened), most frequent first."""
    if "term" not in table.columns:
        return table
    t = table.assign(_term=table["term"].astype(str).str.lower())
    agg = {"n": ("_term", "size")}
    if "category" in t.columns:
        agg["category"] = ("category", lambda c: ", ".join(sorted({str(x) for x in c if x is not None and x == x})))
    if "weight" in t.columns:
        agg["weight"] = ("weight", "sum")
    if "voice" in t.columns:
        agg["voices"] = ("voice", lambda v: ", ".join(sorted({str(x) for x in v})))
    if "negated" in t.columns:
        agg["negated"] = ("negated", "sum")
    if "sentence_text" in t.columns:
        agg["first sentence"] = ("sentence_text", lambda x: " ".join(str(x.iloc[0]).split())[:160])
    out = t.groupby("_term", sort=False).agg(**agg).rename_axis("term")
    return out.sort_values("n", ascending=False, kind="stable")


def actor_tone_by_group(actor_rows: pd.DataFrame, articles: pd.DataFrame, min_articles: int = 2) -> pd.DataFrame:
    """Mean ``tone`` per actor (rows) and group (columns) over the articles that mention the actor, from
    ``toolkit.features.actors.actor_table``; cells with fewer than ``min_articles`` articles are left empty
    (except the group ``seed``, which is one article)."""
    if actor_rows is None or actor_rows.empty:
        return pd.DataFrame()
    rows = actor_rows.assign(group=actor_rows["id"].map(dict(zip(articles["id"], articles["group"]))))
    stats = rows.groupby(["actor", "group"], sort=True)["tone"].agg(["mean", "size"])
    few = (stats["size"] < min_articles) & (stats.index.get_level_values("group") != "seed")
    stats.loc[few, "mean"] = np.nan
    table = stats["mean"].unstack("group")
    order = [g for g in pd.unique(articles["group"]) if g in table.columns]
    table = table[order].dropna(how="all")
    return table.loc[table.notna().sum(axis=1).sort_values(ascending=False, kind="stable").index]


def actor_frames(actor_rows: pd.DataFrame) -> pd.DataFrame:
    """Actor × frame table of one article: the ``frame_*`` cue counts of ``actor_table`` rows, by actor."""
    if actor_rows is None or actor_rows.empty:
        return pd.DataFrame()
    cols = [c for c in actor_rows.columns if str(c).startswith("frame_")]
    table = actor_rows.set_index("actor")[["n_mentions"] + cols]
    table.columns = ["mentions"] + [c[len("frame_"):] for c in cols]
    keep = ["mentions"] + [c for c in table.columns[1:] if table[c].sum() > 0]
    return table[keep].sort_values("mentions", ascending=False)


# --------------------------------------------------------------------------------------------------------------
# Detector validation (toolkit.detectors.validate results)


def detector_summary(results: dict) -> pd.DataFrame:
    """One row per task × detector: micro and macro F1 with their intervals, from ``validate`` results."""
    rows = []
    for task, result in results.items():
        for name, scores in (result.get("detectors") or {}).items():
            micro_ci = scores.get("micro_f1_ci") or [np.nan, np.nan]
            macro_ci = scores.get("macro_f1_ci") or [np.nan, np.nan]
            rows.append({"task": task, "detector": name, "unit": result.get("unit"),
                         "n_articles": result.get("n_articles"),
                         "micro_f1": scores.get("micro_f1"), "micro_f1_low": micro_ci[0], "micro_f1_high": micro_ci[1],
                         "macro_f1": scores.get("macro_f1"), "macro_f1_low": macro_ci[0], "macro_f1_high": macro_ci[1]})
    return pd.DataFrame(rows).set_index(["task", "detector"]) if rows else pd.DataFrame()


def per_label_scores(result: dict, detector: str = "model") -> pd.DataFrame:
    """Per-label precision, recall, F1 and support of one detector from a ``validate`` result."""
    detectors = result.get("detectors") or {}
    scores = detectors.get(detector) or next(iter(detectors.values()), {})
    per_label = scores.get("per_label") or {}
    table = pd.DataFrame.from_dict(per_label, orient="index")
    if table.empty:
        return table
    return table.rename_axis("label").reset_index()
