"""Keyness of the seed against all of an installed corpus (default AllSides, ~37,500 articles): prints timings.

    python benchmarks/bench_keyness.py [--corpus allsides-abp] [--no-cache]

Prints: the time to encode the reference (cold: tokenize every article; warm: load the cached arrays), the time of
the keyness computation itself with unigrams to trigrams, the totals it was computed from, and the top terms.
"""

import argparse
import tempfile
import time
from pathlib import Path

from toolkit.articles import read_article
from toolkit.corpora import load_corpus
from toolkit.keyness import encode_corpus, keyness
from toolkit.paths import seeds_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="allsides-abp")
    parser.add_argument("--no-cache", action="store_true", help="encode into a temporary cache (a cold run)")
    args = parser.parse_args()

    seed = read_article(seeds_dir() / "000_b050418d726ab46a.txt")
    t0 = time.perf_counter()
    ref = load_corpus(args.corpus)
    t_load = time.perf_counter() - t0
    texts = ref["text"].tolist()

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) if args.no_cache else True
        t0 = time.perf_counter()
        enc = encode_corpus(texts, cache=cache)
        t_encode = time.perf_counter() - t0
        t0 = time.perf_counter()
        enc2 = encode_corpus(texts, cache=cache)
        t_encode_warm = time.perf_counter() - t0
        t0 = time.perf_counter()
        table = keyness(seed, enc2, ngram_range=(1, 3))
        t_keyness = time.perf_counter() - t0
        t0 = time.perf_counter()
        keyness(seed, texts, ngram_range=(1, 3), cache=cache)
        t_total_warm = time.perf_counter() - t0

    print(f"corpus {args.corpus}: {len(texts)} articles, {enc.ids.size:,} tokens, vocabulary {len(enc.vocab):,}")
    print(f"load table:                         {t_load:8.2f} s")
    print(f"encode reference (first call):      {t_encode:8.2f} s  ({'cold' if args.no_cache else 'cold or cached'})")
    print(f"encode reference (cached):          {t_encode_warm:8.2f} s")
    print(f"keyness 1-3-grams, encoded ref:     {t_keyness:8.2f} s  ({len(table):,} terms)")
    print(f"keyness 1-3-grams, texts, cached:   {t_total_warm:8.2f} s  (checksum + load + count)")
    row = table.iloc[0]
    print(f"totals: n_tokens_target={row.n_tokens_target}, n_tokens_reference={row.n_tokens_reference:,}")
    print("top 15 by log_odds_z:", ", ".join(table["term"].head(15)))


if __name__ == "__main__":
    main()
