"""Segmentation: structure and voices on the seed, real corpora, and properties on arbitrary text."""

import json
import os
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.__main__ import main
from toolkit.errors import ToolkitError
from toolkit.segment import VOICE_CODE, VOICES, fold_case, layout, layouts, segment, tokenize, tokenize_with_offsets


@pytest.fixture(scope="module")
def seed_seg(seed_text):
    return segment(seed_text)


def voices_of(seg, voice):
    return [v for v in seg.voices if v.voice == voice]


def test_seed_tweets_are_social_posts_with_handles_and_dates(seed_seg):
    posts = [v for v in voices_of(seed_seg, "social") if v.handle]
    assert [(p.handle, p.date) for p in posts] == [
        ("@IraqLiveUpdate", "December 15, 2020"),
        ("@codepink", "December 12, 2020"),
    ]
    codepink = seed_seg.span_text(posts[1])
    assert codepink.startswith("Iran began 2020 mourning")
    assert codepink.endswith("(@codepink) December 12, 2020")


def test_seed_revenge_quote_is_khamenei(seed_seg):
    quote = next(v for v in voices_of(seed_seg, "quoted") if "this revenge is certain" in seed_seg.span_text(v))
    assert quote.speaker == "Ayatollah Khamenei"
    assert quote.attribution == "the Leader"
    text = seed_seg.span_text(quote)
    assert text.startswith("“Of course, this harsh slap") and text.endswith("possible time,”")
    sentence = next(s for s in seed_seg.sentences if s.start <= quote.start < s.end)
    assert sentence.voice == "quoted" and sentence.speaker == "Ayatollah Khamenei"


def test_seed_quotes_attributed_through_pronoun_and_title(seed_seg):
    quoted = voices_of(seed_seg, "quoted")
    by_start = {seed_seg.span_text(q)[:25]: q for q in quoted}
    assert by_start["“Of course, we do not mea"].attribution == "he"
    assert by_start["“Of course, we do not mea"].speaker == "Ayatollah Khamenei"
    # A quote opened with a curly quote and closed with a straight one.
    us = by_start["“The US president admitted t"[:25]]
    assert seed_seg.span_text(us).endswith('General Soleimani."')
    assert us.speaker == "Ayatollah Khamenei"
    assert sum(q.speaker == "Ayatollah Khamenei" for q in quoted) >= 8


def test_seed_header_and_footer_are_boilerplate(seed_seg, seed_text):
    boiler = [seed_seg.span_text(v).strip() for v in voices_of(seed_seg, "boilerplate")]
    assert boiler == ["date 2020-12-16", "This article has been adapted from its original source."]
    # The first sentence starts after the inline header.
    assert seed_seg.span_text(seed_seg.sentences[0]).startswith("Leader of the Islamic Revolution")
    first = tokenize_with_offsets(seed_text)
    header_tokens = [t for t, v in zip(seed_seg.tokens, seed_seg.token_voice) if VOICES[v] == "boilerplate"]
    assert header_tokens[:2] == ["date", "2020-12-16"] and first[0][:2] == ["date", "2020-12-16"]


def test_seed_arabic_is_flagged(seed_seg):
    scripts = seed_seg.scripts
    assert scripts and {s.script for s in scripts} == {"Arabic"}
    assert "الله اكبر" in [seed_seg.span_text(s) for s in scripts]
    for s in scripts:
        assert re.fullmatch(r"[\u0600-\u06FF\s_]+", seed_seg.span_text(s))


def test_seed_headings(seed_seg):
    headings = [seed_seg.span_text(p) for p in seed_seg.paragraphs if p.kind == "heading"]
    assert headings == ["The Night of Allah-u Akbar", "‘Iran must focus on neutralizing sanctions’"]
    assert seed_seg.headline is None


def test_voices_tile_paragraphs_without_overlap(seed_seg):
    spans = sorted(seed_seg.voices, key=lambda s: s.start)
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start
    covered = sum(v.end - v.start for v in spans)
    para = sum(p.end - p.start for p in seed_seg.paragraphs)
    assert covered >= para


def test_tokenizer_rules():
    text = "Iran’s US-sponsored don't 7.5 7,000 pic.twitter.com/abc @codepink x@y.com http://t.co/x Americans’"
    tokens, starts, ends = tokenize_with_offsets(text)
    assert tokens == ["iran", "us-sponsored", "don't", "7.5", "7,000", "americans"]
    assert [text[a:b] for a, b in zip(starts, ends)] == ["Iran", "US-sponsored", "don't", "7.5", "7,000", "Americans"]
    assert tokenize("#PeaceWithIranhttps://t.co/RsmRcQTi8t") == ["peacewithiran"]


