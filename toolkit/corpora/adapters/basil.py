"""BASIL (Fan et al., EMNLP 2019): 100 same-event triplets from Fox News, The New York Times and HuffPost.

``articles/<year>/<triplet-uuid>_<n>.json`` hold the article (title, date, source, url, main event, body as a list of
paragraphs of sentences); ``annotations/<year>/<triplet-uuid>_<n>_ann.json`` hold phrase-level bias spans whose
``start``/``end`` count characters inside one sentence. The text here joins sentences with a space and paragraphs
with a blank line, and the ``spans`` table re-bases every span onto that text (``start``/``end``), keeping the
sentence index. Spans whose text is not at the stated place are located by search, or kept with NA offsets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from toolkit.corpora.adapters import find_folder
from toolkit.errors import ToolkitError

PREFIX = "basil:"
OUTLETS = {"fox": "Fox News", "nyt": "New York Times", "hpo": "HuffPost"}
BIAS_KIND = {"lex": "lexical", "inf": "informational"}


def _text(paragraphs) -> tuple[str, list[int], list[str]]:
    parts: list[str] = []
    starts: list[int] = []
    sentences: list[str] = []
    pos = 0
    for p_index, paragraph in enumerate(paragraphs):
        if p_index:
            parts.append("\n\n")
            pos += 2
        for s_index, sentence in enumerate(paragraph):
            if s_index:
                parts.append(" ")
                pos += 1
            starts.append(pos)
            sentences.append(sentence)
            parts.append(sentence)
            pos += len(sentence)
    return "".join(parts), starts, sentences


def read(root: Path) -> dict[str, pd.DataFrame]:
    root = Path(root)
    art_dir = find_folder(root, "articles")
    ann_dir = find_folder(root, "annotations")
    articles, spans = [], []
    for path in sorted(art_dir.glob("*/*.json")):
        with open(path, encoding="utf-8") as fh:
            a = json.load(fh)
        key = path.stem
        aid = PREFIX + key
        text, starts, sentences = _text(a["body-paragraphs"])
        ann_path = ann_dir / path.parent.name / f"{key}_ann.json"
        ann = {}
        if ann_path.is_file():
            with open(ann_path, encoding="utf-8") as fh:
                ann = json.load(fh)
        level = ann.get("article-level-annotations", {})
        source = str(a.get("source", "")).lower()
        if source not in OUTLETS:
            raise ToolkitError(f"{path.name}: source {a.get('source')!r}, expected one of {sorted(OUTLETS)}")
        articles.append(
            {
                "id": aid,
                "text": text,
                "title": a.get("title"),
                "outlet": OUTLETS[source],
                "date": pd.to_datetime(a.get("date"), errors="coerce"),
                "url": a.get("url"),
                "lang": "en",
                "triplet": a.get("triplet-uuid"),
                "event": a.get("main-event"),
                "entities": str(a.get("main-entities")) if a.get("main-entities") is not None else None,
                "relative_stance": level.get("relative_stance") or None,
                "n_bias_spans": len(ann.get("phrase-level-annotations", [])),
            }
        )
        for span in ann.get("phrase-level-annotations", []):
            start, end, txt = span.get("start"), span.get("end"), span.get("txt", "")
            sentence = next(
                (i for i, s in enumerate(sentences) if isinstance(start, int) and s[start:end] == txt), None
            )
            if sentence is not None:
                g_start, g_end = starts[sentence] + start, starts[sentence] + end
            elif txt and txt in text:
                g_start = text.index(txt)
                g_end = g_start + len(txt)
            else:
                g_start = g_end = None
            spans.append(
                {
                    "id": aid,
                    "span_id": span.get("id"),
                    "bias": BIAS_KIND.get(span.get("bias"), span.get("bias")),
                    "polarity": span.get("polarity") or None,
                    "target": span.get("target") or None,
                    "aim": span.get("aim") or None,
                    "quote": span.get("quote") == "yes",
                    "speaker": span.get("speaker") or None,
                    "sentence": sentence,
                    "start": g_start,
                    "end": g_end,
                    "span_text": txt,
                }
            )
    if not articles:
        raise ToolkitError(f"no BASIL articles under {art_dir}")
    spans_df = pd.DataFrame(spans)
    for col in ("sentence", "start", "end"):
        spans_df[col] = spans_df[col].astype("Int64")
    return {"articles": pd.DataFrame(articles), "spans": spans_df}
