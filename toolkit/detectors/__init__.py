"""Frame, persuasion-technique and genre detectors: training, storage, validation, prediction with evidence.

>>> from toolkit.detectors import validate, detect_frames
>>> validate("frames")["micro_f1"]            # doctest: +SKIP
>>> detect_frames(text)["Political"]          # doctest: +SKIP

Modules: ``data`` (training and gold units), ``linear`` (the TF-IDF linear model stored as arrays), ``cues``
(transparent cue lexicons), ``spans`` (span lexicons of techniques, stacked on the paragraph classifier), ``models`` (detectors per task, training and the model cache), ``metrics``,
``validate``, ``predict`` (scores and evidence for new texts).
"""

from toolkit.detectors.data import FRAMES, GENRES, TASKS, TECHNIQUES
from toolkit.detectors.models import load_model, train
from toolkit.detectors.predict import detect_frames, detect_genre, detect_techniques, generic_frames
from toolkit.detectors.validate import validate


def train_frames(force: bool = False):
    """Train (or find cached) the frame detectors on the shared SemEval-2023 labels; returns the model folder."""
    return train("frames", force=force)


def train_techniques(force: bool = False):
    """Train (or find cached) the paragraph technique detectors; returns the model folder."""
    return train("techniques", force=force)


def train_genre(force: bool = False):
    """Train (or find cached) the genre detector; returns the model folder."""
    return train("genre", force=force)


__all__ = ["FRAMES", "GENRES", "TASKS", "TECHNIQUES", "detect_frames", "detect_genre", "detect_techniques",
           "generic_frames", "load_model", "train", "train_frames", "train_genre", "train_techniques", "validate"]