def test_segment_rejects_non_text():
    with pytest.raises(ToolkitError, match="expects the article text as a str, got bytes"):
        segment(b"bytes")


def test_cli_json(seed_path, capsys):
    assert main(["segment", str(seed_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    segs = out["segments"]
    assert all({"start", "end", "text", "voice"} <= set(s) for s in segs if s["kind"] == "voice")
    social = [s for s in segs if s.get("voice") == "social" and s.get("handle")]
    assert {s["handle"] for s in social} == {"@IraqLiveUpdate", "@codepink"}
    text = seed_path.read_text(encoding="utf-8")
    assert all(text[s["start"]:s["end"]] == s["text"] for s in segs)


def test_cli_markup(seed_path, capsys):
    assert main(["segment", str(seed_path)]) == 0
    out = capsys.readouterr().out
    assert "[quoted: Ayatollah Khamenei]" in out and "[social: @codepink December 12, 2020]" in out
    assert "[boilerplate] This article has been adapted" in out


@pytest.mark.parametrize("name", ["allsides-abp", "tehran-times", "semeval2020-ptc"])
def test_real_corpora_segment_cleanly(installed_corpus, name):
    articles = installed_corpus(name)
    sample = articles.sample(n=min(300, len(articles)), random_state=0)
    n_quoted = 0
    for text in sample["text"]:
        seg = segment(text)
        check_invariants(seg)
        n_quoted += sum(v.voice == "quoted" for v in seg.voices)
    assert n_quoted > 0  # news text quotes people


def check_invariants(seg):
    text = seg.text
    n = len(text)
    for span in seg.paragraphs + seg.sentences + seg.voices + seg.scripts:
        assert 0 <= span.start <= span.end <= n
        assert span.voice in VOICES
    assert len(seg.tokens) == len(seg.token_start) == len(seg.token_end) == len(seg.token_voice)
    for tok, a, b in zip(seg.tokens, seg.token_start.tolist(), seg.token_end.tolist()):
        assert fold_case(text[a:b]).replace("’", "'") == tok
    if len(seg.tokens):
        assert np.all(np.diff(seg.token_start) > 0)
        assert seg.token_sentence.max() < max(len(seg.sentences), 1)
    starts = [s.start for s in seg.sentences]
    assert starts == sorted(starts)
    for rec in seg.records():
        assert text[rec["start"]:rec["end"]] == rec["text"]
    check_layout_agrees(seg)


def check_layout_agrees(seg):
    """The span-free ``layout`` the feature families read gives what ``segment`` gives."""
    lay = layout(seg.text)
    assert lay.tokens == seg.tokens
    for name in ("token_start", "token_end", "token_sentence", "token_voice", "token_paragraph"):
        assert np.array_equal(getattr(lay, name), getattr(seg, name)), name
    assert lay.sentence_start.tolist() == [s.start for s in seg.sentences]
    assert lay.sentence_end.tolist() == [s.end for s in seg.sentences]
    assert lay.sentence_voice.tolist() == [VOICE_CODE[s.voice] for s in seg.sentences]
    quotes = [v for v in seg.voices if v.voice == "quoted"]
    assert (lay.n_quotations, lay.n_attributed) == (len(quotes), sum(v.speaker is not None for v in quotes))


# Texts that end a numpy pass of ``layouts`` in odd places: empty, blank, header only, no sentence end, a quote only.
# Lower-casing: "ΟΔΟΣ" ends with a final sigma, unless the text also holds "İ" (then every letter is lower-cased alone).
_EDGE_TEXTS = ["", "  \n\r\n ", "date 2020-12-16", "date 2020-12-16\ntitle: x\nBody without an end", "“A quote”",
               "x's-y don’t 7.5 U.S. Mr. Smith said. #tag pic.twitter.com/a", "İstanbul ΟΔΟΣ. Σ", "ΟΔΟΣ, ΣΟΦΟΣ. Iran’S",
               "Half an emoji \ud83d, then “a quote\ud83d” and words\udc00glued.", "See https://x.gr/ΟΔΟΣ. ΣΟΦΟΣ Σ."]


def check_layouts_agree(texts):
    """``layouts`` (one numpy pass over many texts) gives every text what ``layout`` gives it alone."""
    many = layouts(texts)
    assert len(many) == len(texts)
    for lay, text in zip(many, texts):
        one = layout(text)
        assert lay.text is text and lay.tokens == one.tokens
        for name in ("token_start", "token_end", "token_sentence", "token_voice", "token_paragraph",
                     "sentence_start", "sentence_end", "sentence_voice"):
            a, b = getattr(lay, name), getattr(one, name)
            assert a.dtype == b.dtype and np.array_equal(a, b), name
        assert (lay.n_quotations, lay.n_attributed) == (one.n_quotations, one.n_attributed)


@pytest.mark.parametrize("name", ["allsides-abp", "tehran-times"])
def test_layouts_of_many_texts_agree_with_layout(installed_corpus, name):
    texts = installed_corpus(name).sample(n=200, random_state=1)["text"].tolist()
    check_layouts_agree(texts[:100] + _EDGE_TEXTS + texts[100:])


def test_layouts_takes_any_iterable_and_checks_every_text():
    assert layouts([]) == []
    assert [lay.tokens for lay in layouts(iter(["A b.", "C"]))] == [["a", "b"], ["c"]]
    with pytest.raises(ToolkitError, match="expects the article text as a str, got int"):
        layouts(["fine", 3])


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_property_any_unicode(text):
    check_invariants(segment(text))


_news_like = st.lists(
    st.sampled_from(["“", "”", '"', "‘", "’", "'", ".", "!", "?", ",", " ", "\n", "\n\n", "said", "he", "The Leader",
                     "@x", "#tag", "pic.twitter.com/a", "— A (@b) May 1, 2020", "date 2020-01-01", "Mr.", "U.S.",
                     "الله", "İ", "ß", "word", "Word", "\r", "\r\n", "Hide caption", "Dr. X", "A.B.", "Hello.World"]),
    max_size=60,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(_news_like)
def test_property_news_like_text(text):
    check_invariants(segment(text))


@settings(max_examples=100, deadline=None)
@given(st.lists(_news_like | st.text(), max_size=8))
def test_property_layouts_agree_with_layout(texts):
    check_layouts_agree(texts)


def test_quote_after_a_long_attribution_sentence_keeps_its_speaker():
    # “…,” <speaker>, <apposition>, said <rest of the sentence>. “…” — the second quotation has no attribution of its
    # own and goes on from the first speaker, however long the attribution sentence is; not across another sentence.
    attribution = " Cecilia Malmström, the European Union’s trade commissioner, said in a statement on Tuesday. "
    seg = segment(f"“We will respond in kind,”{attribution}“Europe will not be intimidated.”")
    quoted = voices_of(seg, "quoted")
    assert len(attribution) >= 60 and [(q.speaker, q.attribution) for q in quoted] == [
        ("Cecilia Malmström", "Cecilia Malmström"), ("Cecilia Malmström", None)]
    seg = segment(f"“We will respond in kind,”{attribution}Markets fell in the afternoon. “Europe will not be intimidated.”")
    assert [q.speaker for q in voices_of(seg, "quoted")] == ["Cecilia Malmström", None]


def test_lone_surrogates_separate_words_and_break_nothing():
    # Scrapes and JSON escapes leave half of a character: it is no word character and the text goes through.
    text = "Iran\ud83d’s leader said \ud83d“revenge is certain.”\udc00 Done"
    assert tokenize(text) == ["iran", "s", "leader", "said", "revenge", "is", "certain", "done"]
    seg = segment(text)
    check_invariants(seg)
    assert [seg.span_text(v) for v in seg.voices if v.voice == "quoted"] == ["“revenge is certain.”"]
    from toolkit.features import featurize

    features = featurize([text, "Iran’s leader said “revenge is certain.” Done"])
    assert features.notna().all().all()
    assert features.iloc[0]["lexical.n_words"] == 8


def test_sentences_split_where_scraping_glued_them():
    seg = segment("The plant was shut down.At a press conference, officials said little. He left the U.S.Army in 2001.")
    texts = [seg.span_text(s) for s in seg.sentences]
    assert texts[:2] == ["The plant was shut down.", "At a press conference, officials said little."]
    assert texts[2] == "He left the U.S.Army in 2001."


def test_script_ties_do_not_depend_on_hash_order():
    import subprocess
    import sys

    code = "from toolkit.segment import segment; print(segment('Text: ми 日本 end').scripts[0].script)"
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(6)}
    assert seen == {"Cjk"}


@pytest.mark.parametrize("name", ["allsides-abp", "tehran-times"])
def test_attribution_searches_start_late_and_find_what_a_search_from_the_start_finds(installed_corpus, name):
    """The speaker-before-the-quote patterns are searched from a few chunks before the first reporting verb (or
    the end of the text before the quote); on every paragraph prefix that ends at a quotation mark in 300
    articles, and on made-up clauses where the speaker is as long as the pattern allows, they find the same match
    as a search from the start."""
    from toolkit import segment as seg

    texts = installed_corpus(name)["text"].head(300).tolist()
    texts += ["Then the spokesman of the foreign ministry further said. ", "x Al Bin Ibn De Van Von pointed out: ",
              "x Al Bin Ibn De Van Von further said “", "word " * 30 + "she said", "McDonald said. ",
              "the big red old dog then went on: "]
    n_found = n_clauses = 0
    for text in texts:
        for para in text.split("\n"):
            for cut in [m.start() for m in re.finditer("[“\"]", para)] + [len(para)]:
                clause = para[:cut]
                n_clauses += 1
                verb = seg._REPORTING_RE.search(clause)
                if verb:
                    whole = seg._ATTRIB_BEFORE_RE.search(clause)
                    late = seg._ATTRIB_BEFORE_RE.search(clause, seg._chunks_back(clause, verb.start(), 9))
                    assert (whole and whole.span()) == (late and late.span()), clause
                    n_found += whole is not None
                whole = seg._ATTRIB_PREVIOUS_RE.search(clause)
                late = seg._ATTRIB_PREVIOUS_RE.search(clause, seg._chunks_back(clause, len(clause), 10))
                assert (whole and whole.span()) == (late and late.span()), clause
                n_found += whole is not None
    assert n_clauses > 10_000 and n_found > 500


# The sentence splitter's rules as a regular expression, and abbreviations as a plain function: the oracle for the
# compiled loop.
_SENTENCE_END_RE = re.compile(
    r"[.!?](?:[.!?]*[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9\u0600-\u06FF]|[^\S\n]*$)|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z]))",
    re.M,
)


def _is_abbreviation(text, lo, dot):
    from toolkit.segment import _ABBREVIATIONS

    j = dot
    while j > lo and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    word = text[j:dot].lower()
    return bool(word) and ((len(word) == 1 and text[j].isupper()) or word in _ABBREVIATIONS)


def _plain_sentences(text, paragraphs):
    """Sentences (start, end, paragraph index) by a loop over the matches of ``_SENTENCE_END_RE``."""
    if not paragraphs:
        return []
    scan = text.replace("\r", "\n")  # "$" is the end of a line, whatever ends it
    out, k, n_par = [], 0, len(paragraphs)
    p_start, p_end = paragraphs[0]
    s = p_start
    for m in _SENTENCE_END_RE.finditer(scan, paragraphs[0][0], paragraphs[-1][1]):
        pos = m.start()
        while pos >= p_end:
            if s < p_end:
                out.append((s, p_end, k))
            k += 1
            if k == n_par:
                return out
            p_start, p_end = paragraphs[k]
            s = p_start
        if pos < p_start or (text[pos] == "." and _is_abbreviation(text, p_start, pos)):
            continue
        cut = min(m.end(), p_end)
        if cut > s:
            out.append((s, cut, k))
        s = cut
        while s < p_end and text[s].isspace():
            s += 1
    for k in range(k, n_par):
        if s < paragraphs[k][1]:
            out.append((s, paragraphs[k][1], k))
        s = paragraphs[k + 1][0] if k + 1 < n_par else s
    return out


def check_sentences(texts):
    from toolkit.segment import _boilerplate_header_spans, _paragraphs, _sentences_all

    for text in texts:
        paragraphs = _paragraphs(text, _boilerplate_header_spans(text), False)[0]
        assert _sentences_all(text, paragraphs) == _plain_sentences(text, paragraphs), text


@pytest.mark.parametrize("name", ["allsides-abp", "tehran-times", "semeval2020-ptc"])
def test_compiled_sentence_splitter_equals_a_loop_over_the_regular_expression(installed_corpus, name):
    check_sentences(installed_corpus(name)["text"].head(1000).tolist() + _EDGE_TEXTS + [
        "Mr. Smith met Gen. X. Y. in the U.S.A. on Jan. 5. He said (quote.) “Yes.” [A]. ‘B’! Done?? “C” 7. 8! "
        "shut down.At last.. mr. İ. K. \u212a. Ms.Jones. ΣΤ. done.\r\nNext?\tLine ! ا. word.", "a.\n.b", "e.g. x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([".", "!", "?", " ", "\n", "\r", "\u00a0", "\u3000", "“", "”", "’", "‘", "'", '"', "(",
                                 ")", "[", "]", "A", "a", "Mr", "u", "s", "İ", "\u212a", "7", "ا", "ab", "Cd", "\t"]),
                max_size=40).map("".join))
def test_property_sentence_splitter_equals_the_regular_expression(text):
    check_sentences([text])


def _numpy_words(codes, kind, folded):
    """The tokenizer's rules in numpy, as they were before the compiled loop: the oracle for ``_word_loop``."""
    from toolkit.segment import _BLANK, _LOWER, _WORD

    n = len(codes)
    padded = np.zeros(n + 2, dtype=np.uint8)
    is_word = padded[1:-1]
    np.bitwise_and(kind, _WORD, out=is_word)
    if n > 2:
        joiners = np.flatnonzero(((kind[1:-1] >> 2) & kind[:-2] & kind[2:]) != 0) + 1
        mark, after = codes[joiners], codes[joiners + 1]
        apostrophe_s = ((mark == 39) | (mark == 0x2019)) & ((after == 115) | (after == 83))
        possessive = joiners[apostrophe_s & (padded[joiners + 3] == 0)]
        is_word[joiners] = 1
        is_word[possessive] = 0
        is_word[possessive + 1] = 0
    bounds = np.flatnonzero(padded[1:] != padded[:-1])
    lower = _LOWER.take(codes) if folded is None else folded
    words = np.where(is_word, lower, _BLANK).tobytes().decode("utf-32-le").replace("’", "'")
    return words, bounds[0::2], bounds[1::2]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "s", "S", "'", "’", "-", ".", ",", "7", " ", "Σ", "İ", "é", "\u0301", "@",
                                 "\n", "’s", "'S", "x-", "\ud83d"]), max_size=16).map("".join))
