"""Figures for reports and notebooks: a DataFrame in, a matplotlib ``Figure`` out.

Every figure uses the house style (``toolkit/house.mplstyle``) and the Okabe–Ito palette, and carries meaning by
line style, marker or hatch as well as by colour, so that it reads in greyscale print and for colour-blind readers.
``save_figure`` pins file metadata so that the same inputs give byte-identical PNG, SVG and PDF files.

Article text never reaches HTML unescaped: ``highlight_evidence`` and ``styled_table`` escape every string, and
``term_scatter_html`` embeds its data as JSON that the browser renders with ``textContent``.

References:
    Okabe, M. & Ito, K. (2008). Color Universal Design (CUD): how to make figures and presentations that are
    friendly to colorblind people. https://jfly.uni-koeln.de/color/
    Kessler, J. S. (2017). Scattertext: a browser-based tool for visualizing how corpora differ. ACL System Demos.
"""

from __future__ import annotations

import html
import json
import math
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from toolkit.errors import ToolkitError

# Matplotlib 3.10 replaced boxplot(vert=False) by orientation="horizontal".
_HORIZONTAL = ({"orientation": "horizontal"} if tuple(int(x) for x in matplotlib.__version__.split(".")[:2]) >= (3, 10)
               else {"vert": False})
STYLE_PATH = Path(__file__).resolve().parent / "house.mplstyle"

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: Order used for groups: strong contrasts first, yellow last (weak on white paper).
GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
GROUP_HATCHES = ["", "///", "...", "xxx", "\\\\\\", "ooo", "+++", "---"]
GROUP_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
GROUP_LINESTYLES = ["-", "--", ":", "-."]
#: Colours for the political groups users compare most often, fixed so every figure agrees.
NAMED_GROUP_COLORS = {
    "left": "#0072B2",
    "center": "#009E73",
    "right": "#D55E00",
    "tehran-times": "#E69F00",
    "seed": "#000000",
}
NAMED_GROUP_HATCHES = {"left": "///", "center": "...", "right": "\\\\\\", "tehran-times": "xx", "seed": ""}
SEED_COLOR = "#D55E00"
VOICE_STYLE = {
    "authorial": {"color": "#0072B2", "marker": "o", "linestyle": "-"},
    "quoted": {"color": "#E69F00", "marker": "s", "linestyle": "--"},
    "social": {"color": "#009E73", "marker": "^", "linestyle": ":"},
    "boilerplate": {"color": "#999999", "marker": "x", "linestyle": "-."},
}


@contextmanager
def house_style():
    """Apply the house style for the figures created inside the block."""
    with plt.style.context(str(STYLE_PATH)):
        yield


