"""Read imported corpora: article tables, annotation tables, the listing, the lexicons folder.

Loaded frames are cached in-process, keyed by corpus, columns and file modification time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from toolkit.errors import ToolkitError
from toolkit.paths import corpora_dir

_CACHE: dict = {}
CARD_FILE = "card.yaml"


def clear_cache() -> None:
    """Forget every loaded frame (after a fetch or an add)."""
    _CACHE.clear()


def user_cards() -> dict[str, dict]:
    """Registry-like entries for the corpora a user added with a corpus card, by name."""
    folder = corpora_dir()
    out: dict[str, dict] = {}
    if not folder.is_dir():
        return out
    from toolkit import yamlio

    for card_path in sorted(folder.glob(f"*/{CARD_FILE}")):
        with open(card_path, encoding="utf-8") as fh:
            card = yamlio.safe_load(fh) or {}
        name = card_path.parent.name
        out[name] = {
            "description": card.get("description", ""),
            "kind": "user",
            "licence": card.get("licence") or card.get("license"),
            "citation": card.get("citation"),
            "origin": None,
            "adapter": None,
            "expected": {},
            "metadata": list((card.get("metadata") or {}).keys()) if isinstance(card.get("metadata"), dict) else [],
            "card": card,
        }
    return out


def _parquet_path(name: str) -> Path:
    from toolkit.corpora.fetch import install_info
    from toolkit.corpora.registry import get_entry

    entry = get_entry(name)  # raises for an unknown name
    path = corpora_dir() / f"{name}.parquet"
    if install_info(name) is None or not path.is_file():
        if entry.get("kind") == "lexicons":
            raise ToolkitError("'lexicons' holds word lists, not articles; use lexicons_dir()")
        how = (
            f"python -m toolkit corpora fetch {name}"
            if entry.get("kind") != "user"
            else "python -m toolkit corpora add CARD.yaml"
        )
        raise ToolkitError(f"corpus {name!r} is not installed in {corpora_dir()}; install it with `{how}`")
    return path


def corpus_columns(name: str) -> list[str]:
    """The columns of an installed corpus's article table, read from the parquet schema."""
    return list(pq.read_schema(_parquet_path(name)).names)


def _check_columns(name: str, columns: list[str] | None) -> list[str] | None:
    """``columns`` without repeats, after checking that the corpus has each of them (None: every column)."""
    if columns is None:
        return None
    available = corpus_columns(name)
    unknown = [c for c in columns if c not in available]
    if unknown:
        raise ToolkitError(f"corpus {name!r} has no column {unknown[0]!r}; its columns are {available}")
    return list(dict.fromkeys(columns))


