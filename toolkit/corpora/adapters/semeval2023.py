"""SemEval-2023 Task 3 (English) adapter: genre, 14 frames and paragraph-level persuasion techniques.

Upstream layout (``data/en/`` in the task repository; any folder holding the same files works):

- ``<split>-articles-subtask-1/article<ID>.txt``: articles for genre (subtask 1) and frames (subtask 2);
  first line is the title.
- ``<split>-articles-subtask-3/article<ID>.txt``: articles for persuasion techniques, one paragraph per line.
- ``<split>-labels-subtask-1.txt``: ``id TAB genre`` (opinion / reporting / satire).
- ``<split>-labels-subtask-2.txt``: ``id TAB frame,frame,...``.
- ``<split>-labels-subtask-3.txt``: ``id TAB line TAB technique,technique,...`` (1-based line numbers of the
  subtask-3 article file; a listed line with no technique is a labelled negative).
- ``<split>-labels-subtask-3-spans/article<ID>-labels-subtask-3.txt``: ``id TAB technique TAB start TAB end``
  (character offsets into the subtask-3 article file).

``<split>`` is ``train`` or ``dev`` in the shared data; any lower-case word is accepted so that gold sets laid out
the same way (``test-...``) read too.

Reference: Piskorski, Stefanovitch, Da San Martino, Nakov (2023). SemEval-2023 Task 3: Detecting the Category, the
Framing, and the Persuasion Techniques in Online News in a Multi-lingual Setup. SemEval-2023.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from toolkit.errors import ToolkitError

PREFIX = "semeval2023-task3-en"

FRAMES = (
    "Economic",
    "Capacity_and_resources",
    "Morality",
    "Fairness_and_equality",
    "Legality_Constitutionality_and_jurisprudence",
    "Policy_prescription_and_evaluation",
    "Crime_and_punishment",
    "Security_and_defense",
    "Health_and_safety",
    "Quality_of_life",
    "Cultural_identity",
    "Public_opinion",
    "Political",
    "External_regulation_and_reputation",
)

# The 23 techniques of SemEval-2023 subtask 3 (the English training labels use 19 of them).
TECHNIQUES = (
    "Loaded_Language",
    "Name_Calling-Labeling",
    "Repetition",
    "Exaggeration-Minimisation",
    "Doubt",
    "Appeal_to_Fear-Prejudice",
    "Flag_Waving",
    "Causal_Oversimplification",
    "Slogans",
    "Appeal_to_Authority",
    "False_Dilemma-No_Choice",
    "Conversation_Killer",
    "Whataboutism",
    "Straw_Man",
    "Red_Herring",
    "Appeal_to_Popularity",
    "Guilt_by_Association",
    "Appeal_to_Time",
    "Appeal_to_Values",
    "Appeal_to_Hypocrisy",
    "Questioning_the_Reputation",
    "Obfuscation-Vagueness-Confusion",
    "Consequential_Oversimplification",
)

GENRES = ("opinion", "reporting", "satire")

_ARTICLES_DIR = re.compile(r"^(?P<split>[a-z]+)-articles-subtask-(?P<task>[123])$")
_LABELS_FILE = re.compile(r"^(?P<split>[a-z]+)-labels-subtask-(?P<task>[123])\.txt$")
_SPANS_DIR = re.compile(r"^(?P<split>[a-z]+)-labels-subtask-3-spans$")
_ARTICLE_FILE = re.compile(r"^article(?P<id>[0-9A-Za-z_]+)\.txt$")


def _is_data_dir(path: Path) -> bool:
    try:
        names = [p.name for p in path.iterdir()]
    except OSError:
        return False
    return any(_ARTICLES_DIR.match(n) for n in names) or any(_LABELS_FILE.match(n) for n in names)


def find_data_dir(root: Path) -> Path:
    """The folder holding ``*-articles-subtask-N/`` and ``*-labels-subtask-N.txt`` under ``root``.

    Accepts the folder itself, the shared layout (``NAME/data/en``) or the upstream repository (which may hold
    several languages; English is chosen).
    """
    root = Path(root)
    if not root.is_dir():
        raise ToolkitError(f"SemEval-2023 Task 3 data: expected a folder, got '{root}'")
    if _is_data_dir(root):
        return root
    candidates = sorted({p.parent for p in root.rglob("*-subtask-*") if _is_data_dir(p.parent)})
    if not candidates:
        raise ToolkitError(
            f"SemEval-2023 Task 3 data: no folder under '{root}' holds '<split>-articles-subtask-N/' folders or "
            "'<split>-labels-subtask-N.txt' files (expected the layout of the task's data/en/ folder)"
        )
    english = [c for c in candidates if c.name == "en"]
    if len(english) == 1:
        return english[0]
    if len(candidates) == 1:
        return candidates[0]
    raise ToolkitError(
        f"SemEval-2023 Task 3 data: several data folders under '{root}' and none is named 'en': "
        + ", ".join(str(c.relative_to(root)) for c in candidates)
    )


def _read_text(path: Path) -> str:
    # newline="" keeps "\r\n" so character offsets match the label files.
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _read_articles_dir(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.iterdir()):
        m = _ARTICLE_FILE.match(path.name)
        if m:
            out[m.group("id")] = _read_text(path)
    return out


def _read_tsv_lines(path: Path, min_fields: int) -> list[list[str]]:
    rows = []
    for n, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < min_fields:
            raise ToolkitError(
                f"{path}: line {n} has {len(fields)} tab-separated field(s), expected at least {min_fields}"
            )
        rows.append([f.strip() for f in fields])
    return rows


def _split_labels(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def _paragraph_rows(aid: str, text: str, split: str) -> list[dict]:
    rows = []
    pos = 0
    for n, line in enumerate(text.splitlines(keepends=True), start=1):
        body = line.rstrip("\r\n")
        if body.strip():
            rows.append({"id": aid, "line": n, "start": pos, "end": pos + len(body), "text": body, "split": split})
        pos += len(line)
    return rows


def read(root: Path) -> dict[str, pd.DataFrame]:
    """Read the SemEval-2023 Task 3 English data under ``root``.

    Returns:
        ``articles``: the canonical article table (ids ``semeval2023-task3-en:<ID>``) with ``split``, ``genre``
        (None when unlabelled), ``frames`` (';'-joined, None when unlabelled), ``has_subtask1``,
        ``has_subtask3``; ``frames`` (id, frame); ``genre`` (id, genre); ``paragraphs`` (id, line, start, end,
        text, split, labelled) from the subtask-3 files; ``paragraph_techniques`` (id, line, technique);
        ``technique_spans`` (id, technique, start, end, line).
    """
    data = find_data_dir(Path(root))
    texts1: dict[str, tuple[str, str]] = {}
    texts3: dict[str, tuple[str, str]] = {}
    labels: dict[tuple[str, str], Path] = {}
    spans_dirs: dict[str, Path] = {}
    for path in sorted(data.iterdir()):
        m = _ARTICLES_DIR.match(path.name)
        if m and path.is_dir():
            target = texts1 if m.group("task") in ("1", "2") else texts3
            for aid, text in _read_articles_dir(path).items():
                target.setdefault(aid, (m.group("split"), text))
            continue
        m = _LABELS_FILE.match(path.name)
        if m and path.is_file():
            labels[(m.group("split"), m.group("task"))] = path
            continue
        m = _SPANS_DIR.match(path.name)
        if m and path.is_dir():
            spans_dirs[m.group("split")] = path
    if not texts1 and not texts3:
        raise ToolkitError(f"SemEval-2023 Task 3 data: no article files (article<ID>.txt) under '{data}'")

    def pid(aid: str) -> str:
        return f"{PREFIX}:{aid}"

    genre: dict[str, str] = {}
    frames: dict[str, list[str]] = {}
    para_labels: dict[tuple[str, int], list[str]] = {}
    for (split, task), path in sorted(labels.items()):
        if task == "1":
            for row in _read_tsv_lines(path, 2):
                if row[1] not in GENRES:
                    raise ToolkitError(f"{path}: genre '{row[1]}' for article {row[0]}, expected one of {GENRES}")
                genre[row[0]] = row[1]
        elif task == "2":
            for row in _read_tsv_lines(path, 1):
                values = _split_labels(row[1]) if len(row) > 1 else []
                unknown = [v for v in values if v not in FRAMES]
                if unknown:
                    raise ToolkitError(f"{path}: unknown frame {unknown[0]!r} for article {row[0]}, expected one of {FRAMES}")
                frames[row[0]] = values
        else:
            for row in _read_tsv_lines(path, 2):
                try:
                    line = int(row[1])
                except ValueError:
                    raise ToolkitError(f"{path}: line number {row[1]!r} for article {row[0]} is not an integer") from None
                values = _split_labels(row[2]) if len(row) > 2 else []
                unknown = [v for v in values if v not in TECHNIQUES]
                if unknown:
                    raise ToolkitError(f"{path}: unknown technique {unknown[0]!r} for article {row[0]}, expected one of the 23 SemEval-2023 techniques")
                para_labels[(row[0], line)] = values

    spans = []
    for split, folder in sorted(spans_dirs.items()):
        for path in sorted(folder.glob("*.txt")):
            for row in _read_tsv_lines(path, 4):
                try:
                    start, end = int(row[2]), int(row[3])
                except ValueError:
                    raise ToolkitError(f"{path}: offsets {row[2]!r}, {row[3]!r} are not integers") from None
                if row[1] not in TECHNIQUES:
                    raise ToolkitError(f"{path}: unknown technique {row[1]!r}, expected one of the 23 SemEval-2023 techniques")
                spans.append({"id": row[0], "technique": row[1], "start": start, "end": end})

    ids = sorted(set(texts1) | set(texts3))
    article_rows = []
    for aid in ids:
        split, text = texts1.get(aid) or texts3[aid]
        fr = frames.get(aid)
        article_rows.append(
            {
                "id": pid(aid),
                "text": text,
                "title": _title(text),
                "outlet": None,
                "date": pd.NaT,
                "url": None,
                "lang": "en",
                "split": split,
                "genre": genre.get(aid),
                "frames": ";".join(fr) if fr is not None else None,
                "has_subtask1": aid in texts1,
                "has_subtask3": aid in texts3,
            }
        )
    articles = pd.DataFrame(article_rows)
    articles["date"] = pd.to_datetime(articles["date"])

    paragraphs = []
    for aid in sorted(texts3):
        split, text = texts3[aid]
        for row in _paragraph_rows(pid(aid), text, split):
            row["labelled"] = (aid, row["line"]) in para_labels
            paragraphs.append(row)
    paragraphs = pd.DataFrame(paragraphs, columns=["id", "line", "start", "end", "text", "split", "labelled"])

    # Spans map to the paragraph (line) that holds their start offset.
    line_of: dict[str, tuple[list[int], list[int]]] = {}
    for aid, group in paragraphs.groupby("id", sort=False):
        line_of[aid] = (group["start"].tolist(), group["line"].tolist())
    for row in spans:
        starts, lines = line_of.get(pid(row["id"]), ([], []))
        row["line"] = next((ln for st, ln in zip(reversed(starts), reversed(lines)) if st <= row["start"]), None)
        row["id"] = pid(row["id"])

    return {
        "articles": articles,
        "frames": pd.DataFrame(
            [{"id": pid(a), "frame": f} for a, fs in sorted(frames.items()) for f in fs], columns=["id", "frame"]
        ),
        "genre": pd.DataFrame([{"id": pid(a), "genre": g} for a, g in sorted(genre.items())], columns=["id", "genre"]),
        "paragraphs": paragraphs,
        "paragraph_techniques": pd.DataFrame(
            [{"id": pid(a), "line": ln, "technique": t} for (a, ln), ts in sorted(para_labels.items()) for t in ts],
            columns=["id", "line", "technique"],
        ),
        "technique_spans": pd.DataFrame(spans, columns=["id", "technique", "start", "end", "line"]),
    }
