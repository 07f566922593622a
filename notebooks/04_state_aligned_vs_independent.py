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
# # State-aligned against independent media
#
# **Question:** which features separate Tehran Times (Iranian state-aligned) from AllSides outlets (US and
# international media rated left, center or right), how large are the differences, and where does the seed fall?
#
# Effect size is Cliff's delta (−1 … 1; positive: higher in Tehran Times) with a bootstrap interval, a
# Mann–Whitney p-value and a Benjamini–Hochberg q-value over all features. Both sides are restricted to articles
# that mention `topic_query` (Iran by default), so that the contrast is about how the outlets write, not only
# about what they cover. The samples are random and the same for a given `random_state`.

# %% tags=["parameters"]
seed_path = ""  # empty: the first article in seeds/
topic_query = "iran"  # both sides: only articles containing this word (empty: all), so topic does not drive the contrast
max_reference_articles = 300  # per side
families = None
n_features = 12
n_boot = 500  # bootstrap replicates for the effect-size intervals
random_state = 0
small = False

# %%
import pandas as pd
from IPython.display import display

from toolkit import curated, plots
from toolkit.compare import group_contrasts, position_in_reference

seed = curated.load_seed(seed_path)
q = f"?q={topic_query}" if topic_query else ""
sides = curated.reference_groups({"tehran-times": f"corpus:tehran-times{q}", "allsides": f"corpus:allsides-abp{q}"},
                                 max_reference_articles, random_state)
if sides is not None:
    display(plots.styled_table(sides.groupby("group").size().rename("n_articles").to_frame(), gradient=False,
                               caption="Articles per side (random sample)"))

# %% [markdown]
# ## Features that separate the two sides

# %%
separation = seed_features = side_features = None
both_sides = sides is not None and sides["group"].nunique() == 2
if both_sides:
    seed_features = curated.featurize(seed, families, "Feature contrasts")
    side_features = curated.featurize(sides, families, "Feature contrasts") if seed_features is not None else None
if side_features is not None:
    labels = side_features.index.map(dict(zip(sides["id"], sides["group"])))
    contrasts = group_contrasts(side_features, pd.Series(labels, index=side_features.index),
                                pairs=[("tehran-times", "allsides")], n_boot=n_boot, random_state=random_state)
    separation = curated.strongest_contrasts(contrasts)
    display(plots.styled_table(separation.head(2 * n_features).set_index("feature"), precision=3, gradient=False,
                               caption="Strongest separations (Cliff's delta, Tehran Times vs AllSides, "
                                       f"{n_boot} bootstrap replicates)"))
elif not both_sides:
    curated.notice("Both corpora are needed for this comparison; see the notices above for what is missing.")

# %% [markdown]
# ## Where the seed falls
#
# The separating features, each with both sides' distributions and the seed (dashed).

# %%
if separation is not None and len(separation):
    shown = list(separation["feature"].head(n_features))
    display(plots.plot_seed_positions(curated.with_groups(side_features, sides), seed_features, shown, group="group",
                                      title="Separating features: Tehran Times, AllSides and the seed"))
    pos = position_in_reference(seed_features[shown], side_features.loc[labels == "tehran-times", shown])
    pos_us = position_in_reference(seed_features[shown], side_features.loc[labels == "allsides", shown])
    both = pos.set_index("feature")[["seed_value", "percentile"]].rename(columns={"percentile": "percentile in Tehran Times"})
    both["percentile in AllSides"] = pos_us.set_index("feature")["percentile"]
    display(plots.styled_table(both, precision=1, gradient=False, caption="The seed's percentile on each side"))
