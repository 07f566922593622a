"""Speed of the frame, technique and genre detectors: training time and articles per second at prediction.

Run: ``python benchmarks/bench_detectors.py`` (needs the installed corpus semeval2023-task3-en). Prints measured
figures; trains into a temporary cache so the real cache is untouched.
"""

import os
import sys
import tempfile
import time


def main() -> int:
    from toolkit import corpora
    from toolkit.detectors.data import load_shared
    from toolkit.detectors.models import CueDetector, fit_main, seed_cues

    articles = corpora.load_corpus("semeval2023-task3-en")
    texts = articles["text"].astype(str).tolist()
    print(f"cores: {os.cpu_count()}; {len(texts)} articles, {sum(map(len, texts)) / len(texts):.0f} characters each")
    for task in ("frames", "genre", "techniques"):
        data = load_shared(task)
        t0 = time.perf_counter()
        model = fit_main(data)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        seeds = seed_cues(task)
        cues = CueDetector(seeds).fit(data.texts, data.Y, data.groups) if seeds else None
        t_cues = time.perf_counter() - t0
        t0 = time.perf_counter()
        model.predict_proba(data.texts, groups=data.groups)
        t_pred = time.perf_counter() - t0
        line = (f"{task:<11} {len(data.ids):>5} units: fit model {t_fit:6.1f} s (thresholds by inner CV included), "
                f"predict {len(data.ids) / t_pred:8.0f} units/s")
        if cues:
            t0 = time.perf_counter()
            cues.score(data.texts)
            line += f"; fit cues {t_cues:5.1f} s, score cues {len(data.ids) / (time.perf_counter() - t0):7.0f} units/s"
        print(line, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            model.save(os.path.join(tmp, "m"))
            t_save = time.perf_counter() - t0
            from toolkit.detectors.linear import LinearMultiLabel

            t0 = time.perf_counter()
            LinearMultiLabel.load(os.path.join(tmp, "m"))
            print(f"{'':<11} save {t_save:.2f} s, load {time.perf_counter() - t0:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
