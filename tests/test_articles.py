"""Tests for the article table and its loaders (toolkit.articles)."""

import hashlib
import json
import os
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from toolkit.articles import ARTICLE_COLUMNS, load_articles, parse_header, read_article, validate_articles
from toolkit.errors import ToolkitError
from toolkit.paths import seeds_dir

SEED = seeds_dir() / "000_b050418d726ab46a.txt"
SEED_SIDECAR = SEED.with_suffix(".json")


def exact(message: str) -> str:
    """A pattern that matches the whole message and nothing else."""
    return "^" + re.escape(message) + "$"


def write(path: Path, content, encoding="utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode(encoding))
    return path


def write_jsonl(path: Path, records) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in records))


def check_canonical(df: pd.DataFrame) -> None:
    assert list(df.columns[: len(ARTICLE_COLUMNS)]) == list(ARTICLE_COLUMNS)
    assert df["date"].dtype == np.dtype("datetime64[ns]")
    for column in ("id", "text", "title", "outlet", "url", "lang"):
        assert df[column].dtype == object
    assert df["id"].is_unique
    assert all(isinstance(t, str) and t.strip() for t in df["text"])


# --- the seed -------------------------------------------------------------------------------------------------


def test_seed_text_is_byte_identical_and_date_comes_from_inline_header():
    df = read_article(SEED)
    check_canonical(df)
    assert len(df) == 1
    row = df.iloc[0]
    raw = SEED.read_bytes()
    assert row["text"].encode("utf-8") == raw
    assert raw.startswith(b" date 2020-12-16 ")  # the header stays in the text
    assert row["date"] == pd.Timestamp("2020-12-16")
    assert row["id"] == SEED.stem
    assert row["lang"] == "en"
    assert row["outlet"] is None


def test_seed_sidecar_fields_and_checksum():
    meta = json.loads(SEED_SIDECAR.read_text(encoding="utf-8"))
    assert meta["sha256"] == hashlib.sha256(SEED.read_bytes()).hexdigest()
    assert meta["date"] == "2020-12-16"
    assert meta["lang"] == "en"
    assert meta["outlet"] is None
    assert "seed" in meta["provenance"]
    row = read_article(SEED).iloc[0]
    assert row["provenance"] == meta["provenance"]
    assert row["sha256"] == meta["sha256"]
    assert row["title"] == meta["title"]


def test_seed_header_ends_before_first_sentence():
    text = SEED.read_text(encoding="utf-8")
    fields, end = parse_header(text)
    assert str(fields["date"]) == "2020-12-16"
    assert text[end:].startswith("Leader of the Islamic Revolution")
    assert text[:end].strip() == "date 2020-12-16"


def test_seed_sidecar_checksum_mismatch_is_reported(tmp_path):
    txt = write(tmp_path / "seed.txt", SEED.read_bytes() + b" edited")
    write(tmp_path / "seed.json", SEED_SIDECAR.read_bytes())
    with pytest.raises(ToolkitError, match=r"the text changed since the sidecar was written"):
        read_article(txt)


# --- headers ----------------------------------------------------------------------------------------------------


def test_header_on_own_lines(tmp_path):
    text = "date 2021-03-04\ntitle A headline here\noutlet Some Daily\nurl https://example.org/a\n\nBody starts.\n"
    path = write(tmp_path / "a.txt", text)
    row = read_article(path).iloc[0]
    assert row["text"] == text
    assert row["date"] == pd.Timestamp("2021-03-04")
    assert row["title"] == "A headline here"
    assert row["outlet"] == "Some Daily"
    assert row["url"] == "https://example.org/a"
    fields, end = parse_header(text)
    assert text[end:] == "Body starts.\n"


def test_no_header_means_no_metadata():
    text = "The date 2020-01-01 is mentioned in passing.\n"
    assert parse_header(text) == ({}, 0)
    assert parse_header("title\nBody") == ({}, 0)


def test_header_with_crlf_and_colon(tmp_path):
    text = "title: Windows file\r\ndate: 2019-07-08\r\nBody.\r\n"
    path = write(tmp_path / "w.txt", text)
    row = read_article(path).iloc[0]
    assert row["text"] == text
    assert row["title"] == "Windows file"
    assert row["date"] == pd.Timestamp("2019-07-08")