def _require_columns(df: pd.DataFrame, columns, what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ToolkitError(f"{what}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ToolkitError(f"{what}: missing column(s) {missing}; the table has {list(df.columns)[:20]}")


def _group_style(groups) -> dict:
    """Stable colour/hatch/marker/linestyle for each group name (the named political groups always look the same)."""
    styles = {}
    for i, g in enumerate(groups):
        key = str(g).lower()
        styles[g] = {
            "color": NAMED_GROUP_COLORS.get(key, GROUP_COLORS[i % len(GROUP_COLORS)]),
            "hatch": NAMED_GROUP_HATCHES.get(key, GROUP_HATCHES[i % len(GROUP_HATCHES)]),
            "marker": GROUP_MARKERS[i % len(GROUP_MARKERS)],
            "linestyle": GROUP_LINESTYLES[i % len(GROUP_LINESTYLES)],
        }
    return styles


def _empty_figure(message: str, figsize=(6.5, 1.6)) -> Figure:
    with house_style():
        fig = plt.figure(figsize=figsize)
        fig.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=10, color="#333333")
    plt.close(fig)
    return fig


def _short(label: str, width: int = 34) -> str:
    label = str(label)
    return label if len(label) <= width else label[: width - 1] + "…"


# --------------------------------------------------------------------------------------------------------------
# Saving


def save_figure(fig: Figure, path, *, dpi: int | None = None) -> Path:
    """Save ``fig`` to ``path`` (PNG, SVG or PDF by suffix) with metadata pinned so reruns are byte-identical.

    PNG: no ``Software`` or date chunk; SVG: fixed ``svg.hashsalt`` and no ``Date``; PDF: no ``CreationDate`` and
    no ``Producer`` version. The file is written to a temporary name and renamed into place.
    """
    if not isinstance(fig, Figure):
        raise ToolkitError(f"save_figure: expected a matplotlib Figure, got {type(fig).__name__}")
    path = Path(path)
    suffix = path.suffix.lower()
    metadata = {
        ".png": {"Software": None},
        ".svg": {"Date": None, "Creator": None},
        ".pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
    }
    if suffix not in metadata:
        raise ToolkitError(f"save_figure: expected a path ending in .png, .svg or .pdf, got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    rc = {"svg.hashsalt": "toolkit", "path.simplify": True}
    with plt.rc_context(rc):
        kwargs = {"format": suffix[1:], "metadata": metadata[suffix]}
        if dpi is not None:
            kwargs["dpi"] = dpi
        fig.savefig(tmp, **kwargs)
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------------------------------------------
# The seed against corpus distributions


def plot_seed_positions(
    reference: pd.DataFrame,
    seed: pd.Series | pd.DataFrame,
    features=None,
    *,
    group: str | None = None,
    max_features: int = 12,
    ncols: int = 3,
    title: str | None = None,
) -> Figure:
    """Small multiples: each feature's distribution in the reference (one box per group) with the seed marked.

    ``reference`` holds one row per article and one column per feature (plus ``group`` if given); ``seed`` is the
    seed's feature row. The panel title gives the seed's percentile in the whole reference.
    """
    if isinstance(seed, pd.DataFrame):
        if len(seed) != 1:
            raise ToolkitError(f"plot_seed_positions: expected one seed row, got {len(seed)}")
        seed = seed.iloc[0]
    if not isinstance(reference, pd.DataFrame):
        raise ToolkitError(f"plot_seed_positions: expected a DataFrame of reference features, got {type(reference).__name__}")
    if group is not None:
        _require_columns(reference, [group], "plot_seed_positions")
    if features is None:
        features = [c for c in reference.columns if c != group and c in seed.index
                    and pd.api.types.is_numeric_dtype(reference[c])]
    features = [f for f in features if f in reference.columns and f in seed.index][:max_features]
    if not features or reference.empty:
        return _empty_figure("No features to show: the reference set or the feature list is empty.")
    groups = list(pd.unique(reference[group].dropna())) if group else [None]
    styles = _group_style(groups)
    nrows = math.ceil(len(features) / ncols)
    ncols_eff = min(ncols, len(features))
    with house_style():
        fig, axes = plt.subplots(nrows, ncols_eff, figsize=(3.0 * ncols_eff + 0.6, 0.45 * max(len(groups), 2) * nrows + 1.0 * nrows + 0.4),
                                 squeeze=False)
        for ax, feature in zip(axes.flat, features):
            values = [pd.to_numeric(reference.loc[reference[group] == g, feature] if group else reference[feature],
                                    errors="coerce").dropna().to_numpy() for g in groups]
            positions = np.arange(len(groups))[::-1]
            non_empty = [(v, p, g) for v, p, g in zip(values, positions, groups) if len(v)]
            if non_empty:
                bp = ax.boxplot([v for v, _, _ in non_empty], positions=[p for _, p, _ in non_empty], **_HORIZONTAL,
                                widths=0.55, patch_artist=True, showfliers=False, medianprops={"color": "black"})
                for patch, (_, _, g) in zip(bp["boxes"], non_empty):
                    patch.set_facecolor(styles[g]["color"])
                    patch.set_alpha(0.55)
                    patch.set_hatch(styles[g]["hatch"])
                rng = np.random.default_rng(0)
                for v, p, g in non_empty:  # every article as a dot when the sample is small enough to see them
                    if len(v) <= 400:
                        ax.scatter(v, p + rng.uniform(-0.18, 0.18, len(v)), s=5, color="#333333", alpha=0.35,
                                   linewidths=0, zorder=3)
            seed_value = pd.to_numeric(pd.Series([seed[feature]]), errors="coerce").iloc[0]
            allv = pd.to_numeric(reference[feature], errors="coerce").dropna().to_numpy()
            if np.isfinite(seed_value):
                ax.axvline(seed_value, color=SEED_COLOR, linestyle="--", linewidth=1.6, label="seed")
                pct = 100.0 * (np.sum(allv < seed_value) + 0.5 * np.sum(allv == seed_value)) / max(len(allv), 1)
                ax.set_title(f"{_short(feature, 40)}\nseed at percentile {pct:.0f}", fontsize=8)
            else:
                ax.set_title(f"{_short(feature, 40)}\nseed: no value", fontsize=8)
            ax.set_yticks(positions)
            ax.set_yticklabels([str(g) if g is not None else "reference" for g in groups])
            ax.grid(axis="y", visible=False)
        for ax in list(axes.flat)[len(features):]:
            ax.set_visible(False)
        handles = [plt.Line2D([], [], color=SEED_COLOR, linestyle="--", label="seed article"),
                   plt.Line2D([], [], color="#333333", marker="o", linestyle="", markersize=3, alpha=0.5,
                              label="one reference article")]
        if title:
            fig.suptitle(title, x=0.01, ha="left", fontweight="bold")
        fig.tight_layout(rect=(0, 0.35 / fig.get_figheight(), 1, 1))
        fig.legend(handles=handles, loc="lower center", ncols=2, bbox_to_anchor=(0.5, 0.0))
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------------------------------------------
# Keyness


def plot_keyness(
    table: pd.DataFrame,
    *,
    term: str = "term",
    score: str = "score",
    n_terms: int = 15,
    labels=("seed", "reference"),
    score_label: str | None = None,
    title: str | None = None,
) -> Figure:
    """Diverging bars: the ``n_terms`` most over-used terms (positive ``score``) and most under-used (negative)."""
    _require_columns(table, [term, score], "plot_keyness")
    t = table[[term, score]].copy()
    t[score] = pd.to_numeric(t[score], errors="coerce")
    t = t[np.isfinite(t[score])]
    pos = t[t[score] > 0].sort_values([score, term], ascending=[False, True]).head(n_terms)
    neg = t[t[score] < 0].sort_values([score, term], ascending=[True, True]).head(n_terms)
    if pos.empty and neg.empty:
        return _empty_figure("No key terms: the two sets use words at the same rates.")
    # bottom to top: most under-used … least under-used, least over-used … most over-used
    both = pd.concat([neg.sort_values(score, ascending=True), pos.sort_values(score, ascending=True)])
    with house_style():
        fig, ax = plt.subplots(figsize=(6.8, 0.22 * len(both) + 1.4))
        y = np.arange(len(both))
        colors = [OKABE_ITO["blue"] if v > 0 else OKABE_ITO["orange"] for v in both[score]]
        hatches = ["" if v > 0 else "///" for v in both[score]]
        bars = ax.barh(y, both[score], color=colors, edgecolor="#333333", linewidth=0.4)
        for bar, h in zip(bars, hatches):
            bar.set_hatch(h)
        ax.set_yticks(y)
        ax.set_yticklabels([_short(x, 28) for x in both[term]])
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(score_label or score)
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(facecolor=OKABE_ITO["blue"], edgecolor="#333333", label=f"more in {labels[0]}"),
                           Patch(facecolor=OKABE_ITO["orange"], hatch="///", edgecolor="#333333",
                                 label=f"more in {labels[1]}")], loc="lower right")
        ax.set_title(title or f"Key terms: {labels[0]} against {labels[1]}")
        fig.tight_layout()
    plt.close(fig)
    return fig


