"""Per-article features with evidence.

``featurize(articles)`` returns one row per article and one column per feature, named ``<family>.<feature>`` for
the whole article (every voice but boilerplate) and ``<family>.<feature>@authorial`` / ``@quoted`` for the
outlet's own words and for direct quotations. ``explain(article, feature)`` returns the words and sentences that
produced a value. ``FeatureTransformer`` puts the same features into a scikit-learn ``Pipeline``.
``featurize_iter`` and ``write_features`` stream: articles in chunks (``toolkit.corpora.iter_corpus``), one table
per batch out, so featurizing a corpus of any size needs the same memory.

Feature families are the modules of this folder (one file each, found by walking the folder). A family module
defines:

- ``NAME``: the column prefix; ``DEFAULT``: whether it is computed when no families are named;
- ``FEATURES``: ``{feature: description with unit}`` (or a function returning it);
- ``SCOPES`` (optional): the scopes it is computed for, default ``("all", "authorial", "quoted")``;
- ``compute(batch, scope) -> {feature: array of one value per article}``;
- ``explain(batch, doc, feature, scope) -> DataFrame`` (optional): evidence rows;
- ``available() -> str | None`` (optional): why it cannot run here (a lexicon or package is missing), or None;
- ``prepare()`` (optional): load lexicons and tables; called before worker processes are forked.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import pkgutil
import sys
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import EVIDENCE_COLUMNS, SCOPES, Batch
from toolkit.segment import group_spans

__all__ = [
    "Batch",
    "FeatureTransformer",
    "SCOPES",
    "explain",
    "family_names",
    "feature_names",
    "featurize",
    "featurize_corpus",
    "featurize_iter",
    "write_features",
    "list_families",
]

# Articles per batch: per-batch numpy work is spread over more articles as batches grow (featurizing AllSides takes
# 3% less time with 512 than with 256), at the cost of about 60 MB more per worker.
BATCH_SIZE = 512
# Characters per batch at most (past its first article): a batch's memory follows its characters, and 512 long
# articles (scraped pages of 100,000 characters and more) would need several times the usual. An AllSides batch
# holds about 3 million, so its batches are not cut.
BATCH_CHARS = 4_000_000
PARALLEL_FROM = 1024  # articles: fewer are featurized in this process (starting workers costs more than it saves)
WRITE_ROWS = 4096  # rows per row group of the Parquet files ``write_features`` writes


@lru_cache(maxsize=1)
def _families() -> dict:
    out = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "compute") and hasattr(module, "NAME"):
            out[module.NAME] = module
    return out


def family_names(default_only: bool = False) -> list[str]:
    return [n for n, m in _families().items() if not default_only or getattr(m, "DEFAULT", True)]


def _family(name: str):
    fams = _families()
    if name not in fams:
        raise ToolkitError(f"unknown feature family {name!r}; expected one of: {', '.join(fams)}")
    return fams[name]


def _unavailable(module) -> str | None:
    check = getattr(module, "available", None)
    return check() if check else None


def _feature_dict(module) -> dict:
    feats = module.FEATURES
    return feats() if callable(feats) else feats


def resolve_families(families=None, strict: bool | None = None) -> list[str]:
    """The families to compute: ``None`` = the default set, ``"all"`` = every family, or a list of names.

    Families named explicitly must be available (their lexicons or packages present); families of the default
    set that are not are skipped with a warning.
    """
    if families is None or families == "default":
        names, explicit = family_names(default_only=True), False
    elif families == "all" or families == ["all"]:
        names, explicit = family_names(), False
    else:
        names = [families] if isinstance(families, str) else list(families)
        explicit = True
    out = []
    for name in names:
        module = _family(name)
        why = _unavailable(module)
        if why:
            if explicit if strict is None else strict:
                raise ToolkitError(f"feature family {name!r} cannot run here: {why}")
            warnings.warn(f"feature family {name!r} skipped: {why}", stacklevel=3)
            continue
        out.append(name)
    return out


def _scopes(module) -> tuple:
    return tuple(getattr(module, "SCOPES", SCOPES))


def column_name(family: str, feature: str, scope: str) -> str:
    return f"{family}.{feature}" if scope == "all" else f"{family}.{feature}@{scope}"


def parse_column(column: str) -> tuple[str, str, str]:
    """``'sentiment.gi_negative_per_1k@quoted'`` → ``('sentiment', 'gi_negative_per_1k', 'quoted')``."""
    name, _, scope = column.partition("@")
    family, dot, feature = name.partition(".")
    if not dot or not feature:
        raise ToolkitError(f"expected a feature column like 'family.feature' or 'family.feature@quoted', got {column!r}")
    scope = scope or "all"
    if scope not in SCOPES:
        raise ToolkitError(f"unknown voice {scope!r} in {column!r}; expected one of {SCOPES[1:]}")
    return family, feature, scope


def feature_names(families=None) -> list[str]:
    """Column names ``featurize`` produces for these families, in order."""
    cols = []
    for name in resolve_families(families):
        module = _family(name)
        feats = list(_feature_dict(module))
        for scope in _scopes(module):
            cols.extend(column_name(name, f, scope) for f in feats)
    return cols


def list_families() -> pd.DataFrame:
    """One row per family: name, whether it is in the default set, whether it runs here, its features."""
    rows = []
    for name, module in _families().items():
        why = _unavailable(module)
        rows.append(
            {
                "family": name,
                "default": bool(getattr(module, "DEFAULT", True)),
                "available": why is None,
                "why_not": why,
                "n_features": len(_feature_dict(module)),
                "summary": (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else "",
            }
        )
    return pd.DataFrame(rows)


def describe_features(families="all") -> pd.DataFrame:
    """Every feature with its description and unit, as the family modules define them."""
    rows = []
    for name, module in _families().items():
        if families not in ("all", None) and name not in families:
            continue
        for feat, desc in _feature_dict(module).items():
            rows.append({"family": name, "feature": feat, "column": column_name(name, feat, "all"),
                         "description": desc})
    return pd.DataFrame(rows)


# -- computing ------------------------------------------------------------------------------------------------


def _texts_and_ids(articles):
    if isinstance(articles, pd.DataFrame):
        if "text" not in articles.columns:
            raise ToolkitError(f"expected an article table with a 'text' column, got columns {list(articles.columns)}")
        ids = articles["id"].astype(str).tolist() if "id" in articles.columns else [str(i) for i in articles.index]
        texts = articles["text"].tolist()
    elif isinstance(articles, str):
        raise ToolkitError("expected an article table or a list of texts, got a single string; wrap it in a list")
    else:
        texts = list(articles)
        ids = [str(i) for i in range(len(texts))]
    for i, text in zip(ids, texts):
        if not isinstance(text, str):
            raise ToolkitError(f"article {i!r}: expected its text as a str, got {type(text).__name__}")
    return texts, ids


def compute_batch(texts, ids, names: list[str]) -> pd.DataFrame:
    """Features of one batch of articles (no validation, no progress)."""
    batch = Batch(texts, ids)
    columns, rows = [], []
    for name in names:
        module = _families()[name]
        feats = list(_feature_dict(module))
        for scope in _scopes(module):
            values = module.compute(batch, scope)
            for f in feats:
                columns.append(column_name(name, f, scope))
                rows.append(values[f])
    # One row per feature; the frame is a view of it, not a copy.
    table = np.empty((len(rows), len(batch)), dtype=np.float64)
    for i, values in enumerate(rows):
        table[i] = values
    np.nan_to_num(table, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return pd.DataFrame(table.T, index=pd.Index(batch.ids, name="id"), columns=columns, copy=False)


def _worker(args):
    texts, ids, names = args
    return compute_batch(texts, ids, names)


def featurize(articles, families=None, *, n_jobs: int | None = None, progress: bool = False,
              batch_size: int = BATCH_SIZE) -> pd.DataFrame:
    """Features of every article: one row per article (indexed by id), columns ``<family>.<feature>[@voice]``.

    Parameters:
        articles: an article table (``id``, ``text``) or a list of texts.
        families: ``None`` for the default set, ``"all"``, or a list of family names.
        n_jobs: worker processes (default: all cores from ``PARALLEL_FROM`` articles on, else 1).
        progress: show a progress bar on stderr.
    """
    texts, ids = _texts_and_ids(articles)
    names = resolve_families(families)
    if not texts:
        return pd.DataFrame(columns=feature_names(names), index=pd.Index([], name="id"), dtype=np.float64)
    n_batches = -(-len(texts) // batch_size)
    if n_jobs is None:
        n_jobs = min(os.cpu_count() or 1, n_batches) if len(texts) >= PARALLEL_FROM else 1
    parts = featurize_iter([(texts, ids)], names, n_jobs=n_jobs, progress=progress, total=len(texts),
                           batch_size=batch_size)
    return pd.concat(list(parts))


def featurize_iter(chunks, families=None, *, n_jobs: int | None = None, progress: bool = False,
                   total: int | None = None, batch_size: int = BATCH_SIZE):
    """Features of a stream of articles, yielded as one table per batch, in order (a batch holds ``batch_size``
    articles, or fewer when they are long: ``BATCH_CHARS``).

    ``chunks`` is an iterable of article tables or lists of texts (e.g. ``toolkit.corpora.iter_corpus(name)``), or
    of ``(texts, ids)`` pairs. Chunks are read only as the workers need them and at most ``2 × n_jobs`` batches
    are in flight, so memory does not grow with the number of articles.
    """
    names = resolve_families(families)
    n_jobs = n_jobs or os.cpu_count() or 1
    bar = _progress(total, progress)

    def batches():
        offset = 0
        for chunk in chunks:
            if isinstance(chunk, tuple):
                texts, ids = chunk
            else:
                texts, ids = _texts_and_ids(chunk)
                if not isinstance(chunk, pd.DataFrame):  # plain texts: number them across chunks
                    ids = [str(offset + i) for i in range(len(texts))]
            offset += len(texts)
            for start, stop in batch_spans(texts, batch_size):
                yield texts[start:stop], ids[start:stop], names

    try:
        if n_jobs > 1:
            yield from _parallel(batches(), n_jobs, names, bar)
        else:
            for work in batches():
                part = _worker(work)
                bar.update(len(part))
                yield part
    finally:
        bar.close()


def batch_spans(texts, batch_size: int = BATCH_SIZE, max_chars: int | None = None):
    """(start, stop) of consecutive batches of ``texts``: at most ``batch_size`` articles and, past a batch's first
    article, at most ``max_chars`` characters (default ``BATCH_CHARS``)."""
    return group_spans(texts, BATCH_CHARS if max_chars is None else max_chars, batch_size)


def _parallel(work, n_jobs: int, names, bar):
    """Run ``_worker`` over ``work`` in ``n_jobs`` processes, yielding results in order, with a bounded queue."""
    import multiprocessing as mp
    from collections import deque

    prepare_families(names)  # load word lists once, before the workers are forked
    ctx = mp.get_context("fork") if sys.platform != "win32" else mp.get_context()
    with ctx.Pool(n_jobs) as pool:
        pending = deque()
        for item in work:
            pending.append(pool.apply_async(_worker, (item,)))
            if len(pending) >= 2 * n_jobs:
                part = pending.popleft().get()
                bar.update(len(part))
                yield part
        while pending:
            part = pending.popleft().get()
            bar.update(len(part))
            yield part


def write_features(chunks, path, families=None, *, n_jobs: int | None = None, progress: bool = False,
                   total: int | None = None) -> int:
    """Stream the features of ``chunks`` (as in ``featurize_iter``) into the Parquet file ``path``, one row group
    per batch, without holding the corpus or the whole feature table in memory. Written to a temporary file and
    renamed into place; returns the number of articles written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    writer = None
    n = 0
    buffer: list[pd.DataFrame] = []

    def flush():
        nonlocal writer
        if writer is None:  # the schema, with pandas' metadata (the index), from the first batch
            schema = pa.Schema.from_pandas(buffer[0], preserve_index=True)
            # No column statistics: with hundreds of columns they are most of the footer, which stays in memory. No
            # dictionaries: feature values and ids seldom repeat, and the file is written in half the time.
            writer = pq.ParquetWriter(tmp, schema, write_statistics=False, use_dictionary=False)
        writer.write_table(_arrow_table(buffer, writer.schema))
        buffer.clear()

    try:
        for part in featurize_iter(chunks, families, n_jobs=n_jobs, progress=progress, total=total):
            buffer.append(part)
            n += len(part)
            if sum(len(b) for b in buffer) >= WRITE_ROWS:
                flush()
        if buffer:
            flush()
        if writer is None:  # no articles: an empty table with the right columns
            empty = pd.DataFrame(columns=feature_names(families), index=pd.Index([], name="id"), dtype=np.float64)
            empty.to_parquet(tmp)
        else:
            writer.close()
            writer = None
        os.replace(tmp, path)
    finally:
        if writer is not None:
            writer.close()
        if tmp.exists():
            tmp.unlink()
    return n


