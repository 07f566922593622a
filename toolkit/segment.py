"""Segmentation: the one place where text becomes structure.

``segment(text)`` splits an article into headline, paragraphs, sentences and word tokens, all with character
offsets into the original text, and gives every span a voice:

- ``authorial``: the outlet's own words;
- ``quoted``: direct quotations, with the speaker where an attribution names one (“…,” the Leader added);
- ``social``: embedded social-media posts ("— CODEPINK (@codepink) December 12, 2020"), ``pic.twitter.com``
  and ``t.co`` links and hashtags, with the handle and date where the post is signed;
- ``boilerplate``: header lines such as ``date 2020-12-16`` and syndication footers such as "This article has
  been adapted from its original source.".

Passages in another script than Latin (the seed contains Arabic) are flagged with spans of kind ``script``.

Paragraphs are the non-empty lines of the text; sentences never cross a paragraph. Everything downstream reads
the token arrays of the ``Segmentation``; nothing re-tokenizes. ``tokenize`` is the same word tokenizer for code
that needs only the words. ``layout(text)`` gives the token arrays and sentence voices of ``segment(text)`` without
building span objects: the feature families read it.

The rules are heuristics written for news text in English; their behaviour on the seed and on the shared corpora
is pinned by ``tests/test_segment.py``.

References:
    Quote attribution patterns follow the reporting-verb approach of Pouliquen, Steinberger & Best (2007),
    "Automatic detection of quotations in multilingual news", RANLP.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np

from toolkit.errors import ToolkitError

VOICES = ("authorial", "quoted", "social", "boilerplate")
VOICE_CODE = {v: i for i, v in enumerate(VOICES)}

# URLs, e-mail addresses and @handles are blanked before tokenizing so that they give no tokens.
_NON_WORD_MARKERS = ("http://", "https://", "www.", "pic.twitter.com/", "@")
_NON_SPACE_RE = re.compile(r"\S*")
_ASCII_WORD = np.zeros(128, dtype=bool)
for _c in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ASCII_WORD[ord(_c)] = True
_APOSTROPHES = (ord("'"), ord("’"))
_SPACE = ord(" ")

_DATE_HEADER_RE = re.compile(r"[ \t]*date[ \t]*[:=]?[ \t]+\d{4}-\d{2}-\d{2}\b[ \t]*", re.IGNORECASE)
_OTHER_HEADER_RE = re.compile(r"[ \t]*(?:title|outlet|url|lang)[ \t]*[:=][^\n]*", re.IGNORECASE)

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_MONTHS_ABBR = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
# "— CODEPINK (@codepink) December 12, 2020" closing an embedded tweet.
_TWEET_SIGNATURE_RE = re.compile(
    r"[—–-]\s*(?P<name>[^()\n]{0,80}?)\s*\(@(?P<handle>\w{1,15})\)\s*"
    rf"(?P<date>(?:{_MONTHS}|{_MONTHS_ABBR})\.?\s+\d{{1,2}},?\s+\d{{4}})\s*$"
)
_SOCIAL_INLINE_RE = re.compile(r"(?:https?://)?(?:pic\.twitter\.com|t\.co)/\w+|(?<![\w&])#[^\W\d_]\w*")

# Site furniture and syndication lines; a line that matches one of these is boilerplate as a whole.
_BOILERPLATE_LINE_RE = re.compile(
    r"^\s*(?:"
    r"this (?:article|story) (?:has been|was) (?:adapted|republished|reproduced|first published|originally published)"
    r"|(?:hide|toggle) caption|image (?:copyright|caption)|photo:|photograph:|file photo"
    r"|click here|sign up (?:for|to)|subscribe (?:to|now)|follow us|share this|read more\b|related:|advertisement$"
    r"|(?:©|\(c\)|copyright\b)|all rights reserved|(?:the )?associated press contributed|reporting by .{0,80}editing by"
    r")",
    re.IGNORECASE,
)

_REPORTING_VERBS = (
    "said|says|say|added|adds|stated|states|explained|explains|stressed|stresses|noted|notes|told|tells|"
    "asked|asks|warned|warns|wrote|writes|declared|declares|insisted|insists|argued|argues|recalled|recalls|"
    "emphasized|emphasised|emphasizes|emphasises|underlined|underlines|pointed out|remarked|remarks|continued|"
    "announced|announces|claimed|claims|maintained|tweeted|tweets|commented|replied|answered|urged|urges|"
    "vowed|vows|acknowledged|admitted|concluded|observed|described|called|saying|adding|noting|stressing|"
    "explaining|warning|declaring|insisting|asking|responded|responds|suggested|suggests|predicted|conceded|"
    "testified|confirmed|confirms|denied|denies|alleged|complained|lamented|boasted|joked|quipped|shouted|"
    "chanted|posted|texted|reiterated|assured|promised|pledged|threatened|cautioned|charged|countered|"
    "retorted|reads|read|recounted|went on|according to"
)


def _trie_alternation(words: list[str]) -> str:
    """``"|".join(words)`` as a trie: the same words with the same priority among words that share a prefix, but
    the regex engine tests one branch per character instead of every word (about twice as fast here)."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[:1], []).append(word[1:])
    parts = ["" if key == "" else re.escape(key) + _trie_alternation(rest) for key, rest in groups.items()]
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


