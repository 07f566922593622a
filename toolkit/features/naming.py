"""Naming choices: which name an article uses for a contested concept (counts per 1,000 words).

The naming table (package data ``toolkit/data/naming.yaml``, written for the toolkit, Apache-2.0) lists concepts
and the variants outlets choose for them: the death of Soleimani (``assassination``, ``murder``, ``martyrdom``,
``killing``, ``drone_strike``, ``elimination``, ``taken_out`` …), the Islamic State (``daesh``, ``isis``, ``isil``
…), the United States (``global_arrogance``, ``great_satan``, ``united_states``, ``washington`` …), Israel
(``zionist_regime``, ``israel``, ``tel_aviv``), Iran's government (``regime``, ``islamic_republic``, ``tehran`` …),
the "resistance" (``resistance_front``, ``militias``, ``proxies``, ``iran_backed`` …), terrorism labels, sanctions
(``sanctions``, ``economic_terrorism``, ``maximum_pressure``), the Gulf (``persian_gulf``, ``arabian_gulf``), the
IRGC, and the titles of Khamenei and Soleimani. Every variant lists its patterns and a note; the YAML header
documents the format.

Features (scale: matches per 1,000 words of the scope):

- ``<concept>__<variant>_per_1k``: matches of one variant (e.g. ``naming.soleimani_killing__martyrdom_per_1k``);
- ``<concept>_per_1k``: matches of any variant of the concept.

Matching (see ``toolkit.features._terms``): patterns are words, prefixes (``martyr*``) or phrases; within a
concept the longest match wins ("drone strike" is not also a "strike"); case-sensitive variants need their
capitals ("US" is not "us"); a concept with an ``anchor`` counts only in sentences holding an anchor term
(``soleimani_killing`` counts "strike", "killed" or "martyred" only in a sentence naming Soleimani or
al-Muhandis, or — ``anchor_window: 1`` — right after one).

User tables: a YAML file of the same format, named by env ``TOOLKIT_NAMING`` (several separated by ``os.pathsep``)
or ``configure(paths=[...])``, adds concepts and variants; a variant of the same concept and name replaces ours.

``count_naming(articles)`` gives the long table ``id, concept, variant, n`` (raw counts; variants an article does
not use are left out) that the comparison functions read; ``naming_evidence(text)`` lists every match with offsets.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError
from toolkit.features._batch import EVIDENCE_COLUMNS, Batch, evidence_frame
from toolkit.features._terms import IDENTIFIER_RE, TermTable, path_list, read_table_file, warm_up, with_user_tables
from toolkit.paths import PACKAGE_DIR

NAME = "naming"
DEFAULT = True
TABLE_PATH = PACKAGE_DIR / "data" / "naming.yaml"
ENV = "TOOLKIT_NAMING"

_user_paths: list[str] | None = None


def configure(paths=None) -> None:
    """Use these naming tables in addition to ours (``None``: back to env ``TOOLKIT_NAMING``)."""
    global _user_paths
    _user_paths = path_list(paths)


def table_paths() -> list[Path]:
    """Our table, then the user's (``configure`` or env ``TOOLKIT_NAMING``)."""
    return with_user_tables(TABLE_PATH, _user_paths, ENV)


def _read_table_file(path: Path) -> dict:
    data = read_table_file(path, "naming table", "concepts", "a 'concepts' mapping of concept → variants", ENV)
    for concept, spec in data["concepts"].items():
        where = f"naming table '{path}', concept {concept!r}"
        if not isinstance(concept, str) or not IDENTIFIER_RE.match(concept):
            raise ToolkitError(f"{where}: expected a lower-case identifier (letters, digits, single underscores)")
        if not isinstance(spec, dict) or not isinstance(spec.get("variants"), dict) or not spec["variants"]:
            raise ToolkitError(f"{where}: expected a mapping with a non-empty 'variants' mapping")
        for variant, vspec in spec["variants"].items():
            vwhere = f"{where}, variant {variant!r}"
            if not isinstance(variant, str) or not IDENTIFIER_RE.match(variant):
                raise ToolkitError(f"{vwhere}: expected a lower-case identifier (letters, digits, single underscores)")
            if not isinstance(vspec, dict) or not isinstance(vspec.get("patterns"), list) or not vspec["patterns"]:
                raise ToolkitError(f"{vwhere}: expected a mapping with a non-empty list 'patterns'")
    return data


def load_naming_table(paths=None) -> dict:
    """The merged naming table: ``{concept: {description, anchor, anchor_window, variants: {variant: spec}}}``."""
    paths = table_paths() if paths is None else [Path(p) for p in paths]
    merged: dict = {}
    for path in paths:
        data = _read_table_file(path)
        for concept, spec in data["concepts"].items():
            into = merged.setdefault(concept, {"description": "", "variants": {}, "source": str(path)})
            for key in ("description", "anchor", "anchor_window"):
                if key in spec:
                    into[key] = spec[key]
            for variant, vspec in spec["variants"].items():
                into["variants"][variant] = dict(vspec, source=str(path))
    return merged


@lru_cache(maxsize=8)
def _term_table(paths: tuple[str, ...]) -> tuple[TermTable, dict]:
    table = load_naming_table(list(paths))
    terms = TermTable(name="naming")
    for concept, spec in table.items():
        for variant, vspec in spec["variants"].items():
            group = f"{concept}__{variant}"
            for pattern in vspec["patterns"]:
                terms.add(str(pattern), group, concept, bool(vspec.get("case_sensitive")),
                          source=f"naming table '{vspec['source']}', {concept}/{variant}")
        if spec.get("anchor"):
            terms.set_anchor(concept, spec["anchor"], spec.get("anchor_window", 0),
                             source=f"naming table '{spec['source']}', concept {concept!r}")
    return terms.finish(), table


