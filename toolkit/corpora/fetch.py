"""Fetch, verify, extract safely and import corpora.

An archive comes from a mirror folder (``mirror=`` or env ``TOOLKIT_MIRROR``; its sha256 is pinned in the registry)
or is downloaded from the corpus's origin (the GitHub tarball of the pinned commit; its sha256 is recorded in
``corpora_dir()/corpora.lock.json`` on the first download and checked on every later one). Extraction refuses
anything that would land outside the work folder, links and special files, and archives over the size and
member-count limits. All work happens in a temporary folder inside ``corpora_dir()``; the finished import is
renamed into place last, so an interrupted fetch never leaves a half-imported corpus.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

import pandas as pd
from tqdm import tqdm

from toolkit.corpora.canonical import to_article_table
from toolkit.corpora.registry import CORPORA, get_entry, load_adapter
from toolkit.errors import ToolkitError
from toolkit.paths import corpora_dir

MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 4 * 1024**3
INSTALL_FILE = "install.json"
LOCK_FILE = "corpora.lock.json"
CHUNK = 1 << 20


def mirror_dir(mirror: str | os.PathLike | None = None) -> Path | None:
    """The mirror folder: the argument, else env ``TOOLKIT_MIRROR``, else None."""
    value = mirror if mirror is not None else os.environ.get("TOOLKIT_MIRROR")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise ToolkitError(f"mirror folder {str(path)!r} does not exist; expected a folder holding NAME.tar.xz archives")
    return path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, dest: Path, *, timeout: float = 60.0, quiet: bool = False) -> Path:
    """Download ``url`` to ``dest``; raises ToolkitError when the transfer fails or ends short of Content-Length."""
    try:
        response = urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - http(s) origin from the registry
    except (urllib.error.URLError, OSError) as exc:
        raise ToolkitError(f"cannot download {url}: {exc}") from exc
    with response:
        total = response.headers.get("Content-Length")
        total = int(total) if total and total.isdigit() else None
        n_read = 0
        with open(dest, "wb") as out, tqdm(
            total=total, unit="B", unit_scale=True, desc=f"download {dest.name}", file=sys.stderr, disable=quiet
        ) as bar:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    raise ToolkitError(f"download of {url} broke off after {n_read} bytes: {exc}") from exc
                if not chunk:
                    break
                out.write(chunk)
                n_read += len(chunk)
                bar.update(len(chunk))
    if total is not None and n_read != total:
        raise ToolkitError(f"download of {url} is truncated: received {n_read} bytes, expected {total}")
    return dest


def _safe_member_path(member: tarfile.TarInfo, archive: Path) -> PurePosixPath:
    name = member.name
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith(("/", "\\")) or (path.parts and ":" in path.parts[0]):
        raise ToolkitError(f"archive {archive.name}: member {name!r} has an absolute path; refusing to extract")
    if any(part == ".." for part in path.parts) or "\\" in name:
        raise ToolkitError(f"archive {archive.name}: member {name!r} points outside the target folder; refusing")
    return path


def iter_members(
    archive: Path,
    *,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    quiet: bool = False,
    skip_links: bool = False,
):
    """Yield ``(path, tarinfo, fileobj_or_None)`` for each member of a tar archive after the safety checks.

    Refuses absolute paths, ``..`` components, symlinks, hardlinks, devices and fifos, more than ``max_members``
    members or ``max_total_bytes`` unpacked bytes; a damaged or truncated archive raises ToolkitError.
    ``skip_links=True`` leaves links out instead of refusing the archive (for upstream repository tarballs, which
    may hold a harmless link; nothing is ever created from a link).
    """
    n_members = 0
    n_bytes = 0
    try:
        with tarfile.open(archive, mode="r:*") as tar, tqdm(
            unit=" files", desc=f"read {archive.name}", file=sys.stderr, disable=quiet
        ) as bar:
            for member in tar:
                n_members += 1
                if n_members > max_members:
                    raise ToolkitError(
                        f"archive {archive.name} has more than {max_members} members; refusing to extract"
                    )
                path = _safe_member_path(member, archive)
                if (member.issym() or member.islnk()) and skip_links:
                    continue
                if member.issym() or member.islnk():
                    raise ToolkitError(
                        f"archive {archive.name}: member {member.name!r} is a link to {member.linkname!r}; "
                        "links are not allowed"
                    )
                if not (member.isfile() or member.isdir()):
                    raise ToolkitError(
                        f"archive {archive.name}: member {member.name!r} is not a regular file or folder"
                    )
                if member.isdir():
                    yield path, member, None
                    continue
                n_bytes += member.size
                if n_bytes > max_total_bytes:
                    raise ToolkitError(
                        f"archive {archive.name} unpacks to more than {max_total_bytes} bytes; refusing to extract"
                    )
                yield path, member, tar.extractfile(member)
                bar.update(1)
    except ToolkitError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ToolkitError(f"archive {archive.name} is damaged or truncated: {exc}") from exc
    if n_members == 0:
        raise ToolkitError(f"archive {archive.name} is empty")


def safe_extract(archive: Path, target: Path, **limits) -> Path:
    """Extract a tar archive into ``target`` with no member outside it, no links, no special files.

    Returns the single top folder of the archive (or ``target`` when members sit at several top names).
    ``limits``: ``max_members``, ``max_total_bytes``, ``quiet`` (see :func:`iter_members`).
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    tops: set[str] = set()
    for path, member, source in iter_members(archive, **limits):
        dest = (root / Path(*path.parts)) if path.parts else root
        resolved = dest.resolve()
        if resolved != root and root not in resolved.parents:
            raise ToolkitError(f"archive {archive.name}: member {member.name!r} points outside the target folder")
        if path.parts and path.parts[0] != ".":
            tops.add(path.parts[0])
        if source is None:
            resolved.mkdir(parents=True, exist_ok=True)
            continue
        resolved.parent.mkdir(parents=True, exist_ok=True)
        try:
            with source, open(resolved, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ToolkitError(f"archive {archive.name} is damaged or truncated: {exc}") from exc
    if len(tops) == 1:
        top = root / next(iter(tops))
        if top.is_dir():
            return top
    return root


def read_members(archive: Path, **limits) -> dict[str, bytes]:
    """All files of a tar archive in memory, keyed by path below the single top folder (safety as extraction)."""
    files: dict[str, bytes] = {}
    tops: set[str] = set()
    for path, _member, source in iter_members(archive, **limits):
        parts = [p for p in path.parts if p != "."]
        if parts:
            tops.add(parts[0])
        if source is None:
            continue
        try:
            files["/".join(parts)] = source.read()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ToolkitError(f"archive {archive.name} is damaged or truncated: {exc}") from exc
    if len(tops) == 1:
        top = next(iter(tops)) + "/"
        files = {k[len(top):]: v for k, v in files.items() if k.startswith(top)}
    return files


# --- lock file (origin downloads) -------------------------------------------------------------------------------


def _lock_path() -> Path:
    return corpora_dir() / LOCK_FILE


def read_lock() -> dict:
    """The recorded sha256 of origin downloads, by corpus name."""
    path = _lock_path()
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ToolkitError(f"lock file {path} is not valid JSON: {exc}") from exc


def _write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)


