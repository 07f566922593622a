"""``python -m toolkit train frames|techniques|genre``: train and cache a detector from the installed corpora."""

from __future__ import annotations

import json

NAME = "train"
HELP = "train (or find cached) the frame, technique or genre detector on the shared SemEval-2023 data"
DESCRIPTION = (
    "Train the main detector and the cue detector of a task on the installed corpus semeval2023-task3-en,\n"
    "seeded and reproducible. Models are cached under the cache folder's models/ by data checksum and code\n"
    "version, stored as JSON + .npz (no pickle), and reused until the data or the code change."
)
EPILOG = """examples:
  python -m toolkit train frames
  python -m toolkit train techniques --force --json"""


def add_arguments(parser):
    parser.add_argument("task", choices=("frames", "techniques", "genre", "all"), help="what to train")
    parser.add_argument("--force", action="store_true", help="retrain even when a cached model exists")
    parser.add_argument("--json", action="store_true", help="print model folders and metadata as JSON")


def run(args) -> int:
    from toolkit.detectors.models import train

    tasks = ("frames", "techniques", "genre") if args.task == "all" else (args.task,)
    out = {}
    for task in tasks:
        folder = train(task, force=args.force)
        with open(folder / "model.json", encoding="utf-8") as fh:
            meta = json.load(fh)["metadata"]
        out[task] = {"folder": str(folder), **meta}
        if not args.json:
            print(f"{task}: {folder} ({meta['n_units']} units from {meta['n_articles']} articles, "
                  f"data sha256 {meta['data_sha256'][:12]})")
    if args.json:
        print(json.dumps(out, indent=1))
    return 0
