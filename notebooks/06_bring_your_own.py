# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Bring your own article and corpus
#
# **Question:** where does *your* article sit against *your* choice of reference articles, and what sets it
# apart? Set `article_path` to any `.txt` article (a `date YYYY-MM-DD` first line is optional), `reference` to an
# installed corpus (see `python -m toolkit corpora list`) or to a file or folder of articles (`.txt` folder,
# `.jsonl`, `.csv`, `.parquet`), and `query` to a word the reference articles must contain. Then run all cells.

# %% tags=["parameters"]
article_path = ""  # empty: the seed in seeds/
reference = "allsides-abp"  # an installed corpus name, or a path to your own articles
query = "iran"  # keep reference articles that contain this word; empty: all
max_reference_articles = 200
families = None
n_features = 9
n_terms = 12
interactive = True  # show the widget explorer (the report sets this to False)
random_state = 0
small = False

# %%
from pathlib import Path

import pandas as pd
from IPython.display import display

from toolkit import curated, plots
from toolkit.compare import position_in_reference

seed = curated.load_seed(article_path)
ref_articles = curated.load_reference(reference, query, max_reference_articles, random_state)
if ref_articles is not None:
    print(f"{len(ref_articles)} reference articles from {reference}")

# %%
seed_features = curated.featurize(seed, families, "Feature positions") if ref_articles is not None else None
ref_features = curated.featurize(ref_articles, families, "Feature positions") if seed_features is not None else None
if ref_features is not None:
    positions = curated.most_extreme(position_in_reference(seed_features, ref_features, random_state=random_state))
    display(plots.styled_table(positions.head(2 * n_features).set_index("feature"), precision=2, gradient=False,
                               caption="The article's percentile in the reference (most extreme first)"))
    display(plots.plot_seed_positions(ref_features, seed_features, list(positions["feature"].head(n_features))))

# %%
from toolkit.keyness import keyness

if ref_articles is not None and len(ref_articles):
    table = keyness(seed, ref_articles, ngram_range=(1, 2))
    display(plots.plot_keyness(table, score="log_odds_z", n_terms=n_terms, labels=("your article", "reference"),
                               score_label="log-odds z-score"))
    curated.show_html(plots.term_scatter_html(table, score="log_odds_z", labels=("your article", "reference"),
                                              max_points=800, element_id="scatter-byo"))

# %% [markdown]
# ## Explore
#
# In JupyterLab: pick a feature or type a term to see its distribution and the sentences behind it.

# %%
if interactive and ref_features is not None:
    from toolkit.explorer import explore

    display(explore(seed_features, ref_features, pd.concat([seed.assign(group="seed"), ref_articles],
                                                           ignore_index=True)))