def _scatter_frame(table, term, x, y, score):
    _require_columns(table, [term, x, y], "term scatter")
    t = table[[term, x, y] + ([score] if score and score in table.columns else [])].copy()
    t[x] = pd.to_numeric(t[x], errors="coerce").fillna(0)
    t[y] = pd.to_numeric(t[y], errors="coerce").fillna(0)
    if score and score in t.columns:
        t[score] = pd.to_numeric(t[score], errors="coerce").fillna(0)
    else:
        score = None
    t = t[(t[x] > 0) | (t[y] > 0)]
    return t, score


def _cap_points(t, term, x, y, score, max_points):
    """Keep the most informative terms: the largest |score| and the most frequent, deterministically."""
    if len(t) <= max_points:
        return t.sort_values(term)
    key = t[score].abs() if score else (t[x] + t[y])
    freq = t[x] + t[y]
    half = max_points // 2
    by_score = t.assign(_k=key).sort_values(["_k", term], ascending=[False, True]).head(half)
    rest = t.drop(by_score.index).assign(_f=freq).sort_values(["_f", term], ascending=[False, True])
    return pd.concat([by_score, rest.head(max_points - len(by_score))]).drop(columns=["_k", "_f"], errors="ignore").sort_values(term)


def plot_term_scatter(
    table: pd.DataFrame,
    *,
    term: str = "term",
    x: str = "n_reference",
    y: str = "n_target",
    score: str | None = "score",
    labels=("seed", "reference"),
    n_labels: int = 16,
    max_points: int = 3000,
    title: str | None = None,
) -> Figure:
    """Scattertext-style term plot: each term at (frequency in reference, frequency in target), log scales.

    Terms above the diagonal are relatively more frequent in the target; colour and marker show the sign of
    ``score``; the ``n_labels`` terms with the largest |score| are labelled.
    """
    t, score = _scatter_frame(table, term, x, y, score)
    if t.empty:
        return _empty_figure("No terms to plot.")
    t = _cap_points(t, term, x, y, score, max_points)
    rng = np.random.default_rng(0)
    jx = t[x].to_numpy(float) + 1 + rng.uniform(-0.25, 0.25, len(t))
    jy = t[y].to_numpy(float) + 1 + rng.uniform(-0.25, 0.25, len(t))
    with house_style():
        fig, ax = plt.subplots(figsize=(6.4, 5.6))
        if score:
            s = t[score].to_numpy()
            for mask, color, marker, lab in [(s > 0, OKABE_ITO["blue"], "o", f"more in {labels[0]}"),
                                             (s < 0, OKABE_ITO["orange"], "s", f"more in {labels[1]}"),
                                             (s == 0, "#999999", ".", "no difference")]:
                if mask.any():
                    ax.scatter(jx[mask], jy[mask], s=12, c=color, marker=marker, alpha=0.6, linewidths=0, label=lab)
            top = t.assign(_a=t[score].abs()).sort_values(["_a", term], ascending=[False, True]).head(n_labels)
        else:
            ax.scatter(jx, jy, s=10, c=OKABE_ITO["blue"], alpha=0.6, linewidths=0)
            top = t.assign(_a=t[x] + t[y]).sort_values(["_a", term], ascending=[False, True]).head(n_labels)
        pos = {idx: i for i, idx in enumerate(t.index)}
        for idx, row in top.iterrows():
            i = pos[idx]
            ax.annotate(_short(row[term], 22), (jx[i], jy[i]), fontsize=7.5, xytext=(3, 2), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_yscale("log")
        lim = max(jx.max(), jy.max()) * 1.3
        ax.plot([0.6, lim], [0.6, lim], color="#777777", linestyle=":", linewidth=0.8)
        ax.set_xlabel(f"count in {labels[1]} (+1, log)")
        ax.set_ylabel(f"count in {labels[0]} (+1, log)")
        ax.legend(loc="upper left")
        ax.set_title(title or f"Terms: {labels[0]} against {labels[1]}")
        fig.tight_layout()
    plt.close(fig)
    return fig


_SCATTER_JS = r"""
(function(){
var root=document.getElementById(%(id)s);var D=JSON.parse(root.querySelector('script[type="application/json"]').textContent);
var W=640,H=520,M=52,NS='http://www.w3.org/2000/svg';
function el(n,a){var e=document.createElementNS(NS,n);for(var k in a){e.setAttribute(k,a[k]);}return e;}
var mx=1,my=1;D.points.forEach(function(p){mx=Math.max(mx,p[1]+1);my=Math.max(my,p[2]+1);});
var lx=Math.log(mx*1.3),ly=Math.log(my*1.3);
function X(v){return M+(W-2*M)*Math.log(v+1)/lx;}function Y(v){return H-M-(H-2*M)*Math.log(v+1)/ly;}
var svg=el('svg',{width:W,height:H,viewBox:'0 0 '+W+' '+H,role:'img'});
svg.appendChild(el('line',{x1:M,y1:H-M,x2:W-M,y2:H-M,stroke:'#333'}));svg.appendChild(el('line',{x1:M,y1:M,x2:M,y2:H-M,stroke:'#333'}));
[0,9,99,999,9999,99999].forEach(function(v){var lab=String(v+1);
 if(Math.log(v+1)<=lx){var t=el('text',{x:X(v),y:H-M+14,'text-anchor':'middle','font-size':10,fill:'#333'});t.textContent=lab;svg.appendChild(t);svg.appendChild(el('line',{x1:X(v),y1:H-M,x2:X(v),y2:H-M+4,stroke:'#333'}));}
 if(Math.log(v+1)<=ly){var u=el('text',{x:M-6,y:Y(v)+3,'text-anchor':'end','font-size':10,fill:'#333'});u.textContent=lab;svg.appendChild(u);svg.appendChild(el('line',{x1:M-4,y1:Y(v),x2:M,y2:Y(v),stroke:'#333'}));}});
var dm=Math.min(mx,my)*1.3;svg.appendChild(el('line',{x1:X(0),y1:Y(0),x2:X(dm-1),y2:Y(dm-1),stroke:'#777','stroke-dasharray':'3,3'}));
var t1=el('text',{x:W/2,y:H-10,'text-anchor':'middle','font-size':12});t1.textContent='count in '+D.labels[1]+' (+1, log)';svg.appendChild(t1);
var t2=el('text',{x:14,y:H/2,'text-anchor':'middle','font-size':12,transform:'rotate(-90 14 '+(H/2)+')'});t2.textContent='count in '+D.labels[0]+' (+1, log)';svg.appendChild(t2);
var info=root.querySelector('.tk-info');var search=root.querySelector('input');var dots=[];
D.points.forEach(function(p){var s=p[3];var c=s>0?'#0072B2':(s<0?'#E69F00':'#999999');
 var d=s<0?el('rect',{x:X(p[1])-3,y:Y(p[2])-3,width:6,height:6,fill:c,'fill-opacity':0.6}):el('circle',{cx:X(p[1]),cy:Y(p[2]),r:3.2,fill:c,'fill-opacity':0.6});
 d.addEventListener('mouseenter',function(){info.textContent=p[0]+' \u2014 '+D.labels[0]+': '+p[2]+', '+D.labels[1]+': '+p[1]+', score: '+p[3];});
 svg.appendChild(d);dots.push([p,d]);});
D.labelled.forEach(function(i){var p=D.points[i];var t=el('text',{x:X(p[1])+4,y:Y(p[2])-3,'font-size':10});t.textContent=p[0];svg.appendChild(t);});
root.querySelector('.tk-plot').appendChild(svg);
search.addEventListener('input',function(){var q=search.value.toLowerCase();var n=0;dots.forEach(function(pd){var hit=q&&pd[0][0].toLowerCase().indexOf(q)>=0;pd[1].setAttribute('stroke',hit?'#000':'none');pd[1].setAttribute('stroke-width',hit?2:0);if(hit)n++;});info.textContent=q?(n+' matching terms'):'';});
})();
"""


def term_scatter_html(
    table: pd.DataFrame,
    *,
    term: str = "term",
    x: str = "n_reference",
    y: str = "n_target",
    score: str | None = "score",
    labels=("seed", "reference"),
    max_points: int = 1500,
    n_labels: int = 12,
    element_id: str = "tk-scatter",
) -> str:
    """The term scatter as a self-contained HTML fragment (inline SVG + plain JavaScript, no downloads).

    At most ``max_points`` terms are embedded (the largest |score| and the most frequent), so the fragment stays
    small on big corpora. Data is embedded as JSON with ``<``, ``>`` and ``&`` escaped, and terms are shown with
    ``textContent``, so a term can never become markup.
    """
    t, score = _scatter_frame(table, term, x, y, score)
    t = _cap_points(t, term, x, y, score, max_points) if not t.empty else t
    points = []
    for _, row in t.iterrows():
        s = float(row[score]) if score else 0.0
        points.append([str(row[term]), int(round(float(row[x]))), int(round(float(row[y]))), round(s, 3)])
    order = sorted(range(len(points)), key=lambda i: (-abs(points[i][3]), points[i][0]))[:n_labels]
    data = {"labels": [str(labels[0]), str(labels[1])], "points": points, "labelled": sorted(order)}
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    payload = payload.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    eid = "".join(ch for ch in str(element_id) if ch.isalnum() or ch in "-_") or "tk-scatter"
    js = _SCATTER_JS % {"id": json.dumps(eid)}
    return (
        f'<div id="{eid}" class="tk-scatter" style="font-family:sans-serif;font-size:12px">'
        f'<div><label>find a term: <input type="search" aria-label="find a term"></label> '
        f'<span class="tk-info" style="color:#333"></span></div>'
        f'<div class="tk-plot"></div>'
        f'<div style="color:#555">{len(points)} of {len(table)} terms shown. Blue circles: more in '
        f'{html.escape(str(labels[0]))}; orange squares: more in {html.escape(str(labels[1]))}.</div>'
        f'<script type="application/json">{payload}</script>'
        f"<script>{js}</script></div>"
    )


# --------------------------------------------------------------------------------------------------------------
# Groups: heatmaps, naming choices


def plot_group_heatmap(
    table: pd.DataFrame,
    *,
    title: str | None = None,
    value_label: str = "",
    fmt: str = "{:.2f}",
    cmap: str | None = None,
    max_rows: int = 30,
    center: float | None = None,
) -> Figure:
    """Heatmap of a rows × groups table (frames or techniques by outlet group), each cell annotated with its value.

    With ``center`` (e.g. 0 for a tone), the colour scale is diverging (PuOr, colour-blind safe) and symmetric
    around it; otherwise sequential (cividis). Empty cells stay white."""
    if not isinstance(table, pd.DataFrame):
        raise ToolkitError(f"plot_group_heatmap: expected a DataFrame (rows: labels, columns: groups), got {type(table).__name__}")
    t = table.apply(pd.to_numeric, errors="coerce").head(max_rows)
    if t.empty or t.shape[1] == 0:
        return _empty_figure("Nothing to show: the table is empty.")
    values = t.to_numpy(float)
    with house_style():
        fig, ax = plt.subplots(figsize=(1.1 * t.shape[1] + 3.2, 0.32 * t.shape[0] + 1.5))
        finite = values[np.isfinite(values)]
        vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if center is not None:
            half = max(abs(vmin - center), abs(vmax - center)) or 1.0
            vmin, vmax = center - half, center + half
            cmap = cmap or "PuOr"
        cmap = cmap or "cividis"
        if vmin == vmax:
            vmax = vmin + 1.0
        im = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_xticks(range(t.shape[1]))
        ax.set_xticklabels([_short(c, 18) for c in t.columns], rotation=30, ha="right")
        ax.set_yticks(range(t.shape[0]))
        ax.set_yticklabels([_short(str(r).replace("_", " "), 44) for r in t.index])
        ax.grid(False)
        for i in range(t.shape[0]):
            for j in range(t.shape[1]):
                v = values[i, j]
                if np.isfinite(v):
                    rel = (v - vmin) / (vmax - vmin)
                    dark = abs(rel - 0.5) > 0.3 if center is not None else rel <= 0.55
                    ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7.5,
                            color="white" if dark else "black")
        cb = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
        cb.set_label(value_label)
        ax.set_title(title or "")
        fig.tight_layout()
    plt.close(fig)
    return fig


