"""``python -m toolkit compare``: how a seed article differs from a selection of articles, as tables."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

NAME = "compare"
HELP = "compare a seed article with a selection: keyness, position, group contrasts, naming, nearest articles"
DESCRIPTION = (
    "Compare one seed article with a reference selection and write tidy tables (parquet and csv) to a folder:\n"
    "  keyness        words and phrases that set the seed apart (log-odds z with informative Dirichlet prior,\n"
    "                 G², log ratio, BH q-values), outlet boilerplate kept out\n"
    "  boilerplate    lines outlets repeat across their articles (detected in the reference, then excluded)\n"
    "  position       where the seed sits on every feature: median, IQR, percentile, robust z, empirical p,\n"
    "                 BH q, and the seed's bootstrap interval from resampling its sentences\n"
    "  contrasts      with --by: effect sizes between groups of the reference (Cliff's delta, Hedges' g)\n"
    "  naming_shares  with --by: shares of naming variants per group (cluster bootstrap over articles)\n"
    "  nearest        the reference articles closest to the seed (TF-IDF cosine)\n"
    "  resemblance    with --by: which group the seed resembles (cross-validated logistic regression)"
)
EPILOG = """examples:
  python -m toolkit compare seeds/000_b050418d726ab46a.txt --against 'corpus:allsides-abp?q=soleimani' -o out/cmp
  python -m toolkit compare seeds/000_b050418d726ab46a.txt --against corpus:allsides-abp --by bias -o out/all --json
  python -m toolkit compare seed.txt --against my_articles.jsonl --features none -o out/k --force"""

TABLES = ("keyness", "boilerplate", "position", "contrasts", "naming_shares", "nearest", "resemblance",
          "resemblance_drivers")


def add_arguments(parser):
    parser.add_argument("seed", help="the seed article: a .txt file (optional 'date YYYY-MM-DD' header) or a table")
    parser.add_argument("--id", help="which article of a seed table (default: the only one)")
    parser.add_argument("--against", required=True, metavar="SELECTION",
                        help="the reference: 'corpus:NAME?field=value&...' or a path to articles")
    parser.add_argument("--by", metavar="COLUMN", help="a metadata column of the reference to contrast groups by")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the tables")
    parser.add_argument("--force", action="store_true", help="overwrite the tables of an existing non-empty DIR")
    parser.add_argument("--json", action="store_true", help="print a JSON summary (files and totals) for a program")
    parser.add_argument("--features", default="default",
                        help="feature families for position/contrasts: 'default', 'all', 'none' or a comma list")
    parser.add_argument("--ngram-max", type=int, default=3, choices=(1, 2, 3), help="longest n-gram (default 3)")
    parser.add_argument("--alpha0", type=float, default=1000.0, help="Dirichlet prior total (default 1000)")
    parser.add_argument("--n-boot", type=int, default=200, help="bootstrap replicates (default 200)")
    parser.add_argument("--random-state", type=int, default=0, help="seed of every random draw (default 0)")
    parser.add_argument("--boilerplate-min-articles", type=int, default=5,
                        help="a line is outlet boilerplate if in at least this many of the outlet's articles (5)")
    parser.add_argument("--boilerplate-min-share", type=float, default=0.02,
                        help="... and in at least this share of them (0.02)")
    parser.add_argument("--keep-boilerplate", action="store_true", help="count boilerplate in keyness")
    parser.add_argument("--top", type=int, default=20, help="rows of keyness shown in the text summary (20)")


def _write(df, out: Path, name: str, files: dict) -> None:
    """Write ``name``.parquet and .csv atomically (temporary file, then rename)."""
    import pandas as pd

    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].map(lambda v: v if v is None or isinstance(v, (str, float, int)) else str(v))
    for ext in ("parquet", "csv"):
        path = out / f"{name}.{ext}"
        tmp = out / f".{name}.{os.getpid()}.{ext}.tmp"
        if ext == "parquet":
            df.to_parquet(tmp, index=isinstance(df.index, pd.MultiIndex) or df.index.name is not None)
        else:
            df.to_csv(tmp, index=False)
        os.replace(tmp, path)
        files.setdefault(name, []).append(str(path))


def _check_output(out: Path, force: bool) -> None:
    from toolkit.errors import ToolkitError

    if out.exists() and not out.is_dir():
        raise ToolkitError(f"-o {str(out)!r}: exists and is not a folder; expected a folder for the tables")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ToolkitError(f"-o {str(out)!r}: the folder is not empty; pass --force to overwrite its tables "
                           "or choose a new folder")


def _reference_features(spec: str, reference, families):
    """Features of the reference; a large selection from an installed corpus reads the corpus's feature cache."""
    from toolkit.features import featurize

    if isinstance(spec, str) and spec.startswith("corpus:") and len(reference) > 2000:
        from toolkit.corpora import parse_spec
        from toolkit.features import featurize_corpus

        whole = featurize_corpus(parse_spec(spec).corpus, families, progress=False)
        if reference["id"].isin(whole.index).all():
            return whole.loc[reference["id"].tolist()]
    return featurize(reference, families)


def _load_seed(args):
    from toolkit.articles import load_articles
    from toolkit.errors import ToolkitError

    table = load_articles(args.seed)
    if args.id is not None:
        table = table[table["id"] == args.id]
        if table.empty:
            raise ToolkitError(f"no article with id {args.id!r} in '{args.seed}'")
    elif len(table) > 1:
        raise ToolkitError(f"'{args.seed}' holds {len(table)} articles; name the seed with --id")
    return table.iloc[0]


