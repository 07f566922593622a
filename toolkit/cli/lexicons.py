"""``python -m toolkit lexicons``: list the registered lexicons, show one, report coverage on articles."""

from __future__ import annotations

import json
import sys

from toolkit.errors import ToolkitError

NAME = "lexicons"
HELP = "list the lexicons, show one, or report how much of a corpus they cover"
DESCRIPTION = (
    "The lexicon registry states each lexicon's source, version and licence. Lexicons the toolkit may not\n"
    "redistribute are read from the folder given by TOOLKIT_LEXICONS or installed by\n"
    "'python -m toolkit corpora fetch lexicons'."
)
EPILOG = """examples:
  python -m toolkit lexicons list
  python -m toolkit lexicons show mfd2
  python -m toolkit lexicons show my_dictionary.dic
  python -m toolkit lexicons coverage                      the seed articles
  python -m toolkit lexicons coverage articles.jsonl --lexicon mfd2 --lexicon hedges --json
  python -m toolkit lexicons coverage allsides-abp --by outlet
"""


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    p = sub.add_parser("list", help="every registered lexicon, where it comes from and whether it is available here")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p = sub.add_parser("show", help="provenance, categories and sample entries of one lexicon")
    p.add_argument("name", help="a registry name or a lexicon file (.dic, .csv, .yaml, .txt, .tff, .lc3)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p = sub.add_parser("coverage", help="hit rates and token shares of each lexicon on articles")
    p.add_argument("input", nargs="?", default=None,
                   help="a file or folder of articles, or an installed corpus name (default: the seed articles)")
    p.add_argument("--lexicon", action="append", default=None, metavar="NAME",
                   help="a lexicon to report (repeatable; default: every available one)")
    p.add_argument("--by", default=None, metavar="COLUMN", help="split the articles into corpora by this column")
    p.add_argument("--categories", action="store_true", help="one row per category, not only per lexicon")
    p.add_argument("--json", action="store_true", help="print JSON records instead of a table")


def _list_rows() -> list[dict]:
    from toolkit.lexicons import load_lexicon, registry

    rows = []
    for name, entry in registry().items():
        try:
            load_lexicon(name)
            why = None
        except ToolkitError as exc:
            why = str(exc)
        rows.append({"name": name, "where": entry.get("where", "user"), "format": entry.get("format"),
                     "path": entry.get("path") or entry.get("loader"), "available": why is None,
                     "version": entry.get("version"), "licence": entry.get("licence"), "source": entry.get("source"),
                     "why_not": why})
    return rows


def _load_input(value):
    from pathlib import Path

    from toolkit.articles import load_articles
    from toolkit.paths import seeds_dir

    if value is None:
        return load_articles(seeds_dir())
    if Path(value).exists():
        return load_articles(value)
    try:
        from toolkit import corpora

        return corpora.load_corpus(value)
    except (ImportError, AttributeError):
        pass
    raise ToolkitError(f"coverage input {value!r}: expected a file or folder of articles or an installed corpus name")


def run(args) -> int:
    import pandas as pd

    action = getattr(args, "action", None)
    if action is None:
        raise ToolkitError("expected an action: list, show NAME or coverage [INPUT]")
    if action == "list":
        rows = _list_rows()
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            table = pd.DataFrame(rows, columns=["name", "where", "format", "available", "version", "licence"])
            print(table.to_string(index=False, max_colwidth=60))
            missing = [r["name"] for r in rows if not r["available"]]
            if missing:
                print(f"\nnot available here: {', '.join(missing)} — run 'python -m toolkit corpora fetch lexicons' "
                      "or set TOOLKIT_LEXICONS", file=sys.stderr)
        return 0
    if action == "show":
        from toolkit.lexicons import load_lexicon

        lex = load_lexicon(args.name)
        info = lex.provenance()
        info["path"] = lex.path
        info["n_entries_by_category"] = {c: len(lex.terms(c)) for c in lex.categories}
        info["examples"] = {c: lex.terms(c)[:8] for c in lex.categories}
        if args.json:
            print(json.dumps(info, indent=2, ensure_ascii=False))
            return 0
        for key in ("name", "source", "version", "licence", "citation", "path", "sha256", "n_entries"):
            print(f"{key:>10}: {info.get(key)}")
        print("categories:")
        for c in lex.categories:
            print(f"  {c} ({info['n_entries_by_category'][c]}): {', '.join(info['examples'][c])}")
        return 0
    if action == "coverage":
        from toolkit.coverage import lexicon_coverage

        articles = _load_input(args.input)
        table = lexicon_coverage(articles, args.lexicon, by=args.by)
        if not args.categories:
            table = table[table["category"] == "*"].drop(columns=["category"])
        if args.json:
            print(table.to_json(orient="records", indent=2, force_ascii=False))
        else:
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        return 0
    raise ToolkitError(f"unknown action {action!r}; expected list, show or coverage")
