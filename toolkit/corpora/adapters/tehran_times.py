"""Tehran Times (Kmahmoudi/Tehran-Times-Dataset): ``data/_news_<id>_<title-slug>.txt``, body text only, no date.

The title is rebuilt from the file name's slug (hyphens become spaces; punctuation the slug dropped stays lost).
Dates are estimated from the article id, which the site assigns in publication order:

1. Every "Month D, YYYY" in an article's text (not near "calendar", "fiscal", "Persian", "solar") is a mention.
2. Dates cited across a wide span of ids (interquartile id range over ``FAMOUS_SPREAD``; e.g. 2018-05-08, the U.S.
   exit from the nuclear deal) are references to history, not news of the day, and are dropped.
3. For each article, the neighbourhood consensus is the densest ``WINDOW_DAYS`` interval of the mentions made by
   its ``K_NEIGHBOURS`` neighbours on either side (in id order); an article whose own mention lies within
   ``WINDOW_DAYS`` of that consensus becomes an anchor (id, that date): its own text establishes its date.
4. A monotone (isotonic) mapping id -> date is fitted through the rolling median of ``ROLLING_ANCHORS``
   consecutive anchors, then refitted without anchors more than ``OUTLIER_DAYS`` off. Ids outside the anchors'
   range get no date.
5. Five-fold cross-validation over anchors measures the held-out absolute error; each article's
   ``date_error_days`` is the median held-out error of the ``N_ERROR_NEIGHBOURS`` anchors nearest in id.

Columns: ``date`` (estimated), ``date_estimated`` (True), ``date_error_days``, ``tt_id``; table ``date_anchors``
(tt_id, anchor_date, estimate, heldout_error_days: numbers only) and ``date_calibration`` (one row of figures).
"""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.corpora.adapters import files_from_folder, files_under
from toolkit.errors import ToolkitError

PREFIX = "tehran-times:"
FILE_RE = re.compile(r"^_news_(\d+)_(.*)\.txt$")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
MONTH_INDEX = {m: i + 1 for i, m in enumerate(MONTHS)}
YEAR_RE = re.compile(r"(?:19|20)\d\d\b")
MONTH_DAY_RE = re.compile(r"(?<![A-Za-z])(" + "|".join(MONTHS) + r")\s+(\d{1,2}),?\s+$")
SKIP_CONTEXT_RE = re.compile(r"calendar|fiscal|Persian|solar", re.I)
FAMOUS_SPREAD = 1000
K_NEIGHBOURS = 30
WINDOW_DAYS = 45
OUTLIER_DAYS = 60
ROLLING_ANCHORS = 9
N_FOLDS = 5
N_ERROR_NEIGHBOURS = 25
RANDOM_STATE = 0


def date_mentions(text: str) -> list[int]:
    """Proleptic ordinals of the "Month D, YYYY" dates in ``text`` outside calendar-conversion contexts.

    Finds the cheap year pattern first and looks back for "Month D," (four times faster than one regex).
    """
    out = []
    for year in YEAR_RE.finditer(text):
        m = MONTH_DAY_RE.search(text, max(0, year.start() - 16), year.start())
        if m is None:
            continue
        if SKIP_CONTEXT_RE.search(text[max(0, m.start() - 100): year.end() + 40]):
            continue
        try:
            out.append(dt.date(int(year.group(0)), MONTH_INDEX[m.group(1)], int(m.group(2))).toordinal())
        except ValueError:
            continue
    return out