def _arrow_table(parts: list[pd.DataFrame], schema):
    """The feature tables ``parts`` (float columns, the ids as index, as ``compute_batch`` makes them) as one Arrow
    table of ``schema``: the columns as they are in memory, without pandas' per-column conversion (about 0.1 ms per
    article of the main process's time, while the workers featurize)."""
    import pyarrow as pa

    values = np.concatenate([part.to_numpy(np.float64).T for part in parts], axis=1)  # a row per feature
    ids = pa.array([i for part in parts for i in part.index], schema.field("id").type)
    by_name = dict(zip(parts[0].columns, values))
    return pa.Table.from_arrays([ids if name == "id" else pa.array(by_name[name]) for name in schema.names],
                                schema=schema)


def prepare_families(names) -> None:
    """Call each family's optional ``prepare()`` (loading its lexicons and word tables), and compile the loops every
    batch runs: the sentence splitter, the term table that gives token ids, counting and lexicon products."""
    from toolkit import lexicons, segment
    from toolkit.features import _batch

    segment.warm_up()
    lexicons.warm_up()
    _batch.warm_up()
    for name in names:
        prepare = getattr(_families()[name], "prepare", None)
        if prepare is not None:
            prepare()


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="article", disable=not enabled, file=sys.stderr, mininterval=0.5)


