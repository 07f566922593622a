"""``python -m toolkit features``: per-article features to a Parquet table, and the evidence behind one value."""

import sys
from pathlib import Path

NAME = "features"
HELP = "compute per-article features (lexical, readability, sentiment, …) and show the evidence behind one"
DESCRIPTION = (
    "Compute one row of features per article and write them to a Parquet file (columns family.feature for the\n"
    "whole article, family.feature@authorial / @quoted for the outlet's words and for quotations).\n"
    "INPUT is an article file (.txt, .jsonl, .csv, .parquet), a folder of .txt files, or a corpus selection\n"
    "such as 'corpus:allsides-abp?topic=iran'."
)
EPILOG = """examples:
  python -m toolkit features --list
  python -m toolkit features seeds/000_b050418d726ab46a.txt -o seed_features.parquet
  python -m toolkit features 'corpus:allsides-abp' -o allsides.parquet --families lexical readability
  python -m toolkit features seeds/000_b050418d726ab46a.txt --explain sentiment.gi_negative_per_1k@quoted
  python -m toolkit features articles.jsonl --explain lexical.hedges_per_1k --id a17"""


def add_arguments(parser):
    parser.add_argument("input", nargs="?", help="article file, folder of .txt files, or 'corpus:NAME?filters'")
    parser.add_argument("-o", "--output", help="the Parquet file to write (refused if it exists, unless --force)")
    parser.add_argument("--families", nargs="+", metavar="FAMILY",
                        help="families to compute (default: the default set; 'all' for every available family)")
    parser.add_argument("--list", action="store_true", help="list the feature families and their features, then exit")
    parser.add_argument("--explain", metavar="FEATURE",
                        help="print the words and sentences behind FEATURE (e.g. lexical.hedges_per_1k@quoted)")
    parser.add_argument("--id", help="with --explain: which article of INPUT (default: the only one)")
    parser.add_argument("--force", action="store_true", help="overwrite OUTPUT if it exists")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _load(spec: str):
    from toolkit.errors import ToolkitError

    if spec.startswith("corpus:"):
        try:
            from toolkit.corpora import select
        except ImportError:
            raise ToolkitError("corpus selections need toolkit.corpora, which is not installed") from None
        return select(spec)
    path = Path(spec)
    if not path.exists():
        raise ToolkitError(f"INPUT {spec!r}: no such file or folder; expected an article file, a folder or 'corpus:NAME'")
    from toolkit.articles import load_articles

    return load_articles(path)


def _families(args):
    if not args.families:
        return None
    if args.families == ["all"]:
        return "all"
    return args.families


def _list() -> int:
    from toolkit.features import describe_features, list_families

    fams = list_families()
    feats = describe_features("all")
    for _, fam in fams.iterrows():
        state = "default" if fam["default"] else "optional"
        if not fam["available"]:
            state += f", unavailable: {fam['why_not']}"
        print(f"{fam['family']} ({state}): {fam['summary']}")
        for _, f in feats[feats["family"] == fam["family"]].iterrows():
            print(f"    {f['column']:<48} {f['description']}")
    return 0


def run(args) -> int:
    from toolkit.errors import ToolkitError

    if args.list:
        return _list()
    if not args.input:
        raise ToolkitError("features: expected INPUT (an article file, a folder or 'corpus:NAME'), or --list")
    if args.explain:
        return _explain(args)
    if not args.output:
        raise ToolkitError("features: expected -o OUTPUT.parquet (or --explain FEATURE to show evidence)")
    out = Path(args.output)
    if out.suffix.lower() != ".parquet":
        raise ToolkitError(f"-o {args.output!r}: expected a file name ending in .parquet")
    if out.exists() and not args.force:
        raise ToolkitError(f"'{out}' exists; pass --force to overwrite it")
    if out.parent and not out.parent.exists():
        raise ToolkitError(f"-o {args.output!r}: the folder '{out.parent}' does not exist")

    from toolkit.features import feature_names, resolve_families, write_features

    if args.jobs is not None and args.jobs < 1:
        raise ToolkitError(f"--jobs {args.jobs}: expected a positive number of worker processes")
    families = resolve_families(_families(args))
    chunks, total = _chunks(args.input)
    n = write_features(chunks, out, families, n_jobs=args.jobs, progress=not args.no_progress, total=total)
    print(f"wrote {n} articles x {len(feature_names(families))} features to {out}", file=sys.stderr)
    return 0


def _chunks(spec: str):
    """(chunks of articles, number of articles or None): a whole installed corpus is read from disk chunk by chunk,
    so featurizing it needs no more memory than a small one; anything else is loaded first."""
    if spec.startswith("corpus:"):
        from toolkit.corpora import iter_corpus, parse_spec

        sel = parse_spec(spec)
        if sel.to_spec() == f"corpus:{sel.corpus}":  # no filters
            from toolkit.corpora.store import corpus_columns

            corpus_columns(sel.corpus)  # a clear error when the corpus is not installed
            return iter_corpus(sel.corpus, ["id", "text"]), None
    articles = _load(spec)
    return [articles], len(articles)


def _explain(args) -> int:
    import pandas as pd

    from toolkit.errors import ToolkitError
    from toolkit.features import explain

    table = _load(args.input)
    if args.id is not None:
        table = table[table["id"].astype(str) == args.id]
        if table.empty:
            raise ToolkitError(f"no article with id {args.id!r} in {args.input!r}")
    elif len(table) > 1:
        raise ToolkitError(
            f"{args.input!r} holds {len(table)} articles; name one with --id (e.g. --id {table['id'].iloc[0]})"
        )
    rows = explain(table.iloc[0], args.explain)
    if rows.empty:
        print(f"{args.explain}: no evidence in article {table['id'].iloc[0]}")
        return 0
    shown = rows.drop(columns=["sentence_text"]) if "sentence_text" in rows else rows
    with pd.option_context("display.max_rows", 500, "display.width", 160, "display.max_colwidth", 60):
        print(shown.to_string(index=False))
    return 0