def test_bad_header_date_is_named(tmp_path):
    path = write(tmp_path / "b.txt", "date 16/12/2020 Body text.")
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': header line 1 has date '16/12/2020' that cannot be parsed; expected YYYY-MM-DD"
    )):
        read_article(path)


def test_impossible_header_date_is_refused(tmp_path):
    path = write(tmp_path / "b.txt", "title X\ndate 2020-02-30\nBody text.")
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': header line 2 has date '2020-02-30' that cannot be parsed; expected YYYY-MM-DD"
    )):
        read_article(path)


def test_sidecar_and_header_must_agree(tmp_path):
    path = write(tmp_path / "c.txt", "date 2020-01-01\nBody.")
    write(tmp_path / "c.json", json.dumps({"date": "2020-01-02"}))
    with pytest.raises(ToolkitError, match=exact(
        f"sidecar '{tmp_path / 'c.json'}' has date '2020-01-02' but the header of '{path}' has 2020-01-01; "
        "expected them to agree"
    )):
        read_article(path)


def test_sidecar_adds_metadata_and_id(tmp_path):
    path = write(tmp_path / "d.txt", "Plain body with no header.")
    write(tmp_path / "d.json", json.dumps({"id": "mine", "outlet": "Paper", "date": "2018-05-06", "topic": "x"}))
    row = read_article(path).iloc[0]
    assert (row["id"], row["outlet"], row["topic"]) == ("mine", "Paper", "x")
    assert row["date"] == pd.Timestamp("2018-05-06")
    assert row["text"] == "Plain body with no header."


def test_sidecar_must_be_a_json_object(tmp_path):
    path = write(tmp_path / "e.txt", "Body.")
    write(tmp_path / "e.json", "[1, 2]")
    with pytest.raises(ToolkitError, match=exact(
        f"sidecar '{tmp_path / 'e.json'}' holds a JSON array; expected a JSON object of metadata"
    )):
        read_article(path)


# --- folders ----------------------------------------------------------------------------------------------------


def test_folder_is_recursive_with_labels_and_relative_ids(tmp_path):
    write(tmp_path / "left" / "a.txt", "date 2020-01-05\nLeft article.")
    write(tmp_path / "right" / "deep" / "b.txt", "Right article.")
    write(tmp_path / "top.txt", "Top-level article.")
    write(tmp_path / "notes.md", "not an article")
    write(tmp_path / ".hidden" / "x.txt", "skipped")
    df = load_articles(tmp_path)
    check_canonical(df)
    assert df["id"].tolist() == ["left/a", "right/deep/b", "top"]
    assert df["label"].tolist() == ["left", "right/deep", None]
    assert df["date"].iloc[0] == pd.Timestamp("2020-01-05")
    assert pd.isna(df["date"].iloc[1])
    assert df["text"].tolist() == ["date 2020-01-05\nLeft article.", "Right article.", "Top-level article."]


def test_empty_folder(tmp_path):
    write(tmp_path / "readme.md", "no articles")
    with pytest.raises(ToolkitError, match=exact(
        f"folder '{tmp_path}' contains no .txt files (searched recursively); expected a folder of .txt files or a "
        ".txt/.jsonl/.json/.csv/.parquet file"
    )):
        load_articles(tmp_path)


def test_mapping_refused_for_plain_text(tmp_path):
    path = write(tmp_path / "a.txt", "Body.")
    with pytest.raises(ToolkitError, match=r"^id='x' given for .*field mappings apply to"):
        load_articles(path, id="x")


# --- table formats ----------------------------------------------------------------------------------------------

RECORDS = [
    {"id": "007", "content": "First body.", "title": "One", "date": "2020-01-03", "source": "Daily A", "bias": 0},
    {"id": "008", "content": "Second body.", "title": "", "date": "", "source": "Daily B", "bias": 2},
]


def test_jsonl_defaults(tmp_path):
    df = load_articles(write_jsonl(tmp_path / "a.jsonl", RECORDS))
    check_canonical(df)
    assert df["id"].tolist() == ["007", "008"]
    assert df["text"].tolist() == ["First body.", "Second body."]
    assert df["outlet"].tolist() == ["Daily A", "Daily B"]
    assert df["title"].tolist() == ["One", None]
    assert df["date"].iloc[0] == pd.Timestamp("2020-01-03") and pd.isna(df["date"].iloc[1])
    assert df["bias"].tolist() == [0, 2]
    assert df["lang"].tolist() == ["en", "en"]