def test_property_compiled_words_equal_the_numpy_rules(text):
    from toolkit._compiled import compiled
    from toolkit.segment import _LOWER, _NOT_FOLDED, _char_kinds, _code_points, _decode, _folded, _word_loop, _words

    codes = _code_points(text)
    kind = _char_kinds(codes)
    folded = _folded([text])
    words, starts, ends = _words(codes, kind, folded)
    expected = _numpy_words(codes, kind, folded) if len(codes) else ("", [], [])
    assert _decode(words) == expected[0] and starts.tolist() == list(expected[1]) and ends.tolist() == list(expected[2])
    args = (codes, kind, _LOWER, _NOT_FOLDED if folded is None else folded)
    for a, b in zip(_word_loop(*args), compiled(_word_loop)(*args)):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "B", " ", "\n", "\r", "\r\n", "\u00a0", "\u2003", "\x1c", "\t", "“",
                                          "”", "\"", "‘", "«", "»", "„", "date 2020-12-16\n", "title: x\n", "\ud83d"]),
                         max_size=14).map("".join), min_size=1, max_size=4))
def test_property_lines_and_marks_of_joined_texts_equal_those_of_each_text(texts):
    """The compiled pass over the texts of a ``layouts`` pass finds each text's paragraphs as ``_paragraphs`` does
    (header lines skipped, Unicode white space stripped, line feeds and carriage returns), and the numpy search its
    quotation marks as ``_quote_openers`` and ``_offsets`` do; the loop run by Python agrees."""
    from itertools import accumulate

    from toolkit._compiled import compiled
    from toolkit.segment import (_CHAR_FLAGS, _DOUBLE_CLOSERS, _QUOTE_MARK_KIND, _boilerplate_header_spans,
                                 _char_kinds, _code_points, _line_loop, _lines_and_marks, _offsets, _paragraphs,
                                 _quote_openers)

    codes = _code_points(" ".join(texts))
    _char_kinds(codes)
    bases = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    boilers = [_boilerplate_header_spans(t) for t in texts]
    skip = [b[-1].end if b else 0 for b in boilers]
    got = _lines_and_marks(codes, bases, [len(t) for t in texts], skip)
    for text, boiler, (paragraphs, openers, closers) in zip(texts, boilers, got):
        assert paragraphs == _paragraphs(text, boiler, False)[0]
        assert openers == _quote_openers(text) and closers == _offsets(text, _DOUBLE_CLOSERS, 0, len(text))
    args = (codes, _CHAR_FLAGS, _QUOTE_MARK_KIND, np.array(bases, dtype=np.int64),
            np.array([len(t) for t in texts], dtype=np.int64), np.array(skip, dtype=np.int64))
    for a, b in zip(_line_loop(*args), compiled(_line_loop)(*args)):
        np.testing.assert_array_equal(a, b)
