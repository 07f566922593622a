"""The canonical article table and every loader that builds it.

The article table is a pandas DataFrame with the columns of ``ARTICLE_COLUMNS`` first, in this order:

- ``id``: unique non-empty ``str``.
- ``text``: non-empty ``str``, exactly as in the source (a ``.txt`` file's text is its decoded bytes, header
  included; character offsets downstream index into it).
- ``title``, ``outlet``, ``url``: ``str`` or ``None`` (empty or blank values become ``None``).
- ``date``: ``datetime64[ns]``, ``NaT`` when unknown.
- ``lang``: ISO 639-1 code, ``"en"`` when unknown.

then any metadata columns (``label``, ``bias``, ``provenance``, ...). Every text column has ``object`` dtype so
that missing values are ``None`` and loading never copies the article texts into a second store.

Plain-text articles
-------------------
A ``.txt`` file is one article, UTF-8. It may start with a header of lines ``key value`` (an optional colon after
the key is allowed) with ``key`` one of ``date`` (``YYYY-MM-DD``), ``title``, ``outlet``, ``url``, ``lang``. Header
lines are recognised only at the start of the file, one after another; leading blanks are ignored. The ``date`` may
also be inline, followed by the first sentence on the same line (``" date 2020-12-16 Leader of ..."``); the header
ends there. The header is parsed into metadata but stays in ``text`` (``parse_header`` gives its end offset).

An optional sidecar ``<same stem>.json`` next to the file holds a JSON object with any of ``id``, ``title``,
``outlet``, ``date``, ``url``, ``lang`` and further metadata (each becomes a column). A ``sha256`` field, if
present, must match the file's bytes. A value given both in the header and in the sidecar must agree. Without a
sidecar ``id`` the id is the file stem (``read_article``) or the path relative to the folder without suffix
(``load_articles`` on a folder). A folder is searched recursively for ``*.txt``; hidden files and folders are
skipped, other files ignored, and the sub-folder path (``"left"``, ``"left/2020"``; ``None`` at the top) fills the
``label`` column unless a sidecar sets ``label``.

Tables
------
``.jsonl`` (one JSON object per line, blank lines skipped, read line by line: the format for large inputs, whose
memory use stays close to the size of the texts), ``.json`` (an array of objects, parsed whole),
``.csv`` (UTF-8 with a header row, every value read as a string) and ``.parquet``. Keyword arguments name the field
that holds each canonical column; by default the first field whose name matches (ignoring case) one of
``DEFAULT_FIELDS`` is used. Other fields are kept as metadata columns; one whose name clashes with a canonical
column it was not mapped to is kept as ``<name>_original``. Integer ids are written as decimal strings; other
types are refused rather than converted.

Dates: ISO 8601 strings (``2020-12-16``, optionally with a time; a time zone is converted to UTC and dropped),
``datetime`` objects or a ``datetime64`` column; ``date_format=`` (a ``strftime`` format) reads other spellings.
Empty values become ``NaT``; anything else that does not parse is an error.

Where errors are reported: ``line N`` for ``.jsonl`` (1-based file lines), ``object N`` for ``.json`` arrays,
``row N`` for ``.csv``, ``.parquet`` and DataFrames (1-based, not counting a CSV's header row), ``file 'a/b.txt'``
for a folder, ``line 1`` for a single ``.txt`` (header errors name their header line).

Undecodable bytes: ``errors="strict"`` (the default) refuses a file that is not UTF-8 and names the byte offset;
``errors="replace"`` replaces each undecodable byte with U+FFFD and records how many were replaced in the column
``n_replaced_bytes`` (0 for clean articles).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import math
import os
import re
from datetime import date as _date
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from toolkit.errors import ToolkitError

ARTICLE_COLUMNS = ("id", "text", "title", "outlet", "date", "url", "lang")

#: Candidate field names, in order of preference, for each mapped column of a table.
DEFAULT_FIELDS = {
    "id": ("id",),
    "text": ("text", "content", "body"),
    "title": ("title", "headline"),
    "date": ("date",),
    "outlet": ("outlet", "source"),
    "url": ("url",),
    "lang": ("lang", "language"),
    "label": ("label",),
}

HEADER_KEYS = ("date", "title", "outlet", "url", "lang")
FORMATS = (".txt", ".jsonl", ".json", ".csv", ".parquet")
EXPECTED_INPUT = "a folder of .txt files or a .txt/.jsonl/.json/.csv/.parquet file"
DEFAULT_LANG = "en"
REPLACED_COLUMN = "n_replaced_bytes"

_LANG_RE = re.compile(r"[a-z]{2}")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# One header line: leading blanks (and a byte-order mark), a key, an optional colon, blanks, the value.
_HEADER_LINE_RE = re.compile(
    r"[\ufeff \t]*(?P<key>date|title|outlet|url|lang)[ \t]*:?[ \t]+(?P<value>[^\r\n]*?)[ \t]*(?:\r\n|\n|\r|$)"
)
_HEADER_DATE_RE = re.compile(r"[\ufeff \t]*date[ \t]*:?[ \t]+(?P<value>\d\S*)(?P<rest>[^\r\n]*)(?:\r\n|\n|\r|$)")
_BLANK_LINES_RE = re.compile(r"[\ufeff \t]*(?:\r\n|\n|\r)")

# Undecodable bytes become this noncharacter while a file is parsed, so that each article can count its own
# replacements; it is turned into U+FFFD before the table is returned.
_SENTINEL = "\ufdd0"
_SENTINEL_HANDLER = "toolkit-articles-sentinel"


def _sentinel_errors(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return _SENTINEL * (exc.end - exc.start), exc.end


codecs.register_error(_SENTINEL_HANDLER, _sentinel_errors)


# --------------------------------------------------------------------------------------------------------------
# Plain-text header
# --------------------------------------------------------------------------------------------------------------


def parse_header(text: str, source: str = "text") -> tuple[dict[str, Any], int]:
    """Parse the optional ``key value`` header at the start of a plain-text article.

    Returns ``(fields, end)``: the header fields (``date`` as ``datetime.date``, the others as ``str``) and the
    character offset where the article body starts (0 when there is no header). With an inline date the body
    starts at the first sentence on the date's line.
    """
    fields: dict[str, Any] = {}
    pos = 0
    line = 1
    while True:
        blank = _BLANK_LINES_RE.match(text, pos)
        if blank:
            pos, line = blank.end(), line + 1
            continue
        date_match = _HEADER_DATE_RE.match(text, pos)
        if date_match:
            value = date_match.group("value")
            _set_header_field(fields, "date", _parse_header_date(value, source, line), source, line)
            rest = date_match.group("rest")
            if rest.strip():
                # Inline header: the first sentence follows the date on the same line.
                return fields, date_match.start("rest") + len(rest) - len(rest.lstrip())
            pos, line = date_match.end(), line + 1
            continue
        match = _HEADER_LINE_RE.match(text, pos)
        if not match or match.group("key") == "date" or not match.group("value"):
            break
        key, value = match.group("key"), match.group("value")
        if key == "lang" and not _LANG_RE.fullmatch(value):
            raise ToolkitError(
                f"{source}: header line {line} has lang {value!r}; expected a two-letter ISO 639-1 code such as 'en'"
            )
        _set_header_field(fields, key, value, source, line)
        pos, line = match.end(), line + 1
    return fields, (pos if fields else 0)


def _parse_header_date(value: str, source: str, line: int) -> _date:
    if _ISO_DATE_RE.fullmatch(value):
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            pass
    raise ToolkitError(f"{source}: header line {line} has date {value!r} that cannot be parsed; expected YYYY-MM-DD")


def _set_header_field(fields: dict, key: str, value: Any, source: str, line: int) -> None:
    if key in fields:
        raise ToolkitError(f"{source}: header line {line} repeats {key!r}; expected each header key at most once")
    fields[key] = value


# --------------------------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------------------------


def _check_errors_arg(errors: str) -> None:
    if errors not in ("strict", "replace"):
        raise ToolkitError(f"errors={errors!r}; expected 'strict' or 'replace'")


def _decode_error(path: Path, exc: UnicodeDecodeError, offset: int, line: int) -> ToolkitError:
    bad = exc.object[exc.start : exc.end].hex(" ")
    return ToolkitError(
        f"'{path}' is not valid UTF-8: byte offset {offset} (line {line}) holds 0x{bad}; expected UTF-8 text "
        f"(pass errors='replace' to replace undecodable bytes with U+FFFD and count them in column "
        f"'{REPLACED_COLUMN}')"
    )


def _decode(data: bytes, path: Path, errors: str, base_offset: int = 0, base_line: int = 1) -> tuple[str, int]:
    """Decode UTF-8; return the text and the number of bytes that were replaced by U+FFFD."""
    try:
        return data.decode("utf-8"), 0
    except UnicodeDecodeError as exc:
        if errors == "strict":
            raise _decode_error(path, exc, base_offset + exc.start, base_line + data.count(b"\n", 0, exc.start))
    text = data.decode("utf-8", _SENTINEL_HANDLER)
    n = text.count(_SENTINEL)
    return text.replace(_SENTINEL, "\ufffd"), n


def _locate_decode_error(path: Path) -> ToolkitError:
    """Find the first undecodable byte of a file without reading it all into memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, line = 0, 1
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            final = not chunk
            try:
                decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                # The decoder may hold back up to 3 bytes of an incomplete sequence from the previous chunk.
                pending = len(exc.object) - len(chunk)
                pos = offset - pending + exc.start
                prefix = exc.object[: exc.start]
                line_at = line + prefix.count(b"\n") - exc.object[:pending].count(b"\n")
                return _decode_error(path, exc, pos, line_at)
            if final:
                break
            offset += len(chunk)
            line += chunk.count(b"\n")
    return ToolkitError(f"'{path}' could not be decoded as UTF-8; expected UTF-8 text")


