"""Speed and memory of featurizing the AllSides corpus (or others), side by side with the loop users write by hand.

Prints, for the same machine and run:

1. the default families (VADER and NRC are not in the default set), or ``--families``, on the first ``--limit``
   articles (default: the whole corpus, 37,554), streamed from the installed corpus into a Parquet file as
   ``python -m toolkit features corpus:allsides-abp -o OUT.parquet`` does: articles per second, and peak resident
   memory of the main process and of the largest worker. Each size runs in its own process, so the peaks are
   those of that size alone (``--sizes``): equal peaks mean memory does not grow with the corpus. ``--corpora``
   streams several installed corpora one after the other instead (more articles, and more new words, than
   AllSides alone);
2. the same with VADER sentence scoring added;
3. the hand-written loop — textstat's seven readability formulas and VADER ``polarity_scores`` on each whole
   article — timed on ``--sample`` articles and extrapolated;
4. the ratio of (1) to (3), for all workers and per core.

Usage:
    python benchmarks/bench_features.py                      # the whole corpus, sizes 5,000, 20,000 and all
    python benchmarks/bench_features.py --limit 3000 --sizes 1000 3000
    python benchmarks/bench_features.py --corpora allsides-abp tehran-times --sizes 20000 45000 --vader-limit 5000

The machine may be shared: the load average is printed before and after each measurement."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings


def _texts_of(corpora: list[str]):
    import pandas as pd

    from toolkit.corpora import load_corpus

    return pd.concat([load_corpus(name, columns=["text"]) for name in corpora], ignore_index=True)


def _stream(names: list[str], limit: int | None):
    """Chunks of (id, text) of the named installed corpora, one after the other, ``limit`` rows in all; ids are
    prefixed with the corpus name, so they stay distinct."""
    from toolkit.corpora import iter_corpus

    remaining = limit
    for name in names:
        for chunk in iter_corpus(name, ["id", "text"], limit=remaining):
            chunk["id"] = name + ":" + chunk["id"].astype(str)
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
        if remaining is not None and remaining <= 0:
            return


def _rss_mb() -> float:
    """Current resident memory of this process (Linux)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _load_avg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def child(args) -> None:
    """One measurement in a fresh process; prints a JSON line."""
    warnings.simplefilter("ignore")
    from toolkit.features import resolve_families

    import gc
    import tempfile

    from toolkit.features import write_features

    gc.collect()
    families = resolve_families(args.families.split(",") if args.families else None)
    if args.vader:
        families = families + ["vader"]
    base_mb = _rss_mb()  # the workers are forked from this process: their peak counts its pages too
    load_before = _load_avg()
    with tempfile.TemporaryDirectory() as folder:
        out_path = os.path.join(folder, "features.parquet")
        start = time.perf_counter()
        # what `python -m toolkit features corpus:allsides-abp -o OUT.parquet` does: read and write chunk by chunk
        n = write_features(_stream(args.corpora, args.size), out_path, families, n_jobs=args.jobs)
        seconds = time.perf_counter() - start
        import pyarrow.parquet as pq

        n_columns = len(pq.read_schema(out_path).names) - 1  # the id index is a column in the file
    print(json.dumps({
        "n": n,
        "families": families,
        "n_columns": n_columns,
        "seconds": seconds,
        "per_second": n / seconds,
        "maxrss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "maxrss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "rss_at_fork_mb": base_mb,
        "load_before": load_before,
        "load_after": _load_avg(),
    }))


