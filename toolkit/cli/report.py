"""``python -m toolkit report``: run the curated notebooks and write an HTML (and PDF) report with provenance."""

from __future__ import annotations

import sys

from toolkit.errors import ToolkitError

NAME = "report"
HELP = "run the curated notebooks and write a reproducible HTML/PDF report"
DESCRIPTION = (
    "Execute every curated notebook (notebooks/NN_*.py) with papermill, export HTML with code hidden and figures\n"
    "embedded, optionally print PDFs with headless Chromium, and write data/reports/<run>/ with an index page and\n"
    "provenance.json. A new run never overwrites an old one."
)
EPILOG = """examples:
  python -m toolkit report                         all notebooks, full parameters
  python -m toolkit report --small --notebooks 01,03
  python -m toolkit report --pdf --param max_reference_articles=500
  python -m toolkit report --seed my_article.txt
"""


def add_arguments(parser) -> None:
    parser.add_argument("--notebooks", default=None, metavar="LIST",
                        help="comma-separated notebook numbers or names (default: all), e.g. 01,03")
    parser.add_argument("--small", action="store_true", help="small parameters (fast; what the tests use)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="override a notebook parameter (value read as a Python literal); repeatable")
    parser.add_argument("--seed", default=None, metavar="PATH", help="the seed article (.txt) to analyse")
    parser.add_argument("--pdf", action="store_true", help="also print each page to PDF with headless Chromium")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="folder that receives the run folder (default: data/reports)")


def run(args) -> int:
    from toolkit.report import build_report, parse_param

    params = dict(parse_param(p) for p in args.param)
    if "seed_path" in params and args.seed:
        raise ToolkitError("give the seed either as --seed or as --param seed_path=..., not both")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    out = build_report(args.notebooks, small=args.small, parameters=params, seed=args.seed, pdf=args.pdf,
                       out_dir=args.out, log=log)
    import json

    record = json.loads((out / "provenance.json").read_text())
    failed = [n["notebook"] for n in record["notebooks"] if n.get("error")]
    print(out / "index.html")
    if failed:
        print(f"failed notebooks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