# --------------------------------------------------------------------------------------------------------------
# Plain-text articles
# --------------------------------------------------------------------------------------------------------------


def _read_sidecar(sidecar: str | None) -> dict[str, Any]:
    """The metadata object in a ``.json`` sidecar, or ``{}`` when there is none."""
    if sidecar is None:
        return {}
    with open(sidecar, "rb") as fh:
        raw = fh.read()
    text, _ = _decode(raw, sidecar, "strict")
    try:
        meta = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ToolkitError(
            f"sidecar '{sidecar}' is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "expected a JSON object of metadata"
        ) from None
    if not isinstance(meta, dict):
        raise ToolkitError(f"sidecar '{sidecar}' holds a JSON {_json_type(meta)}; expected a JSON object of metadata")
    if "text" in meta:
        raise ToolkitError(f"sidecar '{sidecar}' has a 'text' field; the text is the .txt file itself")
    return meta


def _txt_record(path: str, default_id: str, errors: str, sidecar: str | None) -> dict[str, Any]:
    with open(path, "rb") as fh:
        data = fh.read()
    text, n_replaced = _decode(data, path, errors)
    header, _ = parse_header(text, source=f"'{path}'")
    meta = _read_sidecar(sidecar)
    if "sha256" in meta:
        digest = hashlib.sha256(data).hexdigest()
        if meta["sha256"] != digest:
            raise ToolkitError(
                f"sidecar '{sidecar}' has sha256 {meta['sha256']!r} but '{path}' has sha256 {digest!r}; the text "
                "changed since the sidecar was written (update or remove the sidecar's 'sha256')"
            )
    record: dict[str, Any] = {"id": default_id}
    for key, value in header.items():
        record[key] = pd.Timestamp(value) if key == "date" else value
    for key, value in meta.items():
        if key in header:
            if value is None:
                continue  # a null in the sidecar does not erase the header's value
            side = _parse_sidecar_date(value, sidecar) if key == "date" else value
            if side != record[key]:
                raise ToolkitError(
                    f"sidecar '{sidecar}' has {key} {value!r} but the header of '{path}' has "
                    f"{header[key]!s}; expected them to agree"
                )
            continue
        if key == "date" and value is not None:
            value = _parse_sidecar_date(value, sidecar)
        record[key] = value
    record["text"] = text
    if errors == "replace":
        record[REPLACED_COLUMN] = n_replaced
    return record