def _run_child(size: int | None, jobs: int | None, vader: bool, families: str | None, corpora: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--child", "--size", str(size or 0), "--corpora", *corpora]
    if families:
        cmd += ["--families", families]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if vader:
        cmd.append("--vader")
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"measurement failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def hand_loop(n: int, corpora: list[str]) -> dict:
    """textstat's seven formulas and VADER on each whole article, one article at a time."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from toolkit.features.readability import textstat_offline

    textstat = textstat_offline()  # the same syllable dictionary, and no download
    analyzer = SentimentIntensityAnalyzer()
    texts = _texts_of(corpora).sample(n, random_state=0)["text"].tolist()
    textstat.flesch_reading_ease("Warm up the dictionaries.")
    load_before = _load_avg()
    start = time.perf_counter()
    for text in texts:
        textstat.flesch_reading_ease(text)
        textstat.flesch_kincaid_grade(text)
        textstat.gunning_fog(text)
        textstat.smog_index(text)
        textstat.coleman_liau_index(text)
        textstat.automated_readability_index(text)
        textstat.dale_chall_readability_score(text)
        analyzer.polarity_scores(text)
    seconds = time.perf_counter() - start
    return {"n": n, "seconds": seconds, "per_second": n / seconds, "load_before": load_before,
            "load_after": _load_avg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="articles for the main measurement (default: all)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[5000, 20000],
                        help="smaller sizes to show that memory does not grow with the corpus (default: 5000 20000)")
    parser.add_argument("--sample", type=int, default=300, help="articles for the hand-written loop (default: 300)")
    parser.add_argument("--vader-limit", type=int, default=None,
                        help="articles for the VADER run (default: as many as the main measurement)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--families", default=None,
                        help="comma-separated families instead of the default set (e.g. lexical,readability)")
    parser.add_argument("--corpora", nargs="+", default=["allsides-abp"],
                        help="installed corpora streamed one after the other (default: allsides-abp)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--vader", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.size = args.size or None
        child(args)
        return

    print(f"machine: {os.cpu_count()} cores; load average (1, 5, 15 min): {_load_avg()}")
    rows = []
    sizes = sorted({s for s in args.sizes if not args.limit or s < args.limit}) + [args.limit]
    for size in sizes:
        r = _run_child(size, args.jobs, vader=False, families=args.families, corpora=args.corpora)
        rows.append(r)
        print(f"families ({len(r['families'])}: {', '.join(r['families'])}; {r['n_columns']} columns), "
              f"{r['n']:,} articles of {' + '.join(args.corpora)}: {r['seconds']:.1f} s = {r['per_second']:,.0f} articles/s; "
              f"peak RSS main {r['maxrss_main_mb']:,.0f} MB, largest worker {r['maxrss_worker_mb']:,.0f} MB "
              f"(of which {r['rss_at_fork_mb']:,.0f} MB inherited from the main process at fork) "
              f"(load {r['load_before']} -> {r['load_after']})")
    main_run = rows[-1]

    vader_n = min(args.vader_limit or main_run["n"], main_run["n"])
    v = _run_child(vader_n, args.jobs, vader=True, families=args.families, corpora=args.corpora)
    print(f"the same families + VADER sentence scoring, {v['n']:,} articles: {v['seconds']:.1f} s = "
          f"{v['per_second']:,.0f} articles/s; peak RSS largest worker {v['maxrss_worker_mb']:,.0f} MB "
          f"(load {v['load_before']} -> {v['load_after']})")

    h = hand_loop(args.sample, args.corpora)
    print(f"hand-written loop (textstat x 7 + VADER on the whole article), {h['n']} articles, one process: "
          f"{h['seconds']:.1f} s = {h['per_second']:,.1f} articles/s; extrapolated to "
          f"{main_run['n']:,} articles: {main_run['n'] / h['per_second'] / 60:,.1f} min "
          f"(load {h['load_before']} -> {h['load_after']})")
    jobs = args.jobs or os.cpu_count() or 1
    print(f"speed-up of these families over the hand-written loop: "
          f"{main_run['per_second'] / h['per_second']:,.0f}x with {jobs} workers, "
          f"{main_run['per_second'] / jobs / h['per_second']:,.0f}x per core")
    print(f"load average at the end: {_load_avg()}")


if __name__ == "__main__":
    main()