def code_version() -> str:
    """A hash of the feature code, the detector code and the package data, so caches are invalidated when any of
    them changes."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    # the detectors' code too: the frames, genre and techniques families score with their trained models
    files = sorted(root.glob("*.py")) + [root.parent / "segment.py", root.parent / "lexicons.py"]
    files += sorted((root.parent / "detectors").glob("*.py"))
    files += sorted((root.parent / "data").glob("**/*")) if (root.parent / "data").is_dir() else []
    for path in files:
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def featurize_corpus(name: str, families=None, *, progress: bool = True, n_jobs: int | None = None,
                     articles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Features of an installed corpus, computed once and cached.

    The cache key is the corpus checksum, the feature code's version and the family list, so a comparison against
    37,000 articles starts in seconds after the first run. Writes are atomic (temporary file, then rename).
    """
    from toolkit import corpora
    from toolkit.paths import cache_dir

    names = resolve_families(families)
    checksum = corpora.corpus_checksum(name)
    key = hashlib.sha256(f"{checksum}|{code_version()}|{','.join(names)}|{_lexicon_key(names)}".encode()).hexdigest()[:20]
    path = cache_dir() / "features" / f"{name}-{key}.parquet"
    if path.is_file():
        return pd.read_parquet(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if articles is None:  # streamed from disk: memory does not grow with the corpus
        chunks, total = corpora.iter_corpus(name, ["id", "text"]), None
    else:
        chunks, total = [articles], len(articles)
    write_features(chunks, path, names, n_jobs=n_jobs, progress=progress, total=total)
    return pd.read_parquet(path)


def _lexicon_key(names) -> str:
    keys = []
    for name in names:
        module = _families()[name]
        fn = getattr(module, "lexicon_checksums", None)
        if fn:
            keys.extend(fn())
    return ",".join(keys)


# -- evidence ---------------------------------------------------------------------------------------------------


def _article_text(article) -> tuple[str, str]:
    if isinstance(article, str):
        return article, "article"
    if isinstance(article, pd.DataFrame):
        if len(article) != 1:
            raise ToolkitError(f"explain() takes one article; got a table of {len(article)} rows")
        article = article.iloc[0]
    if isinstance(article, (pd.Series, dict)):
        if "text" not in article:
            raise ToolkitError("explain() expects an article with a 'text' field")
        return article["text"], str(article.get("id", "article"))
    raise ToolkitError(f"explain() expects an article text, row or one-row table, got {type(article).__name__}")


def explain(article, feature: str) -> pd.DataFrame:
    """The words and sentences behind one feature value of one article.

    Returns a table with ``term``, ``category``, ``weight``, ``start``, ``end`` (offsets into the article text),
    ``sentence`` (index), ``voice``, ``negated`` and ``sentence_text``; families that score whole sentences
    (VADER) return one row per sentence with its score in ``weight``.
    """
    text, article_id = _article_text(article)
    family, feat, scope = parse_column(feature)
    module = _family(family)
    if feat not in _feature_dict(module):
        raise ToolkitError(
            f"family {family!r} has no feature {feat!r}; its features are: {', '.join(_feature_dict(module))}"
        )
    why = _unavailable(module)
    if why:
        raise ToolkitError(f"feature family {family!r} cannot run here: {why}")
    batch = Batch([text], [article_id])
    fn = getattr(module, "explain", None)
    if fn is None:
        return pd.DataFrame(columns=EVIDENCE_COLUMNS)
    return fn(batch, 0, feat, scope).reset_index(drop=True)


def __getattr__(name: str):
    # The scikit-learn transformer is imported on first use: importing scikit-learn takes about a second, which
    # every featurizing command would pay otherwise.
    if name == "FeatureTransformer":
        from toolkit.features._transformer import FeatureTransformer

        return FeatureTransformer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
