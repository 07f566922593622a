"""Actors: how often an article mentions each actor, and the tone and frame cues of the sentences that do.

The gazetteer (package data ``toolkit/data/actors.yaml``, written for the toolkit, Apache-2.0) lists actors with
their aliases: the United States (United States, US, U.S., America, Washington …), Trump, Iran (Iran, Tehran,
Islamic Republic …), Khamenei (Khamenei, Supreme Leader, "the Leader" …), Soleimani (incl. the spellings
Suleimani and Soleimeni), al-Muhandis, the IRGC, Iraq, Israel, Saudi Arabia, the IAEA, the Islamic State,
Hezbollah, the Houthis, the EU, the UN, Russia, China and more. Users add actors with a file of the same format
(env ``TOOLKIT_ACTORS`` or ``configure(paths=[...])``).

A *mention* is a match of an alias (see ``toolkit.features._terms``): overlapping aliases of one actor count once
(the longest), contiguous ones are merged ("Leader of the Islamic Revolution Ayatollah Seyyed Ali Khamenei" is one
mention), and case-sensitive aliases need their capitals ("US" is not "us").

Family features, per actor (scope: the tokens of the voice; boilerplate excluded):

- ``<actor>_mentions_per_1k``: mentions per 1,000 words;
- ``<actor>_tone``: net tone of the sentences that mention the actor, in percentage points of their words:
  100 × (positive − negative) / words, with positive and negative words from the General Inquirer
  (``Positiv``, ``Negativ``; ``toolkit.inquirer``); a word preceded by a negator within three words of its
  sentence counts for the opposite polarity; the aliases themselves are not scored. **The tone is 0 when no
  sentence mentions the actor** (and when those sentences hold no sentiment word).

``actor_table(articles)`` gives one row per article × mentioned actor: ``id, actor, n_mentions, n_sentences,
n_words, gi_positive, gi_negative, tone, frame_<frame>…`` (frame cue words in those sentences), and the shares of
the mentions in each voice (``share_authorial``, ``share_quoted``, ``share_social``).

Frame cues come from the frames family's cue lexicon (package data ``toolkit/data/frames_cues.yaml``: the whole
file when it reads as a YAML lexicon, else its ``semetko_valkenburg`` section) when it is there, else from the
Semetko & Valkenburg (2000) style lists in ``actors.yaml``; ``configure(frame_cues=...)`` swaps in any lexicon
(registry name, path or ``Lexicon``).

References:
    Young, L. & Soroka, S. (2012). Affective news: The automated coding of sentiment in political texts.
    Political Communication 29(2), 205-231 (net tone as a share of words).
    Semetko, H. A. & Valkenburg, P. M. (2000). Framing European politics: A content analysis of press and
    television news. Journal of Communication 50(2), 93-109.
    Stone, P. J. et al. (1966). The General Inquirer. MIT Press.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit import yamlio
from toolkit.errors import ToolkitError
from toolkit.features._batch import Batch, evidence_frame, phrase_table
from toolkit.features._terms import IDENTIFIER_RE, TermTable, path_list, read_table_file, warm_up, with_user_tables
from toolkit.lexicons import Lexicon, load_lexicon, read_lexicon, share_rows
from toolkit.paths import PACKAGE_DIR
from toolkit.segment import VOICES

NAME = "actors"
DEFAULT = True
GAZETTEER_PATH = PACKAGE_DIR / "data" / "actors.yaml"
FRAMES_CUES_PATH = PACKAGE_DIR / "data" / "frames_cues.yaml"
ENV = "TOOLKIT_ACTORS"
SHARE_VOICES = ("authorial", "quoted", "social")

_user_paths: list[str] | None = None
_frame_cues = None


def configure(paths=None, frame_cues=None) -> None:
    """Add gazetteer files (``None``: back to env ``TOOLKIT_ACTORS``) and/or swap the frame cue lexicon
    (a registry name, a path or a ``Lexicon``; ``None`` keeps the default choice)."""
    global _user_paths, _frame_cues
    _user_paths = path_list(paths)
    _frame_cues = frame_cues


def gazetteer_paths() -> list[Path]:
    return with_user_tables(GAZETTEER_PATH, _user_paths, ENV)


def _read_gazetteer(path: Path) -> dict:
    data = read_table_file(path, "actor gazetteer", "actors", "an 'actors' mapping of actor → aliases", ENV)
    for actor, spec in data["actors"].items():
        where = f"actor gazetteer '{path}', actor {actor!r}"
        if not isinstance(actor, str) or not IDENTIFIER_RE.match(actor):
            raise ToolkitError(f"{where}: expected a lower-case identifier (letters, digits, single underscores)")
        if not isinstance(spec, dict):
            raise ToolkitError(f"{where}: expected a mapping with 'aliases' (and optionally 'case_sensitive', 'label')")
        for key in ("aliases", "case_sensitive"):
            if key in spec and not isinstance(spec[key], list):
                raise ToolkitError(f"{where}: '{key}' must be a list of terms, got {spec[key]!r}")
        if not spec.get("aliases") and not spec.get("case_sensitive"):
            raise ToolkitError(f"{where}: expected at least one alias in 'aliases' or 'case_sensitive'")
    return data


def load_gazetteer(paths=None) -> dict:
    """The merged gazetteer: ``{"actors": {actor: spec}, "frame_cues": {frame: [terms]}}``."""
    paths = gazetteer_paths() if paths is None else [Path(p) for p in paths]
    actors, cues = {}, {}
    for path in paths:
        data = _read_gazetteer(path)
        for actor, spec in data["actors"].items():
            actors[actor] = dict(spec, source=str(path))
        cues.update(data.get("frame_cues") or {})
    return {"actors": actors, "frame_cues": cues}


@lru_cache(maxsize=8)
def _term_table(paths: tuple[str, ...]) -> TermTable:
    gaz = load_gazetteer(list(paths))
    table = TermTable(name="actors", merge_contiguous=True)
    for actor, spec in gaz["actors"].items():
        for alias in spec.get("aliases") or []:
            table.add(str(alias), actor, actor, source=f"actor gazetteer '{spec['source']}'")
        for alias in spec.get("case_sensitive") or []:
            table.add(str(alias), actor, actor, case_sensitive=True, source=f"actor gazetteer '{spec['source']}'")
    return table.finish()


def term_table() -> TermTable:
    return _term_table(tuple(str(p) for p in gazetteer_paths()))


def prepare() -> None:
    """Read the table and compile its matching loops before worker processes are forked."""
    term_table()
    share_rows(frame_cue_lexicon())
    warm_up()


def actor_names() -> list[str]:
    return list(term_table().groups)


def frame_cue_lexicon() -> Lexicon:
    """The frame cue lexicon: ``configure(frame_cues=…)``, else ``toolkit/data/frames_cues.yaml`` when it reads as a
    lexicon, else the ``frame_cues`` lists of the gazetteer."""
    if _frame_cues is not None:
        return _frame_cues if isinstance(_frame_cues, Lexicon) else load_lexicon(_frame_cues)
    return _default_frame_cues(tuple(str(p) for p in gazetteer_paths()))


def _detector_frame_cues() -> Lexicon | None:
    """The frames family's cue lexicon: the whole file when it reads as a YAML lexicon, else its
    ``semetko_valkenburg`` section (frame → terms); None when neither is there."""
    if not FRAMES_CUES_PATH.is_file():
        return None
    try:
        return read_lexicon(FRAMES_CUES_PATH, format="yaml")
    except ToolkitError:
        pass
    try:
        data = yamlio.safe_load(FRAMES_CUES_PATH.read_text(encoding="utf-8"))
    except yamlio.YAMLError:
        return None
    section = data.get("semetko_valkenburg") if isinstance(data, dict) else None
    if not isinstance(section, dict) or not all(isinstance(v, list) for v in section.values()):
        return None
    lex = Lexicon(name="frames_cues", categories=[], version=str(data.get("version", "")) or None,
                  source="toolkit frames_cues.yaml, semetko_valkenburg section (Semetko & Valkenburg 2000 frames)",
                  licence="Apache-2.0 (part of the toolkit)", path=str(FRAMES_CUES_PATH))
    for frame, terms in section.items():
        for term in terms:
            lex.add(str(term), str(frame))
    lex.__post_init__()
    return lex if lex.n_entries else None


@lru_cache(maxsize=4)
def _default_frame_cues(paths) -> Lexicon:
    detector_cues = _detector_frame_cues()
    if detector_cues is not None:
        return detector_cues
    cues = load_gazetteer(list(paths))["frame_cues"]
    lex = Lexicon(name="actors-frame-cues", categories=[], source="toolkit actors.yaml (Semetko & Valkenburg 2000 frames)",
                  licence="Apache-2.0 (part of the toolkit)", version="1")
    for frame, terms in cues.items():
        for term in terms or []:
            lex.add(str(term), str(frame))
    lex.__post_init__()
    return lex


@lru_cache(maxsize=1)
def _gi():
    from toolkit.inquirer import load_inquirer

    lex = load_inquirer()
    return lex, lex.category_index("Positiv"), lex.category_index("Negativ")


def available() -> str | None:
    """Why the family cannot run here (the General Inquirer or a user gazetteer cannot be read), or None."""
    try:
        _gi()
        term_table()
    except ToolkitError as exc:
        return str(exc)
    return None


def FEATURES() -> dict:
    if available():
        return {}
    out = {}
    for actor in actor_names():
        out[f"{actor}_mentions_per_1k"] = f"mentions of {actor} per 1,000 words"
    for actor in actor_names():
        out[f"{actor}_tone"] = (f"net GI tone of sentences mentioning {actor}: 100 × (positive − negative) / words "
                                "(0 when no sentence mentions it)")
    return out


def lexicon_checksums() -> list[str]:
    keys = ["actors:" + hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in gazetteer_paths() if p.is_file()]
    return keys + [f"gi:{_gi()[0].sha256}"]


# -- the computation --------------------------------------------------------------------------------------------


def _token_polarity(batch: Batch, exclude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per token: positive and negative GI flags after negation flipping; tokens in ``exclude`` are not scored."""
    cached = batch.__dict__.get("_actors_polarity")
    if cached is not None and cached[0] is exclude:
        return cached[1]
    gi, pos_cat, neg_cat = _gi()
    mat = gi.matrix(batch.vocab)
    is_pos = _positive_in(mat, pos_cat)[batch.token_ids]
    is_neg = _positive_in(mat, neg_cat)[batch.token_ids]
    neg = batch.negated
    pos = ((is_pos & ~neg) | (is_neg & neg)) & ~exclude
    negative = ((is_neg & ~neg) | (is_pos & neg)) & ~exclude
    batch.__dict__["_actors_polarity"] = (exclude, (pos, negative))
    return pos, negative