_REPORTING_VERBS_TRIE = _trie_alternation(_REPORTING_VERBS.split("|"))
_NAME = r"(?:[A-Z][\w\-’'.]*|al-[A-Z][\w\-]*|bin|ibn|de|van|von)"
_SPEAKER = rf"(?:(?:the|The)\s+[A-Za-z][\w\-]*(?:\s+[A-Za-z][\w\-]*){{0,3}}|{_NAME}(?:\s+{_NAME}){{0,5}}|[Hh]e|[Ss]he|[Tt]hey)"
# After a quote: ', the Leader added' / ', he explained' / ', said Ayatollah Khamenei' / ', Cecilia Malmström, the
# EU’s trade commissioner, said'.
_ATTRIB_AFTER_RE = re.compile(
    rf"^[\s,]*(?:(?P<speaker>{_SPEAKER})(?:,[^,“”\"\n]{{1,90}},)?\s+(?:\w+ly\s+|further\s+|also\s+|then\s+)?"
    rf"(?:{_REPORTING_VERBS_TRIE})\b"
    rf"|(?:{_REPORTING_VERBS_TRIE})\s+(?P<speaker2>{_SPEAKER}))"
)
# Before a quote, in the same sentence: 'Ayatollah Khamenei further stressed that …, saying, “'.
_ATTRIB_BEFORE_RE = re.compile(
    rf"(?P<speaker>{_SPEAKER})\s+(?:\w+ly\s+|further\s+|also\s+|then\s+)?(?:{_REPORTING_VERBS_TRIE})\b"
)
_PRONOUNS = {"he", "she", "they"}
_HONORIFICS = {"Mr.", "Mrs.", "Ms.", "Dr.", "Mr", "Mrs", "Ms", "Dr"}
_SENTENCE_SUBJECT_RE = re.compile(rf"^\s*(?P<speaker>{_NAME}(?:\s+{_NAME}){{0,5}})")
_REPORTING_RE = re.compile(rf"\b(?:{_REPORTING_VERBS_TRIE})\b")

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen lt col maj capt cmdr adm sgt cpl pvt rep sen gov pres st jr sr rev fr hon "
    "u.s u.k u.n e.u u.s.a e.g i.e etc vs v no nos inc co corp ltd dept est approx fig al "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# Sentence ends, found by one pass over the whole text (``re.M``: ``$`` is the end of a line, i.e. of a paragraph).
# A sentence ends at . ! ? (and closing quotes) before white space and a capital, or at the end of the paragraph;
# also where scraping glued two sentences together ("shut down.At a press conference"). The pattern starts with the
# character class [.!?] in both branches, so the regex engine jumps from one candidate to the next instead of
# trying every position (a branch that starts with a look-behind costs about three times the whole scan).
_SENTENCE_END_RE = re.compile(
    r"[.!?](?:[.!?]*[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9\u0600-\u06FF]|[^\S\n]*$)|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z]))",
    re.M,
)

_LATIN_SCRIPTS = {"LATIN", "DIGIT", "COMMON"}


