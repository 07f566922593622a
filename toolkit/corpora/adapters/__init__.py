"""Adapters: one module per corpus, ``read(root: Path) -> dict[str, DataFrame]``.

``root`` is the extracted top folder, in the mirror's layout (``NAME/...``) or the upstream repository's
(``Repo-<commit>/...``); the dict holds ``"articles"`` (the canonical article table) plus annotation tables.
Adapters find their data folder with :func:`find_folder`, so both layouts work.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import ToolkitError


def find_folder(root: Path, relative: str) -> Path:
    """The folder ``relative`` (e.g. ``"data/jsons"``) under ``root``, searched at any depth; shallowest wins."""
    root = Path(root)
    direct = root / relative
    if direct.is_dir():
        return direct
    parts = Path(relative).parts
    candidates = [p for p in root.rglob(parts[-1]) if p.is_dir() and p.parts[-len(parts):] == parts]
    if not candidates:
        raise ToolkitError(f"expected a folder {relative}/ inside {root.name}/, found none")
    return min(candidates, key=lambda p: (len(p.parts), str(p)))


def find_file(root: Path, relative: str) -> Path:
    """The file ``relative`` under ``root``, searched at any depth; shallowest wins."""
    root = Path(root)
    direct = root / relative
    if direct.is_file():
        return direct
    parts = Path(relative).parts
    candidates = [p for p in root.rglob(parts[-1]) if p.is_file() and p.parts[-len(parts):] == parts]
    if not candidates:
        raise ToolkitError(f"expected a file {relative} inside {root.name}/, found none")
    return min(candidates, key=lambda p: (len(p.parts), str(p)))


def files_from_folder(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` as ``{relative posix path: bytes}`` (the in-memory form ``read_files`` takes)."""
    root = Path(root)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def files_under(files: dict[str, bytes], relative: str) -> dict[str, bytes]:
    """The files directly inside folder ``relative`` (at any depth, shallowest wins), keyed by file name."""
    suffix = "/" + relative.strip("/") + "/"
    best: dict[int, dict[str, bytes]] = {}
    for key, data in files.items():
        full = "/" + key
        cut = full.rfind(suffix)
        if cut < 0:
            continue
        rest = full[cut + len(suffix):]
        if "/" in rest:
            continue
        best.setdefault(full[:cut].count("/"), {})[rest] = data
    if not best:
        raise ToolkitError(f"expected a folder {relative}/ in the corpus files, found none")
    return best[min(best)]
