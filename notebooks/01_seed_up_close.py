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
# # The seed up close
#
# **Question:** what is this article made of — whose voices speak in it (the outlet, quoted people, embedded
# social-media posts), what does its feature profile look like, and which words and sentences produce each
# feature?
#
# Everything below is computed from the article alone; notebook 02 places it against reference corpora.

# %% tags=["parameters"]
seed_path = ""  # empty: the first article in seeds/
families = None  # None: the default feature families; or a list such as ["sentiment", "frames"]
n_features = 12  # how many features get an evidence table
n_highlighted = 3  # how many of them are also marked in the full text
random_state = 0
small = False

# %%
import pandas as pd
from IPython.display import display

from toolkit import curated, plots

seed = curated.load_seed(seed_path)
article = seed.iloc[0]
meta = seed.drop(columns=["text"]).T.rename(columns={0: "value"})
display(plots.styled_table(meta, gradient=False, caption=f"Seed: {curated.seed_file(seed_path).name}"))

# %% [markdown]
# ## Structure: voices, quotes and social posts
#
# Each stretch of text is assigned one voice: the outlet's own words (*authorial*), direct quotations
# (*quoted*, with the speaker where the text names one), embedded *social* posts, and *boilerplate*.

# %%
from toolkit.segment import segment

seg = segment(article["text"])
display(plots.styled_table(curated.voice_summary(seg), precision=2, gradient=False, caption="Tokens, sentences and spans per voice"))
display(plots.styled_table(curated.voice_table(seg), gradient=False, caption="Voice spans in reading order"))

# %% [markdown]
# The text with quotations, social posts and boilerplate marked (numbers refer to the list under the text):

# %%
curated.show_html(plots.highlight_evidence(article["text"], curated.voice_spans(seg)))

# %% [markdown]
# ## Sentiment, sentence by sentence
#
# VADER compound score per sentence (−1 negative … +1 positive); marker shape shows the voice, the line a
# rolling mean over three sentences.

# %%
arc = curated.sentence_sentiment(seg)
plots.plot_sentiment_arc(arc, title="Seed: sentiment by sentence")

# %% [markdown]
# ## Feature profile
#
# Every feature of the default families for the whole article and per voice (`@authorial`, `@quoted`).

# %%
features = curated.featurize(seed, families, "The feature profile")
profile = None
if features is not None:
    profile = curated.feature_profile(features)
    wide = profile.pivot_table(index=["family", "feature"], columns="scope", values="value", aggfunc="first", sort=False)
    zero = wide.fillna(0).eq(0).all(axis=1)
    display(plots.styled_table(wide[~zero], gradient=False, precision=3, caption="Seed feature profile (non-zero features)"))
    if zero.any():
        per_family = pd.Series([fam for fam, _ in wide.index[zero]]).value_counts(sort=False)
        curated.notice(f"{int(zero.sum())} features are zero in every scope and are not listed ("
                       + ", ".join(f"{fam}: {n}" for fam, n in per_family.items()) + ").", kind="note")

# %% [markdown]
# ## Evidence: the words and sentences behind the features
#
# For the lexicon- and cue-based rates (per 1,000 words) that are highest in the article as a whole, the terms
# that produced them (grouped, most frequent first), and for the first few, where they occur in the text.

# %%
if profile is not None:
    values = pd.to_numeric(profile["value"], errors="coerce")
    rates = profile["feature"].str.endswith("_per_1k") & ~profile["family"].isin(["lexical", "readability", "voices"])
    chosen = profile[(profile["scope"] == "article") & values.gt(0) & rates].assign(v=values).sort_values(
        ["v", "feature"], ascending=[False, True])
    shown = 0
    for _, row in chosen.iterrows():
        if shown >= n_features:
            break
        name = f"{row['family']}.{row['feature']}"
        table, full = curated.evidence(seed, name)
        if table is None:
            continue
        shown += 1
        display(plots.styled_table(table, gradient=False, caption=f"Evidence for {name} = {row['v']:.3g}"))
        if shown <= n_highlighted and {"start", "end"} <= set(full.columns):
            spans = full.assign(label=full["term"] if "term" in full.columns else name)
            curated.show_html(plots.highlight_evidence(article["text"], spans))
    if shown == 0:
        curated.notice("No feature has evidence to show for this article.", kind="note")