def _positive_in(mat, column: int) -> np.ndarray:
    """Per row of a lexicon matrix (vocabulary × categories, one entry per term and category): whether its weight in
    ``column`` is positive. From the nonzeros, not a dense column of the whole vocabulary per batch."""
    rows = np.repeat(np.arange(mat.shape[0]), np.diff(mat.indptr))
    out = np.zeros(mat.shape[0], dtype=bool)
    out[rows[(mat.indices == column) & (mat.data > 0)]] = True
    return out


def _mention_tokens(batch: Batch, pos: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Per token: whether it is part of an actor mention (computed once per batch)."""
    cached = batch.__dict__.get("_actors_mention_tokens")
    if cached is not None and cached[0] is pos:
        return cached[1]
    n_tok = len(batch.token_ids)
    covered = np.zeros(n_tok + 1, dtype=np.int64)
    if len(pos):
        np.add.at(covered, pos, 1)
        np.add.at(covered, pos + length, -1)
    exclude = np.cumsum(covered)[:n_tok] > 0
    batch.__dict__["_actors_mention_tokens"] = (pos, exclude)
    return exclude


def _analyse(batch: Batch, scope: str, frame_cues: Lexicon | None = None) -> dict:
    """Per article × actor arrays: mentions, sentences, words, positive, negative, frame cues, voice counts."""
    table = term_table()
    n_actors = len(table.groups)
    pos, length, group = table.matches(batch)
    n_tok = len(batch.token_ids)
    exclude = _mention_tokens(batch, pos, length)
    mask = batch.mask(scope)
    in_scope = mask[pos] if len(pos) else np.zeros(0, bool)
    pos, length, group = pos[in_scope], length[in_scope], group[in_scope]
    doc = batch.token_doc[pos].astype(np.int64)
    out = {"mentions": np.zeros((batch.n_docs, n_actors))}
    np.add.at(out["mentions"], (doc, group), 1.0)
    for voice in SHARE_VOICES:
        arr = np.zeros((batch.n_docs, n_actors))
        sel = batch.token_voice[pos] == VOICES.index(voice)
        np.add.at(arr, (doc[sel], group[sel]), 1.0)
        out[f"voice_{voice}"] = arr

    # per sentence of the batch: words, positive, negative (tokens of the scope only)
    n_sent = int(batch.sentence_ptr[-1])
    sent = batch.token_sentence
    p_flag, n_flag = _token_polarity(batch, exclude)
    words = np.bincount(sent[mask], minlength=n_sent).astype(np.float64)
    s_pos = np.bincount(sent[mask & p_flag], minlength=n_sent).astype(np.float64)
    s_neg = np.bincount(sent[mask & n_flag], minlength=n_sent).astype(np.float64)
    cues = frame_cues if frame_cues is not None else frame_cue_lexicon()
    s_frames = np.zeros((n_sent, len(cues.categories)))
    if n_tok:
        phrases = phrase_table(cues, batch.vocab)
        cue_mat = cues.matrix(batch.vocab)
        rows, cols, values = batch.token_hits(cue_mat)
        keep = mask[rows] & ~exclude[rows]
        np.add.at(s_frames, (sent[rows[keep]], cols[keep]), values[keep])
        for p, k, cats in batch.phrase_matches(phrases, mask):
            for cat, weight in cats.items():
                np.add.at(s_frames[:, cat], sent[p], weight)

    # sentences that mention each actor (once per sentence)
    width = n_sent + 1
    pairs = np.unique(group.astype(np.int64) * width + sent[pos])  # by actor, then sentence
    a_idx, s_idx = pairs // width, pairs % width
    s_doc = (np.searchsorted(batch.sentence_ptr, s_idx, side="right") - 1).astype(np.int64)
    for key, values in (("sentences", np.ones(len(s_idx))), ("words", words[s_idx]), ("positive", s_pos[s_idx]),
                        ("negative", s_neg[s_idx])):
        arr = np.zeros((batch.n_docs, n_actors))
        np.add.at(arr, (s_doc, a_idx), values)
        out[key] = arr
    frames = np.zeros((batch.n_docs, n_actors, len(cues.categories)))
    if len(s_idx):
        np.add.at(frames, (s_doc, a_idx), s_frames[s_idx])
    out["frames"] = frames
    out["frame_names"] = list(cues.categories)
    out["tone"] = np.divide(100.0 * (out["positive"] - out["negative"]), out["words"],
                            out=np.zeros_like(out["words"]), where=out["words"] > 0)
    return out


def compute(batch: Batch, scope: str) -> dict:
    res = _analyse(batch, scope)
    per_1k = batch.per_1k(res["mentions"], scope)
    out = {}
    for j, actor in enumerate(actor_names()):
        out[f"{actor}_mentions_per_1k"] = per_1k[:, j]
        out[f"{actor}_tone"] = res["tone"][:, j]
    return out


def _frame_column(name: str) -> str:
    return "frame_" + re.sub(r"[^0-9a-zA-Z_]+", "_", str(name)).strip("_").lower()


def actor_table(articles, scope: str = "all", frame_cues=None) -> pd.DataFrame:
    """One row per article × mentioned actor: ``id, actor, n_mentions, n_sentences, n_words, gi_positive,
    gi_negative, tone, frame_<frame>…, share_authorial, share_quoted, share_social``.

    Parameters:
        articles: an article table (``id``, ``text``) or a list of texts.
        scope: ``all`` (every voice but boilerplate), ``authorial`` or ``quoted``.
        frame_cues: a lexicon (registry name, path or ``Lexicon``) whose categories are frames; default
            ``frame_cue_lexicon()``.
    """
    from toolkit.features import _texts_and_ids, batch_spans

    term_table()  # a broken user gazetteer or a missing General Inquirer raises here, with its own message
    _gi()
    texts, ids = _texts_and_ids(articles)
    if frame_cues is not None and not isinstance(frame_cues, Lexicon):
        frame_cues = load_lexicon(frame_cues)
    cues = frame_cues or frame_cue_lexicon()
    frame_cols = [_frame_column(c) for c in cues.categories]
    names = np.asarray(actor_names(), dtype=object)
    parts = []
    for start, stop in batch_spans(texts):
        batch = Batch(texts[start:stop], ids[start:stop])
        res = _analyse(batch, scope, cues)
        d, a = np.nonzero(res["mentions"])
        n = res["mentions"][d, a]
        part = {"id": np.asarray(batch.ids, dtype=object)[d], "actor": names[a], "n_mentions": n.astype(np.int64),
                "n_sentences": res["sentences"][d, a].astype(np.int64), "n_words": res["words"][d, a].astype(np.int64),
                "gi_positive": res["positive"][d, a].astype(np.int64),
                "gi_negative": res["negative"][d, a].astype(np.int64), "tone": res["tone"][d, a]}
        for k, col in enumerate(frame_cols):
            part[col] = res["frames"][d, a, k]
        for voice in SHARE_VOICES:
            part[f"share_{voice}"] = res[f"voice_{voice}"][d, a] / n
        parts.append(pd.DataFrame(part))
    columns = (["id", "actor", "n_mentions", "n_sentences", "n_words", "gi_positive", "gi_negative", "tone"]
               + frame_cols + [f"share_{v}" for v in SHARE_VOICES])
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def actor_mentions(text: str, scope: str = "all") -> pd.DataFrame:
    """Every actor mention in one text: ``actor, term, start, end, sentence, voice, negated, sentence_text``."""
    if not isinstance(text, str):
        raise ToolkitError(f"actor_mentions() expects the article text as a str, got {type(text).__name__}")
    batch = Batch([text])
    frame = _mention_evidence(batch, 0, scope, None)
    return frame.rename(columns={"category": "actor"}).drop(columns=["weight"])


def _mention_evidence(batch, doc, scope, actor_idx):
    table = term_table()
    pos, length, group = table.matches(batch)
    lo, hi = int(batch.doc_ptr[doc]), int(batch.doc_ptr[doc + 1])
    mask = batch.mask(scope)
    rows = [(p - lo, k, {g: 1.0}) for p, k, g in zip(pos.tolist(), length.tolist(), group.tolist())
            if lo <= p < hi and mask[p] and (actor_idx is None or g == actor_idx)]
    return evidence_frame(batch, doc, rows, table.lexicon)


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    names = actor_names()
    if feature.endswith("_mentions_per_1k"):
        return _mention_evidence(batch, doc, scope, names.index(feature[: -len("_mentions_per_1k")]))
    actor = names.index(feature[: -len("_tone")])
    table = term_table()
    pos, length, group = table.matches(batch)
    exclude = _mention_tokens(batch, pos, length)
    mask = batch.mask(scope)
    lo, hi = int(batch.doc_ptr[doc]), int(batch.doc_ptr[doc + 1])
    sel = (group == actor) & (pos >= lo) & (pos < hi) & mask[pos] if len(pos) else np.zeros(0, bool)
    sentences = set(batch.token_sentence[pos[sel]].tolist())
    p_flag, n_flag = _token_polarity(batch, exclude)
    polarity = Lexicon(name="gi-polarity", categories=["positive", "negative"])
    rows = []
    for t in range(lo, hi):
        if mask[t] and batch.token_sentence[t] in sentences and (p_flag[t] or n_flag[t]):
            cats = {0: 1.0} if p_flag[t] else {}
            if n_flag[t]:
                cats[1] = -1.0  # a GI word can be both ("deal")
            rows.append((t - lo, 1, cats))
    return evidence_frame(batch, doc, rows, polarity)