def plot_naming_bars(
    table: pd.DataFrame,
    *,
    name: str = "name",
    group: str = "group",
    share: str = "share",
    title: str | None = None,
    max_names: int = 12,
    group_order=None,
) -> Figure:
    """Grouped horizontal bars: how often each group uses each naming choice (share of mentions), with interval
    whiskers when the table has ``ci_low``/``ci_high`` (as ``compare.naming_shares`` gives)."""
    _require_columns(table, [name, group, share], "plot_naming_bars")
    has_ci = {"ci_low", "ci_high"} <= set(table.columns)
    t = table[[name, group, share] + (["ci_low", "ci_high"] if has_ci else [])].copy()
    t[share] = pd.to_numeric(t[share], errors="coerce").fillna(0.0)
    if t.empty:
        return _empty_figure("No naming choices found.")
    top = t.groupby(name)[share].max().sort_values(ascending=False).head(max_names).index
    t = t[t[name].isin(top)]
    pivot = t.pivot_table(index=name, columns=group, values=share, aggfunc="sum", fill_value=0.0)
    pivot = pivot.loc[pivot.max(axis=1).sort_values(ascending=True).index]
    order = list(group_order) if group_order is not None else list(pd.unique(t[group]))
    groups = [g for g in order if g in pivot.columns] + [g for g in pivot.columns if g not in order]
    styles = _group_style(groups)
    with house_style():
        fig, ax = plt.subplots(figsize=(6.8, 0.3 * len(pivot) * max(len(groups), 1) ** 0.5 + 1.6))
        height = 0.8 / max(len(groups), 1)
        y = np.arange(len(pivot))
        for k, g in enumerate(groups):
            yk = y + ((len(groups) - 1) / 2 - k) * height  # first group on top, as in the legend
            ax.barh(yk, pivot[g], height=height, label=str(g),
                    color=styles[g]["color"], hatch=styles[g]["hatch"], edgecolor="#333333", linewidth=0.4)
            if has_ci:
                ci = t[t[group] == g].set_index(name).reindex(pivot.index)
                lo = (pivot[g] - pd.to_numeric(ci["ci_low"], errors="coerce")).clip(lower=0).fillna(0)
                hi = (pd.to_numeric(ci["ci_high"], errors="coerce") - pivot[g]).clip(lower=0).fillna(0)
                ax.errorbar(pivot[g], yk, xerr=[lo, hi], fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
        ax.set_yticks(y)
        ax.set_yticklabels([_short(n, 30) for n in pivot.index])
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("share of mentions")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(title or "Naming choices by group")
        fig.tight_layout()
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------------------------------------------
# The seed's sentiment arc


def plot_sentiment_arc(
    sentences: pd.DataFrame,
    *,
    score: str = "sentiment",
    voice: str | None = "voice",
    window: int = 3,
    title: str | None = None,
) -> Figure:
    """Sentence-by-sentence sentiment of one article, markers by voice, with a centred rolling mean."""
    _require_columns(sentences, [score], "plot_sentiment_arc")
    s = pd.to_numeric(sentences[score], errors="coerce").reset_index(drop=True)
    if s.dropna().empty:
        return _empty_figure("No sentences with a sentiment score.")
    x = np.arange(1, len(s) + 1)
    with house_style():
        fig, ax = plt.subplots(figsize=(7.2, 3.3))
        ax.axhline(0, color="#777777", linewidth=0.8)
        ax.plot(x, s.rolling(window, center=True, min_periods=1).mean(), color="#333333", linewidth=1.4,
                label=f"rolling mean ({window} sentences)")
        if voice and voice in sentences.columns:
            voices = sentences[voice].astype(str).reset_index(drop=True)
            for v in pd.unique(voices):
                st = VOICE_STYLE.get(v, {"color": "#CC79A7", "marker": "D"})
                m = (voices == v).to_numpy()
                ax.scatter(x[m], s[m], color=st["color"], marker=st["marker"], s=28, label=f"{v} sentence", zorder=3)
        else:
            ax.scatter(x, s, color=OKABE_ITO["blue"], s=24, zorder=3, label="sentence")
        ax.set_xlabel("sentence")
        ax.set_ylabel(score)
        ax.set_xlim(0.5, len(s) + 0.5)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=5, handletextpad=0.3, columnspacing=1.0)
        ax.set_title(title or "Sentiment, sentence by sentence")
        fig.tight_layout()
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------------------------------------------
# Validation