def run(args) -> int:
    import pandas as pd

    from toolkit import compare as cmp
    from toolkit.boilerplate import detect_boilerplate
    from toolkit.corpora import select
    from toolkit.errors import ToolkitError
    from toolkit.keyness import keyness

    out = Path(args.output)
    _check_output(out, args.force)
    if args.n_boot < 0:
        raise ToolkitError(f"--n-boot: expected zero or more replicates, got {args.n_boot}")
    seed = _load_seed(args)
    reference = select(args.against)
    if reference.empty:
        raise ToolkitError(f"--against {args.against!r}: the selection holds no articles")
    if args.by and args.by not in reference.columns:
        raise ToolkitError(f"--by {args.by!r}: the selection has no such column; expected one of "
                           f"{', '.join(c for c in reference.columns if c != 'text')}")
    reference = reference[reference["id"] != seed["id"]].reset_index(drop=True)
    out.mkdir(parents=True, exist_ok=True)
    files: dict = {}
    notes: list[str] = []
    summary: dict = {"seed": str(seed["id"]), "against": args.against, "n_reference": int(len(reference)),
                     "by": args.by, "random_state": args.random_state, "n_boot": args.n_boot}

    # Boilerplate, then keyness.
    table_bp = None
    if "outlet" in reference.columns and reference["outlet"].notna().any():
        table_bp = detect_boilerplate(reference, min_articles=args.boilerplate_min_articles,
                                      min_share=args.boilerplate_min_share)
        _write(table_bp, out, "boilerplate", files)
        summary["n_boilerplate_lines"] = int(len(table_bp))
    seed_table = pd.DataFrame([seed])
    if "outlet" not in seed_table.columns:
        seed_table["outlet"] = None
    key = keyness(seed_table, reference, ngram_range=(1, args.ngram_max), alpha_0=args.alpha0,
                  exclude_boilerplate=not args.keep_boilerplate,
                  boilerplate=None if args.keep_boilerplate else table_bp)
    _write(key, out, "keyness", files)
    if len(key):
        summary["n_tokens_target"] = int(key["n_tokens_target"].iloc[0])
        summary["n_tokens_reference"] = int(key["n_tokens_reference"].iloc[0])
    summary["n_terms"] = int(len(key))
    summary["top_terms"] = key["term"].head(args.top).tolist()

    # Features: position of the seed, group contrasts.
    families = None if args.features == "default" else args.features
    if args.features != "none":
        from toolkit.features import featurize

        if isinstance(families, str) and families != "all":
            families = [f.strip() for f in families.split(",") if f.strip()]
        ref_feats = _reference_features(args.against, reference, families)
        seed_feats = featurize(seed_table, families)
        boot = None
        if args.n_boot > 0:
            texts = list(cmp.bootstrap_sentences(seed, n_boot=args.n_boot, random_state=args.random_state))
            boot = featurize(texts, families).reset_index(drop=True)
        pos = cmp.position_in_reference(seed_feats, ref_feats, bootstrap=boot)
        _write(pos, out, "position", files)
        summary["n_features"] = int(len(pos))
        if args.by:
            groups = reference.set_index("id")[args.by].astype("string")
            counts = groups.value_counts()
            keep = counts[counts >= 2].index
            if len(keep) >= 2:
                contrasts = cmp.group_contrasts(ref_feats, groups.where(groups.isin(keep)),
                                                n_boot=args.n_boot, random_state=args.random_state)
                _write(contrasts, out, "contrasts", files)
            else:
                notes.append(f"contrasts: fewer than two groups of '{args.by}' with two or more articles")

    # Naming shares (needs the naming family).
    if args.by:
        try:
            from toolkit.features.naming import count_naming
        except ImportError:
            notes.append("naming_shares: toolkit.features.naming.count_naming is not available")
        else:
            both = pd.concat([seed_table, reference], ignore_index=True)
            naming = count_naming(both)
            groups = reference.set_index("id")[args.by].astype("string")
            groups[str(seed["id"])] = "seed"
            shares = cmp.naming_shares(naming, groups, n_boot=max(args.n_boot, 1), random_state=args.random_state)
            _write(shares, out, "naming_shares", files)

    # Similarity.
    nearest = cmp.nearest_articles(seed, reference, k=min(20, len(reference)))
    _write(nearest, out, "nearest", files)
    if args.by:
        try:
            res = cmp.resemblance(seed, reference, by=args.by, random_state=args.random_state)
        except ToolkitError as exc:
            notes.append(f"resemblance: {exc}")
        else:
            _write(res["probabilities"].assign(cv_accuracy=res["cv_accuracy"], cv_accuracy_sd=res["cv_accuracy_sd"],
                                               baseline_accuracy=res["baseline_accuracy"]), out, "resemblance", files)
            _write(res["drivers"], out, "resemblance_drivers", files)
            summary.update(predicted_group=res["predicted"], cv_accuracy=res["cv_accuracy"],
                           baseline_accuracy=res["baseline_accuracy"])

    summary["files"] = files
    summary["notes"] = notes
    tmp = out / f".summary.{os.getpid()}.json.tmp"
    tmp.write_text(json.dumps(summary, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, out / "summary.json")
    summary["files"]["summary"] = [str(out / "summary.json")]
    if args.json:
        json.dump(summary, sys.stdout, indent=1, ensure_ascii=False, default=str)
        print()
    else:
        print(f"seed {summary['seed']} against {args.against} ({summary['n_reference']} articles)")
        if len(key):
            print(f"keyness: {summary['n_terms']} terms; tokens: seed {summary['n_tokens_target']}, "
                  f"reference {summary['n_tokens_reference']}")
            print(key[["term", "n_target", "n_reference", "log_odds_z", "log_ratio", "q_value"]]
                  .head(args.top).to_string(index=False))
        for note in notes:
            print(f"note: {note}")
        print(f"tables written to {out}")
    return 0
