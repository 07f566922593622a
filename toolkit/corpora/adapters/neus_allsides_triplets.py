"""NeuS (Lee et al., NAACL 2022): AllSides triplets of leads with a neutral roundup.

``neus_{train,val,test}.source``: one triplet per line, three ``TITLE=> … ARTICLE=> …`` leads joined by ``[SEP]``
(the upstream file set is the random-order probe, so the position does not tell left/center/right); ``.target``:
the neutral roundup written by AllSides editors. Each lead is an article (title and lead text only); table
``triplets`` holds split, triplet number, the three article ids and the roundup.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from toolkit.errors import ToolkitError

PREFIX = "neus-allsides-triplets:"
LEAD_RE = re.compile(r"^\s*TITLE=>\s*(.*?)\s*ARTICLE=>\s*(.*?)\s*$", re.S)


def _find(root: Path, name: str) -> Path:
    hits = sorted(Path(root).rglob(name), key=lambda p: (len(p.parts), str(p)))
    if not hits:
        raise ToolkitError(f"expected a file {name} inside {Path(root).name}/, found none")
    return hits[0]


def read(root: Path) -> dict[str, pd.DataFrame]:
    articles, triplets = [], []
    for split in ("train", "val", "test"):
        sources = _find(root, f"neus_{split}.source").read_text(encoding="utf-8").splitlines()
        targets = _find(root, f"neus_{split}.target").read_text(encoding="utf-8").splitlines()
        if len(sources) != len(targets):
            raise ToolkitError(f"neus_{split}: {len(sources)} source lines but {len(targets)} target lines")
        for n, (line, target) in enumerate(zip(sources, targets)):
            ids = []
            for k, lead in enumerate(line.split("[SEP]")):
                m = LEAD_RE.match(lead)
                title, text = (m.group(1), m.group(2)) if m else (None, lead.strip())
                if not text:
                    continue
                aid = f"{PREFIX}{split}-{n}-{k}"
                ids.append(aid)
                articles.append({"id": aid, "text": text, "title": title or None, "lang": "en",
                                 "triplet": f"{split}-{n}", "split": split})
            m = LEAD_RE.match(target)
            triplets.append({"triplet": f"{split}-{n}", "split": split, "article_ids": ",".join(ids),
                             "roundup_title": m.group(1) if m else None,
                             "roundup": m.group(2) if m else target.strip()})
    return {"articles": pd.DataFrame(articles), "triplets": pd.DataFrame(triplets)}
