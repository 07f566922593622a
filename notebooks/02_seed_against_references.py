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
# # The seed against reference corpora
#
# **Question:** where does the seed sit among ordinary news — AllSides outlets overall and by their left,
# center and right rating, and Tehran Times — feature by feature, and which words set it apart from each?
#
# Percentiles are within a random sample of each reference (size below); keyness is the weighted log-odds
# z-score with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008).

# %% tags=["parameters"]
seed_path = ""  # empty: the first article in seeds/
max_reference_articles = 300  # per group
families = None  # None: the default feature families
n_features = 12  # features shown in the position plot
n_terms = 15  # key terms shown on each side
random_state = 0
small = False

# %%
import pandas as pd
from IPython.display import display

from toolkit import curated, plots
from toolkit.compare import position_in_reference

seed = curated.load_seed(seed_path)
groups = {
    "left": "corpus:allsides-abp?bias=left",
    "center": "corpus:allsides-abp?bias=center",
    "right": "corpus:allsides-abp?bias=right",
    "tehran-times": "corpus:tehran-times",
}
reference = curated.reference_groups(groups, max_reference_articles, random_state)
if reference is not None:
    counts = reference.groupby("group", sort=False).size().rename("n_articles").to_frame()
    display(plots.styled_table(counts, gradient=False, caption="Reference articles per group (random sample)"))

# %% [markdown]
# ## Positions: the seed on each feature's distribution
#
# Features where the seed is furthest from the reference median (by percentile), one panel each; boxes show
# the middle half of each group, whiskers 1.5 × IQR, the dashed line the seed.

# %%
seed_features = curated.featurize(seed, families, "Feature positions") if reference is not None else None
reference_features = curated.featurize(reference, families, "Feature positions") if seed_features is not None else None
if reference_features is not None:
    positions = curated.most_extreme(position_in_reference(seed_features, reference_features,
                                                           random_state=random_state))
    display(plots.styled_table(positions.head(2 * n_features).set_index("feature"), precision=2, gradient=False,
                               caption="The seed's percentile among all reference articles (most extreme first)"))
    shown = list(positions["feature"].head(n_features))
    ref = curated.with_groups(reference_features, reference)
    display(plots.plot_seed_positions(ref, seed_features, shown, group="group",
                                      title="The seed (dashed) against AllSides left/center/right and Tehran Times"))

# %% [markdown]
# ## Keyness: the seed's words against each reference
#
# Blue bars: terms the seed uses more than the reference; orange hatched bars: terms the seed uses (at least
# once) but less than the reference.

# %%
from toolkit.keyness import keyness

key_tables = {}
if reference is not None:
    for label, part in [("AllSides (all)", reference[reference["group"] != "tehran-times"]),
                        ("Tehran Times", reference[reference["group"] == "tehran-times"])]:
        if len(part) == 0:
            curated.notice(f"{label}: no reference articles, so no keyness.", kind="note")
            continue
        table = keyness(seed, part, ngram_range=(1, 2))
        key_tables[label] = table
        display(plots.plot_keyness(table, score="log_odds_z", n_terms=n_terms, labels=("seed", label),
                                   score_label="log-odds z-score (Monroe et al. 2008)",
                                   title=f"Key terms: seed against {label}"))

# %% [markdown]
# ## Term map
#
# Every term of the seed at its count in the seed and in the reference (log scales, jittered); the dotted
# diagonal is equal counts. The interactive version below lets you find a term and hover for its counts.

# %%
for label, table in key_tables.items():
    display(plots.plot_term_scatter(table, score="log_odds_z", labels=("seed", label), title=f"Terms: seed and {label}"))
    curated.show_html(plots.term_scatter_html(table, score="log_odds_z", labels=("seed", label), max_points=800,
                                              element_id="scatter-" + label.lower().replace(" ", "-").replace("(", "").replace(")", "")))