def select_anchors(ids: np.ndarray, mentions: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Anchor (id, date ordinal) pairs: articles whose own mention agrees with their neighbours' consensus."""
    order = np.argsort(ids, kind="stable")
    ids = np.asarray(ids)[order]
    mentions = [mentions[i] for i in order]
    by_date = collections.defaultdict(list)
    for i, ms in zip(ids, mentions):
        for d in set(ms):
            by_date[d].append(i)
    famous = {d for d, v in by_date.items() if len(v) >= 3 and np.subtract(*np.percentile(v, [75, 25])) > FAMOUS_SPREAD}
    kept = [(i, np.array([d for d in ms if d not in famous])) for i, ms in zip(ids, mentions)]
    kept = [(i, ms) for i, ms in kept if len(ms)]
    n = len(kept)
    anchor_ids, anchor_days = [], []
    for k, (i, ms) in enumerate(kept):
        pool = np.sort(np.concatenate([kept[j][1] for j in range(max(0, k - K_NEIGHBOURS), min(n, k + K_NEIGHBOURS + 1))]))
        right = np.searchsorted(pool, pool + WINDOW_DAYS, side="right")
        best = int(np.argmax(right - np.arange(len(pool))))
        consensus = np.median(pool[best: right[best]])
        dist = np.abs(ms - consensus)
        j = int(np.argmin(dist))
        if dist[j] <= WINDOW_DAYS:
            anchor_ids.append(i)
            anchor_days.append(float(ms[j]))
    return np.array(anchor_ids, dtype=float), np.array(anchor_days, dtype=float)


def _rolling_median(values: np.ndarray, k: int) -> np.ndarray:
    h = k // 2
    return np.array([np.median(values[max(0, i - h): i + h + 1]) for i in range(len(values))])


def fit_mapping(anchor_ids: np.ndarray, anchor_days: np.ndarray):
    """Monotone id -> date-ordinal mapping: isotonic regression through a rolling median of the anchors (by id),
    refitted without anchors more than OUTLIER_DAYS off the first fit."""
    from sklearn.isotonic import IsotonicRegression

    order = np.argsort(anchor_ids, kind="stable")
    x, y = anchor_ids[order], anchor_days[order]
    first = IsotonicRegression(out_of_bounds="clip").fit(x, _rolling_median(y, ROLLING_ANCHORS))
    keep = np.abs(first.predict(x) - y) <= OUTLIER_DAYS
    return IsotonicRegression(out_of_bounds="clip").fit(x[keep], _rolling_median(y[keep], ROLLING_ANCHORS))


def cross_validate(anchor_ids: np.ndarray, anchor_days: np.ndarray) -> np.ndarray:
    """Held-out absolute error (days) of each anchor, from N_FOLDS-fold cross-validation."""
    rng = np.random.default_rng(RANDOM_STATE)
    fold = rng.integers(0, N_FOLDS, len(anchor_ids))
    err = np.full(len(anchor_ids), np.nan)
    for k in range(N_FOLDS):
        train = fold != k
        model = fit_mapping(anchor_ids[train], anchor_days[train])
        err[~train] = np.abs(model.predict(anchor_ids[~train]) - anchor_days[~train])
    return err


def estimate_dates(ids: np.ndarray, mentions: list[list[int]]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Estimated date and error per id, the anchors table and the calibration figures."""
    anchor_ids, anchor_days = select_anchors(ids, mentions)
    if len(anchor_ids) < 20:
        raise ToolkitError(f"tehran-times: only {len(anchor_ids)} dated anchors found; cannot calibrate dates")
    order = np.argsort(anchor_ids, kind="stable")
    anchor_ids, anchor_days = anchor_ids[order], anchor_days[order]
    model = fit_mapping(anchor_ids, anchor_days)
    heldout = cross_validate(anchor_ids, anchor_days)
    ids = np.asarray(ids, dtype=float)
    est = model.predict(ids)
    # local error: median held-out error of the nearest anchors in id
    pos = np.searchsorted(anchor_ids, ids)
    lo = np.clip(pos - N_ERROR_NEIGHBOURS // 2, 0, max(len(anchor_ids) - N_ERROR_NEIGHBOURS, 0))
    local = np.array([np.median(heldout[s: s + N_ERROR_NEIGHBOURS]) for s in lo])
    inside = (ids >= anchor_ids[0]) & (ids <= anchor_ids[-1])
    epoch = dt.date(1970, 1, 1).toordinal()
    dates = pd.to_datetime(np.where(inside, np.round(est) - epoch, np.nan), unit="D")
    table = pd.DataFrame({"date": dates, "date_error_days": np.where(inside, np.round(local, 1), np.nan)})
    anchors = pd.DataFrame(
        {
            "tt_id": anchor_ids.astype(np.int64),
            "anchor_date": pd.to_datetime(anchor_days - epoch, unit="D"),
            "estimate": pd.to_datetime(np.round(model.predict(anchor_ids)) - epoch, unit="D"),
            "heldout_error_days": np.round(heldout, 1),
        }
    )
    figures = {
        "n_anchors": int(len(anchor_ids)),
        "heldout_median_abs_error_days": float(np.median(heldout)),
        "heldout_p75_abs_error_days": float(np.percentile(heldout, 75)),
        "heldout_p90_abs_error_days": float(np.percentile(heldout, 90)),
        "n_folds": N_FOLDS,
        "id_min_dated": int(anchor_ids[0]),
        "id_max_dated": int(anchor_ids[-1]),
    }
    return table, anchors, figures


def read(root: Path) -> dict[str, pd.DataFrame]:
    return read_files(files_from_folder(Path(root)))


def read_files(files: dict[str, bytes]) -> dict[str, pd.DataFrame]:
    """The article table and date calibration from in-memory files (relative path -> bytes)."""
    folder = files_under(files, "data")
    rows, mentions = [], []
    seen: collections.Counter = collections.Counter()
    for fname in sorted(folder):
        m = FILE_RE.match(fname)
        if not m:
            continue
        tt_id = int(m.group(1))
        seen[tt_id] += 1
        # the same id twice: identical article saved under two titles; keep both, suffix the second
        aid = f"{PREFIX}{tt_id}" if seen[tt_id] == 1 else f"{PREFIX}{tt_id}-{seen[tt_id]}"
        text = folder[fname].decode("utf-8", errors="replace")
        title = re.sub(r"\s+", " ", m.group(2).replace("-", " ")).strip() or None
        rows.append({"id": aid, "text": text, "title": title, "outlet": "Tehran Times",
                     "url": f"https://www.tehrantimes.com/news/{tt_id}", "lang": "en", "tt_id": tt_id})
        mentions.append(date_mentions(text))
    if not rows:
        raise ToolkitError("tehran-times: no _news_<id>_<title>.txt files in data/")
    df = pd.DataFrame(rows)
    dated, anchors, figures = estimate_dates(df["tt_id"].to_numpy(), mentions)
    df["date"] = dated["date"].to_numpy()
    df["date_estimated"] = True
    df["date_error_days"] = dated["date_error_days"].to_numpy()
    return {"articles": df, "date_anchors": anchors, "date_calibration": pd.DataFrame([figures])}