def term_table() -> TermTable:
    return _term_table(tuple(str(p) for p in table_paths()))[0]


def prepare() -> None:
    """Read the table and compile its matching loops before worker processes are forked."""
    term_table()
    warm_up()


def _concepts() -> list[str]:
    return list(dict.fromkeys(term_table().group_key))


def available() -> str | None:
    """Why the naming table cannot be read (a broken user table), or None."""
    try:
        term_table()
    except ToolkitError as exc:
        return str(exc)
    return None


def FEATURES() -> dict:
    if available():
        return {}
    terms = term_table()
    table = _term_table(tuple(str(p) for p in table_paths()))[1]
    out = {}
    for concept in _concepts():
        out[f"{concept}_per_1k"] = f"any name for {table[concept].get('description') or concept}, per 1,000 words"
    for group, concept in zip(terms.groups, terms.group_key):
        variant = group.split("__", 1)[1]
        note = table[concept]["variants"][variant].get("note", "")
        out[f"{group}_per_1k"] = f"{concept} named as {variant!r} per 1,000 words" + (f" ({note})" if note else "")
    return out


def lexicon_checksums() -> list[str]:
    return ["naming:" + hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in table_paths() if p.is_file()]


def compute(batch: Batch, scope: str) -> dict:
    terms = term_table()
    counts = terms.counts(batch, scope)
    out = {}
    concepts = np.asarray(terms.group_key, dtype=object)
    for concept in _concepts():
        out[f"{concept}_per_1k"] = batch.per_1k(counts[:, concepts == concept].sum(axis=1), scope)
    per_1k = batch.per_1k(counts, scope)
    for j, group in enumerate(terms.groups):
        out[f"{group}_per_1k"] = per_1k[:, j]
    return out


def _evidence_rows(batch: Batch, doc: int, scope: str, groups=None):
    terms = term_table()
    pos, length, group = terms.matches(batch)
    lo, hi = batch.doc_ptr[doc], batch.doc_ptr[doc + 1]
    mask = batch.mask(scope)
    rows = []
    for p, k, g in zip(pos.tolist(), length.tolist(), group.tolist()):
        if lo <= p < hi and mask[p] and (groups is None or g in groups):
            rows.append((p - int(lo), k, {g: 1.0}))
    return rows, terms


def explain(batch: Batch, doc: int, feature: str, scope: str) -> pd.DataFrame:
    terms = term_table()
    name = feature[: -len("_per_1k")] if feature.endswith("_per_1k") else feature
    if "__" in name:
        groups = {terms.groups.index(name)} if name in terms.groups else set()
    else:
        groups = {j for j, c in enumerate(terms.group_key) if c == name}
    rows, _ = _evidence_rows(batch, doc, scope, groups)
    return evidence_frame(batch, doc, rows, terms.lexicon)


def naming_evidence(text: str, scope: str = "all") -> pd.DataFrame:
    """Every naming match in one text: ``concept, variant, term, start, end, sentence, voice, negated,
    sentence_text`` (offsets index into ``text``)."""
    if not isinstance(text, str):
        raise ToolkitError(f"naming_evidence() expects the article text as a str, got {type(text).__name__}")
    batch = Batch([text])
    rows, terms = _evidence_rows(batch, 0, scope)
    frame = evidence_frame(batch, 0, rows, terms.lexicon)
    parts = frame["category"].str.split("__", n=1, expand=True) if len(frame) else None
    frame.insert(0, "concept", parts[0] if parts is not None else pd.Series(dtype=object))
    frame.insert(1, "variant", parts[1] if parts is not None else pd.Series(dtype=object))
    return frame.drop(columns=["category", "weight"])


def count_naming(articles, scope: str = "all") -> pd.DataFrame:
    """Long table of naming counts: one row per article × concept × variant used, columns ``id, concept, variant,
    n`` (``n`` ≥ 1, raw matches in the scope; variants an article does not use are left out).

    Parameters:
        articles: an article table (``id``, ``text``) or a list of texts (ids ``"0"``, ``"1"`` …).
        scope: ``all`` (every voice but boilerplate), ``authorial`` or ``quoted``.
    """
    from toolkit.features import _texts_and_ids, batch_spans

    texts, ids = _texts_and_ids(articles)
    terms = term_table()
    concept = np.asarray([g.split("__", 1)[0] for g in terms.groups], dtype=object)
    variant = np.asarray([g.split("__", 1)[1] for g in terms.groups], dtype=object)
    parts = []
    for start, stop in batch_spans(texts):
        batch = Batch(texts[start:stop], ids[start:stop])
        counts = terms.counts(batch, scope)
        d, g = np.nonzero(counts)
        parts.append(pd.DataFrame({"id": np.asarray(batch.ids, dtype=object)[d], "concept": concept[g],
                                   "variant": variant[g], "n": counts[d, g].astype(np.int64)}))
    if not parts:
        return pd.DataFrame({"id": pd.Series(dtype=object), "concept": pd.Series(dtype=object),
                             "variant": pd.Series(dtype=object), "n": pd.Series(dtype=np.int64)})
    return pd.concat(parts, ignore_index=True)


__all__ = ["configure", "count_naming", "load_naming_table", "naming_evidence", "EVIDENCE_COLUMNS"]