def _record_lock(name: str, url: str, sha: str) -> None:
    lock = read_lock()
    lock[name] = {"url": url, "sha256": sha}
    _write_json_atomic(_lock_path(), lock)


# --- install state ----------------------------------------------------------------------------------------------


def install_info(name: str) -> dict | None:
    """The install record of corpus ``name`` (source, sha256, counts, time), or None when not installed."""
    folder = corpora_dir() / name
    marker = folder / INSTALL_FILE
    if not marker.is_file():
        return None
    info = json.loads(marker.read_text(encoding="utf-8"))
    if info.get("has_articles", True) and not (corpora_dir() / f"{name}.parquet").is_file():
        return None
    return info


def is_installed(name: str) -> bool:
    return install_info(name) is not None


# --- import -----------------------------------------------------------------------------------------------------


# Rows per Parquet row group: ``iter_corpus`` reads one row group at a time, so streaming over a corpus holds
# about this many articles in memory.
ROW_GROUP_SIZE = 2048


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False, engine="pyarrow", row_group_size=ROW_GROUP_SIZE)


def import_tree(name: str, root, work: Path) -> dict:
    """Run the adapter of ``name`` on an extracted tree (a Path) or on in-memory files (a dict), write its tables.

    Writes ``work/NAME.parquet`` (the article table) and ``work/NAME/<table>.parquet``; returns counts.
    """
    entry = get_entry(name)
    adapter = load_adapter(name)
    try:
        tables = adapter.read_files(root) if isinstance(root, dict) else adapter.read(root)
    except ToolkitError:
        raise
    except (OSError, KeyError, ValueError, json.JSONDecodeError) as exc:
        where = "the archive" if isinstance(root, dict) else f"{root.name}/"
        raise ToolkitError(f"corpus {name!r}: cannot read the files in {where}: {exc}") from exc
    if not isinstance(tables, dict):
        raise ToolkitError(f"corpus {name!r}: adapter returned {type(tables).__name__}, expected a dict of tables")
    counts: dict = {}
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    articles = tables.get("articles")
    if articles is not None:
        articles = to_article_table(articles, source=f"corpus {name}")
        _write_parquet(articles, work / f"{name}.parquet")
        counts["n_articles"] = int(len(articles))
        dates = articles["date"].dropna()
        summary = {
            "n_articles": int(len(articles)),
            "date_min": dates.min().date().isoformat() if len(dates) else None,
            "date_max": dates.max().date().isoformat() if len(dates) else None,
            "n_outlets": int(articles["outlet"].nunique()),
        }
        counts["_summary"] = summary
    elif entry.get("kind") != "lexicons":
        raise ToolkitError(f"corpus {name!r}: adapter returned no 'articles' table")
    for table, df in tables.items():
        if table == "articles" or table.startswith("_"):
            continue
        if not isinstance(df, pd.DataFrame):
            raise ToolkitError(f"corpus {name!r}: table {table!r} is {type(df).__name__}, expected a DataFrame")
        _write_parquet(df, folder / f"{table}.parquet")
        counts[f"n_{table}"] = int(len(df))
    counts.update(tables.get("_counts", {}) if isinstance(tables.get("_counts"), dict) else {})
    if entry.get("kind") == "lexicons":
        lexicon_root = tables.get("_lexicon_root", root)
        shutil.move(str(lexicon_root), str(folder / "files"))
    return counts


