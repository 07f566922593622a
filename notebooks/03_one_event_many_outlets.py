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
# # One event, many outlets: the killing of Qassem Soleimani
#
# **Question:** how did different outlets cover Soleimani's killing (3 January 2020) and its aftermath? We set
# the seed against Tehran Times articles on Soleimani and against AllSides left, center and right articles on
# Soleimani, and compare naming choices, frames, persuasion techniques, sentiment toward each actor, and the
# words that set each group apart.
#
# AllSides ratings are outlet-level (AllSides' own labels), not judgements of single articles. Tehran Times is an
# Iranian state-aligned English daily.

# %% tags=["parameters"]
seed_path = ""  # empty: the first article in seeds/
event_query = "soleimani"  # articles must contain this word
max_group_articles = 150  # per group
families = None
n_terms = 12
n_boot = 500  # bootstrap replicates for the naming-share intervals
random_state = 0
small = False

# %%
import pandas as pd
from IPython.display import display

from toolkit import curated, plots

seed = curated.load_seed(seed_path)
groups = {
    "tehran-times": f"corpus:tehran-times?q={event_query}",
    "left": f"corpus:allsides-abp?bias=left&q={event_query}",
    "center": f"corpus:allsides-abp?bias=center&q={event_query}",
    "right": f"corpus:allsides-abp?bias=right&q={event_query}",
}
event = curated.reference_groups(groups, max_group_articles, random_state)
if event is not None:
    summary = event.groupby("group", sort=False).agg(n_articles=("id", "size"), n_outlets=("outlet", "nunique"),
                                                     first=("date", "min"), last=("date", "max"))
    summary[["first", "last"]] = summary[["first", "last"]].apply(lambda c: c.dt.strftime("%Y-%m-%d"))
    display(plots.styled_table(summary, gradient=False,
                               caption=f"Articles mentioning '{event_query}' per group (random sample)"))

# %%
event_families = curated.with_families(families, ["frames", "techniques", "actors"])
seed_features = curated.featurize(seed, event_families, "Frames, techniques and actors") if event is not None else None
event_features = (curated.featurize(event, event_families, "Frames, techniques and actors")
                  if seed_features is not None else None)

# %% [markdown]
# ## Naming choices
#
# Which names each group uses for the same people and acts ("assassination", "killing", "martyrdom", "strike";
# "General Soleimani", "Soleimani", "terrorist"): share of the mentions of each referent.

# %%
count_naming = curated.optional_attr("toolkit.features.naming", "count_naming", "Naming choices")
if count_naming is not None and event is not None:
    from toolkit.compare import naming_shares

    with_seed = pd.concat([seed.assign(group="seed"), event], ignore_index=True)
    shares = naming_shares(count_naming(with_seed), with_seed[["id", "group"]], n_boot=n_boot,
                           random_state=random_state)
    order = ["seed", *groups]
    concepts = sorted(shares["concept"].unique(), key=lambda c: (event_query.lower() not in c.lower(), c))
    for concept in concepts:
        display(plots.plot_naming_bars(shares[shares["concept"] == concept], name="variant", group_order=order,
                                       title=f"Naming choices: {concept} (share of mentions, 95% interval)"))

# %% [markdown]
# ## Frames and persuasion techniques by group
#
# The detectors' output per article, averaged over each group, and the seed's own value (first column): for
# frames the probability that the article uses the frame, for techniques the share of its paragraphs flagged.
# See notebook 05 for how far these detectors agree with human annotators.

# %%
if event_features is not None:
    for prefix, suffix, title, unit in [("frames.", "_prob", "Frames", "mean detector probability"),
                                        ("techniques.", "_share", "Persuasion techniques", "mean share of paragraphs")]:
        table = curated.group_means(event_features, event, prefix, seed_features=seed_features, suffix=suffix)
        if table.empty:
            curated.notice(f"{title}: no '{prefix}*{suffix}' features in this install.", kind="note")
            continue
        display(plots.plot_group_heatmap(table, title=f"{title} by group ({unit} per article)", value_label=unit))

# %% [markdown]
# ## Sentiment toward each actor
#
# Net tone of the sentences that mention each actor (percentage points of their words: positive − negative
# General Inquirer words), averaged over the articles of each group that mention the actor; then the seed's
# actors by the frame cues in the sentences that mention them.

# %%
actor_table = curated.optional_attr("toolkit.features.actors", "actor_table", "Sentiment toward actors")
if actor_table is not None and event is not None:
    with_seed = pd.concat([seed.assign(group="seed"), event], ignore_index=True)
    tone = curated.actor_tone_by_group(actor_table(with_seed), with_seed, min_articles=2)
    if tone.empty:
        curated.notice("No actor is mentioned in at least two articles of a group.", kind="note")
    else:
        display(plots.plot_group_heatmap(tone, title="Tone toward each actor by group (mean over articles)",
                                         value_label="net tone (pp of words)", fmt="{:+.1f}", center=0.0))
    seed_actors = curated.actor_frames(actor_table(seed))
    if len(seed_actors):
        display(plots.actor_frame_table(seed_actors, caption="Seed: frame cues in the sentences that mention each actor"))

# %% [markdown]
# ## The seed's sentiment arc

# %%
from toolkit.segment import segment

arc = curated.sentence_sentiment(segment(seed.iloc[0]["text"]))
plots.plot_sentiment_arc(arc, title="Seed: sentiment by sentence")

# %% [markdown]
# ## Keyness: what sets each group apart
#
# The seed against each group, then Tehran Times against all AllSides articles on the event.

# %%
from toolkit.keyness import keyness

if event is not None:
    for label, part in event.groupby("group", sort=False):
        display(plots.plot_keyness(keyness(seed, part, ngram_range=(1, 2)), score="log_odds_z", n_terms=n_terms,
                                   labels=("seed", label), score_label="log-odds z-score",
                                   title=f"Key terms: seed against {label} on '{event_query}'"))
    tt, us = event[event["group"] == "tehran-times"], event[event["group"] != "tehran-times"]
    if len(tt) and len(us):
        table = keyness(tt, us, ngram_range=(1, 2))
        display(plots.plot_keyness(table, score="log_odds_z", n_terms=n_terms, labels=("Tehran Times", "AllSides"),
                                   score_label="log-odds z-score", title="Key terms: Tehran Times against AllSides"))
        curated.show_html(plots.term_scatter_html(table, score="log_odds_z", labels=("Tehran Times", "AllSides"),
                                                  max_points=1000, element_id="scatter-tt-allsides"))