@dataclass(frozen=True)
class Span:
    """A stretch of the text: ``text[start:end]``.

    ``kind`` is ``headline``, ``heading``, ``paragraph``, ``sentence``, ``voice`` or ``script``; ``voice`` is one
    of ``VOICES``; ``speaker`` names who is quoted, ``attribution`` the words that named them (``"the Leader"``,
    ``"he"``); ``handle``, ``author`` and ``date`` describe a social post; ``script`` names a non-Latin script.
    """

    start: int
    end: int
    kind: str
    voice: str = "authorial"
    speaker: str | None = None
    attribution: str | None = None
    handle: str | None = None
    author: str | None = None
    date: str | None = None
    script: str | None = None


@dataclass
class Segmentation:
    """An article as structure. All offsets index into ``text``."""

    text: str
    headline: Span | None
    paragraphs: list[Span]
    sentences: list[Span]
    voices: list[Span]
    scripts: list[Span]
    tokens: list[str]
    token_start: np.ndarray
    token_end: np.ndarray
    token_sentence: np.ndarray
    token_voice: np.ndarray
    token_paragraph: np.ndarray = field(default=None)

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    def records(self, kinds=("headline", "heading", "paragraph", "sentence", "voice", "script")) -> list[dict]:
        """Every span as a plain dict with its ``text``, for JSON output."""
        spans = ([self.headline] if self.headline else []) + self.paragraphs + self.sentences + self.voices
        spans += self.scripts
        out = []
        for span in sorted(spans, key=lambda s: (s.start, -s.end)):
            if span.kind not in kinds:
                continue
            record = {k: v for k, v in asdict(span).items() if v is not None}
            record["text"] = self.span_text(span)
            out.append(record)
        return out


