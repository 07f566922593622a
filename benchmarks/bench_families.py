"""Where featurizing spends its time: milliseconds per article for segmentation (``layout`` one article at a time,
``layouts`` many at once as a batch does), batch building and each family.

Per-type tables (lexicon rows, word statistics) grow with every new word, so the first articles of a run cost more
than the rest: ``--warm N`` runs every family on N other articles first (not timed), as a long run would have.

Usage:
    python benchmarks/bench_families.py                        # 1,000 AllSides articles after 4,000 warm-up ones
    python benchmarks/bench_families.py --limit 3000 --warm 0  # a cold start
"""

from __future__ import annotations

import argparse
import os
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000, help="articles to time (default: %(default)s)")
    parser.add_argument("--warm", type=int, default=4000, help="articles to run first, untimed (default: %(default)s)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from toolkit.corpora import load_corpus
    from toolkit.features import _families, _scopes, resolve_families
    from toolkit.features._batch import Batch
    from toolkit.segment import layout, layouts

    corpus = load_corpus("allsides-abp", columns=["id", "text"])["text"].sample(frac=1.0, random_state=1).tolist()
    warm, texts = corpus[: args.warm], corpus[args.warm : args.warm + args.limit]
    names = resolve_families(None)
    families = _families()
    for name in names:
        if hasattr(families[name], "prepare"):
            families[name].prepare()  # load lexicons and models outside the timings
    for i in range(0, len(warm), 256):
        batch = Batch(warm[i : i + 256])
        for name in names:
            for scope in _scopes(families[name]):
                families[name].compute(batch, scope)
    print(f"{len(texts)} AllSides articles after {len(warm)} untimed ones, one process; "
          f"load average {os.getloadavg()[0]:.1f}")

    start = time.perf_counter()
    for t in texts:
        layout(t)
    print(f"{'layout':<14}{(time.perf_counter() - start) / len(texts) * 1000:7.2f} ms/article (one at a time)")
    start = time.perf_counter()
    segs = layouts(texts)  # what a batch does
    print(f"{'layouts':<14}{(time.perf_counter() - start) / len(texts) * 1000:7.2f} ms/article")
    start = time.perf_counter()
    batches = [Batch(texts[i : i + 256], segmentations=segs[i : i + 256]) for i in range(0, len(texts), 256)]
    print(f"{'batch build':<14}{(time.perf_counter() - start) / len(texts) * 1000:7.2f} ms/article")
    total = 0.0
    for name in names:
        module = families[name]
        start = time.perf_counter()
        for batch in batches:
            for scope in _scopes(module):
                module.compute(batch, scope)
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{name:<14}{seconds / len(texts) * 1000:7.2f} ms/article")
    print(f"{'families':<14}{total / len(texts) * 1000:7.2f} ms/article in all")


if __name__ == "__main__":
    main()