def test_json_array(tmp_path):
    df = load_articles(write(tmp_path / "a.json", json.dumps(RECORDS)))
    check_canonical(df)
    assert df["id"].tolist() == ["007", "008"]
    assert df["bias"].tolist() == [0, 2]


def test_csv_keeps_ids_as_strings(tmp_path):
    path = tmp_path / "a.csv"
    pd.DataFrame(RECORDS).to_csv(path, index=False)
    df = load_articles(path)
    check_canonical(df)
    assert df["id"].tolist() == ["007", "008"]
    assert df["bias"].tolist() == ["0", "2"]  # CSV values stay strings
    assert df["title"].tolist() == ["One", None]


def test_parquet(tmp_path):
    path = tmp_path / "a.parquet"
    pd.DataFrame(RECORDS, index=[10, 20]).to_parquet(path)  # a stored index must not misalign the columns
    df = load_articles(path)
    check_canonical(df)
    assert df["id"].tolist() == ["007", "008"]
    assert df["text"].tolist() == ["First body.", "Second body."]
    assert df["date"].iloc[0] == pd.Timestamp("2020-01-03")


def test_explicit_mapping_and_clashing_field(tmp_path):
    records = [{"ID": "a1", "content_original": "Body one.", "content": "tok en ized", "headline": "H",
                "published": "2020-01-03T10:00:00Z", "outlet_name": "O", "bias_text": "left"}]
    df = load_articles(write_jsonl(tmp_path / "m.jsonl", records), text="content_original", date="published",
                       outlet="outlet_name", label="bias_text")
    row = df.iloc[0]
    assert (row["id"], row["text"], row["title"], row["outlet"], row["label"]) == ("a1", "Body one.", "H", "O", "left")
    assert row["date"] == pd.Timestamp("2020-01-03 10:00:00")
    assert row["content"] == "tok en ized"  # unmapped fields are kept


def test_integer_ids_become_decimal_strings(tmp_path):
    df = load_articles(write_jsonl(tmp_path / "i.jsonl", [{"id": 7, "text": "x y"}, {"id": 8, "text": "z"}]))
    assert df["id"].tolist() == ["7", "8"]


# --- bad input: one test per message ------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.jsonl"
    with pytest.raises(ToolkitError, match=exact(
        f"file or folder not found: '{path}'; expected a folder of .txt files or a .txt/.jsonl/.json/.csv/.parquet file"
    )):
        load_articles(path)


def test_unknown_format(tmp_path):
    path = write(tmp_path / "x.docx", b"PK")
    with pytest.raises(ToolkitError, match=exact(
        "expected a folder of .txt files or a .txt/.jsonl/.json/.csv/.parquet file, got 'x.docx'"
    )):
        load_articles(path)


def test_missing_id_names_the_line(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "x"}, {"text": "y"}])
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': line 2 has no id in field 'id'; expected a unique non-empty string"
    )):
        load_articles(path)


def test_empty_id_in_csv_names_the_row(tmp_path):
    path = write(tmp_path / "a.csv", "id,text\na,x\n,y\n")
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': row 2 has an empty id in field 'id'; expected a unique non-empty string"
    )):
        load_articles(path)


def test_duplicate_ids_name_id_and_lines(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "x"}, {"id": "b", "text": "y"},
                                              {"id": "a", "text": "z"}])
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': id 'a' appears 2 times (line 1, line 3); expected unique ids"
    )):
        load_articles(path)


def test_duplicate_ids_in_folder_via_sidecar(tmp_path):
    write(tmp_path / "a.txt", "x")
    write(tmp_path / "b.txt", "y")
    write(tmp_path / "b.json", json.dumps({"id": "a"}))
    with pytest.raises(ToolkitError, match=exact(
        f"folder '{tmp_path}': id 'a' appears 2 times (file 'a.txt', file 'b.txt'); expected unique ids"
    )):
        load_articles(tmp_path)


def test_empty_body(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "body": "  \n "}])
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': line 1 (id 'a') has an empty text in field 'body' (the text); expected non-empty text"
    )):
        load_articles(path)


def test_empty_txt_file(tmp_path):
    path = write(tmp_path / "a.txt", "")
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': line 1 (id 'a') has an empty text in field 'text'; expected non-empty text"
    )):
        read_article(path)