def tokenize_with_offsets(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Lower-cased word tokens with their start and end offsets.

    A word is a run of letters, digits and combining marks, joined across an inner apostrophe or hyphen
    ("don't", "anti-terror") and across a point or comma between digits ("7.5", "7,000"). Apostrophes are
    normalised to ``'``; a possessive ``'s`` is not part of the word ("Iran’s" → ``iran``); URLs, e-mail addresses
    and @handles give no tokens.

    Implementation: code points are classified with numpy and the word boundaries found with ``np.diff``, so the
    cost per token is a few C operations (a regular expression costs about half a microsecond per match).
    """
    text = _blank_non_words(text)
    folded = fold_case(text)
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    n = len(codes)
    if n == 0:
        return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
    is_ascii = codes < 128
    word = np.zeros(n, dtype=bool)
    word[is_ascii] = _ASCII_WORD[codes[is_ascii]]
    if not is_ascii.all():
        high = codes[~is_ascii]
        uniq, inverse = np.unique(high, return_inverse=True)
        word[~is_ascii] = np.fromiter((_is_word_char(int(c)) for c in uniq), dtype=bool, count=len(uniq))[inverse]
    # Joiners: an apostrophe or hyphen between word characters, a point or comma between digits.
    if n > 2:
        prev_word, next_word = word[:-2], word[2:]
        mid = codes[1:-1]
        apostrophe = (mid == 39) | (mid == 8217)
        joiner = (apostrophe | (mid == 45)) & prev_word & next_word
        digit = (codes >= 48) & (codes <= 57)
        joiner |= ((mid == 46) | (mid == 44)) & digit[:-2] & digit[2:]
        # A possessive 's: the apostrophe and the s are left out of the word.
        nxt = codes[2:]
        after = np.append(word[3:], False)
        possessive = apostrophe & prev_word & (nxt == 115) & ~after
        joiner &= ~possessive
        word[1:-1] |= joiner
        s_pos = np.flatnonzero(possessive) + 2
        word[s_pos] = False
    edges = np.diff(np.concatenate(([False], word, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    cleaned = np.where(word, codes, _SPACE)
    cleaned[cleaned == 8217] = 39
    tokens = cleaned.astype(np.uint32).tobytes().decode("utf-32-le").split()
    return tokens, starts.astype(np.int64), ends.astype(np.int64)


def _blank_non_words(text: str) -> str:
    """Replace URLs, e-mail addresses and @handles by as many spaces (offsets stay valid)."""
    cuts = []
    for marker in _NON_WORD_MARKERS:
        i = text.find(marker)
        while i >= 0:
            start = i
            if marker == "@":  # the whole white-space-delimited chunk: "x@y.com", "(@codepink)"
                while start > 0 and not text[start - 1].isspace():
                    start -= 1
            end = _NON_SPACE_RE.match(text, i).end()
            cuts.append((start, end))
            i = text.find(marker, end)
    if not cuts:
        return text
    pieces = []
    pos = 0
    for start, end in sorted(cuts):
        if start < pos:
            start = pos
        if end <= start:
            continue
        pieces.append(text[pos:start])
        pieces.append(" " * (end - start))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


@lru_cache(maxsize=65536)
def _is_word_char(code: int) -> bool:
    ch = chr(code)
    return ch.isalnum() or unicodedata.category(ch).startswith("M")


def fold_case(text: str) -> str:
    """Lower-case without changing the length ("İ" → "i", not "i̇"), so offsets stay valid."""
    folded = text.lower()
    if len(folded) != len(text):
        folded = "".join(c.lower()[0] for c in text)
    return folded


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens: the toolkit's one word tokenizer (see ``tokenize_with_offsets``)."""
    return tokenize_with_offsets(text)[0]


def segment(text: str) -> Segmentation:
    """Segment an article into headline, paragraphs, sentences, tokens and voices.

    Parameters:
        text: the article exactly as stored; offsets of every span index into it.
    """
    _check_text(text)
    headline, para_spans, marked, sentences = _structure(text)
    arrays = _assign(text, para_spans, marked, sentences)
    voice_spans = _fill_authorial(marked, [(p.start, p.end) for p in para_spans])
    sentence_spans = []
    for (s_start, s_end, _), code in zip(sentences, arrays.sentence_voice.tolist()):
        voice = VOICES[code]
        speaker = _speaker_of(voice_spans, s_start, s_end) if voice == "quoted" else None
        sentence_spans.append(Span(s_start, s_end, "sentence", voice, speaker=speaker))
    return Segmentation(
        text=text,
        headline=headline,
        paragraphs=para_spans,
        sentences=sentence_spans,
        voices=voice_spans,
        scripts=_script_spans(text),
        tokens=arrays.tokens,
        token_start=arrays.token_start,
        token_end=arrays.token_end,
        token_sentence=arrays.token_sentence,
        token_voice=arrays.token_voice,
        token_paragraph=arrays.token_paragraph,
    )


@dataclass
class Layout:
    """What ``segment`` computes for the token arrays, without building span objects: the feature families' input.

    Sentences are arrays (``sentence_start``, ``sentence_end``, ``sentence_voice`` as a ``VOICE_CODE``);
    ``n_quotations`` and ``n_attributed`` count the direct quotations and those with a speaker.
    ``segment(text)`` gives the same tokens, token arrays and sentence voices (``tests/test_segment.py``).
    """

    text: str
    tokens: list[str]
    token_start: np.ndarray
    token_end: np.ndarray
    token_sentence: np.ndarray
    token_voice: np.ndarray
    token_paragraph: np.ndarray
    sentence_start: np.ndarray
    sentence_end: np.ndarray
    sentence_voice: np.ndarray
    n_quotations: int = 0
    n_attributed: int = 0

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)


def layout(text: str) -> Layout:
    """The token arrays and sentence voices of ``segment(text)``, about three times faster (no span objects)."""
    _check_text(text)
    _, para_spans, marked, sentences = _structure(text, find_headings=False)  # kinds are not needed here
    out = _assign(text, para_spans, marked, sentences)
    quotes = [v for v in _flatten(marked) if v.voice == "quoted"]
    out.n_quotations = len(quotes)
    out.n_attributed = sum(v.speaker is not None for v in quotes)
    return out


def _check_text(text) -> None:
    if not isinstance(text, str):
        raise ToolkitError(f"segment() expects the article text as a str, got {type(text).__name__}")


