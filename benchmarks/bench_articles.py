"""Peak memory and time of ``load_articles`` on a generated JSONL file (default 100 MB of synthetic text).

Usage: python benchmarks/bench_articles.py [--size-mb 100] [--no-tracemalloc]

Prints the file size, the wall time of the load, the peak of Python allocations during the load (tracemalloc) as
bytes and as a multiple of the file size, and the growth of the process's peak resident set size. The text is
random words from a fixed vocabulary, generated here; no corpus text is used.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from toolkit.articles import load_articles

VOCABULARY = np.array(
    "the a of and to in that is was for on with as by at from said government minister people state new "
    "president security official attack country forces military report week talks leader public".split()
)


def generate(path: Path, size_bytes: int, random_state: int = 0) -> int:
    """Write synthetic articles (about 4 kB of text each) until the file reaches ``size_bytes``; return the count."""
    rng = np.random.default_rng(random_state)
    written = 0
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        while written < size_bytes:
            body = " ".join(rng.choice(VOCABULARY, size=int(rng.integers(400, 900))))
            line = json.dumps({
                "id": f"synthetic-{n:07d}",
                "title": f"Synthetic article {n}",
                "text": body,
                "date": f"2020-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "outlet": f"outlet {n % 50}",
                "bias": int(n % 3),
            }) + "\n"
            fh.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    return n


def max_rss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=100.0, help="size of the generated JSONL file in MB")
    parser.add_argument("--no-tracemalloc", action="store_true", help="measure time without tracemalloc overhead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.jsonl"
        n_generated = generate(path, int(args.size_mb * 1_000_000))
        size = path.stat().st_size
        rss_before = max_rss_bytes()
        if not args.no_tracemalloc:
            tracemalloc.start()
        start = time.perf_counter()
        df = load_articles(path)
        elapsed = time.perf_counter() - start
        peak = None
        if not args.no_tracemalloc:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        rss_growth = max_rss_bytes() - rss_before
        if len(df) != n_generated:
            raise SystemExit(f"loaded {len(df)} articles, generated {n_generated}")
        text_chars = int(sum(len(t) for t in df["text"]))
        print(f"file: {size / 1e6:.1f} MB, {len(df)} articles, {text_chars / 1e6:.1f} M characters of text")
        print(f"load_articles time: {elapsed:.2f} s ({size / 1e6 / elapsed:.1f} MB/s)"
              + ("" if args.no_tracemalloc else " with tracemalloc on"))
        if peak is not None:
            print(f"peak Python allocations (tracemalloc): {peak / 1e6:.1f} MB = {peak / size:.2f} x file size")
        print(f"peak resident set growth (ru_maxrss): {rss_growth / 1e6:.1f} MB = {rss_growth / size:.2f} x file size")
        del df
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
