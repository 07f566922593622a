"""Lexicons archive: unpacked as is for the feature code (``lexicons_dir()``); the table lists its files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from toolkit.corpora.adapters import find_folder


def read(root: Path) -> dict:
    base = find_folder(Path(root), "moral-foundations").parent
    rows = []
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        rows.append(
            {
                "path": path.relative_to(base).as_posix(),
                "lexicon": path.relative_to(base).parts[0] if len(path.relative_to(base).parts) > 1 else "",
                "n_bytes": path.stat().st_size,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
    return {"files": pd.DataFrame(rows), "_lexicon_root": base}