def _structure(text: str, find_headings: bool = True):
    """Headline, paragraph spans, marked voice spans (boilerplate, social, quoted) and sentences (start, end,
    paragraph index) of an article. Without ``find_headings`` every paragraph is of kind ``paragraph``."""
    boiler = _boilerplate_header_spans(text)
    paragraphs, headings = _paragraphs(text, boiler, find_headings)
    voice_spans: list[Span] = list(boiler)
    para_spans: list[Span] = []
    last_speaker: str | None = None
    headline = None

    for i, (start, end) in enumerate(paragraphs):
        is_heading = i in headings
        kind = "headline" if is_heading and i == 0 else ("heading" if is_heading else "paragraph")
        para_text = text[start:end]
        if _BOILERPLATE_LINE_RE.match(para_text):
            voice_spans.append(Span(start, end, "voice", "boilerplate"))
            para = Span(start, end, kind, "boilerplate")
        else:
            # The substring tests skip regular expressions that cannot match (they cost most of the time).
            has_social = "#" in para_text or "t.co/" in para_text or "pic.twitter.com/" in para_text
            tweet = _TWEET_SIGNATURE_RE.search(para_text) if "(@" in para_text else None
            if tweet and (tweet.start() > 0 or (has_social and _SOCIAL_INLINE_RE.search(para_text))):
                para = Span(
                    start, end, kind, "social",
                    handle="@" + tweet.group("handle"),
                    author=tweet.group("name").strip() or None,
                    date=tweet.group("date"),
                )
                voice_spans.append(Span(start, end, "voice", "social", handle=para.handle, author=para.author,
                                        date=para.date))
            else:
                quotes, last_speaker = _quotes(text, start, end, last_speaker)
                voice_spans.extend(quotes)
                for m in _SOCIAL_INLINE_RE.finditer(para_text) if has_social else ():
                    if not any(q.start <= start + m.start() < q.end for q in quotes):
                        voice_spans.append(Span(start + m.start(), start + m.end(), "voice", "social"))
                para = Span(start, end, kind, "authorial")
        if kind == "headline":
            headline = para
        para_spans.append(para)
    return headline, para_spans, voice_spans, _sentences_all(text, paragraphs)


def _assign(text: str, para_spans: list[Span], marked: list[Span], sentences) -> Layout:
    """Tokens with their sentence, paragraph and voice; each sentence's voice."""
    tokens, token_start, token_end = tokenize_with_offsets(text)
    sentence_start = np.fromiter((s for s, _, _ in sentences), dtype=np.int64, count=len(sentences))
    sentence_end = np.fromiter((e for _, e, _ in sentences), dtype=np.int64, count=len(sentences))
    token_sentence = np.searchsorted(sentence_start, token_start, side="right") - 1
    para_starts = np.fromiter((p.start for p in para_spans), dtype=np.int64, count=len(para_spans))
    token_paragraph = np.searchsorted(para_starts, token_start, side="right") - 1

    # A token has the voice of the marked span that holds it, else it is the outlet's own (authorial).
    flat = _flatten(marked)
    span_start = np.fromiter((v.start for v in flat), dtype=np.int64, count=len(flat))
    span_end = np.fromiter((v.end for v in flat), dtype=np.int64, count=len(flat))
    span_code = np.fromiter((VOICE_CODE[v.voice] for v in flat), dtype=np.int8, count=len(flat))
    token_voice = np.zeros(len(tokens), dtype=np.int8)
    if len(flat) and len(tokens):
        idx = np.searchsorted(span_start, token_start, side="right") - 1
        inside = (idx >= 0) & (token_start < span_end[np.clip(idx, 0, None)])
        token_voice[inside] = span_code[idx[inside]]
    token_voice[token_sentence < 0] = VOICE_CODE["boilerplate"]
    token_sentence = np.clip(token_sentence, 0, None)
    token_paragraph = np.clip(token_paragraph, 0, None)

    # A sentence takes the voice of most of its tokens (mixed sentences keep exact voice spans in ``voices``);
    # a sentence without tokens keeps its paragraph's voice.
    para_code = np.fromiter((VOICE_CODE[p.voice] for p in para_spans), dtype=np.int8, count=len(para_spans))
    sentence_para = np.fromiter((k for _, _, k in sentences), dtype=np.int64, count=len(sentences))
    sentence_voice = para_code[sentence_para] if len(sentences) else np.zeros(0, dtype=np.int8)
    if len(sentences) and len(tokens):
        n_voices = len(VOICES)
        counts = np.bincount(token_sentence.astype(np.int64) * n_voices + token_voice,
                             minlength=len(sentences) * n_voices).reshape(len(sentences), n_voices)
        sentence_voice = np.where(counts.any(axis=1), counts.argmax(axis=1), sentence_voice).astype(np.int8)
    return Layout(text, tokens, token_start, token_end, token_sentence.astype(np.int32), token_voice,
                  token_paragraph.astype(np.int32), sentence_start, sentence_end, sentence_voice)