def _parse_sidecar_date(value: Any, sidecar: Path) -> pd.Timestamp:
    if isinstance(value, str) and _looks_iso(value.strip()):
        try:
            stamp = pd.Timestamp(value.strip())
        except ValueError:
            pass
        else:
            return stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo is not None else stamp
    raise ToolkitError(
        f"sidecar '{sidecar}' has date {value!r} that cannot be parsed; expected an ISO 8601 date such as '2020-12-16'"
    )


def _looks_iso(value: str) -> bool:
    return bool(re.match(r"\d{4}-\d{2}(-\d{2})?([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$", value))


def read_article(path: str | Path, *, errors: str = "strict") -> pd.DataFrame:
    """Read one plain-text article (``.txt`` plus optional ``.json`` sidecar) into a one-row article table."""
    _check_errors_arg(errors)
    path = Path(path)
    if not path.exists():
        raise ToolkitError(f"file not found: '{path}'; expected a .txt file")
    if path.is_dir() or path.suffix.lower() != ".txt":
        raise ToolkitError(f"read_article expected a .txt file, got '{path}'; use load_articles for {EXPECTED_INPUT}")
    sidecar = path.with_suffix(".json")
    record = _txt_record(str(path), path.stem, errors, str(sidecar) if sidecar.is_file() else None)
    return validate_articles(_records_to_frame([record]), f"'{path}'", where=["line 1"])


