"""Plots: DataFrame in, Figure out; byte-identical saves; escaping of article text; the interactive term map."""

import base64
import html
import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from toolkit import curated, plots
from toolkit.errors import ToolkitError

SCRIPT = "<script>alert(1)</script>"


def _keyness_table(n=60, seed=1):
    rng = np.random.default_rng(seed)
    terms = [f"term{i}" for i in range(n)]
    n_target = rng.integers(1, 30, n)
    n_reference = rng.integers(0, 300, n)
    score = rng.normal(0, 3, n)
    return pd.DataFrame({"term": terms, "n_target": n_target, "n_reference": n_reference, "score": score})


def _reference_features(n=90, seed=2):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "sentiment.vader_compound": rng.normal(0, 0.3, n),
        "readability.flesch_reading_ease": rng.normal(50, 10, n),
        "style.words_per_sentence": rng.normal(22, 4, n),
    })
    df["group"] = np.repeat(["left", "center", "right"], n // 3)
    return df


def _all_figures():
    ref = _reference_features()
    seed = ref.drop(columns="group").iloc[0] * 1.5
    table = _keyness_table()
    heat = pd.DataFrame(np.arange(12, dtype=float).reshape(4, 3) / 11, index=list("abcd"),
                        columns=["left", "center", "right"])
    naming = pd.DataFrame({"name": ["assassination", "killing", "strike"] * 2, "group": ["left"] * 3 + ["right"] * 3,
                           "share": [0.2, 0.5, 0.3, 0.1, 0.6, 0.3]})
    arc = pd.DataFrame({"sentiment": np.sin(np.arange(20) / 3), "voice": ["authorial", "quoted"] * 10})
    scores = pd.DataFrame({"label": ["A", "B"], "precision": [0.5, 0.8], "recall": [0.4, 0.9], "f1": [0.44, 0.85],
                           "support": [10, 20]})
    return {
        "positions": plots.plot_seed_positions(ref, seed, group="group"),
        "keyness": plots.plot_keyness(table),
        "scatter": plots.plot_term_scatter(table),
        "heatmap": plots.plot_group_heatmap(heat, title="frames"),
        "naming": plots.plot_naming_bars(naming),
        "arc": plots.plot_sentiment_arc(arc),
        "scores": plots.plot_label_scores(scores),
    }


def test_every_plot_returns_a_figure_with_content():
    for name, fig in _all_figures().items():
        assert isinstance(fig, Figure), name
        assert fig.axes, name
        assert any(ax.has_data() or ax.images for ax in fig.axes), name


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_save_figure_is_byte_identical_run_to_run(tmp_path, suffix):
    paths = []
    for run in range(2):
        fig = plots.plot_keyness(_keyness_table())  # a fresh figure each run, same inputs
        paths.append(plots.save_figure(fig, tmp_path / f"run{run}{suffix}"))
    a, b = (p.read_bytes() for p in paths)
    assert len(a) > 1000
    assert a == b
    if suffix == ".png":
        assert a[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"Software" not in a and b"Creation Time" not in a
    elif suffix == ".svg":
        assert b"<dc:date>" not in a
    else:
        assert b"/CreationDate" not in a and b"/ModDate" not in a
    assert not list(tmp_path.glob(".*.tmp"))


def test_save_figure_rejects_unknown_format(tmp_path):
    with pytest.raises(ToolkitError, match=r"expected a path ending in \.png, \.svg or \.pdf, got '.*x\.jpg'"):
        plots.save_figure(plots.plot_keyness(_keyness_table()), tmp_path / "x.jpg")


def test_keyness_bars_diverge_and_order_by_score():
    table = _keyness_table()
    fig = plots.plot_keyness(table, n_terms=5)
    ax = fig.axes[0]
    widths = [p.get_width() for p in ax.patches]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(widths) == 10
    assert sum(w > 0 for w in widths) == 5 and sum(w < 0 for w in widths) == 5
    assert widths == sorted(widths)  # bottom: most under-used, top: most over-used
    top = table.sort_values("score").iloc[-1]["term"]
    assert labels[-1] == top


def test_seed_position_titles_give_the_seed_percentile():
    ref = _reference_features()
    values = ref["style.words_per_sentence"]
    seed = pd.Series({"style.words_per_sentence": float(values.quantile(0.9))})
    fig = plots.plot_seed_positions(ref, seed, ["style.words_per_sentence"], group="group")
    expected = 100 * ((values < seed.iloc[0]).sum() + 0.5 * (values == seed.iloc[0]).sum()) / len(values)
    assert f"percentile {expected:.0f}" in fig.axes[0].get_title(loc="left")
    # the seed line is drawn at the seed's value
    lines = [l for l in fig.axes[0].lines if l.get_linestyle() == "--"]
    assert lines and np.isclose(lines[0].get_xdata()[0], seed.iloc[0])


def test_plots_reject_missing_columns_with_a_clear_message():
    with pytest.raises(ToolkitError, match=r"plot_keyness: missing column\(s\) \['score'\]"):
        plots.plot_keyness(pd.DataFrame({"term": ["a"]}))


def test_term_scatter_html_caps_points_and_escapes_terms():
    table = _keyness_table(n=3000)
    table.loc[0, "term"] = SCRIPT
    table.loc[0, "score"] = 99.0  # surely kept
    fragment = plots.term_scatter_html(table, max_points=200)
    data = json.loads(re.search(r'<script type="application/json">(.*?)</script>', fragment, re.S).group(1))
    assert len(data["points"]) == 200
    assert SCRIPT in [p[0] for p in data["points"]]  # kept as data …
    assert SCRIPT not in fragment  # … but never as markup
    assert "alert(1)" in fragment and "\\u003cscript\\u003e" in fragment
    assert "http://" not in fragment.replace("http://www.w3.org/2000/svg", "") and "https://" not in fragment
    assert len(fragment) < 60_000


def test_highlight_evidence_escapes_text_and_labels():
    text = f"Before {SCRIPT} after & more."
    spans = pd.DataFrame({"start": [7], "end": [7 + len(SCRIPT)], "label": ['quoted: <b onmouseover="x">']})
    out = plots.highlight_evidence(text, spans)
    assert "<script>" not in out and "<b onmouseover" not in out
    assert html.escape(SCRIPT) in out and "&amp; more" in out
    assert out.count("<mark") == 1


def test_styled_table_escapes_cells_and_index():
    table = pd.DataFrame({"excerpt": [SCRIPT], "n": [3]}, index=["<i>row</i>"])
    rendered = plots.styled_table(table, caption="<b>cap</b>").to_html()
    assert "<script>alert(1)" not in rendered and "<i>row</i>" not in rendered and "<b>cap</b>" not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


def test_figures_render_to_valid_png():
    from PIL import Image
    import io

    for name, fig in _all_figures().items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        img = Image.open(io.BytesIO(buf.getvalue()))
        img.verify()
        assert img.size[0] > 200 and img.size[1] > 80, name


def test_notice_escapes_its_message():
    n = curated.Notice(f"corpus {SCRIPT} missing")
    assert SCRIPT not in n._repr_html_() and html.escape(SCRIPT) in n._repr_html_()
