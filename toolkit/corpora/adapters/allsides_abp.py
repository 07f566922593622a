"""AllSides Article-Bias-Prediction (Baly et al., EMNLP 2020): ``data/jsons/<ID>.json`` plus ``data/splits``.

``outlet`` is AllSides' source label ("New York Times - News"); ``bias`` is AllSides' outlet-level rating
(left/center/right), not a judgement of the article. Dates come as ISO ``YYYY-MM-DD`` or US ``M/D/YY``; empty
and impossible dates (year 0001, 2050) become NaT.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from toolkit.corpora.adapters import files_from_folder, files_under
from toolkit.errors import ToolkitError

PREFIX = "allsides-abp:"
# the crawl ended in 2020; later dates (one article says 2050-09-30) are upstream errors
LAST_POSSIBLE_DATE = pd.Timestamp("2020-12-31")
BIAS_TEXT = {0: "left", 1: "center", 2: "right"}


def parse_dates(values) -> pd.Series:
    """ISO ``YYYY-MM-DD`` or US ``M/D/YY`` strings to datetimes; NaT for empty, pre-1990 or post-2020 values."""
    raw = pd.Series(list(values), dtype="string").str.strip()
    iso = pd.to_datetime(raw.where(~raw.str.contains("/", na=False)), format="%Y-%m-%d", errors="coerce")
    us = pd.to_datetime(raw.where(raw.str.contains("/", na=False)), format="%m/%d/%y", errors="coerce")
    dates = iso.fillna(us)
    return dates.where((dates.dt.year >= 1990) & (dates <= LAST_POSSIBLE_DATE))


def _splits(files: dict[str, bytes]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for kind in ("random", "media"):
        try:
            folder = files_under(files, f"data/splits/{kind}")
        except ToolkitError:
            continue
        mapping: dict[str, str] = {}
        for part in ("train", "valid", "test"):
            if f"{part}.tsv" in folder:
                lines = folder[f"{part}.tsv"].decode("utf-8").splitlines()[1:]
                mapping.update(dict.fromkeys((line.split("\t")[0] for line in lines if line.strip()), part))
        out[kind] = mapping
    return out


def read(root: Path) -> dict[str, pd.DataFrame]:
    return read_files(files_from_folder(Path(root)))


def read_files(files: dict[str, bytes]) -> dict[str, pd.DataFrame]:
    """The article table from in-memory files (relative path -> bytes), as streamed from the archive."""
    jsons = files_under(files, "data/jsons")
    rows = []
    for fname in sorted(jsons):
        if not fname.endswith(".json"):
            continue
        d = json.loads(jsons[fname].decode("utf-8"))
        aid = d.get("ID") or fname[: -len(".json")]
        bias = d.get("bias_text") or BIAS_TEXT.get(d.get("bias"))
        rows.append(
            {
                "id": PREFIX + aid,
                "text": d.get("content_original") or "",
                "title": d.get("title"),
                "outlet": d.get("source"),
                "date": d.get("date") or None,
                "url": d.get("url"),
                "lang": "en",
                "bias": bias,
                "topic": d.get("topic"),
                "authors": d.get("authors") or None,
                "source_url": d.get("source_url") or None,
            }
        )
    if not rows:
        raise ToolkitError("allsides-abp: no .json articles in data/jsons/")
    df = pd.DataFrame(rows)
    df["date"] = parse_dates(df["date"]).to_numpy()
    raw_ids = df["id"].str.slice(len(PREFIX))
    for kind, mapping in _splits(files).items():
        df[f"split_{kind}"] = raw_ids.map(mapping)
    return {"articles": df}