def _load_folder(root: Path, errors: str) -> pd.DataFrame:
    # os.walk with plain strings: pathlib costs more than reading the files in a folder of 30,000 articles.
    found: list[tuple[str, str, str | None]] = []  # (relative posix path, full path, sidecar or None)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        names = set(files)
        rel_folder = os.path.relpath(folder, root)
        for name in files:
            stem, ext = os.path.splitext(name)
            if ext.lower() != ".txt" or name.startswith("."):
                continue
            full = os.path.join(folder, name)
            if not os.path.isfile(full):
                continue
            rel = name if rel_folder == "." else f"{rel_folder}/{name}".replace(os.sep, "/")
            sidecar = os.path.join(folder, stem + ".json") if stem + ".json" in names else None
            found.append((rel, full, sidecar))
    if not found:
        raise ToolkitError(f"folder '{root}' contains no .txt files (searched recursively); expected {EXPECTED_INPUT}")
    found.sort()
    records, where = [], []
    for rel, full, sidecar in found:
        record = _txt_record(full, os.path.splitext(rel)[0], errors, sidecar)
        label = rel.rpartition("/")[0]
        record.setdefault("label", label or None)
        records.append(record)
        where.append(f"file '{rel}'")
    return validate_articles(_records_to_frame(records), f"folder '{root}'", where=where)


def _records_to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    columns: dict[str, list] = {}
    for i, record in enumerate(records):
        for key, value in record.items():
            if key not in columns:
                columns[key] = [None] * i
            columns[key].append(value)
        for key, values in columns.items():
            if len(values) <= i:
                values.append(None)
    return _columns_to_frame(columns, len(records))


def _columns_to_frame(columns: dict[str, list], n: int) -> pd.DataFrame:
    # object dtype keeps the str objects as they are (no copy into a string array) and None for missing values.
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()}, index=pd.RangeIndex(n))


# --------------------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _read_jsonl(path: Path, errors: str) -> tuple[dict[str, list], list[str], int]:
    """Read a JSONL file line by line into column lists; return (columns, line labels, n_records)."""
    columns: dict[str, list] = {}
    where: list[str] = []
    replaced: list[int] = []
    n = 0
    offset = 0
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line_offset, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            line, n_bad = _decode(raw, path, errors, base_offset=line_offset, base_line=lineno)
            if lineno == 1:
                line = line.lstrip("\ufeff")  # a byte-order mark is not part of the first object
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ToolkitError(
                    f"'{path}' line {lineno} is not valid JSON ({exc.msg} at column {exc.colno}); "
                    "expected one JSON object per line"
                ) from None
            if not isinstance(obj, dict):
                raise ToolkitError(
                    f"'{path}' line {lineno} holds a JSON {_json_type(obj)}; expected one JSON object per line"
                )
            for key, value in obj.items():
                values = columns.get(key)
                if values is None:
                    values = columns[key] = [None] * n
                values.append(value)
            n += 1
            for values in columns.values():
                if len(values) < n:
                    values.append(None)
            where.append(f"line {lineno}")
            replaced.append(n_bad)
    if errors == "replace":
        columns[REPLACED_COLUMN] = replaced
    return columns, where, n