def test_non_text_body_names_the_type(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "ok"}, {"id": "b", "text": 42}])
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': line 2 (id 'b') has no text in field 'text': found int 42; expected a string"
    )):
        load_articles(path)


def test_null_body(tmp_path):
    path = write(tmp_path / "a.json", json.dumps([{"id": "a", "text": None}]))
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': object 1 (id 'a') has no text in field 'text': found nothing (missing); expected a string"
    )):
        load_articles(path)


def test_undecodable_bytes_strict_names_offset(tmp_path):
    path = write(tmp_path / "a.txt", b"caf\xc3\xa9 ok\nbad \xff here")
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}' is not valid UTF-8: byte offset 13 (line 2) holds 0xff; expected UTF-8 text (pass "
        "errors='replace' to replace undecodable bytes with U+FFFD and count them in column 'n_replaced_bytes')"
    )):
        read_article(path)


def test_undecodable_bytes_in_jsonl_name_absolute_offset(tmp_path):
    good = b'{"id": "a", "text": "x"}\n'
    path = write(tmp_path / "a.jsonl", good + b'{"id": "b", "text": "\xfe"}\n')
    with pytest.raises(ToolkitError, match=re.escape(f"byte offset {len(good) + 21} (line 2) holds 0xfe")):
        load_articles(path)


def test_undecodable_bytes_in_csv_name_offset(tmp_path):
    head = b"id,text\n" + b"".join(b"r%d,plain text number %d\n" % (i, i) for i in range(20000))
    path = write(tmp_path / "a.csv", head + b"bad,\x80\n")
    with pytest.raises(ToolkitError, match=re.escape(f"byte offset {len(head) + 4} (line 20002) holds 0x80")):
        load_articles(path)


def test_undecodable_bytes_replace_records_count(tmp_path):
    path = write(tmp_path / "a.jsonl", b'{"id": "a", "text": "ok"}\n{"id": "b", "text": "x\xff\xfey"}\n')
    df = load_articles(path, errors="replace")
    assert df["n_replaced_bytes"].tolist() == [0, 2]
    assert df["text"].iloc[1] == "x\ufffd\ufffdy"
    csv = write(tmp_path / "a.csv", b"id,text\na,ok\nb,x\xffy\n")
    df = load_articles(csv, errors="replace")
    assert df["n_replaced_bytes"].tolist() == [0, 1]
    assert df["text"].iloc[1] == "x\ufffdy"
    txt = write(tmp_path / "t.txt", b"a\x80b")
    row = read_article(txt, errors="replace").iloc[0]
    assert (row["text"], row["n_replaced_bytes"]) == ("a\ufffdb", 1)


def test_unparseable_date_names_value_row_and_format(tmp_path):
    path = write(tmp_path / "a.csv", "id,text,date\na,x,2020-01-01\nb,y,next Tuesday\n")
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': row 2 (id 'b') has date 'next Tuesday' in field 'date' that cannot be parsed; expected an "
        "ISO 8601 date such as '2020-12-16' (YYYY-MM-DD, optionally with a time; or pass date_format=)"
    )):
        load_articles(path)


def test_date_format_for_non_iso_dates(tmp_path):
    path = write(tmp_path / "a.csv", "id,text,date\na,x,6/15/17\nb,y,\n")
    df = load_articles(path, date_format="%m/%d/%y")
    assert df["date"].iloc[0] == pd.Timestamp("2017-06-15")
    assert pd.isna(df["date"].iloc[1])
    mixed = write(tmp_path / "b.csv", "id,text,date\na,x,6/15/17\nb,y,\nc,z,2017-06-15\n")
    with pytest.raises(ToolkitError, match=exact(
        f"'{mixed}': row 3 (id 'c') has date '2017-06-15' in field 'date' that cannot be parsed; expected the "
        "format '%m/%d/%y' (date_format=)"
    )):
        load_articles(mixed, date_format="%m/%d/%y")


def test_impossible_calendar_date(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "x", "when": "2020-02-30"}])
    message = "line 1 (id 'a') has date '2020-02-30' in field 'when' (the date)"
    with pytest.raises(ToolkitError, match=re.escape(message)):
        load_articles(path, date="when")


def test_mapping_names_missing_field(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "x", "headline": "h"}])
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': text='body_text' names a field that does not exist; fields found: 'id', 'text', 'headline'"
    )):
        load_articles(path, text="body_text")


