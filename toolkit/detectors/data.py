"""Training and gold data for the detectors: units (articles or paragraphs), texts, 0/1 label matrices, groups.

The shared training data come from the installed corpora ``semeval2023-task3-en`` (frames, genre, paragraph
techniques) and ``semeval2020-ptc`` (extra technique labels per sentence, mapped to SemEval-2023 names). A gold set
is any folder or ``.tar.*`` / ``.zip`` archive laid out like either corpus; its top folder may have any name.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.corpora.adapters import semeval2020_ptc, semeval2023
from toolkit.errors import ToolkitError

TASKS = ("frames", "techniques", "genre")
FRAMES = semeval2023.FRAMES
TECHNIQUES = semeval2023.TECHNIQUES
GENRES = semeval2023.GENRES
SEMEVAL = "semeval2023-task3-en"
PTC = "semeval2020-ptc"


@dataclass
class TaskData:
    """Units of one task: ``texts[i]`` with labels ``Y[i]`` (0/1 over ``labels``), article ``groups[i]``."""

    task: str
    labels: tuple
    ids: list
    texts: list
    Y: np.ndarray
    groups: np.ndarray
    source: str = ""
    extra: dict = field(default_factory=dict)

    def subset(self, idx) -> "TaskData":
        idx = np.asarray(idx)
        return TaskData(self.task, self.labels, [self.ids[i] for i in idx], [self.texts[i] for i in idx], self.Y[idx],
                        self.groups[idx], self.source, {k: v[idx] if isinstance(v, np.ndarray) else v
                                                        for k, v in self.extra.items()})

    def checksum(self) -> str:
        h = hashlib.sha256()
        h.update(self.task.encode())
        for uid, text, row in zip(self.ids, self.texts, self.Y):
            h.update(str(uid).encode())
            h.update(text.encode("utf-8"))
            h.update(bytes(np.asarray(row, dtype=np.int8)))
        if "spans" in self.extra:
            for unit in self.extra["spans"]:
                h.update(repr(sorted(unit)).encode())
        return h.hexdigest()


def article_key(uid: str) -> str:
    """The upstream article id of a unit id (``semeval2023-task3-en:123`` or ``...:123#5`` → ``123``)."""
    return str(uid).split(":", 1)[-1].split("#", 1)[0]


def _check_task(task: str) -> str:
    if task not in TASKS:
        raise ToolkitError(f"task: expected one of {', '.join(TASKS)}, got {task!r}")
    return task


def _multi_hot(values, labels) -> np.ndarray:
    index = {l: j for j, l in enumerate(labels)}
    Y = np.zeros((len(values), len(labels)), dtype=np.int8)
    for i, vs in enumerate(values):
        for v in vs:
            if v in index:
                Y[i, index[v]] = 1
    return Y


def _split(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    return [v for v in str(value).split(";") if v]


def from_tables(task: str, tables: dict[str, pd.DataFrame], source: str, ptc: dict | None = None) -> TaskData:
    """Task units from SemEval-2023 adapter tables (and, for techniques, PTC tables as extra training units)."""
    _check_task(task)
    arts = tables["articles"]
    if task in ("frames", "genre"):
        col = "frames" if task == "frames" else "genre"
        if col not in arts.columns:
            raise ToolkitError(f"{source}: the article table has no '{col}' column")
        arts = arts[arts[col].notna()].sort_values("id").reset_index(drop=True)
        if arts.empty:
            raise ToolkitError(
                f"{source}: no article has {task} labels (expected '<split>-labels-subtask-"
                f"{2 if task == 'frames' else 1}.txt' next to the article folders)"
            )
        labels = FRAMES if task == "frames" else GENRES
        values = [_split(v) for v in arts[col]] if task == "frames" else [[v] for v in arts[col]]
        ids = arts["id"].astype(str).tolist()
        return TaskData(task, labels, ids, arts["text"].astype(str).tolist(), _multi_hot(values, labels),
                        np.array([article_key(i) for i in ids]), source)
    paras = tables.get("paragraphs")
    if paras is None or "labelled" not in paras.columns or not paras["labelled"].any():
        if ptc is not None:
            return _ptc_units(ptc, source)
        raise ToolkitError(
            f"{source}: no paragraph has technique labels (expected '<split>-labels-subtask-3.txt' next to the "
            "'<split>-articles-subtask-3/' folder)"
        )
    paras = paras[paras["labelled"]].sort_values(["id", "line"]).reset_index(drop=True)
    tech = tables["paragraph_techniques"]
    by_unit: dict[tuple, list] = {}
    for uid, line, t in zip(tech["id"], tech["line"], tech["technique"]):
        by_unit.setdefault((uid, int(line)), []).append(t)
    values = [by_unit.get((uid, int(line)), []) for uid, line in zip(paras["id"], paras["line"])]
    ids = [f"{uid}#{int(line)}" for uid, line in zip(paras["id"], paras["line"])]
    data = TaskData(task, TECHNIQUES, ids, paras["text"].astype(str).tolist(), _multi_hot(values, TECHNIQUES),
                    np.array([article_key(i) for i in ids]), source)
    data.extra["context"] = _context(paras)
    spans = tables.get("technique_spans")
    if spans is not None:
        data.extra["spans"] = _unit_spans(paras, spans)
    return data


def _unit_spans(paras: pd.DataFrame, spans: pd.DataFrame) -> np.ndarray:
    """Per paragraph, its technique spans as ``(label index, start, end)`` with offsets into the paragraph's text
    (the adapter's offsets are into the article; clipped to the paragraph)."""
    index = {t: j for j, t in enumerate(TECHNIQUES)}
    by_unit: dict[tuple, list] = {}
    for uid, line, t, s, e in zip(spans["id"], spans["line"], spans["technique"], spans["start"], spans["end"]):
        if t in index and pd.notna(line):
            by_unit.setdefault((uid, int(line)), []).append((index[t], int(s), int(e)))
    out = np.empty(len(paras), dtype=object)
    for i, (uid, line, start, text) in enumerate(zip(paras["id"], paras["line"], paras["start"], paras["text"])):
        n = len(str(text))
        out[i] = [(j, min(max(s - int(start), 0), n), min(max(e - int(start), 0), n))
                  for j, s, e in by_unit.get((uid, int(line)), [])]
    return out


def _context(paras: pd.DataFrame) -> np.ndarray:
    """The article's title line and the neighbouring labelled paragraphs of each paragraph (for context features)."""
    out = []
    for _, g in paras.groupby("id", sort=False):
        texts = g["text"].astype(str).tolist()
        for i in range(len(texts)):
            out.append(" ".join(texts[max(0, i - 1):i] + texts[i + 1:i + 2]))
    return np.array(out, dtype=object)


def _ptc_units(tables: dict[str, pd.DataFrame], source: str) -> TaskData:
    """PTC sentences (one per line of a labelled article) as technique units."""
    arts = tables["articles"]
    labelled = set(arts.loc[arts["labelled"], "id"]) if "labelled" in arts.columns else set(arts["id"])
    sents = tables["sentences"]
    sents = sents[sents["id"].isin(labelled)].sort_values(["id", "line"]).reset_index(drop=True)
    if sents.empty:
        raise ToolkitError(f"{source}: no PTC article has technique labels (expected '<split>-task2-TC.labels')")
    st = tables["sentence_techniques"]
    by_unit: dict[tuple, list] = {}
    for uid, line, t in zip(st["id"], st["line"], st["technique"]):
        by_unit.setdefault((uid, int(line)), []).append(t)
    values = [by_unit.get((uid, int(line)), []) for uid, line in zip(sents["id"], sents["line"])]
    ids = [f"{uid}#{int(line)}" for uid, line in zip(sents["id"], sents["line"])]
    data = TaskData("techniques", TECHNIQUES, ids, sents["text"].astype(str).tolist(), _multi_hot(values, TECHNIQUES),
                    np.array([article_key(i) for i in ids]), source)
    data.extra["context"] = _context(sents)
    return data


def load_shared(task: str) -> TaskData:
    """The shared training data of ``task`` from the installed corpora."""
    from toolkit import corpora

    _check_task(task)
    try:
        tables = {"articles": corpora.load_corpus(SEMEVAL)}
        if task == "techniques":
            for name in ("paragraphs", "paragraph_techniques", "technique_spans"):
                tables[name] = corpora.load_table(SEMEVAL, name)
    except (ToolkitError, FileNotFoundError) as exc:
        raise ToolkitError(
            f"the training data for {task} come from the corpus '{SEMEVAL}', which is not installed ({exc}); run "
            f"'python -m toolkit corpora fetch {SEMEVAL} {PTC}'"
        ) from None
    return from_tables(task, tables, f"corpus {SEMEVAL}")


def load_shared_ptc() -> TaskData | None:
    """PTC sentence units for techniques, or None when the PTC corpus is not installed."""
    from toolkit import corpora

    try:
        tables = {"articles": corpora.load_corpus(PTC)}
        for name in ("sentences", "sentence_techniques"):
            tables[name] = corpora.load_table(PTC, name)
    except (ToolkitError, FileNotFoundError):
        return None
    return _ptc_units(tables, f"corpus {PTC}")


def _extract(path: Path, work: Path) -> Path:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                target = (work / name).resolve()
                if work.resolve() not in target.parents and target != work.resolve():
                    raise ToolkitError(f"gold archive '{path}': member {name!r} points outside the target folder")
            zf.extractall(work)
        return work
    from toolkit.corpora.fetch import safe_extract

    return safe_extract(path, work, quiet=True)


def load_gold(task: str, gold) -> TaskData:
    """Gold units of ``task`` from a folder or archive in the SemEval-2023 Task 3 or PTC layout."""
    import tarfile

    _check_task(task)
    path = Path(gold).expanduser()
    if not path.exists():
        raise ToolkitError(f"--gold: '{gold}' does not exist (expected a folder or a .tar.xz/.tar.gz/.zip archive "
                           "laid out like the SemEval-2023 Task 3 or PTC data)")
    with tempfile.TemporaryDirectory(prefix="toolkit-gold-") as tmp:
        if path.is_file():
            if not (zipfile.is_zipfile(path) or tarfile.is_tarfile(path)):
                raise ToolkitError(f"--gold: '{gold}' is a file but not a tar or zip archive (expected a folder or "
                                   "a .tar.xz/.tar.gz/.zip archive laid out like the SemEval-2023 Task 3 data)")
            root = _extract(path, Path(tmp))
        else:
            root = path
        errors = []
        try:
            tables = semeval2023.read(root)
            return from_tables(task, tables, f"gold '{gold}'")
        except ToolkitError as exc:
            errors.append(str(exc))
        if task == "techniques":
            try:
                return _ptc_units(semeval2020_ptc.read(root), f"gold '{gold}'")
            except ToolkitError as exc:
                errors.append(str(exc))
        raise ToolkitError(f"--gold '{gold}': no usable {task} labels: " + "; ".join(errors))
