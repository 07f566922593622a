"""Throughput of the lexicon-backed families (moral, bias, gi, naming, actors) and of the lexicon coverage report.

Usage: python benchmarks/bench_lexicon_families.py [--corpus allsides-abp] [--n 1024]

Segments a sample of an installed corpus once, then prints for each family the seconds per batch of 256 articles
(all three scopes) and articles per second, and the time of ``count_naming``, ``actor_table`` and
``lexicon_coverage`` on the sample (these segment again). Families whose lexicons are missing are reported and
skipped.
"""

from __future__ import annotations

import argparse
import time

from toolkit import corpora
from toolkit.coverage import lexicon_coverage
from toolkit.features import Batch, _families
from toolkit.features.actors import actor_table
from toolkit.features.naming import count_naming


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="allsides-abp")
    parser.add_argument("--n", type=int, default=1024)
    args = parser.parse_args()
    articles = corpora.load_corpus(args.corpus)
    sample = articles.sample(min(args.n, len(articles)), random_state=0)
    texts, ids = sample["text"].tolist(), sample["id"].astype(str).tolist()
    t0 = time.perf_counter()
    batches = [Batch(texts[i : i + 256], ids[i : i + 256]) for i in range(0, len(texts), 256)]
    seg = time.perf_counter() - t0
    print(f"{args.corpus}: {len(texts)} articles, segmentation {seg:.2f} s ({len(texts) / seg:.0f} articles/s)")
    families = _families()
    for name in ("moral", "bias", "gi", "naming", "actors"):
        module = families[name]
        why = module.available() if hasattr(module, "available") else None
        if why:
            print(f"{name:>8}: skipped ({why})")
            continue
        module.compute(batches[0], "all")  # warm-up: lexicon matrices for the vocabulary
        t0 = time.perf_counter()
        for batch in batches:
            for scope in ("all", "authorial", "quoted"):
                module.compute(batch, scope)
        dt = time.perf_counter() - t0
        print(f"{name:>8}: {dt / len(batches):.3f} s per 256 articles, {len(texts) / dt:.0f} articles/s (3 scopes)")
    for label, fn in (("count_naming", lambda: count_naming(sample)), ("actor_table", lambda: actor_table(sample)),
                      ("lexicon_coverage", lambda: lexicon_coverage(sample))):
        t0 = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t0
        print(f"{label:>16}: {dt:.2f} s ({len(texts) / dt:.0f} articles/s), {len(out)} rows")


if __name__ == "__main__":
    main()
