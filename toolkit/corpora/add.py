"""Bring your own corpus: a folder or file of articles plus a corpus card (YAML) becomes a corpus like any other.

Card fields: ``name`` (lower-case letters, digits, hyphens), ``path`` (file or folder, relative to the card),
``licence``, ``description``, optional ``citation``, ``mapping`` (canonical column -> the user's column, passed
to ``toolkit.articles.load_articles``) and ``metadata`` (column -> constant value added to every article, e.g.
``outlet: My Paper``). The import writes ``corpora_dir()/NAME.parquet`` and ``NAME/card.yaml``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import yaml

from toolkit import yamlio
from toolkit.corpora.canonical import to_article_table
from toolkit.corpora.fetch import ROW_GROUP_SIZE
from toolkit.errors import ToolkitError
from toolkit.paths import corpora_dir

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def read_card(card_path: str | os.PathLike) -> dict:
    """Read and check a corpus card; raises ToolkitError naming the field that is wrong."""
    path = Path(card_path)
    if not path.is_file():
        raise ToolkitError(f"corpus card {str(path)!r} does not exist; expected a YAML file")
    try:
        card = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except yamlio.YAMLError as exc:
        raise ToolkitError(f"corpus card {path.name}: not valid YAML: {exc}") from None
    if not isinstance(card, dict):
        raise ToolkitError(f"corpus card {path.name}: expected a mapping of fields, got {type(card).__name__}")
    for key in ("name", "path", "licence"):
        if key == "licence" and "license" in card:
            continue
        if not card.get(key):
            raise ToolkitError(f"corpus card {path.name}: field {key!r} is missing; expected name, path, licence")
    if not NAME_RE.match(str(card["name"])):
        raise ToolkitError(f"corpus card {path.name}: name {card['name']!r} must be lower-case letters, digits, hyphens")
    from toolkit.corpora.registry import CORPORA

    if card["name"] in CORPORA:
        raise ToolkitError(f"corpus card {path.name}: name {card['name']!r} is a registered corpus; choose another")
    for key in ("mapping", "metadata"):
        if card.get(key) is not None and not isinstance(card[key], dict):
            raise ToolkitError(f"corpus card {path.name}: field {key!r} must be a mapping of column: value")
    return card


def add_corpus(card_path: str | os.PathLike, force: bool = False) -> dict:
    """Import the articles a corpus card points to; returns the install record (``status`` says what happened)."""
    from toolkit.corpora.fetch import _write_json_atomic, install_info
    from toolkit.corpora.store import clear_cache

    card_path = Path(card_path)
    card = read_card(card_path)
    name = card["name"]
    source = (card_path.parent / card["path"]).resolve()
    if not source.exists():
        raise ToolkitError(f"corpus card {card_path.name}: path {card['path']!r} does not exist")
    current = install_info(name)
    if current and not force:
        return {**current, "status": "already installed"}
    try:
        from toolkit.articles import load_articles
    except ImportError:
        raise ToolkitError("adding a corpus needs toolkit.articles (the article loaders), which is not installed") from None
    df = load_articles(source, **(card.get("mapping") or {}))
    for column, value in (card.get("metadata") or {}).items():
        df[column] = value
    df = df.copy()
    prefix = f"{name}:"
    df["id"] = [i if str(i).startswith(prefix) else prefix + str(i) for i in df["id"]]
    df = to_article_table(df, source=f"corpus card {card_path.name}")
    dest = corpora_dir()
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=dest, prefix=f".{name}.tmp-"))
    try:
        (work / name).mkdir()
        df.to_parquet(work / f"{name}.parquet", index=False, row_group_size=ROW_GROUP_SIZE)
        stored = {**card, "path": str(source)}
        (work / name / "card.yaml").write_text(yaml.safe_dump(stored, sort_keys=False), encoding="utf-8")
        dates = df["date"].dropna()
        info = {
            "name": name,
            "source": {"card": str(card_path.resolve()), "path": str(source)},
            "counts": {"n_articles": int(len(df))},
            "has_articles": True,
            "summary": {
                "n_articles": int(len(df)),
                "date_min": dates.min().date().isoformat() if len(dates) else None,
                "date_max": dates.max().date().isoformat() if len(dates) else None,
                "n_outlets": int(df["outlet"].nunique()),
            },
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        _write_json_atomic(work / name / "install.json", info)
        from toolkit.corpora.fetch import _place

        _place(name, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    clear_cache()
    return {**info, "status": "installed"}
