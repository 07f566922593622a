"""Print how long the corpora layer takes: fetch from the mirror, load, select.

Usage: TOOLKIT_MIRROR=DIR python benchmarks/bench_corpora.py [--fetch] [--data DIR]

``--fetch`` imports every archive into a temporary data folder first (``--data`` keeps it there instead), so the
figures include the full fetch; otherwise the installed corpora are used.
"""

import argparse
import os
import sys
import tempfile
import time


def timed(label, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:60} {time.perf_counter() - t0:8.2f} s")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fetch", action="store_true", help="fetch every archive from the mirror first")
    parser.add_argument("--data", help="data folder for --fetch (default: a temporary folder)")
    args = parser.parse_args()
    if args.fetch:
        os.environ["TOOLKIT_DATA"] = args.data or tempfile.mkdtemp(prefix="toolkit-bench-")
    from toolkit.corpora import fetch, list_corpora, load_corpus, select
    from toolkit.corpora.store import clear_cache

    if args.fetch:
        t0 = time.perf_counter()
        for info in fetch(all=True, quiet=True):
            print(f"fetch {info['name']:54} {info['elapsed_seconds']:8.2f} s  {info['counts'].get('n_articles', '')}")
        print(f"{'fetch --all (total)':60} {time.perf_counter() - t0:8.2f} s")
        print(f"{'fetch --all again (no-op)':60}", end=" ")
        t0 = time.perf_counter()
        fetch(all=True, quiet=True)
        print(f"{time.perf_counter() - t0:8.2f} s")
    timed("list_corpora()", list_corpora)
    for name in ("allsides-abp", "tehran-times"):
        clear_cache()
        df = timed(f"load_corpus({name!r}) cold", lambda n=name: load_corpus(n))
        timed(f"load_corpus({name!r}) cached", lambda n=name: load_corpus(n))
        clear_cache()
        timed(f"load_corpus({name!r}, columns=[date, outlet])", lambda n=name: load_corpus(n, ["date", "outlet"]))
        print(f"  {len(df)} articles")
    spec = "corpus:allsides-abp?bias=left&q=soleimani|suleimani&from=2020-01-01&to=2020-07-31&min_words=200"
    got = timed("select(spec) with q, dates, min_words (cached corpus)", lambda: select(spec))
    print(f"  {len(got)} articles for {spec}")
    got = timed("select('corpus:tehran-times?q=soleimani')", lambda: select("corpus:tehran-times?q=soleimani"))
    print(f"  {len(got)} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
