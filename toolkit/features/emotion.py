"""Emotion words: the eight emotions and two sentiments of the NRC Word-Emotion Association Lexicon.

Features (``emotion.<category>_per_1k``, for the whole article and ``@authorial`` / ``@quoted``): words
associated with ``anger``, ``anticipation``, ``disgust``, ``fear``, ``joy``, ``sadness``, ``surprise``, ``trust``,
``negative`` and ``positive``, per 1,000 words. A word counts in every category it is associated with. Negation
is not applied (the NRC associations are not polarities to switch).

Not in the default set, and available only when the optional package ``nrclex`` is installed
(``pip install 'toolkit[emotion]'``): the NRC terms forbid redistribution, so the toolkit reads the word list
that ``nrclex`` ships (``nrclex/data/nrc_en.json``, 6,468 words) directly. We do not call ``NRCLex`` itself: its
raw-text path tokenises with TextBlob, which needs NLTK corpora downloaded at run time.

Licence: NRC Emotion Lexicon, free for research and non-commercial use (cite Mohammad & Turney 2013).

References:
    Mohammad, S. M. & Turney, P. D. (2013). Crowdsourcing a Word-Emotion Association Lexicon. Computational
    Intelligence 29(3), 436-465.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import numpy as np

from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch
from toolkit.lexicons import Lexicon, load_lexicon

NAME = "emotion"
DEFAULT = False

CATEGORIES = ("anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust", "negative",
              "positive")

FEATURES = {f"{c}_per_1k": f"NRC {c} words per 1,000 words" for c in CATEGORIES}


def nrc_path() -> Path:
    spec = importlib.util.find_spec("nrclex")
    if spec is None or not spec.origin:
        raise ToolkitError(
            "the emotion family needs the optional package 'nrclex', which ships the NRC Emotion Lexicon "
            "(its terms do not allow the toolkit to ship it): pip install 'toolkit[emotion]'"
        )
    root = Path(spec.origin).resolve().parent
    for path in (root / "data" / "nrc_en.json", root / "nrc_en.json"):  # nrclex 4.x, then older layouts
        if path.is_file():
            return path
    raise ToolkitError(f"nrclex is installed but its lexicon file is missing: expected '{root / 'data' / 'nrc_en.json'}'")


def load_nrc() -> Lexicon:
    """The NRC Emotion Lexicon from the installed ``nrclex`` package, as a ``Lexicon`` (registry name ``nrc``)."""
    path = nrc_path()
    raw = path.read_bytes()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ToolkitError(f"'{path}' is not valid JSON: {exc}") from None
    words = {}
    for term, cats in data.items():
        hit = {CATEGORIES.index(c): 1.0 for c in cats if c in CATEGORIES}
        if hit:
            words[term.lower()] = hit
    return Lexicon(name="nrc", categories=list(CATEGORIES), words=words, path=str(path),
                   sha256=hashlib.sha256(raw).hexdigest())


def available() -> str | None:
    try:
        nrc_path()
    except ToolkitError as exc:
        return str(exc)
    return None


def prepare() -> None:
    load_lexicon("nrc")


def lexicon_checksums() -> list[str]:
    return [f"nrc:{load_lexicon('nrc').sha256}"]


def compute(batch: Batch, scope: str) -> dict[str, np.ndarray]:
    lex = load_lexicon("nrc")
    hits = batch.lexicon_counts(lex, scope)
    return {f"{c}_per_1k": batch.per_1k(hits[:, lex.category_index(c)], scope) for c in CATEGORIES}


def explain(batch: Batch, doc: int, feature: str, scope: str):
    return batch.lexicon_evidence(doc, load_lexicon("nrc"), feature[: -len("_per_1k")], scope)