def test_no_text_field(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "words": "x"}])
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}': no text field; expected a field named 'text'/'content'/'body' or text=<field name>; "
        "fields found: 'id', 'words'"
    )):
        load_articles(path)


def test_malformed_jsonl_line(tmp_path):
    path = write(tmp_path / "a.jsonl", '{"id": "a", "text": "x"}\n\n{"id": "b", "text": }\n')
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}' line 3 is not valid JSON (Expecting value at column 21); expected one JSON object per line"
    )):
        load_articles(path)


def test_jsonl_line_not_an_object(tmp_path):
    path = write(tmp_path / "a.jsonl", '{"id": "a", "text": "x"}\n["b", "y"]\n')
    with pytest.raises(ToolkitError, match=exact(
        f"'{path}' line 2 holds a JSON array; expected one JSON object per line"
    )):
        load_articles(path)


def test_json_not_an_array(tmp_path):
    path = write(tmp_path / "a.json", json.dumps({"id": "a", "text": "x"}))
    with pytest.raises(ToolkitError, match=exact(f"'{path}' holds a JSON object; expected an array of objects")):
        load_articles(path)


def test_empty_table(tmp_path):
    path = write(tmp_path / "a.jsonl", "\n\n")
    with pytest.raises(ToolkitError, match=exact(f"'{path}' holds no articles; expected at least one record")):
        load_articles(path)


def test_validate_dataframe_messages_and_normalisation():
    df = pd.DataFrame({"id": ["a", "b"], "text": ["x", "y"], "extra": [1, 2], "date": ["2020-01-01", None]})
    before = df.copy()
    out = validate_articles(df, "my table")
    pd.testing.assert_frame_equal(df, before)  # the input is untouched
    check_canonical(out)
    assert list(out.columns) == list(ARTICLE_COLUMNS) + ["extra"]
    bad = pd.DataFrame({"id": ["a", "a"], "text": ["x", "y"]})
    message = "my table: id 'a' appears 2 times (row 1, row 2); expected unique ids"
    with pytest.raises(ToolkitError, match=exact(message)):
        validate_articles(bad, "my table")
    with pytest.raises(ToolkitError, match=exact(
        "my table: row 1 (id 'a') has lang 'English' in field 'lang'; expected a two-letter lower-case ISO 639-1 "
        "code such as 'en'"
    )):
        validate_articles(pd.DataFrame({"id": ["a"], "text": ["x"], "lang": ["English"]}), "my table")


def test_validate_accepts_pandas_string_dtype_and_tz_dates():
    df = pd.DataFrame({
        "id": pd.array(["a", "b"], dtype="string"),
        "text": pd.array(["x", "y"], dtype="string"),
        "date": pd.to_datetime(["2020-01-01T05:00:00+05:00", None], utc=True),
    })
    out = validate_articles(df, "t")
    check_canonical(out)
    assert out["date"].iloc[0] == pd.Timestamp("2020-01-01 00:00:00")
    assert out["id"].tolist() == ["a", "b"]


# --- streaming and inputs untouched ------------------------------------------------------------------------------


def test_jsonl_streams_without_copies(tmp_path):
    rng = np.random.default_rng(0)
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(1500):
            body = " ".join(rng.choice(words, size=500))
            fh.write(json.dumps({"id": f"doc{i}", "text": body, "date": "2020-01-01", "outlet": "o"}) + "\n")
    size = path.stat().st_size
    assert size > 4_000_000
    tracemalloc.start()
    try:
        df = load_articles(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(df) == 1500
    # The texts are held once as Python strings (about the file size); a second copy would double that.
    assert peak < 1.8 * size, f"peak {peak} bytes for a {size}-byte file"


def test_inputs_are_never_modified(tmp_path):
    write(tmp_path / "txt" / "sub" / "a.txt", "date 2020-01-01 Body one.")
    write(tmp_path / "txt" / "sub" / "a.json", json.dumps({"outlet": "O"}))
    write_jsonl(tmp_path / "a.jsonl", RECORDS)
    write(tmp_path / "a.json", json.dumps(RECORDS))
    pd.DataFrame(RECORDS).to_csv(tmp_path / "a.csv", index=False)
    pd.DataFrame(RECORDS).to_parquet(tmp_path / "a.parquet")
    write(tmp_path / "bad.txt", b"x\xffy")
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    past = 1_500_000_000
    for p in files:
        os.utime(p, (past, past))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    load_articles(tmp_path / "txt")
    for name in ("a.jsonl", "a.json", "a.csv", "a.parquet"):
        load_articles(tmp_path / name)
    read_article(tmp_path / "bad.txt", errors="replace")
    with pytest.raises(ToolkitError):
        read_article(tmp_path / "bad.txt")
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(p for p in tmp_path.rglob("*") if p.is_file())}
    assert after == before