def plot_label_scores(
    table: pd.DataFrame,
    *,
    label: str = "label",
    metrics=("precision", "recall", "f1"),
    support: str | None = "support",
    title: str | None = None,
    intervals: dict | None = None,
) -> Figure:
    """Per-label precision, recall and F1 of a detector on gold data (hatched bars; support in the tick label).

    ``intervals`` maps a metric to its ``(low column, high column)`` to draw interval whiskers."""
    _require_columns(table, [label, *metrics], "plot_label_scores")
    t = table.copy().sort_values(metrics[-1], ascending=True)
    with house_style():
        fig, ax = plt.subplots(figsize=(6.8, 0.34 * len(t) * len(metrics) ** 0.5 + 1.5))
        height = 0.8 / len(metrics)
        y = np.arange(len(t))
        styles = _group_style(metrics)
        for k, m in enumerate(metrics):
            yk = y + ((len(metrics) - 1) / 2 - k) * height  # first metric on top, as in the legend
            values = pd.to_numeric(t[m], errors="coerce")
            ax.barh(yk, values, height=height,
                    label=m, color=styles[m]["color"], hatch=styles[m]["hatch"], edgecolor="#333333", linewidth=0.4)
            if intervals and m in intervals and set(intervals[m]) <= set(t.columns):
                lo = (values - pd.to_numeric(t[intervals[m][0]], errors="coerce")).clip(lower=0).fillna(0)
                hi = (pd.to_numeric(t[intervals[m][1]], errors="coerce") - values).clip(lower=0).fillna(0)
                ax.errorbar(values, yk, xerr=[lo, hi], fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
        ticks = [f"{_short(l, 30)} (n={int(n)})" if support and support in t.columns and pd.notna(n) else _short(l, 30)
                 for l, n in zip(t[label], t[support] if support and support in t.columns else [None] * len(t))]
        ax.set_yticks(y)
        ax.set_yticklabels(ticks)
        ax.set_xlim(0, 1)
        ax.grid(axis="y", visible=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_title(title or "Scores on gold data")
        fig.tight_layout()
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------------------------------------------
# Tables and highlighted text (HTML, always escaped)


def styled_table(table: pd.DataFrame, *, gradient: bool = True, precision: int = 2, caption: str | None = None,
                 axis: int | None = 0):
    """A pandas ``Styler`` with every cell and label HTML-escaped, text left-aligned, missing values shown as "—",
    and an optional colour gradient (cividis; per column by default, ``axis=None`` for one scale)."""
    if not isinstance(table, pd.DataFrame):
        raise ToolkitError(f"styled_table: expected a DataFrame, got {type(table).__name__}")
    styler = table.style.format(precision=precision, escape="html", na_rep="—")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    numeric = list(table.select_dtypes("number").columns)
    text_cols = [c for c in table.columns if c not in numeric]
    if text_cols:
        styler = styler.set_properties(subset=text_cols, **{"text-align": "left"})
    # shade only columns with at least two distinct finite values (a constant column has no scale)
    shaded = [c for c in numeric
              if pd.Series(pd.to_numeric(table[c], errors="coerce")).replace([np.inf, -np.inf], np.nan).nunique() > 1]
    if gradient and shaded and len(table):
        styler = styler.background_gradient(cmap="cividis", subset=shaded, axis=axis)
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler


def actor_frame_table(table: pd.DataFrame, *, caption: str | None = "Actors by frame", precision: int = 0):
    """Actor × frame table (rows: actors, columns: frames) as an escaped ``Styler``, shaded per column."""
    return styled_table(table, gradient=True, caption=caption, precision=precision)


#: Background and underline style per span kind: the underline style tells them apart in greyscale print.
_MARK_STYLE = {
    "quoted": ("#FBE3B4", "solid"),
    "social": ("#CFE8F7", "dashed"),
    "boilerplate": ("#E5E5E5", "dotted"),
}


def highlight_evidence(text: str, spans: pd.DataFrame | None, *, label: str = "label", max_chars: int | None = None) -> str:
    """HTML for ``text`` with ``spans`` (columns ``start``, ``end`` and optionally ``label``) marked.

    Every piece of text is escaped; labels become ``title`` attributes (escaped) and a numbered list under the text
    (one number per distinct label), so the marking survives print and does not rely on colour alone (marks are
    underlined as well as shaded, with a different underline per voice).
    """
    if not isinstance(text, str):
        raise ToolkitError(f"highlight_evidence: expected text as str, got {type(text).__name__}")
    if max_chars is not None:
        text = text[:max_chars]
    marks = []
    if spans is not None and len(spans):
        _require_columns(spans, ["start", "end"], "highlight_evidence")
        for _, r in spans.sort_values(["start", "end"]).iterrows():
            s, e = int(r["start"]), int(r["end"])
            if 0 <= s < e <= len(text) and (not marks or s >= marks[-1][1]):
                marks.append((s, e, str(r[label]) if label in spans.columns else ""))
    numbers: dict[str, int] = {}  # one number per distinct label, so a repeated label is listed once
    out, pos = [], 0
    for s, e, lab in marks:
        k = numbers.setdefault(lab, len(numbers) + 1)
        kind = lab.split(":", 1)[0].strip().lower()
        bg, line = _MARK_STYLE.get(kind, ("#FBE3B4", "solid"))
        out.append(html.escape(text[pos:s]))
        out.append(f'<mark title="{html.escape(lab)}" style="background:{bg};text-decoration:underline {line} #333;'
                   f'text-underline-offset:2px">{html.escape(text[s:e])}</mark><sup>{k}</sup>')
        pos = e
    out.append(html.escape(text[pos:]))
    body = "".join(out).replace("\n\n", "</p><p>").replace("\n", "<br>")
    legend = ""
    if numbers:
        items = "".join(f"<li>{html.escape(lab)}</li>" for lab in numbers)
        legend = f'<ol style="font-size:0.85em;color:#333;columns:3">{items}</ol>'
    return f'<div class="tk-evidence" style="max-width:48em;line-height:1.5"><p>{body}</p>{legend}</div>'