def _read_json(path: Path, errors: str) -> tuple[dict[str, list], list[str], int]:
    raw = path.read_bytes()
    text = _decode(raw, path, "strict")[0] if errors == "strict" else raw.decode("utf-8", _SENTINEL_HANDLER)
    del raw
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ToolkitError(
            f"'{path}' is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "expected an array of objects"
        ) from None
    del text
    if not isinstance(data, list):
        raise ToolkitError(f"'{path}' holds a JSON {_json_type(data)}; expected an array of objects")
    columns: dict[str, list] = {}
    for i, obj in enumerate(data):
        if not isinstance(obj, dict):
            raise ToolkitError(f"'{path}' object {i + 1} is a JSON {_json_type(obj)}; expected an array of objects")
        for key, value in obj.items():
            values = columns.get(key)
            if values is None:
                values = columns[key] = [None] * i
            values.append(value)
        for values in columns.values():
            if len(values) <= i:
                values.append(None)
    n = len(data)
    del data
    if errors == "replace":
        _count_sentinels(columns, n)
    return columns, [f"object {i + 1}" for i in range(n)], n


def _count_sentinels(columns: dict[str, list], n: int) -> None:
    counts = [0] * n
    for values in columns.values():
        for i, value in enumerate(values):
            if isinstance(value, str) and _SENTINEL in value:
                counts[i] += value.count(_SENTINEL)
                values[i] = value.replace(_SENTINEL, "\ufffd")
    columns[REPLACED_COLUMN] = counts


def _read_csv(path: Path, errors: str) -> tuple[dict[str, list], list[str], int]:
    try:
        df = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
            encoding_errors="strict" if errors == "strict" else _SENTINEL_HANDLER,
        )
    except UnicodeDecodeError:
        raise _locate_decode_error(path) from None
    except pd.errors.EmptyDataError:
        raise ToolkitError(f"'{path}' is empty; expected a CSV file with a header row") from None
    except pd.errors.ParserError as exc:
        raise ToolkitError(
            f"'{path}' is not a readable CSV file ({exc}); expected a CSV file with a header row"
        ) from None
    columns = {str(c): df[c].astype(object).tolist() for c in df.columns}
    n = len(df)
    del df
    if errors == "replace":
        _count_sentinels(columns, n)
    return columns, [f"row {i + 1}" for i in range(n)], n


def _read_parquet(path: Path, errors: str) -> tuple[dict[str, list], list[str], int]:
    try:
        df = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise ToolkitError(f"'{path}' is not a readable Parquet file ({exc}); expected a Parquet table") from None
    columns = {str(c): df[c].reset_index(drop=True) for c in df.columns}
    n = len(df)
    if errors == "replace":
        columns[REPLACED_COLUMN] = [0] * n
    return columns, [f"row {i + 1}" for i in range(n)], n


_TABLE_READERS = {".jsonl": _read_jsonl, ".json": _read_json, ".csv": _read_csv, ".parquet": _read_parquet}


def _resolve_mapping(fields: Sequence[str], mapping: dict[str, str | None], source: str) -> dict[str, str]:
    """Map canonical column -> source field, from explicit names or the defaults."""
    resolved: dict[str, str] = {}
    found = ", ".join(repr(f) for f in fields) or "none"
    for column, candidates in DEFAULT_FIELDS.items():
        given = mapping.get(column)
        if given is not None:
            if not isinstance(given, str):
                raise ToolkitError(f"{column}={given!r}; expected the name of a field (a string)")
            if given not in fields:
                raise ToolkitError(
                    f"{source}: {column}={given!r} names a field that does not exist; fields found: {found}"
                )
            resolved[column] = given
            continue
        for candidate in candidates:
            exact = [f for f in fields if f == candidate]
            loose = [f for f in fields if f.lower() == candidate]
            if exact or loose:
                resolved[column] = (exact or loose)[0]
                break
    used = list(resolved.values())
    for value in set(used):
        if used.count(value) > 1:
            names = [c for c, f in resolved.items() if f == value]
            raise ToolkitError(f"{source}: field {value!r} is mapped to several columns ({', '.join(names)}); "
                               "expected one field per column")
    for column, hint in (("id", "id"), ("text", "text")):
        if column not in resolved:
            expected = "/".join(repr(c) for c in DEFAULT_FIELDS[column])
            raise ToolkitError(
                f"{source}: no {column} field; expected a field named {expected} or {hint}=<field name>; "
                f"fields found: {found}"
            )
    return resolved