def _place(name: str, work: Path) -> None:
    """Move a finished import from ``work`` into ``corpora_dir()``; the install marker appears last."""
    dest = corpora_dir()
    trash = Path(tempfile.mkdtemp(dir=dest, prefix=f".{name}.old-"))
    old_dir = dest / name
    if old_dir.exists():
        os.replace(old_dir, trash / name)
    new_parquet = work / f"{name}.parquet"
    if new_parquet.exists():
        os.replace(new_parquet, dest / f"{name}.parquet")
    elif (dest / f"{name}.parquet").exists():
        os.replace(dest / f"{name}.parquet", trash / f"{name}.parquet")
    os.replace(work / name, old_dir)
    shutil.rmtree(trash, ignore_errors=True)


def install_archive(
    name: str,
    archive: Path,
    *,
    sha256: str | None,
    source: dict,
    quiet: bool = False,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    skip_links: bool = False,
) -> dict:
    """Verify ``archive`` against ``sha256`` (when given), extract it safely, import it and place it.

    Returns the install record. Nothing in ``corpora_dir()`` changes unless every step succeeds.
    """
    actual = sha256_file(archive)
    if sha256 is not None and actual != sha256:
        raise ToolkitError(
            f"checksum mismatch for {archive.name}: sha256 is {actual}, expected {sha256}; "
            "the file is damaged or not the pinned version"
        )
    dest = corpora_dir()
    dest.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=dest, prefix=f".{name}.tmp-"))
    try:
        t0 = time.perf_counter()
        limits = {"max_members": max_members, "max_total_bytes": max_total_bytes, "quiet": quiet,
                  "skip_links": skip_links}
        if callable(getattr(load_adapter(name), "read_files", None)):
            root = read_members(archive, **limits)  # stream: no round trip through the disk
        else:
            root = safe_extract(archive, work / "extract", **limits)
        counts = import_tree(name, root, work / "out")
        summary = counts.pop("_summary", None)
        entry = get_entry(name)
        info = {
            "name": name,
            "sha256": actual,
            "source": source,
            "counts": counts,
            "expected": entry.get("expected", {}),
            "has_articles": "n_articles" in counts,
            "summary": summary,
            "imported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "seconds": round(time.perf_counter() - t0, 2),
        }
        mismatched = {
            k: (counts.get(k), v) for k, v in entry.get("expected", {}).items() if k in counts and counts[k] != v
        }
        if mismatched:
            info["count_mismatch"] = {k: {"got": g, "expected": e} for k, (g, e) in mismatched.items()}
            print(f"warning: {name}: counts differ from the registry: {info['count_mismatch']}", file=sys.stderr)
        _write_json_atomic(work / "out" / name / INSTALL_FILE, info)
        _place(name, work / "out")
        return info
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fetch_one(
    name: str,
    *,
    mirror: str | os.PathLike | None = None,
    force: bool = False,
    url: str | None = None,
    quiet: bool = False,
) -> dict:
    """Fetch and import one corpus; returns its install record with ``status`` 'installed' or 'already installed'.

    ``url`` overrides the origin download address (for a local copy of the origin).
    """
    entry = get_entry(name)
    if name not in CORPORA:
        raise ToolkitError(f"corpus {name!r} was added from a corpus card; re-add it with `corpora add` instead")
    folder = mirror_dir(mirror)
    archive = folder / entry["archive"] if folder is not None else None
    current = install_info(name)
    if archive is not None and archive.is_file():
        if current and not force and current.get("sha256") == entry["sha256"]:
            return {**current, "status": "already installed"}
        info = install_archive(
            name, archive, sha256=entry["sha256"], source={"mirror": entry["archive"]}, quiet=quiet
        )
        return {**info, "status": "installed"}
    if current and not force:
        return {**current, "status": "already installed"}
    origin = entry.get("origin")
    address = url or (origin or {}).get("url")
    if not address:
        where = f"in mirror {str(folder)!r}" if folder is not None else "(no mirror given: --mirror or TOOLKIT_MIRROR)"
        raise ToolkitError(f"corpus {name!r}: archive {entry['archive']} not found {where}, and it has no origin")
    recorded = read_lock().get(name, {})
    expected = recorded.get("sha256") if recorded.get("url") == address else None
    corpora_dir().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=corpora_dir(), prefix=f".{name}.dl-"))
    try:
        path = download(address, tmp / f"{name}.tar.gz", quiet=quiet)
        info = install_archive(
            name, path, sha256=expected, source={"url": address, **({"commit": origin["commit"]} if origin else {})},
            quiet=quiet, skip_links=True,
        )
        if expected is None:
            _record_lock(name, address, info["sha256"])
        return {**info, "status": "installed"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fetch(
    names=None,
    mirror: str | os.PathLike | None = None,
    force: bool = False,
    *,
    all: bool = False,  # noqa: A002 - mirrors the --all flag
    urls: dict | None = None,
    quiet: bool = False,
) -> list[dict]:
    """Fetch and import corpora by name (or every registered corpus with ``all=True``).

    Idempotent: an installed corpus whose archive checksum matches is left alone and reported as
    'already installed'. Returns one install record per corpus, with ``status``.
    """
    if isinstance(names, str):
        names = [names]
    names = list(CORPORA) if all or not names else list(names)
    for n in names:
        if n not in CORPORA:
            raise ToolkitError(f"unknown corpus {n!r}; expected one of: {', '.join(CORPORA)}")
    results = []
    for n in names:
        t0 = time.perf_counter()
        info = fetch_one(n, mirror=mirror, force=force, url=(urls or {}).get(n), quiet=quiet)
        info["elapsed_seconds"] = round(time.perf_counter() - t0, 2)
        results.append(info)
    from toolkit.corpora.store import clear_cache

    clear_cache()
    return results
