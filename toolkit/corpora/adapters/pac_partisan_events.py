"""Partisan events (Zou et al., Findings of EMNLP 2023): left/right story pairs with partisan-event labels.

``data/merged_annotations/STORY_<s>_DOCUMENT_<d>.json``: title, date, source, topic, ``relative_ideology``
(Left/Right within the pair), ``news`` (sentences, tokenised with spaces around punctuation) and ``events``
(trigger token, sentence, character offsets within the sentence, ``partisanship`` Partisan/Neutral, ``ideology``).
``text`` joins the sentences with spaces; ``bias`` is the lower-cased relative ideology. Table ``events``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from toolkit.corpora.adapters import find_folder
from toolkit.errors import ToolkitError

PREFIX = "pac-partisan-events:"


def read(root: Path) -> dict[str, pd.DataFrame]:
    folder = find_folder(Path(root), "data/merged_annotations")
    articles, events = [], []
    for path in sorted(folder.glob("*.json")):
        d = json.loads(path.read_text(encoding="utf-8"))
        aid = PREFIX + str(d.get("id", path.stem))
        news = sorted(d.get("news", []), key=lambda s: s.get("id", 0))
        text = " ".join(s.get("text", "").strip() for s in news).strip()
        if not text:
            continue
        story = str(d.get("id", path.stem)).split("_DOCUMENT_")[0]
        articles.append({
            "id": aid, "text": text, "title": d.get("title") or None, "outlet": d.get("source") or None,
            "date": pd.to_datetime(d.get("date") or None, errors="coerce"), "lang": "en",
            "bias": (d.get("relative_ideology") or "").lower() or None,
            "absolute_ideology": (d.get("absolute_ideology") or "").lower() or None,
            "story": story, "topic": d.get("topic") or None, "split": d.get("split") or None,
        })
        for e in d.get("events", []):
            events.append({"id": aid, "sentence": e.get("sentence_id"), "token": e.get("token"),
                           "start": e.get("start"), "end": e.get("end"), "partisanship": e.get("partisanship"),
                           "ideology": e.get("ideology"), "removed": bool(e.get("remove", False))})
    if not articles:
        raise ToolkitError(f"no story documents in {folder}")
    return {"articles": pd.DataFrame(articles), "events": pd.DataFrame(events)}
