"""``python -m toolkit corpora``: fetch, list, show, select and add corpora."""

from __future__ import annotations

import json
import sys

NAME = "corpora"
HELP = "fetch, list, show and select the comparison and gold corpora; add your own"
DESCRIPTION = """\
Corpora to compare against and to validate on.

  fetch NAME... | --all   take each archive from the mirror folder (--mirror or env TOOLKIT_MIRROR) or download
                          it from its origin, verify its sha256, extract it safely and import it into
                          data/corpora/NAME.parquet (a second run is a no-op that says so)
  list [--json]           every known corpus: installed?, articles, date range, outlets, licence
  show NAME               counts by outlet, label and year; --keywords counts articles mentioning each
  select SPEC             the articles a selection names, e.g. corpus:allsides-abp?bias=left&q=soleimani
  add CARD.yaml           import your own articles described by a corpus card (name, path, licence, mapping)
"""
EPILOG = """\
examples:
  TOOLKIT_MIRROR=/path/to/mirror python -m toolkit corpora fetch --all
  python -m toolkit corpora list --json
  python -m toolkit corpora show tehran-times --keywords soleimani,khamenei
  python -m toolkit corpora select 'corpus:allsides-abp?bias=left&q=soleimani|suleimani&from=2020-01-01&to=2020-07-31&min_words=200'
"""


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("fetch", help="fetch, verify and import corpora")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true", help="every registered corpus")
    p.add_argument("--mirror", metavar="DIR", help="folder holding NAME.tar.xz archives (default: env TOOLKIT_MIRROR)")
    p.add_argument("--force", action="store_true", help="re-import even when installed")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p = sub.add_parser("list", help="list known corpora")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("show", help="summary of one corpus")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--keywords", metavar="W1,W2", help="comma-separated words (regexes) to count articles for")
    p.add_argument("--json", action="store_true", help="print JSON")
    p = sub.add_parser("select", help="print the articles a selection names (id, outlet, date, title)")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--out", metavar="FILE", help="write the selected articles to FILE (.parquet, .csv or .jsonl)")
    p = sub.add_parser("add", help="import your own corpus from a corpus card")
    p.add_argument("card", metavar="CARD.yaml")
    p.add_argument("--force", action="store_true", help="re-import even when installed")


def run(args) -> int:
    return {"fetch": _fetch, "list": _list, "show": _show, "select": _select, "add": _add}[args.action](args)


def _fetch(args) -> int:
    from toolkit.corpora import fetch
    from toolkit.errors import ToolkitError

    if not args.names and not args.all:
        raise ToolkitError("corpora fetch: name one or more corpora, or pass --all")
    for info in fetch(args.names, mirror=args.mirror, force=args.force, all=args.all, quiet=args.quiet):
        counts = ", ".join(f"{k}={v}" for k, v in info.get("counts", {}).items())
        print(f"{info['name']}: {info['status']} ({counts}; sha256 {info['sha256'][:12]}…; "
              f"{info['elapsed_seconds']} s)")
    return 0


def _list(args) -> int:
    from toolkit.corpora import list_corpora

    rows = list_corpora()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':24} {'inst':4} {'articles':>8} {'from':10} {'to':10} {'outlets':>7}  licence")
    for r in rows:
        n = "" if r["n_articles"] is None else r["n_articles"]
        o = "" if r["n_outlets"] is None else r["n_outlets"]
        print(f"{r['name']:24} {'yes' if r['installed'] else 'no':4} {n:>8} {r['date_min'] or '':10} "
              f"{r['date_max'] or '':10} {o:>7}  {r['licence']}")
    return 0


def show_summary(name: str, keywords: list[str] | None = None) -> dict:
    """Counts by outlet, label columns and year, plus articles mentioning each keyword (case-insensitive regex)."""
    import re

    from toolkit.corpora import get_entry, install_info, load_corpus, load_table
    from toolkit.errors import ToolkitError

    entry = get_entry(name)
    df = load_corpus(name)
    out = {"name": name, "description": entry.get("description"), "licence": entry.get("licence"),
           "citation": entry.get("citation"), "n_articles": int(len(df))}
    out["by_outlet"] = df["outlet"].value_counts(dropna=False).head(30).to_dict()
    for col in ("bias", "label", "topic", "relative_stance"):
        if col in df.columns:
            out[f"by_{col}"] = df[col].astype("string").value_counts(dropna=False).head(30).to_dict()
    years = df["date"].dt.year.astype("Int64").astype("string").fillna("undated")
    out["by_year"] = dict(sorted(years.value_counts().to_dict().items()))
    if "date_estimated" in df.columns:
        out["dates"] = "estimated from the article id (see table date_calibration)"
        try:
            calib = load_table(name, "date_calibration").iloc[0]
            out["dates"] += (
                f"; held-out error over {int(calib['n_anchors'])} self-dated articles ({int(calib['n_folds'])}-fold): "
                f"median {calib['heldout_median_abs_error_days']:.1f} days, "
                f"P75 {calib['heldout_p75_abs_error_days']:.0f}, P90 {calib['heldout_p90_abs_error_days']:.0f}"
            )
        except (ToolkitError, KeyError):
            pass
    if keywords:
        hay = df["title"].fillna("") + "\n" + df["text"]
        out["keywords"] = {}
        for word in keywords:
            try:
                pattern = re.compile(word, re.IGNORECASE)
            except re.error as exc:
                raise ToolkitError(f"--keywords: {word!r} is not a valid regular expression: {exc}") from None
            out["keywords"][word] = int(hay.str.contains(pattern, regex=True).sum())
    out["tables"] = {k[2:]: v for k, v in (install_info(name) or {}).get("counts", {}).items() if k != "n_articles"}
    return {k: ({str(a): b for a, b in v.items()} if isinstance(v, dict) else v) for k, v in out.items()}


def _show(args) -> int:
    keywords = [w.strip() for w in args.keywords.split(",") if w.strip()] if args.keywords else None
    summary = show_summary(args.name, keywords)
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    print(f"{summary['name']}: {summary['n_articles']} articles — {summary['description']}")
    print(f"licence: {summary['licence']}\ncitation: {summary['citation']}")
    for key, value in summary.items():
        if key.startswith("by_") or key in ("keywords", "tables"):
            print(f"\n{key.replace('_', ' ')}:")
            for k, v in value.items():
                print(f"  {k:40} {v}")
    if "dates" in summary:
        print(f"\ndates: {summary['dates']}")
    return 0


def _select(args) -> int:
    from toolkit.corpora import select
    from toolkit.errors import ToolkitError

    df = select(args.spec)
    if args.out:
        if args.out.endswith(".parquet"):
            df.to_parquet(args.out, index=False)
        elif args.out.endswith(".csv"):
            df.to_csv(args.out, index=False)
        elif args.out.endswith(".jsonl"):
            df.to_json(args.out, orient="records", lines=True, date_format="iso")
        else:
            raise ToolkitError(f"--out {args.out!r}: expected a .parquet, .csv or .jsonl file name")
    print(f"{len(df)} articles", file=sys.stderr)
    cols = [c for c in ("id", "outlet", "date", "title") if c in df.columns]
    with_dates = df[cols].copy()
    with_dates["date"] = with_dates["date"].dt.strftime("%Y-%m-%d")
    try:
        print(with_dates.head(50).to_string(index=False))
    except BrokenPipeError:  # piped into head
        sys.stderr.close()
    return 0


def _add(args) -> int:
    from toolkit.corpora import add_corpus

    info = add_corpus(args.card, force=args.force)
    print(f"{info['name']}: {info['status']} ({info['counts']['n_articles']} articles)")
    return 0