def _boilerplate_header_spans(text: str) -> list[Span]:
    """Header lines at the top of the text (``date 2020-12-16``, ``title: …``), possibly inline before the body."""
    spans = []
    pos = 0
    while True:
        m = _DATE_HEADER_RE.match(text, pos) or _OTHER_HEADER_RE.match(text, pos)
        if not m:
            lead = len(text) - len(text.lstrip())
            if pos == 0 and lead and (_DATE_HEADER_RE.match(text, lead) or _OTHER_HEADER_RE.match(text, lead)):
                pos = lead
                continue
            break
        spans.append(Span(m.start(), m.end(), "voice", "boilerplate"))
        pos = m.end()
        while pos < len(text) and text[pos] in "\r\n":
            pos += 1
    return spans


_LINE_RE = re.compile(r"[^\r\n]+")
_HEADING_END = ".!?:;,\"”"
_QUOTED_LINE_RE = re.compile(r"^[‘'\"“].*[’'\"”]$")
# "…, Ayatollah Khamenei said. “The US president …": the sentence before a quote names the speaker.
_ATTRIB_PREVIOUS_RE = re.compile(rf"(?P<speaker>{_SPEAKER})\s+(?:{_REPORTING_VERBS_TRIE})\s*[.:]\s*$")


def _ends_with(text: str, chars: str) -> bool:
    """Whether the last non-space character of ``text`` is one of ``chars`` (the regex ``[chars]\\s*$``)."""
    tail = text.rstrip()
    return bool(tail) and tail[-1] in chars


def _paragraphs(text: str, boiler: list[Span], find_headings: bool = True) -> tuple[list[tuple[int, int]], set[int]]:
    """Non-empty lines as (start, end) without surrounding white space; and which of them are headings (when
    ``find_headings``)."""
    skip_to = boiler[-1].end if boiler else 0
    out = []
    for m in _LINE_RE.finditer(text):
        start, end = m.span()
        if end <= skip_to:
            continue
        start = max(start, skip_to)
        line = text[start:end]
        stripped = line.strip()
        if not stripped:
            continue
        start += len(line) - len(line.lstrip())
        end = start + len(stripped)
        out.append((start, end))
    headings = set()
    for i, (start, end) in enumerate(out if find_headings else ()):
        line = text[start:end]
        n_words = len(line.split(None, 16))  # exact up to 15, more than 15 otherwise: all the test needs
        if n_words <= 15 and not _ends_with(line, _HEADING_END) and len(out) > 1:
            headings.add(i)
        elif n_words <= 15 and _QUOTED_LINE_RE.match(line) and len(out) > 1:
            headings.add(i)
    return out, headings


def _sentences_all(text: str, paragraphs) -> list[tuple[int, int, int]]:
    """Sentence spans (start, end, paragraph index) of every paragraph, from one regex pass over the text.

    Sentences never cross a paragraph: a paragraph's last sentence ends at the paragraph's end.
    """
    if not paragraphs:
        return []
    scan = text.replace("\r", "\n") if "\r" in text else text  # "$" is the end of a line, whatever ends it
    out = []
    n_par = len(paragraphs)
    k = 0
    p_start, p_end = paragraphs[0]
    s = p_start
    for m in _SENTENCE_END_RE.finditer(scan, p_start, paragraphs[-1][1]):
        pos = m.start()
        while pos >= p_end:  # the paragraph is over: its rest is its last sentence
            if s < p_end:
                out.append((s, p_end, k))
            k += 1
            if k == n_par:
                break
            p_start, p_end = paragraphs[k]
            s = p_start
        if k == n_par:
            break
        if pos < p_start:
            continue
        cut = min(m.end(), p_end)
        if text[pos] == "." and _is_abbreviation(text, p_start, pos):
            continue
        if cut > s:
            out.append((s, cut, k))
        s = cut
        while s < p_end and text[s].isspace():
            s += 1
    while k < n_par:
        if s < p_end:
            out.append((s, p_end, k))
        k += 1
        if k < n_par:
            p_start, p_end = paragraphs[k]
            s = p_start
    return out


