"""MBIB subsets: the Ukraine News Corpus (MBIB ``019_Ukraine-News-Corpus``; Faerber et al., CIKM 2020).

``datasets/019_Ukraine-News-Corpus/raw/article_<n>.json`` holds one article as crowd-annotated sentences: per
sentence, judgements of subjectivity, hidden assumptions, framing (positive/negative portrayal of Russia, Ukraine,
the West) and bias (pro-Russia / pro-West), each summarised as ``avg`` (mean judgement) and ``maj`` (majority).
The sentence at position 0 is the headline (``title``); ``text`` joins the others with spaces. The upstream
article-level scores are near zero for every article, so the article ``label`` is derived from the sentences:
``pro_russia_share`` / ``pro_west_share`` are the shares of sentences whose majority judgement is pro-Russia /
pro-West, and ``label`` is the larger tendency (``neutral`` when they are equal, e.g. both zero).
Table ``sentences``: id, position, sentence, and the avg/maj scores. The BABE and BiasedSentences subsets in the
archive are sentence collections without article text and are not imported.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from toolkit.corpora.adapters import find_folder
from toolkit.errors import ToolkitError

PREFIX = "mbib-subsets:ukraine-"


def _score(node, *keys):
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return float(node) if isinstance(node, (int, float)) else None


def read(root: Path) -> dict[str, pd.DataFrame]:
    folder = find_folder(Path(root), "019_Ukraine-News-Corpus/raw")
    articles, sentences = [], []
    paths = sorted(folder.glob("article_*.json"), key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
    for path in paths:
        d = json.loads(path.read_text(encoding="utf-8"))
        aid = PREFIX + str(d.get("id", path.stem))
        sents = sorted(d.get("sentences", []), key=lambda s: s.get("position_in_article", 0))
        if not sents:
            continue
        title = sents[0].get("content")
        body = " ".join(s.get("content", "").strip() for s in sents[1:]).strip() or title
        russia = sum(_score(x.get("bias"), "score", "pro-russia", "maj") == 1.0 for x in sents) / len(sents)
        west = sum(_score(x.get("bias"), "score", "pro-west", "maj") == 1.0 for x in sents) / len(sents)
        label = "pro-russia" if russia > west else "pro-west" if west > russia else "neutral"
        articles.append({"id": aid, "text": body, "title": title, "outlet": None, "lang": "en", "label": label,
                         "pro_russia_share": round(russia, 4), "pro_west_share": round(west, 4)})
        for s in sents:
            row = {"id": aid, "position": int(s.get("position_in_article", 0)), "sentence": s.get("content")}
            for dim in ("subjectivity", "hidden_assumptions"):
                for stat in ("avg", "maj"):
                    row[f"{dim}_{stat}"] = _score(s.get(dim), "score", stat)
            for side in ("russia", "ukraine", "west"):
                row[f"framing_{side}_avg"] = _score(s.get("framing"), "score", side, "avg")
            for side in ("pro-russia", "pro-west"):
                for stat in ("avg", "maj"):
                    row[f"{side.replace('-', '_')}_{stat}"] = _score(s.get("bias"), "score", side, stat)
            sentences.append(row)
    if not articles:
        raise ToolkitError(f"no article_<n>.json files in {folder}")
    return {"articles": pd.DataFrame(articles), "sentences": pd.DataFrame(sentences)}
