"""``python -m toolkit validate frames|techniques|genre``: how far the detectors can be trusted, measured."""

from __future__ import annotations

import json

NAME = "validate"
HELP = "measure the frame, technique or genre detectors: cross-validated, or on a gold set"
DESCRIPTION = (
    "Train the detectors of a task on the shared SemEval-2023 Task 3 data and score them.\n"
    "Without --gold: 5-fold cross-validation, seeded, folds grouped by article (paragraphs of an article stay\n"
    "together); thresholds are tuned inside the training folds only. With --gold: train on the shared data (minus\n"
    "any article also in the gold set) and score on a folder or archive laid out like the SemEval-2023 Task 3 data\n"
    "(or, for techniques, the PTC data); its top folder may have any name.\n"
    "Detectors: model (TF-IDF word+char n-grams, logistic regression, tuned thresholds), tfidf_logreg (baseline),\n"
    "cues (transparent cue lexicon), prevalence (best constant prediction from training prevalence).\n"
    "Scores: micro- and macro-F1 with 95% bootstrap intervals (resampling articles), per-label P/R/F1/support."
)
EPILOG = """examples:
  python -m toolkit validate frames
  python -m toolkit validate techniques --json > techniques.json
  python -m toolkit validate frames --gold my-semeval-test.tar.xz"""


def add_arguments(parser):
    parser.add_argument("task", choices=("frames", "techniques", "genre"), help="what to validate")
    parser.add_argument("--gold", metavar="PATH", help="a gold folder or archive (default: cross-validation)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    parser.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates (default 1000)")
    parser.add_argument("--random-state", type=int, default=0, help="seed of folds and bootstrap (default 0)")


def _table(result: dict) -> str:
    units = "" if result["unit"] == "article" else f", {result['n_units']} {result['unit']}s"
    lines = [f"{result['task']}: {result['mode']}, {result['n_articles']} articles{units} ({result['seconds']} s)"]
    lines.append(f"{'detector':<14}{'micro-F1':>10}  {'95% CI':<17}{'macro-F1':>10}  {'95% CI':<17}")
    for name, r in result["detectors"].items():
        lines.append(f"{name:<14}{r['micro_f1']:>10.3f}  [{r['micro_f1_ci'][0]:.3f}, {r['micro_f1_ci'][1]:.3f}]  "
                     f"{r['macro_f1']:>8.3f}  [{r['macro_f1_ci'][0]:.3f}, {r['macro_f1_ci'][1]:.3f}]")
    names = list(result["detectors"])
    lines.append("")
    lines.append(f"{'label':<46}{'support':>8}" + "".join(f"{n[:12]:>13}" for n in names) + "   (F1)")
    for label in result["labels"]:
        row = result["detectors"][names[0]]["per_label"][label]
        lines.append(f"{label:<46}{row['support']:>8}"
                     + "".join(f"{result['detectors'][n]['per_label'][label]['f1']:>13.3f}" for n in names))
    model = result["detectors"].get("model")
    if model:
        lines.append("")
        lines.append("model, per label: precision / recall")
        for label in result["labels"]:
            r = model["per_label"][label]
            if r["support"]:
                lines.append(f"  {label:<46}{r['precision']:.3f} / {r['recall']:.3f}")
    return "\n".join(lines)


def run(args) -> int:
    from toolkit.detectors.validate import validate
    from toolkit.errors import ToolkitError

    if args.folds < 2:
        raise ToolkitError(f"--folds: expected at least 2, got {args.folds}")
    if args.n_boot < 0:
        raise ToolkitError(f"--n-boot: expected a non-negative number, got {args.n_boot}")
    result = validate(args.task, gold=args.gold, n_splits=args.folds, n_boot=args.n_boot,
                      random_state=args.random_state)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        print(_table(result))
    return 0
