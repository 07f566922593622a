"""toolkit: compare how news media frame events.

Per-article features with evidence (readability, style, sentiment, emotion, moral foundations, bias cues, frames,
persuasion techniques, naming choices, actors), corpora to compare against, and statistics that say where one
article sits and what sets it apart.
"""

__version__ = "0.1.0"
