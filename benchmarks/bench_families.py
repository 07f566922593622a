"""Where featurizing spends its time: milliseconds per article for segmentation (``layout``), batch building and each
family.

Usage:
    python benchmarks/bench_families.py              # the first 1,000 AllSides articles
    python benchmarks/bench_families.py --limit 3000
"""

from __future__ import annotations

import argparse
import os
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=1000, help="articles to time (default: %(default)s)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from toolkit.corpora import load_corpus
    from toolkit.features import _families, _scopes, resolve_families
    from toolkit.features._batch import Batch
    from toolkit.segment import layout

    texts = load_corpus("allsides-abp", columns=["id", "text"])["text"].iloc[: args.limit].tolist()
    names = resolve_families(None)
    families = _families()
    for name in names:
        if hasattr(families[name], "prepare"):
            families[name].prepare()  # load lexicons and models outside the timings
    print(f"{len(texts)} AllSides articles, one process; load average {os.getloadavg()[0]:.1f}")

    start = time.perf_counter()
    segs = [layout(t) for t in texts]
    print(f"{'layout':<14}{(time.perf_counter() - start) / len(texts) * 1000:7.2f} ms/article")
    start = time.perf_counter()
    batches = [Batch(texts[i : i + 256], segmentations=segs[i : i + 256]) for i in range(0, len(texts), 256)]
    print(f"{'batch build':<14}{(time.perf_counter() - start) / len(texts) * 1000:7.2f} ms/article")
    for name in names:
        module = families[name]
        start = time.perf_counter()
        for batch in batches:
            for scope in _scopes(module):
                module.compute(batch, scope)
        print(f"{name:<14}{(time.perf_counter() - start) / len(texts) * 1000:7.2f} ms/article")


if __name__ == "__main__":
    main()
