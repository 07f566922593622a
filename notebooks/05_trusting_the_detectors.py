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
# # How far to trust the detectors
#
# **Question:** how well do the frame, persuasion-technique and genre detectors agree with human annotations,
# and how much better are they than simple baselines? Read the other notebooks' frame and technique figures with
# these numbers in mind: a label with low recall is under-counted, one with low precision over-counted.
#
# Gold data: SemEval-2023 Task 3, English (genre, 14 frames, persuasion techniques per paragraph; Piskorski et al.
# 2023). Scores are cross-validated with whole articles held out together; intervals are 95% cluster-bootstrap
# intervals over articles. Baselines: `prevalence` (predict each label at its training rate), `tfidf_logreg`
# (a plain bag-of-words classifier) and `cues` (the transparent cue lexicons alone).

# %% tags=["parameters"]
tasks = ["frames", "techniques", "genre"]
n_splits = 5  # cross-validation folds (articles held out together)
n_boot = 1000  # bootstrap replicates for the intervals
random_state = 0
small = False

# %%
import pandas as pd
from IPython.display import display

from toolkit import curated, plots

validate = curated.optional_attr("toolkit.detectors", "validate", "Detector validation")
results = {}
if validate is not None:
    for task in tasks:
        try:
            results[task] = validate(task, n_splits=n_splits, n_boot=n_boot, random_state=random_state)
        except Exception as exc:  # a missing gold corpus or model is a notice, not a crash
            curated.notice(f"{task}: {exc}")

# %% [markdown]
# ## The detectors against baselines
#
# Micro-F1 (every decision counts once) and macro-F1 (every label counts once) of each detector, with intervals.

# %%
if results:
    summary = curated.detector_summary(results)
    display(plots.styled_table(summary, precision=3, gradient=False,
                               caption="F1 by task and detector (95% cluster-bootstrap interval)"))
    for task, part in summary.reset_index().groupby("task", sort=False):
        display(plots.plot_label_scores(part, label="detector", metrics=("micro_f1", "macro_f1"), support=None,
                                        intervals={"micro_f1": ("micro_f1_low", "micro_f1_high"),
                                                   "macro_f1": ("macro_f1_low", "macro_f1_high")},
                                        title=f"{task}: the model and its baselines (95% intervals)"))

# %% [markdown]
# ## Scores per label
#
# Precision, recall and F1 of the main model for each label (n = gold units carrying the label: articles for
# frames and genre, paragraphs for techniques).

# %%
for task, result in results.items():
    per_label = curated.per_label_scores(result)
    if len(per_label):
        display(plots.plot_label_scores(per_label, title=f"{task}: precision, recall and F1 per label"))

# %% [markdown]
# ## What the numbers do not say
#
# Gold labels come from a few annotators on a specific set of news sources, and agreement between annotators is
# itself limited for frames and techniques. Expect lower scores on text far from the training data (state media,
# other topics, social-media posts quoted in articles).