def _is_abbreviation(text: str, lo: int, dot: int) -> bool:
    """Whether the point at ``dot`` ends an abbreviation or an initial (the word is read back to ``lo``)."""
    j = dot
    while j > lo and (text[j - 1].isalpha() or text[j - 1] == "."):
        j -= 1
    word = text[j:dot].lower()
    if not word:
        return False
    if len(word) == 1 and text[j].isupper():
        return True  # an initial: "George W. Bush"
    return word in _ABBREVIATIONS


_QUOTE_OPEN_RE = re.compile(r"[“«„\"‘]")
_DOUBLE_CLOSE_RE = re.compile(r"[”»\"]")
_SINGLE_CLOSE_RE = re.compile(r"’(?!\w)")


def _quotes(text: str, start: int, end: int, last_speaker: str | None) -> tuple[list[Span], str | None]:
    """Direct quotations inside one paragraph, with their speakers.

    A quotation opens with “ « „ or a straight double quote and closes at the next closing or straight double
    quote (news text mixes them: “… General Soleimani."). A quotation left open at the end of a paragraph runs to
    its end (the convention for quotes that go on in the next paragraph).
    """
    spans = []
    pending = []
    pos = start
    while True:
        m = _QUOTE_OPEN_RE.search(text, pos, end)
        if not m:
            break
        q_start = m.start()
        if m.group() == "‘":
            if q_start > start and text[q_start - 1].isalnum():
                pos = q_start + 1
                continue
            close = _SINGLE_CLOSE_RE.search(text, q_start + 1, end)
            if not close or len(text[q_start : close.end()].split()) < 3:
                pos = q_start + 1
                continue
            q_end = close.end()
        else:
            close = _DOUBLE_CLOSE_RE.search(text, q_start + 1, end)
            q_end = close.end() if close else end
        if q_end - q_start > 2:
            pending.append((q_start, q_end))
        pos = q_end

    previous = None
    for q_start, q_end in pending:
        attribution = _attribution(text, start, end, q_start, q_end)
        speaker = attribution
        if attribution and (attribution.lower() in _PRONOUNS or attribution.split()[0].lower() == "the"):
            # "he said", "the Leader added": the last speaker named (None when nobody was named yet)
            speaker = last_speaker if last_speaker else (None if attribution.lower() in _PRONOUNS else attribution)
        elif attribution:
            last_speaker = attribution
        elif previous is not None and previous.speaker and not text[previous.end : q_start].strip(" ,.;:"):
            speaker = previous.speaker  # a quotation that goes straight on from the previous one
        elif previous is not None and previous.speaker and (
            q_start - previous.end < 60 or _ATTRIB_AFTER_RE.match(text, previous.end, q_start)
        ):
            speaker = previous.speaker  # “…,” Murphy responded. “…” / “…,” Malmström, the commissioner, said. “…”
        span = Span(q_start, q_end, "voice", "quoted", speaker=speaker, attribution=attribution)
        spans.append(span)
        previous = span
    return spans, last_speaker


def _attribution(text: str, p_start: int, p_end: int, q_start: int, q_end: int) -> str | None:
    """Who a quotation is attributed to: after it (', the Leader added'), or before it in the same sentence."""
    after = text[q_end:p_end]
    m = _ATTRIB_AFTER_RE.match(after)
    if m:
        return _clean_speaker(m.group("speaker") or m.group("speaker2"))
    before = text[p_start:q_start]
    sentence_start = max(before.rfind(". "), before.rfind("? "), before.rfind("! "))
    clause = before[sentence_start + 1 :] if sentence_start >= 0 else before
    # Both patterns below need a reporting verb in the clause; most clauses have none.
    reporting = _REPORTING_RE.search(clause) is not None
    m = _ATTRIB_BEFORE_RE.search(clause) if reporting else None
    found = m.group("speaker") if m else None
    if found:
        return _clean_speaker(found)
    # "…, Ayatollah Khamenei said. “The US president …" — the sentence before the quote names the speaker.
    m = _ATTRIB_PREVIOUS_RE.search(before) if _ends_with(before, ".:") else None
    if m:
        return _clean_speaker(m.group("speaker"))
    # "Trump reacted in a tweet, saying that he was “surprised”": the sentence's subject, when it reports speech.
    if reporting:
        m = _SENTENCE_SUBJECT_RE.match(clause)
        if m and m.group("speaker").split()[0] not in _NOT_SUBJECTS:
            return _clean_speaker(m.group("speaker"))
    return None


