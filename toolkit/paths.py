"""Where the toolkit keeps its data: corpora, caches, models and reports.

``TOOLKIT_DATA`` overrides everything. In a source checkout the default is the checkout's ``data/`` folder; in an
installed wheel it is ``~/.local/share/toolkit``.
"""

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def data_dir() -> Path:
    """The root folder for everything the toolkit generates (never committed)."""
    env = os.environ.get("TOOLKIT_DATA")
    if env:
        return Path(env).expanduser().resolve()
    if (REPO_DIR / "pyproject.toml").is_file():
        return REPO_DIR / "data"
    return Path.home() / ".local" / "share" / "toolkit"


def corpora_dir() -> Path:
    """Imported corpora: ``NAME.parquet`` plus ``NAME/`` with annotation tables and the unpacked upstream files."""
    return data_dir() / "corpora"


def cache_dir() -> Path:
    """Feature caches and trained models, keyed by data checksum and code version."""
    return data_dir() / "cache"


def reports_dir() -> Path:
    """One sub-folder per report run."""
    return data_dir() / "reports"


def seeds_dir() -> Path:
    """The seed articles shipped with the checkout."""
    return REPO_DIR / "seeds"