def test_out_of_range_date_is_named():
    df = pd.DataFrame({"id": ["a", "b"], "text": ["x", "y"], "date": ["2020-01-01", "0001-11-30"]})
    with pytest.raises(ToolkitError, match=exact(
        "t: row 2 (id 'b') has date '0001-11-30' in field 'date' outside the range a date column can hold; "
        "expected a date between 1677-09-21 and 2262-04-11"
    )):
        validate_articles(df, "t")


# --- real data ------------------------------------------------------------------------------------------------


def test_installed_corpus_passes_validation_unchanged(installed_corpus):
    corpus = installed_corpus("allsides-abp")
    again = validate_articles(corpus, "installed allsides-abp")
    check_canonical(again)
    # Validation keeps every value of an installed (already canonical) table; only string dtypes become object.
    pd.testing.assert_frame_equal(again, corpus, check_dtype=False)


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".parquet"])
def test_installed_corpus_sample_round_trips_through_every_format(installed_corpus, tmp_path, suffix):
    corpus = installed_corpus("allsides-abp")
    sample = corpus.sample(n=min(300, len(corpus)), random_state=0).reset_index(drop=True)
    table = pd.DataFrame({
        "doc": sample["id"],
        "body": sample["text"],
        "headline": sample["title"],
        "published": sample["date"].dt.strftime("%Y-%m-%d"),
        "source": sample["outlet"],
    })
    path = tmp_path / f"sample{suffix}"
    if suffix == ".jsonl":
        table.to_json(path, orient="records", lines=True, force_ascii=False)
    elif suffix == ".json":
        table.to_json(path, orient="records", force_ascii=False)
    elif suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path)
    loaded = load_articles(path, id="doc", date="published")
    check_canonical(loaded)
    assert loaded["id"].tolist() == sample["id"].tolist()
    assert loaded["text"].tolist() == sample["text"].tolist()
    assert loaded["outlet"].tolist() == sample["outlet"].tolist()
    pd.testing.assert_series_equal(loaded["date"], sample["date"].dt.normalize(), check_names=False)


def test_byte_order_marks_are_accepted(tmp_path):
    bom = b"\xef\xbb\xbf"
    jsonl = write(tmp_path / "a.jsonl", bom + b'{"id": "a", "text": "x"}\n')
    assert load_articles(jsonl)["id"].tolist() == ["a"]
    csv = write(tmp_path / "a.csv", bom + b"id,text\na,x\n")
    assert load_articles(csv)["id"].tolist() == ["a"]
    txt = write(tmp_path / "t.txt", bom + b"date 2020-05-06\nBody.")
    row = read_article(txt).iloc[0]
    assert row["date"] == pd.Timestamp("2020-05-06")
    assert row["text"] == "\ufeffdate 2020-05-06\nBody."  # the text keeps every byte


def test_null_in_sidecar_keeps_header_value(tmp_path):
    path = write(tmp_path / "n.txt", "date 2020-01-01\nBody.")
    write(tmp_path / "n.json", json.dumps({"date": None, "title": None}))
    row = read_article(path).iloc[0]
    assert row["date"] == pd.Timestamp("2020-01-01")
    assert row["title"] is None


def test_pandas_missing_values_are_reported_as_missing():
    df = pd.DataFrame({"id": pd.array(["a", None], dtype="string"), "text": pd.array(["x", "y"], dtype="string")})
    with pytest.raises(ToolkitError, match=exact("t: row 2 has no id in field 'id'; expected a unique non-empty string")):
        validate_articles(df, "t")
    df = pd.DataFrame({"id": ["a", "b"], "text": pd.array(["x", pd.NA], dtype="string[python]")})
    with pytest.raises(ToolkitError, match=exact(
        "t: row 2 (id 'b') has no text in field 'text': found nothing (missing); expected a string"
    )):
        validate_articles(df, "t")