def _load_table(
    path: Path, suffix: str, mapping: dict[str, str | None], errors: str, date_format: str | None
) -> pd.DataFrame:
    source = f"'{path}'"
    columns, where, n = _TABLE_READERS[suffix](path, errors)
    if n == 0:
        raise ToolkitError(f"{source} holds no articles; expected at least one record")
    fields = [c for c in columns if c != REPLACED_COLUMN]
    resolved = _resolve_mapping(fields, mapping, source)
    renamed: dict[str, Any] = {}
    for column, field in resolved.items():
        renamed[column] = columns[field]
    mapped = set(resolved.values())
    for name, values in columns.items():
        if name in mapped:
            continue
        key = f"{name}_original" if name in renamed or name in ARTICLE_COLUMNS or name == "label" else name
        renamed[key] = values
    del columns
    frame = pd.DataFrame(
        {k: (v if isinstance(v, pd.Series) else pd.Series(v, dtype=object)) for k, v in renamed.items()},
        index=pd.RangeIndex(n),
    )
    del renamed
    return validate_articles(frame, source, where=where, fields=resolved, date_format=date_format)


def load_articles(
    path: str | Path,
    *,
    id: str | None = None,
    text: str | None = None,
    title: str | None = None,
    date: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
    lang: str | None = None,
    label: str | None = None,
    date_format: str | None = None,
    errors: str = "strict",
) -> pd.DataFrame:
    """Load articles from a ``.txt`` file, a folder of ``.txt`` files, or a ``.jsonl``/``.json``/``.csv``/``.parquet``.

    Parameters
    ----------
    path : the file or folder. A folder is searched recursively for ``.txt`` files (hidden files and folders are
        skipped); ids are the relative paths without suffix and sub-folder names fill the ``label`` column.
    id, text, title, date, outlet, url, lang, label : for tables only, the name of the field holding that column
        (defaults: ``DEFAULT_FIELDS``).
    date_format : for tables, a ``strftime`` format for the dates (``"%m/%d/%y"``); default ISO 8601.
    errors : ``"strict"`` refuses undecodable bytes; ``"replace"`` replaces them with U+FFFD and counts them in
        the column ``n_replaced_bytes``.

    Returns the validated article table (see the module docstring).
    """
    _check_errors_arg(errors)
    mapping = {"id": id, "text": text, "title": title, "date": date, "outlet": outlet, "url": url, "lang": lang,
               "label": label}
    path = Path(path)
    if not path.exists():
        raise ToolkitError(f"file or folder not found: '{path}'; expected {EXPECTED_INPUT}")
    given = {k: v for k, v in mapping.items() if v is not None}
    suffix = path.suffix.lower()
    if path.is_dir() or suffix == ".txt":
        if date_format is not None:
            given["date_format"] = date_format
        if given:
            names = ", ".join(f"{k}={v!r}" for k, v in given.items())
            raise ToolkitError(
                f"{names} given for '{path}'; field mappings apply to .jsonl/.json/.csv/.parquet tables, while "
                "plain-text articles take their metadata from the header and the .json sidecar"
            )
        if path.is_dir():
            return _load_folder(path, errors)
        return read_article(path, errors=errors)
    if suffix not in _TABLE_READERS:
        raise ToolkitError(f"expected {EXPECTED_INPUT}, got '{path.name}'")
    return _load_table(path, suffix, mapping, errors, date_format)


# --------------------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return False


def _type_name(value: Any) -> str:
    return type(value).__name__