def load_corpus(name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """The article table of an installed corpus (only ``columns`` when given). Cached; returns a copy."""
    path = _parquet_path(name)
    columns = _check_columns(name, columns)
    key = (name, tuple(columns) if columns is not None else None, os.stat(path).st_mtime_ns)
    df = _CACHE.get(key)
    if df is None:
        df = pd.read_parquet(path, columns=columns, engine="pyarrow")
        _CACHE[key] = df
    return df.copy()


_READ_BUFFER = 1 << 20  # bytes read from the file at a time while streaming a corpus


def iter_corpus(name: str, columns: list[str] | None = None, chunk_size: int = 2048, limit: int | None = None):
    """The article table of an installed corpus in chunks of ``chunk_size`` rows (DataFrames), read from disk one
    chunk at a time: what streaming over a corpus of any size needs (``limit``: stop after that many rows)."""
    path = _parquet_path(name)
    columns = _check_columns(name, columns)
    remaining = limit
    # One row group at a time, without pre-buffering: ``iter_batches`` over the whole file keeps the buffers of the
    # groups it has read (memory grew with the corpus). Inside a group, chunk by chunk through a small read buffer:
    # a corpus written as one row group (by an older version, or another tool) is streamed too, not read whole.
    source = pq.ParquetFile(path, pre_buffer=False, buffer_size=_READ_BUFFER)
    for group in range(source.metadata.num_row_groups):
        for batch in source.iter_batches(batch_size=chunk_size, row_groups=[group], columns=columns):
            part = batch.to_pandas()
            if remaining is not None:
                part = part.iloc[:remaining]
                remaining -= len(part)
            if len(part):
                yield part
            if remaining is not None and remaining <= 0:
                return


def load_table(name: str, table: str) -> pd.DataFrame:
    """An annotation table of an installed corpus (e.g. ``load_table("basil", "spans")``)."""
    _parquet_path(name)
    folder = corpora_dir() / name
    path = folder / f"{table}.parquet"
    if not path.is_file():
        tables = sorted(p.stem for p in folder.glob("*.parquet"))
        raise ToolkitError(f"corpus {name!r} has no table {table!r}; its tables are {tables}")
    key = (name, "table:" + table, os.stat(path).st_mtime_ns)
    df = _CACHE.get(key)
    if df is None:
        df = pd.read_parquet(path, engine="pyarrow")
        _CACHE[key] = df
    return df.copy()


def list_tables(name: str) -> list[str]:
    """Names of the annotation tables of an installed corpus."""
    _parquet_path(name)
    return sorted(p.stem for p in (corpora_dir() / name).glob("*.parquet"))


def list_corpora() -> list[dict]:
    """One record per known corpus: name, installed, n_articles, date range, n_outlets, licence, kind."""
    from toolkit.corpora.fetch import install_info
    from toolkit.corpora.registry import CORPORA

    entries = {**CORPORA, **user_cards()}
    out = []
    for name, entry in entries.items():
        info = install_info(name)
        rec = {
            "name": name,
            "kind": entry.get("kind"),
            "installed": info is not None,
            "n_articles": None,
            "date_min": None,
            "date_max": None,
            "n_outlets": None,
            "licence": entry.get("licence"),
            "description": entry.get("description"),
        }
        if info is not None:
            summary = info.get("summary") or {}
            if info.get("has_articles", True):
                if not summary:
                    summary = _summarise(name)
                rec.update(summary)
            rec["tables"] = {k[2:]: v for k, v in info.get("counts", {}).items() if k != "n_articles"}
            rec["labelled_articles"] = _labelled_articles(name)
        out.append(rec)
    return out


def _labelled_articles(name: str) -> dict[str, int]:
    """Per annotation table, how many distinct articles it labels (e.g. frames: 334)."""
    folder = corpora_dir() / name
    out = {}
    for path in sorted(folder.glob("*.parquet")):
        schema = pq.read_schema(path)
        if "id" in schema.names:
            out[path.stem] = len(pq.read_table(path, columns=["id"]).column("id").unique())
    return out


def _summarise(name: str) -> dict:
    df = load_corpus(name, columns=["date", "outlet"])
    dates = df["date"].dropna()
    return {
        "n_articles": int(len(df)),
        "date_min": dates.min().date().isoformat() if len(dates) else None,
        "date_max": dates.max().date().isoformat() if len(dates) else None,
        "n_outlets": int(df["outlet"].nunique()),
    }


def lexicons_dir(path: str | os.PathLike | None = None) -> Path:
    """The folder holding the lexicon folders (``moral-foundations/``, ``recasens2013-bias/``, ``mpqa-subjclues/`` …).

    ``path`` (or env ``TOOLKIT_LEXICONS``) names a folder the user supplies; otherwise the one unpacked by
    ``corpora fetch lexicons``.
    """
    value = path if path is not None else os.environ.get("TOOLKIT_LEXICONS")
    if value:
        folder = Path(value).expanduser()
        if not folder.is_dir():
            raise ToolkitError(f"lexicons folder {str(folder)!r} does not exist; expected a folder of lexicon folders")
        return folder
    folder = corpora_dir() / "lexicons" / "files"
    if not (corpora_dir() / "lexicons" / "install.json").is_file() or not folder.is_dir():
        raise ToolkitError(
            "the lexicons are not installed; run `python -m toolkit corpora fetch lexicons` "
            "or pass the folder that holds them (env TOOLKIT_LEXICONS)"
        )
    return folder


def read_install_json(name: str) -> dict:
    path = corpora_dir() / name / "install.json"
    return json.loads(path.read_text(encoding="utf-8"))


def corpus_checksum(name: str) -> str:
    """What identifies an installed corpus's content: its archive's sha256, else its article file's size and time.

    Feature caches and trained models are keyed by it, so re-importing a corpus invalidates them.
    """
    from toolkit.corpora.fetch import install_info

    path = _parquet_path(name)
    info = install_info(name) or {}
    if info.get("sha256"):
        return str(info["sha256"])
    stat = path.stat()
    return f"{stat.st_size}-{int(stat.st_mtime_ns)}"
