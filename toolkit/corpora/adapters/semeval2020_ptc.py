"""Propaganda Techniques Corpus v2 (SemEval-2020 Task 11) adapter: technique spans, one sentence per line.

Upstream layout (``datasets/`` in the task repository; any folder holding the same files works):

- ``<split>-articles/article<ID>.txt``: title, blank line, one sentence per line.
- ``<split>-task2-TC.labels``: ``id TAB technique TAB start TAB end`` (character offsets into the article file);
  or the per-article files in ``<split>-labels-task2-technique-classification/``.
- ``<split>-task1-SI.labels``: ``id TAB start TAB end`` (propaganda spans without a technique).

PTC technique names differ from SemEval-2023 Task 3; ``technique`` holds the SemEval-2023 name (``PTC_TO_SEMEVAL``)
and ``technique_ptc`` the original. PTC's merged classes (``Whataboutism,Straw_Men,Red_Herring`` and
``Bandwagon,Reductio_ad_hitlerum``) have no single SemEval-2023 name: ``technique`` is None and
``technique_candidates`` lists the possible names (';'-joined).

Reference: Da San Martino, Barron-Cedeno, Wachsmuth, Petrov, Nakov (2020). SemEval-2020 Task 11: Detection of
Propaganda Techniques in News Articles. SemEval-2020.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from toolkit.errors import ToolkitError

PREFIX = "semeval2020-ptc"

# PTC v2 name -> SemEval-2023 subtask-3 name. "Thought-terminating cliches" became part of "Conversation killer"
# and "Black-and-white fallacy" became "False dilemma" in the SemEval-2023 taxonomy (Piskorski et al. 2023, Table 1).
PTC_TO_SEMEVAL = {
    "Loaded_Language": "Loaded_Language",
    "Name_Calling,Labeling": "Name_Calling-Labeling",
    "Repetition": "Repetition",
    "Exaggeration,Minimisation": "Exaggeration-Minimisation",
    "Doubt": "Doubt",
    "Appeal_to_fear-prejudice": "Appeal_to_Fear-Prejudice",
    "Flag-Waving": "Flag_Waving",
    "Causal_Oversimplification": "Causal_Oversimplification",
    "Slogans": "Slogans",
    "Appeal_to_Authority": "Appeal_to_Authority",
    "Black-and-White_Fallacy": "False_Dilemma-No_Choice",
    "Thought-terminating_Cliches": "Conversation_Killer",
    "Whataboutism": "Whataboutism",
    "Straw_Men": "Straw_Man",
    "Red_Herring": "Red_Herring",
    "Bandwagon": "Appeal_to_Popularity",
    "Reductio_ad_hitlerum": "Guilt_by_Association",
    "Obfuscation,Intentional_Vagueness,Confusion": "Obfuscation-Vagueness-Confusion",
}
PTC_MERGED = {
    "Whataboutism,Straw_Men,Red_Herring": ("Whataboutism", "Straw_Man", "Red_Herring"),
    "Bandwagon,Reductio_ad_hitlerum": ("Appeal_to_Popularity", "Guilt_by_Association"),
}

_ARTICLES_DIR = re.compile(r"^(?P<split>[a-z]+)-articles$")
_TC_FILE = re.compile(r"^(?P<split>[a-z]+)-task2-TC\.labels$")
_TC_DIR = re.compile(r"^(?P<split>[a-z]+)-labels-task2-technique-classification$")
_SI_FILE = re.compile(r"^(?P<split>[a-z]+)-task1-SI\.labels$")
_ARTICLE_FILE = re.compile(r"^article(?P<id>[0-9A-Za-z_]+)\.txt$")


def _is_data_dir(path: Path) -> bool:
    try:
        return any(_ARTICLES_DIR.match(p.name) and p.is_dir() for p in path.iterdir())
    except OSError:
        return False


def find_data_dir(root: Path) -> Path:
    """The folder holding ``<split>-articles/`` under ``root`` (the shared layout has it in ``datasets/``)."""
    root = Path(root)
    if not root.is_dir():
        raise ToolkitError(f"PTC data: expected a folder, got '{root}'")
    if _is_data_dir(root):
        return root
    candidates = sorted({p.parent for p in root.rglob("*-articles") if _is_data_dir(p.parent)})
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ToolkitError(
            f"PTC data: no folder under '{root}' holds '<split>-articles/' folders of article<ID>.txt files "
            "(expected the layout of the task's datasets/ folder)"
        )
    raise ToolkitError(f"PTC data: several data folders under '{root}': " + ", ".join(map(str, candidates)))


def _read_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def _read_rows(path: Path, n_fields: int) -> list[list[str]]:
    rows = []
    for n, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != n_fields:
            raise ToolkitError(f"{path}: line {n} has {len(fields)} tab-separated field(s), expected {n_fields}")
        rows.append(fields)
    return rows


def _offsets(path: Path, row: list[str], i: int) -> tuple[int, int]:
    try:
        return int(row[i]), int(row[i + 1])
    except ValueError:
        raise ToolkitError(f"{path}: offsets {row[i]!r}, {row[i + 1]!r} for article {row[0]} are not integers") from None


def read(root: Path) -> dict[str, pd.DataFrame]:
    """Read the PTC v2 data under ``root``.

    Returns:
        ``articles`` (ids ``semeval2020-ptc:<ID>``, with ``split`` and ``labelled``); ``sentences`` (id, line,
        start, end, text): one row per non-empty line; ``technique_spans`` (id, technique, technique_ptc,
        technique_candidates, start, end, line); ``sentence_techniques`` (id, line, technique) for spans with a
        single SemEval-2023 name, by the sentences a span overlaps; ``spans`` (id, start, end) from task 1.
    """
    data = find_data_dir(Path(root))
    texts: dict[str, tuple[str, str]] = {}
    tc_files: list[Path] = []
    si_files: list[Path] = []
    for path in sorted(data.iterdir()):
        m = _ARTICLES_DIR.match(path.name)
        if m and path.is_dir():
            for f in sorted(path.iterdir()):
                fm = _ARTICLE_FILE.match(f.name)
                if fm:
                    texts.setdefault(fm.group("id"), (m.group("split"), _read_text(f)))
        elif _TC_FILE.match(path.name) and path.is_file():
            tc_files.append(path)
        elif _SI_FILE.match(path.name) and path.is_file():
            si_files.append(path)
    if not tc_files:  # fall back to the per-article label folders
        for path in sorted(data.iterdir()):
            if _TC_DIR.match(path.name) and path.is_dir():
                tc_files.extend(sorted(path.glob("*.labels")))
    if not texts:
        raise ToolkitError(f"PTC data: no article files (article<ID>.txt) under '{data}'")

    def pid(aid: str) -> str:
        return f"{PREFIX}:{aid}"

    spans = []
    seen = set()
    for path in tc_files:
        for row in _read_rows(path, 4):
            start, end = _offsets(path, row, 2)
            key = (row[0], row[1], start, end)
            if key in seen:
                continue
            seen.add(key)
            name = row[1]
            if name in PTC_TO_SEMEVAL:
                technique, candidates = PTC_TO_SEMEVAL[name], (PTC_TO_SEMEVAL[name],)
            elif name in PTC_MERGED:
                technique, candidates = None, PTC_MERGED[name]
            else:
                raise ToolkitError(f"{path}: unknown PTC technique {name!r}, expected one of {sorted(PTC_TO_SEMEVAL) + sorted(PTC_MERGED)}")
            spans.append(
                {"id": row[0], "technique": technique, "technique_ptc": name,
                 "technique_candidates": ";".join(candidates), "start": start, "end": end}
            )
    si = []
    for path in si_files:
        for row in _read_rows(path, 3):
            start, end = _offsets(path, row, 1)
            si.append({"id": pid(row[0]), "start": start, "end": end})

    # An article is labelled when its split has a label file (an article of that split without spans has none).
    labelled_splits = {_TC_FILE.match(p.name).group("split") for p in tc_files if _TC_FILE.match(p.name)}
    labelled_splits |= {_TC_DIR.match(p.parent.name).group("split") for p in tc_files if _TC_DIR.match(p.parent.name)}
    labelled_ids = {aid for aid, (split, _) in texts.items() if split in labelled_splits}
    sentences = []
    for aid in sorted(texts):
        _, text = texts[aid]
        pos = 0
        for n, line in enumerate(text.splitlines(keepends=True), start=1):
            body = line.rstrip("\r\n")
            if body.strip():
                sentences.append({"id": aid, "line": n, "start": pos, "end": pos + len(body), "text": body})
            pos += len(line)
    sentences = pd.DataFrame(sentences, columns=["id", "line", "start", "end", "text"])

    by_article = {aid: g for aid, g in sentences.groupby("id", sort=False)}
    sentence_techniques = set()
    for row in spans:
        g = by_article.get(row["id"])
        row["line"] = None
        if g is None:
            continue
        hit = g[(g["start"] < max(row["end"], row["start"] + 1)) & (g["end"] > row["start"])]
        if len(hit):
            row["line"] = int(hit["line"].iloc[0])
            if row["technique"]:
                for ln in hit["line"]:
                    sentence_techniques.add((row["id"], int(ln), row["technique"]))
    for row in spans:
        row["id"] = pid(row["id"])
    sentences["id"] = [pid(a) for a in sentences["id"]]

    articles = pd.DataFrame(
        [
            {"id": pid(aid), "text": text, "title": _title(text), "outlet": None, "date": pd.NaT, "url": None,
             "lang": "en", "split": split, "labelled": aid in labelled_ids}
            for aid, (split, text) in sorted(texts.items())
        ]
    )
    articles["date"] = pd.to_datetime(articles["date"])
    return {
        "articles": articles,
        "sentences": sentences,
        "technique_spans": pd.DataFrame(
            spans, columns=["id", "technique", "technique_ptc", "technique_candidates", "start", "end", "line"]
        ),
        "sentence_techniques": pd.DataFrame(
            [{"id": pid(a), "line": ln, "technique": t} for a, ln, t in sorted(sentence_techniques)],
            columns=["id", "line", "technique"],
        ),
        "spans": pd.DataFrame(si, columns=["id", "start", "end"]),
    }
