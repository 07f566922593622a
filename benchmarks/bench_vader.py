"""VADER sentence scoring: vaderSentiment's ``polarity_scores`` one sentence at a time against the batch
re-implementation (``toolkit.features._vader_fast``), on the same AllSides sentences; sentences per second and
milliseconds per article, one process.

Usage:
    python benchmarks/bench_vader.py              # the first 1,000 AllSides articles
    python benchmarks/bench_vader.py --limit 3000
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

BATCH = 256  # articles per batch, as featurize batches them


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000, help="articles to time (default: %(default)s)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import numpy as np

    from toolkit.corpora import load_corpus
    from toolkit.features import featurize, vader
    from toolkit.features._batch import Batch
    from toolkit.features._vader_fast import polarity_scores_many, tables
    from toolkit.segment import layout

    texts = load_corpus("allsides-abp", columns=["id", "text"])["text"].iloc[: args.limit].tolist()
    layouts = [layout(t) for t in texts]
    batches = [
        [t[a:b] for t, lay in zip(texts[i : i + BATCH], layouts[i : i + BATCH])
         for a, b in zip(lay.sentence_start.tolist(), lay.sentence_end.tolist())]
        for i in range(0, len(texts), BATCH)
    ]
    n_sent = sum(map(len, batches))
    analyzer = vader.analyzer()
    tables()  # lexicon files read outside the timings
    print(f"{len(texts)} AllSides articles, {n_sent} sentences, one process; load average {os.getloadavg()[0]:.1f}")

    def report(label: str, seconds: float) -> None:
        print(f"{label:<44}{n_sent / seconds:>10,.0f} sentences/s{seconds / len(texts) * 1000:8.3f} ms/article")

    start = time.perf_counter()
    slow = [analyzer.polarity_scores(s) for sentences in batches for s in sentences]
    slow_seconds = time.perf_counter() - start
    report("vaderSentiment polarity_scores", slow_seconds)

    tables().reset()  # first sight of every token
    start = time.perf_counter()
    fast = np.concatenate([polarity_scores_many(sentences) for sentences in batches])
    cold = time.perf_counter() - start
    report("polarity_scores_many, new token table", cold)
    start = time.perf_counter()
    for sentences in batches:
        polarity_scores_many(sentences)
    warm = time.perf_counter() - start
    report("polarity_scores_many, tokens seen before", warm)
    print(f"speed-up: {slow_seconds / cold:.1f}x (new tokens), {slow_seconds / warm:.1f}x (tokens seen)")

    expected = np.array([[r["neg"], r["neu"], r["pos"], r["compound"]] for r in slow])
    print(f"sentences whose scores differ by more than 1e-9: {int((np.abs(fast - expected) > 1e-9).any(axis=1).sum())}")

    # the vader family as featurize runs it: batches of segmented articles, three scopes
    tables().reset()
    start = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        batch = Batch(texts[i : i + BATCH], segmentations=layouts[i : i + BATCH])
        for scope in ("all", "authorial", "quoted"):
            vader.compute(batch, scope)
    family = time.perf_counter() - start
    print(f"{'vader family (batch build + compute)':<44}{len(texts) / family:>10,.0f} articles/s"
          f"{family / len(texts) * 1000:8.3f} ms/article")

    # end to end: segmentation, batches and the vader family, one job
    start = time.perf_counter()
    featurize(texts, ["vader"], n_jobs=1)
    total = time.perf_counter() - start
    print(f"{'featurize(families=[vader], n_jobs=1)':<44}{len(texts) / total:>10,.0f} articles/s"
          f"{total / len(texts) * 1000:8.3f} ms/article")


if __name__ == "__main__":
    main()