def validate_articles(
    df: pd.DataFrame,
    source: str,
    *,
    where: Sequence[str] | None = None,
    fields: dict[str, str] | None = None,
    date_format: str | None = None,
) -> pd.DataFrame:
    """Check an article table and return it normalised, with ``ARTICLE_COLUMNS`` first.

    Parameters
    ----------
    df : a DataFrame with at least ``id`` and ``text`` columns; it is not modified.
    source : where the table came from, used in error messages (``"'x.csv'"``, ``"corpus allsides-abp"``).
    where : optional location of each row for error messages (``"line 7"``); default ``"row N"`` (1-based).
    fields : optional canonical column -> source field name, so that messages name the user's field.
    date_format : a ``strftime`` format (``"%m/%d/%y"``) for string dates; default ISO 8601.

    Raises ``ToolkitError`` for missing or duplicate ids, empty or non-string texts, unparseable dates, a ``lang``
    that is not an ISO 639-1 code, or non-string titles, outlets and urls.
    """
    if not isinstance(df, pd.DataFrame):
        raise ToolkitError(f"{source}: expected a pandas DataFrame of articles, got {_type_name(df)}")
    fields = dict(fields or {})
    n = len(df)
    if where is not None and len(where) != n:
        raise ToolkitError(f"{source}: where= has {len(where)} entries for {n} rows; expected one per row")
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise ToolkitError(f"{source}: column {dup!r} appears more than once; expected unique column names")
    found = ", ".join(repr(str(c)) for c in df.columns) or "none"
    for column in ("id", "text"):
        if column not in df.columns:
            raise ToolkitError(
                f"{source}: no {column!r} column; expected columns 'id' and 'text'; columns found: {found}"
            )

    def at(i: int) -> str:
        return where[i] if where is not None else f"row {i + 1}"

    def field(column: str) -> str:
        name = fields.get(column, column)
        return f"field {name!r}" if name == column else f"field {name!r} (the {column})"

    # ids: non-empty strings (integers are written in decimal), unique.
    ids = df["id"].tolist()
    for i, value in enumerate(ids):
        if isinstance(value, str):
            if value.strip():
                continue
            raise ToolkitError(
                f"{source}: {at(i)} has an empty id in {field('id')}; expected a unique non-empty string"
            )
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            ids[i] = str(int(value))
            continue
        if _is_missing(value):
            raise ToolkitError(f"{source}: {at(i)} has no id in {field('id')}; expected a unique non-empty string")
        raise ToolkitError(
            f"{source}: {at(i)} has an id of type {_type_name(value)} ({value!r}) in {field('id')}; "
            "expected a string or an integer"
        )
    id_series = pd.Series(ids, dtype=object, index=pd.RangeIndex(n))
    dup_mask = id_series.duplicated(keep=False).to_numpy()
    if dup_mask.any():
        first = id_series[dup_mask].iloc[0]
        rows = np.flatnonzero((id_series == first).to_numpy())
        places = ", ".join(at(int(i)) for i in rows[:10]) + (", ..." if len(rows) > 10 else "")
        raise ToolkitError(f"{source}: id {first!r} appears {len(rows)} times ({places}); expected unique ids")

    # texts: non-empty strings, never converted.
    text_values = df["text"].to_numpy(dtype=object)
    for i, value in enumerate(text_values):
        if isinstance(value, str):
            if value and not value.isspace():
                continue
            raise ToolkitError(
                f"{source}: {at(i)} (id {ids[i]!r}) has an empty text in {field('text')}; expected non-empty text"
            )
        found_type = "nothing (missing)" if _is_missing(value) else f"{_type_name(value)} {_short(value)}"
        raise ToolkitError(
            f"{source}: {at(i)} (id {ids[i]!r}) has no text in {field('text')}: found {found_type}; expected a string"
        )

    out: dict[str, Any] = {"id": id_series, "text": pd.Series(text_values, dtype=object, index=pd.RangeIndex(n))}
    out["title"] = _optional_strings(df, "title", source, at, field, ids)
    out["outlet"] = _optional_strings(df, "outlet", source, at, field, ids)
    out["date"] = _dates(df, source, at, field, ids, date_format)
    out["url"] = _optional_strings(df, "url", source, at, field, ids)
    out["lang"] = _langs(df, source, at, field, ids)
    for column in df.columns:
        if column in ARTICLE_COLUMNS:
            continue
        out[str(column)] = df[column].reset_index(drop=True)
    return pd.DataFrame(out, index=pd.RangeIndex(n))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _optional_strings(df, column, source, at, field, ids) -> pd.Series:
    n = len(df)
    if column not in df.columns:
        return pd.Series([None] * n, dtype=object, index=pd.RangeIndex(n))
    values = df[column].to_numpy(dtype=object).copy()
    for i, value in enumerate(values):
        if isinstance(value, str):
            if not value.strip():
                values[i] = None
            continue
        if _is_missing(value):
            values[i] = None
            continue
        raise ToolkitError(
            f"{source}: {at(i)} (id {ids[i]!r}) has a {column} of type {_type_name(value)} {_short(value)} in "
            f"{field(column)}; expected a string or nothing"
        )
    return pd.Series(values, dtype=object, index=pd.RangeIndex(n))


