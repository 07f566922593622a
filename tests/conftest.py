"""Shared fixtures: the seed, and corpora that must be installed (fetched from the mirror by ``make test``)."""

import os
from pathlib import Path

import pytest

from toolkit.errors import ToolkitError

REPO = Path(__file__).resolve().parents[1]
SEED_PATH = REPO / "seeds" / "000_b050418d726ab46a.txt"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(reason: str):
    """Skip with a reason, or fail under CI, where every corpus must be there."""
    if IN_CI:
        pytest.fail(reason + " (CI=true: corpora must be installed)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED_PATH.is_file():
        pytest.fail(f"the seed is missing: {SEED_PATH}")
    return SEED_PATH


@pytest.fixture(scope="session")
def seed_text(seed_path) -> str:
    return seed_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed_article(seed_path):
    from toolkit.articles import read_article

    return read_article(seed_path)


@pytest.fixture(scope="session")
def installed_corpus():
    """``installed_corpus(name)`` → the corpus's article table; skips (fails under CI) when it is not installed."""
    loaded = {}

    def get(name: str, table: str | None = None):
        key = (name, table)
        if key not in loaded:
            try:
                from toolkit import corpora

                loaded[key] = corpora.load_table(name, table) if table else corpora.load_corpus(name)
            except (ImportError, AttributeError, ToolkitError, FileNotFoundError) as exc:
                missing(
                    f"corpus {name!r} is not installed ({exc}); run "
                    f"'python -m toolkit corpora fetch {name}' with TOOLKIT_MIRROR set to the folder of archives"
                )
        return loaded[key]

    return get


@pytest.fixture(scope="session")
def lexicons_available():
    """The folder of user-supplied lexicons; skips (fails under CI) when the lexicons are not installed."""
    from toolkit.lexicons import lexicons_dir

    root = lexicons_dir()
    if root is None or not Path(root).is_dir():
        missing("the lexicons are not installed; run 'python -m toolkit corpora fetch lexicons' with TOOLKIT_MIRROR set")
    return Path(root)
