"""Interactive explorer for JupyterLab: pick a feature or a term, see its distribution and the sentences behind it.

``explore(seed_features, reference_features, articles)`` returns an ipywidgets box. In *feature* mode it shows the
feature's distribution in the reference (by ``group`` when the articles have one) with the seed marked, then the
evidence sentences (``toolkit.features.explain``) in the seed and in the reference articles with the highest
values. In *term* mode it shows how often the term occurs per 1,000 words in each article, with the seed marked,
and the term in context in the seed and in the corpus.

The computations are plain functions (``feature_view``, ``term_rates``, ``term_contexts``) so they can be tested
and reused without widgets. All article text is escaped before it is shown.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError


def _words(text: str) -> list[str]:
    from toolkit.segment import tokenize

    return tokenize(text)


def term_rates(articles: pd.DataFrame, term: str) -> pd.DataFrame:
    """Occurrences of ``term`` (one or more words, matched on the toolkit's tokens, case-insensitive) per article:
    ``n_term``, ``n_words`` and ``per_1k`` (occurrences per 1,000 words), indexed by article id."""
    if not isinstance(articles, pd.DataFrame) or not {"id", "text"} <= set(articles.columns):
        raise ToolkitError("term_rates: expected an article table with columns 'id' and 'text'")
    query = [w.lower() for w in _words(str(term))]
    if not query:
        raise ToolkitError(f"term_rates: expected a term with at least one word, got {term!r}")
    rows = []
    n = len(query)
    for id_, text in zip(articles["id"], articles["text"]):
        words = [w.lower() for w in _words(text)]
        if n == 1:
            hits = sum(1 for w in words if w == query[0])
        else:
            hits = sum(1 for i in range(len(words) - n + 1) if words[i : i + n] == query)
        rows.append({"id": id_, "n_term": hits, "n_words": len(words),
                     "per_1k": 1000.0 * hits / len(words) if words else 0.0})
    return pd.DataFrame(rows).set_index("id")


def term_contexts(text: str, term: str, width: int = 70, max_hits: int = 10) -> pd.DataFrame:
    """Keyword in context: ``left``, ``match``, ``right`` and character ``start`` for each occurrence of ``term``."""
    query = _words(str(term))
    if not query:
        raise ToolkitError(f"term_contexts: expected a term with at least one word, got {term!r}")
    pattern = re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in query) + r"(?!\w)", re.IGNORECASE)
    rows = []
    for m in pattern.finditer(text):
        left = " ".join(text[max(0, m.start() - width) : m.start()].split())
        right = " ".join(text[m.end() : m.end() + width].split())
        rows.append({"left": left, "match": m.group(0), "right": right, "start": m.start()})
        if len(rows) >= max_hits:
            break
    return pd.DataFrame(rows, columns=["left", "match", "right", "start"])


def _kwic_html(rows: pd.DataFrame, title: str) -> str:
    if rows.empty:
        return f"<p><em>{html.escape(title)}: no occurrences.</em></p>"
    lines = "".join(
        f'<tr><td style="text-align:right;color:#555">{html.escape(r.left)}</td>'
        f"<td><strong>{html.escape(r.match)}</strong></td><td style=\"color:#555\">{html.escape(r.right)}</td></tr>"
        for r in rows.itertuples()
    )
    return f"<h4>{html.escape(title)}</h4><table style=\"font-size:0.85em\">{lines}</table>"


def feature_view(feature: str, seed_features: pd.DataFrame, reference_features: pd.DataFrame,
                 articles: pd.DataFrame | None = None, n_articles: int = 2):
    """The figure and evidence tables for one feature: ``(figure, {title: evidence table})``."""
    from toolkit import plots

    if feature not in reference_features.columns or feature not in seed_features.columns:
        raise ToolkitError(f"feature_view: unknown feature {feature!r}; expected a column of both feature tables")
    ref = reference_features[[feature]].copy()
    group = None
    if articles is not None and "group" in articles.columns and "id" in articles.columns:
        ref["group"] = ref.index.map(dict(zip(articles["id"], articles["group"])))
        group = "group" if ref["group"].notna().any() else None
    fig = plots.plot_seed_positions(ref, seed_features.iloc[0], [feature], group=group, ncols=1)
    evidence = {}
    try:
        from toolkit.features import explain
    except ImportError:
        explain = None
    if explain is not None and articles is not None:
        by_id = articles.set_index("id")
        seed_id = seed_features.index[0]
        picks = [("seed", seed_id)]
        top = pd.to_numeric(reference_features[feature], errors="coerce").dropna().sort_values(ascending=False)
        picks += [(f"reference article {i}", i) for i in top.index[:n_articles]]
        for title, id_ in picks:
            if id_ in by_id.index:
                row = by_id.loc[[id_]].reset_index()
                try:
                    ev = explain(row, feature)
                except ToolkitError:  # a feature without evidence (or not from a family): show the plot only
                    break
                if ev is not None and len(ev):
                    evidence[f"{title} ({id_})"] = ev.head(10)
    return fig, evidence


def explore(seed_features: pd.DataFrame, reference_features: pd.DataFrame, articles: pd.DataFrame | None = None):
    """An ipywidgets explorer: choose a feature or type a term; see distributions and the sentences behind them.

    ``seed_features``: the seed's one-row feature table (index: its id); ``reference_features``: one row per
    reference article; ``articles``: the article table with the seed and the reference articles (``id``,
    ``text``, optional ``group``), used for evidence and term search.
    """
    import ipywidgets as w
    from IPython.display import HTML, display

    from toolkit import plots

    if not isinstance(seed_features, pd.DataFrame) or len(seed_features) != 1:
        raise ToolkitError("explore: expected seed_features as a one-row DataFrame (index: the seed's id)")
    if not isinstance(reference_features, pd.DataFrame) or reference_features.empty:
        raise ToolkitError("explore: expected reference_features as a non-empty DataFrame")
    numeric = [c for c in reference_features.columns
               if c in seed_features.columns and pd.api.types.is_numeric_dtype(reference_features[c])]
    if not numeric:
        raise ToolkitError("explore: the seed and reference feature tables share no numeric column")
    mode = w.ToggleButtons(options=["feature", "term"], value="feature", description="explore")
    feature = w.Dropdown(options=numeric, value=numeric[0], description="feature",
                         layout=w.Layout(width="34em"))
    term = w.Text(value="", placeholder="a word or phrase", description="term", continuous_update=False)
    out = w.Output()

    def render(*_):
        out.clear_output(wait=True)
        with out:
            if mode.value == "feature":
                fig, evidence = feature_view(feature.value, seed_features, reference_features, articles)
                display(fig)
                for title, table in evidence.items():
                    display(plots.styled_table(table, gradient=False, caption=f"Evidence in the {title}"))
                if not evidence:
                    display(HTML("<p><em>No evidence sentences available for this feature.</em></p>"))
            else:
                if not term.value.strip():
                    display(HTML("<p>Type a term and press Enter.</p>"))
                    return
                if articles is None:
                    display(HTML("<p>Term search needs the article table.</p>"))
                    return
                rates = term_rates(articles, term.value)
                seed_id = seed_features.index[0]
                ref = rates.drop(index=[seed_id], errors="ignore")[["per_1k"]]
                if "group" in articles.columns:
                    ref["group"] = ref.index.map(dict(zip(articles["id"], articles["group"])))
                seed_row = rates.loc[seed_id] if seed_id in rates.index else pd.Series({"per_1k": np.nan})
                col = f"'{term.value}' per 1,000 words"
                fig = plots.plot_seed_positions(ref.rename(columns={"per_1k": col}), seed_row.rename({"per_1k": col}),
                                                [col], group="group" if "group" in ref.columns else None, ncols=1)
                display(fig)
                texts = articles.set_index("id")["text"]
                if seed_id in texts.index:
                    display(HTML(_kwic_html(term_contexts(texts[seed_id], term.value), "in the seed")))
                top = ref["per_1k"].sort_values(ascending=False)
                hits = [i for i in top.index[:3] if top[i] > 0]
                for i in hits:
                    display(HTML(_kwic_html(term_contexts(texts[i], term.value, max_hits=4), f"in {i}")))

    for widget in (mode, feature, term):
        widget.observe(render, names="value")
    render()
    return w.VBox([mode, w.HBox([feature, term]), out])