def _langs(df, source, at, field, ids) -> pd.Series:
    n = len(df)
    if "lang" not in df.columns:
        return pd.Series([DEFAULT_LANG] * n, dtype=object, index=pd.RangeIndex(n))
    values = df["lang"].to_numpy(dtype=object).copy()
    for i, value in enumerate(values):
        if _is_missing(value) or (isinstance(value, str) and not value.strip()):
            values[i] = DEFAULT_LANG
        elif not (isinstance(value, str) and _LANG_RE.fullmatch(value)):
            raise ToolkitError(
                f"{source}: {at(i)} (id {ids[i]!r}) has lang {_short(value)} in {field('lang')}; expected a "
                "two-letter lower-case ISO 639-1 code such as 'en'"
            )
    return pd.Series(values, dtype=object, index=pd.RangeIndex(n))


_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max  # the range datetime64[ns] can hold


def _dates(df, source, at, field, ids, date_format=None) -> pd.Series:
    n = len(df)
    index = pd.RangeIndex(n)
    if "date" not in df.columns:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    column = df["date"]
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        values = column
        if getattr(column.dt, "tz", None) is not None:
            values = column.dt.tz_convert("UTC").dt.tz_localize(None)
        values = pd.Series(values.to_numpy(), index=index)
        outside = (values.notna() & ((values < _NS_MIN) | (values > _NS_MAX))).to_numpy()
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            _out_of_range(source, at(i), ids[i], values.iloc[i], field)
        return values.astype("datetime64[ns]")
    raw = column.to_numpy(dtype=object)
    stamps: list[Any] = [pd.NaT] * n
    for i, value in enumerate(raw):
        if _is_missing(value) or (isinstance(value, str) and not value.strip()):
            continue
        try:
            if isinstance(value, str) and date_format is not None:
                stamp = pd.Timestamp(datetime.strptime(value.strip(), date_format))
            elif isinstance(value, str):
                if not _looks_iso(value.strip()):
                    raise ValueError(value)
                stamp = pd.Timestamp(value.strip())
            elif isinstance(value, (datetime, _date, np.datetime64)):
                stamp = pd.Timestamp(value)
            else:
                raise ValueError(value)
        except (ValueError, OverflowError):
            _bad_date(source, at(i), ids[i], value, field, date_format)
        if stamp is pd.NaT:
            continue
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        if not _NS_MIN <= stamp <= _NS_MAX:
            _out_of_range(source, at(i), ids[i], value, field)
        stamps[i] = stamp
    return pd.Series(pd.DatetimeIndex(stamps).astype("datetime64[ns]"), index=index)


def _out_of_range(source, where, id_, value, field) -> None:
    raise ToolkitError(
        f"{source}: {where} (id {id_!r}) has date {_short(str(value))} in {field('date')} outside the range a "
        f"date column can hold; expected a date between {_NS_MIN.date()} and {_NS_MAX.date()}"
    )


def _bad_date(source, where, id_, value, field, date_format=None) -> None:
    expected = (
        f"the format {date_format!r} (date_format=)" if date_format is not None
        else "an ISO 8601 date such as '2020-12-16' (YYYY-MM-DD, optionally with a time; or pass date_format=)"
    )
    raise ToolkitError(
        f"{source}: {where} (id {id_!r}) has date {_short(value)} in {field('date')} that cannot be parsed; "
        f"expected {expected}"
    )
