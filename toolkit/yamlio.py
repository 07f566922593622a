"""YAML reading through libyaml's parser when PyYAML was built with it (ten times faster than the pure-Python one,
which made up a fifth of the start-up of a featurizing run), else through the pure-Python parser. Both build the
same plain Python objects from a document (safe loading: no tags that run code)."""

from __future__ import annotations

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

YAMLError = yaml.YAMLError


def safe_load(stream):
    """``yaml.safe_load`` with the fastest safe loader available."""
    return yaml.load(stream, Loader=_Loader)