_NOT_SUBJECTS = {"The", "A", "An", "In", "On", "At", "It", "This", "That", "These", "Those", "But", "And", "As", "If",
                 "When", "After", "Before", "While", "Elsewhere", "Today", "Yesterday", "Now", "Then", "There", "Here",
                 "According", "For", "With", "By", "From", "Of", "Asked", "Speaking", "Last", "Next", "Earlier"}


def _clean_speaker(speaker: str | None) -> str | None:
    if not speaker:
        return None
    words = speaker.split()
    # Drop sentence-initial function words picked up by the capitalised-name pattern ("But Trump").
    while words and words[0] in {"But", "And", "So", "Yet", "Then", "Also", "Meanwhile", "However", "When"}:
        words = words[1:]
    while len(words) > 1 and (words[-1] in {"further", "also", "then", "again"} or words[-1].endswith("ly")):
        words = words[:-1]
    if len(words) > 1 and words[0] in _HONORIFICS:
        words = words[1:]
    return " ".join(words) or None


def _speaker_of(voices: list[Span], start: int, end: int) -> str | None:
    for v in voices:
        if v.voice == "quoted" and v.start < end and v.end > start and v.speaker:
            return v.speaker
    return None


def _flatten(voice_spans: list[Span]) -> list[Span]:
    """Voice spans sorted by start, without the spans nested inside an earlier one (a hashtag inside a tweet)."""
    flat: list[Span] = []
    for s in sorted(voice_spans, key=lambda s: (s.start, -s.end)):
        if flat and s.start < flat[-1].end:
            continue
        flat.append(s)
    return flat


def _fill_authorial(voice_spans: list[Span], paragraphs) -> list[Span]:
    """Sort the voice spans and fill the gaps inside paragraphs with authorial spans."""
    flat = _flatten(voice_spans)
    out: list[Span] = []
    starts = [s.start for s in flat]
    for p_start, p_end in paragraphs:
        pos = p_start
        k = bisect.bisect_left(starts, p_start)
        # A span that began before this paragraph (the inline header) may still cover its start.
        if k > 0 and flat[k - 1].end > pos:
            pos = flat[k - 1].end
        while k < len(flat) and flat[k].start < p_end:
            s = flat[k]
            if s.start > pos:
                out.append(Span(pos, s.start, "voice", "authorial"))
            pos = max(pos, s.end)
            k += 1
        if pos < p_end:
            out.append(Span(pos, p_end, "voice", "authorial"))
    out.extend(flat)
    out.sort(key=lambda s: (s.start, -s.end))
    return [s for s in out if s.end > s.start]


@lru_cache(maxsize=4096)
def _script_of(ch: str) -> str:
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return "COMMON"
    first = name.split(" ", 1)[0]
    return first if ch.isalpha() else "COMMON"


_NON_LATIN_RE = re.compile(r"[^\x00-\u024F\u1E00-\u1EFF\u2000-\u206F\u20A0-\u20CF\u2100-\u214F\s\d\W]+(?:[\s\W\d]*[^\x00-\u024F\u1E00-\u1EFF\u2000-\u206F\u20A0-\u20CF\u2100-\u214F\s\d\W]+)*")


def _script_spans(text: str) -> list[Span]:
    """Runs of letters in a script other than Latin (Arabic, Persian, Cyrillic, Han, …)."""
    if text.isascii():
        return []
    spans = []
    for m in _NON_LATIN_RE.finditer(text):
        letters = [c for c in m.group() if c.isalpha()]
        if not letters:
            continue
        scripts = {_script_of(c) for c in letters} - _LATIN_SCRIPTS
        if not scripts:
            continue
        script = max(scripts, key=lambda s: sum(_script_of(c) == s for c in letters))
        spans.append(Span(m.start(), m.end(), "script", script=script.title()))
    return spans
