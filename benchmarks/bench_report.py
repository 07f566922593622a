"""Time a report run: seconds per curated notebook and per slow cell (small parameters unless --full).

    python benchmarks/bench_report.py [--full] [--notebooks 01,03]

Prints one line per notebook (wall seconds from papermill's cell timings) and the cells that took over 2 s.
The run folder is written to a temporary directory and removed.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import nbformat

from toolkit.report import build_report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="the notebooks' own (large) parameters")
    parser.add_argument("--notebooks", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run = build_report(args.notebooks, small=not args.full, out_dir=tmp)
        total = time.perf_counter() - t0
        record = json.loads((run / "provenance.json").read_text())
        for entry in record["notebooks"]:
            nb = nbformat.read(str(Path(run) / entry["notebook"].replace(".py", ".ipynb")), as_version=4)
            durations = [(c.metadata.get("papermill", {}).get("duration") or 0.0, i) for i, c in enumerate(nb.cells)]
            print(f"{entry['notebook']:40s} {sum(d for d, _ in durations):7.1f} s  {'ok' if not entry['error'] else 'FAILED'}")
            for d, i in sorted(durations, reverse=True):
                if d < 2:
                    break
                first = nb.cells[i].source.strip().splitlines()[0][:70]
                print(f"    cell {i:2d} {d:6.1f} s  {first}")
        print(f"total wall time (with kernel start-up and export): {total:.1f} s")


if __name__ == "__main__":
    main()
