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
building span objects: the feature families read it. ``layouts(texts)`` gives the same for many texts, faster.

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
from itertools import accumulate

import numpy as np

from toolkit.errors import ToolkitError

VOICES = ("authorial", "quoted", "social", "boilerplate")
VOICE_CODE = {v: i for i, v in enumerate(VOICES)}

# URLs, e-mail addresses and @handles are blanked before tokenizing so that they give no tokens.
_NON_WORD_MARKERS = ("http://", "https://", "www.", "pic.twitter.com/", "@")
_NON_SPACE_RE = re.compile(r"\S*")
_BLANK = ord(" ")

# What the tokenizer needs to know of a character once lower-cased, as bits of one table indexed by code point, so
# that a whole text is classified with one numpy lookup; ``_LOWER`` holds the character lower-cased (the first
# character of ``str.lower()``, as in ``fold_case``). Both are filled for a character when it is first seen (news text
# has a few hundred distinct ones). The joiner bits sit two places above the bits of the characters they join, so
# ``(kind >> 2) & left & right`` marks every joiner at once.
_WORD = 1  # a letter, digit or combining mark
_DIGIT = 2  # an ASCII digit
_JOINS_WORDS = 4  # ' ’ -: inside a word when between word characters ("don't", "anti-terror")
_JOINS_DIGITS = 8  # . ,: inside a number when between digits ("7.5", "7,000")
_UNSEEN = 128
_CHAR_KIND = np.full(0x110000, _UNSEEN, dtype=np.uint8)
_LOWER = np.zeros(0x110000, dtype=np.uint32)  # pages of zeros cost no memory until written


def _char_kind(lower: str) -> int:
    """The ``_CHAR_KIND`` bits of a lower-cased character."""
    kind = _WORD if lower.isalnum() or unicodedata.category(lower).startswith("M") else 0
    if lower in "0123456789":
        kind |= _DIGIT
    if lower in "'’-":
        kind |= _JOINS_WORDS
    if lower in ".,":
        kind |= _JOINS_DIGITS
    return kind


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

    Implementation: code points are classified with one numpy table lookup and the word boundaries found where the
    class changes, so the cost per token is a few C operations (a regular expression costs about half a
    microsecond per match).
    """
    text = _blank_non_words(text)
    words, starts, ends = _words([text], text, _code_points(text))
    return words.split(), starts, ends


def _words(parts: list[str], text: str, codes: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
    """The words of ``text``, the blanked ``parts`` joined by spaces (``codes`` are its code points): the text
    lower-cased with a space for every character outside a word, so that its ``split()`` is the tokens; and their
    offsets."""
    n = len(codes)
    if n == 0:
        return "", np.zeros(0, np.int64), np.zeros(0, np.int64)
    kind = _char_kinds(codes)
    # ``is_word`` sits inside a buffer with a non-word on either side, so that words begin and end where neighbours
    # differ.
    padded = np.zeros(n + 2, dtype=np.uint8)
    is_word = padded[1:-1]
    np.bitwise_and(kind, _WORD, out=is_word)
    if n > 2:
        # Joiners: an apostrophe or hyphen between word characters, a point or comma between digits.
        joiners = np.flatnonzero(((kind[1:-1] >> 2) & kind[:-2] & kind[2:]) != 0) + 1
        # A possessive 's: the apostrophe and the s are left out of the word (decided on the characters as they are
        # before any joiner is set). Its apostrophe is a joiner, with no word character after the s.
        mark, after = codes[joiners], codes[joiners + 1]
        apostrophe_s = ((mark == 39) | (mark == 0x2019)) & ((after == 115) | (after == 83))  # ' or ’, then s or S
        possessive = joiners[apostrophe_s & (padded[joiners + 3] == 0)]
        is_word[joiners] = 1
        is_word[possessive] = 0
        is_word[possessive + 1] = 0
    # Words begin and end where a character differs from the one before it; starts and ends alternate.
    bounds = np.flatnonzero(padded[1:] != padded[:-1])
    starts = bounds[0::2].astype(np.int64)
    ends = bounds[1::2].astype(np.int64)
    if "Σ" in text:  # ``str.lower`` writes a final sigma at the end of a word: only it knows where
        lower = _code_points(" ".join(fold_case(part) for part in parts))
    else:
        lower = _LOWER.take(codes)
    words = np.where(is_word, lower, _BLANK).tobytes().decode("utf-32-le").replace("’", "'")
    return words, starts, ends


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text``. A lone surrogate (half of a character cut in two, as broken scrapes and JSON
    escapes leave them) is kept as its own code point: it is no word character, so it only separates words."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _char_kinds(codes: np.ndarray) -> np.ndarray:
    """The ``_CHAR_KIND`` bits of every code point in ``codes``, filling the tables for characters not seen before."""
    kind = _CHAR_KIND.take(codes)
    if kind.max() & _UNSEEN:
        for code in np.unique(codes[kind == _UNSEEN]).tolist():
            lower = chr(code).lower()[0]
            _LOWER[code] = ord(lower)
            _CHAR_KIND[code] = _char_kind(lower)
        kind = _CHAR_KIND.take(codes)
    return kind


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
    paragraphs, headings, para_voices, posts, marked, sentences = _structure(text)
    para_spans = []
    headline = None
    for i, ((start, end), voice) in enumerate(zip(paragraphs, para_voices)):
        is_heading = i in headings
        kind = "headline" if is_heading and i == 0 else ("heading" if is_heading else "paragraph")
        handle, author, date = posts.get(i, (None, None, None))
        para = Span(start, end, kind, voice, handle=handle, author=author, date=date)
        if kind == "headline":
            headline = para
        para_spans.append(para)
    flat = _flatten(marked)
    arrays = _assign([text], [(paragraphs, para_voices, flat, sentences)])[0]
    voice_spans = _fill_authorial(flat, paragraphs)
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
    # The text lower-cased, with a space for every character outside a word: the tokens are its ``split()``, and
    # its code points at the token offsets are the tokens' (a ``Batch`` reads token ids from them).
    words: str | None = None
    _tokens: list[str] | None = field(default=None, repr=False)

    @property
    def tokens(self) -> list[str]:
        """The word tokens (made on first use: the feature families read token ids, not strings)."""
        if self._tokens is None:
            self._tokens = self.words.split() if self.words is not None else []
        return self._tokens

    @property
    def n_tokens(self) -> int:
        return len(self.token_start)


def layout(text: str) -> Layout:
    """The token arrays and sentence voices of ``segment(text)``, without building span objects (faster)."""
    _check_text(text)
    return _layouts([text])[0]


# Characters per numpy pass of ``layouts`` (about ten articles): larger passes no longer fit the processor's cache
# and cost more per character; smaller ones pay the per-call cost more often. Measured on AllSides articles.
_PASS_CHARS = 1 << 16


def layouts(texts) -> list[Layout]:
    """``[layout(text) for text in texts]``, faster: the numpy work is done once for about ten texts at a time
    (each numpy call costs microseconds whatever its size, and a text needs a few dozen)."""
    texts = list(texts)
    for text in texts:
        _check_text(text)
    out: list[Layout] = []
    for start, stop in group_spans(texts, _PASS_CHARS, joiner=1):  # a pass reads its texts joined by spaces
        out.extend(_layouts(texts[start:stop]))
    return out


def group_spans(texts, max_chars: int, max_texts: int | None = None, joiner: int = 0):
    """(start, stop) of consecutive groups of ``texts``: at most ``max_texts`` texts and, past a group's first
    text, at most about ``max_chars`` characters (a text is taken while the characters so far and its own fit;
    ``joiner`` characters are counted after each text taken)."""
    start, n = 0, len(texts)
    while start < n:
        stop, chars = start + 1, len(texts[start])
        last = n if max_texts is None else min(n, start + max_texts)
        while stop < last and chars + len(texts[stop]) <= max_chars:
            chars += len(texts[stop]) + joiner
            stop += 1
        yield start, stop
        start = stop


def _layouts(texts: list[str]) -> list[Layout]:
    parts = []
    for text in texts:
        paragraphs, _, para_voices, _, marked, sentences = _structure(text, find_headings=False)  # no kinds needed
        parts.append((paragraphs, para_voices, _flatten(marked), sentences))
    out = _assign(texts, parts)
    for lay, (_, _, flat, _) in zip(out, parts):
        quotes = [v for v in flat if v[2] == "quoted"]
        lay.n_quotations = len(quotes)
        lay.n_attributed = sum(v[3] is not None for v in quotes)
    return out


def _check_text(text) -> None:
    if not isinstance(text, str):
        raise ToolkitError(f"segment() expects the article text as a str, got {type(text).__name__}")


# Voice spans are built as plain tuples, ``(start, end, voice, speaker, attribution, handle, author, date)`` (the
# fields of a ``Span`` after its kind, which is ``voice``): ``layout`` needs no span objects, and ``segment`` makes
# them at the end. A frozen dataclass costs about 3 µs to create, as much as the rest of the work on a paragraph.
def _voice_tuple(start: int, end: int, voice: str, speaker=None, attribution=None, handle=None, author=None,
                 date=None) -> tuple:
    return (start, end, voice, speaker, attribution, handle, author, date)


def _structure(text: str, find_headings: bool = True):
    """The structure of an article: paragraphs (start, end), the indices of the headings among them (only with
    ``find_headings``), each paragraph's voice, the (handle, author, date) of paragraphs that are social posts by
    index, the marked voice spans (boilerplate, social, quoted; as voice tuples) and the sentences (start, end,
    paragraph index)."""
    boiler = _boilerplate_header_spans(text)
    paragraphs, headings = _paragraphs(text, boiler, find_headings)
    marked = [_voice_tuple(b.start, b.end, b.voice) for b in boiler]
    para_voices: list[str] = []
    posts: dict[int, tuple] = {}
    last_speaker: str | None = None
    openers = _quote_openers(text)
    closers = _offsets(text, _DOUBLE_CLOSERS, 0, len(text)) if openers else []

    for i, (start, end) in enumerate(paragraphs):
        para_text = text[start:end]
        if _BOILERPLATE_LINE_RE.match(para_text):
            marked.append(_voice_tuple(start, end, "boilerplate"))
            para_voices.append("boilerplate")
            continue
        # The substring tests skip regular expressions that cannot match (they cost most of the time); a
        # one-character test first is the cheapest.
        has_social = "#" in para_text or (
            "/" in para_text and ("t.co/" in para_text or "pic.twitter.com/" in para_text)
        )
        tweet = _TWEET_SIGNATURE_RE.search(para_text) if "@" in para_text and "(@" in para_text else None
        if tweet and (tweet.start() > 0 or (has_social and _SOCIAL_INLINE_RE.search(para_text))):
            post = ("@" + tweet.group("handle"), tweet.group("name").strip() or None, tweet.group("date"))
            posts[i] = post
            marked.append(_voice_tuple(start, end, "social", None, None, *post))
            para_voices.append("social")
            continue
        quotes = []
        k = bisect.bisect_left(openers, start)
        if k < len(openers) and openers[k] < end:  # a paragraph without an opening quote mark has no quotations
            quotes, last_speaker = _quotes(text, start, end, last_speaker, openers, closers)
        marked.extend(quotes)
        for m in _SOCIAL_INLINE_RE.finditer(para_text) if has_social else ():
            if not any(q[0] <= start + m.start() < q[1] for q in quotes):
                marked.append(_voice_tuple(start + m.start(), start + m.end(), "social"))
        para_voices.append("authorial")
    return paragraphs, headings, para_voices, posts, marked, _sentences_all(text, paragraphs)


def _columns(rows: list[tuple], n: int) -> np.ndarray:
    """The first ``n`` fields of equally long integer tuples as an (n, len(rows)) int64 array: one row per field.
    (``np.array(list(zip(*rows)))`` is about twice as fast as ``np.fromiter`` per field, or ``np.array(rows)``.)"""
    if not rows:
        return np.zeros((n, 0), dtype=np.int64)
    return np.array(list(zip(*rows))[:n], dtype=np.int64)


def _assign(texts: list[str], parts: list[tuple]) -> list[Layout]:
    """Tokens with their sentence, paragraph and voice, and each sentence's voice, of one or more texts.

    ``parts`` holds, for each text, its paragraphs, their voices, the marked voice tuples as ``_flatten`` gives them
    and the sentences of ``_sentences_all``. Several texts are tokenized as one string, joined by spaces (no word
    goes on and no joiner joins across a space), and the arrays are computed once for all of them, then cut per text:
    a numpy call costs microseconds whatever its size, and a text needs a few dozen.
    """
    blanked = [_blank_non_words(text) for text in texts]
    joined = " ".join(blanked)
    codes = _code_points(joined)
    words, token_start, token_end = _words(blanked, joined, codes)
    bases = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))  # where each text is in ``joined``
    token_ptr = [0, len(token_start)]
    if len(texts) > 1:
        token_ptr = np.searchsorted(token_start, bases).tolist() + token_ptr[1:]
    n_sentences = [len(part[3]) for part in parts]
    sentence_ptr = list(accumulate(n_sentences, initial=0))
    total = sentence_ptr[-1]
    sentence_start, sentence_end, sentence_para = _columns([s for part in parts for s in part[3]], 3)
    sentence_at = sentence_start  # as offsets in ``joined``
    if len(texts) > 1:
        sentence_at = sentence_start + np.repeat(np.array(bases, dtype=np.int64), n_sentences)
    token_sentence = np.searchsorted(sentence_at, token_start, side="right") - 1

    # A token has the voice of the marked span that holds it, else it is the outlet's own (authorial). The spans do
    # not overlap, so their starts and ends in turn are sorted bounds: a token after an odd number of bounds is
    # inside a span.
    bounds = np.array([x + base for base, part in zip(bases, parts) for v in part[2] for x in v[:2]], dtype=np.int64)
    bound_code = np.zeros(len(bounds) + 1, dtype=np.int8)
    bound_code[1::2] = [VOICE_CODE[v[2]] for part in parts for v in part[2]]
    token_voice = bound_code[np.searchsorted(bounds, token_start, side="right")]
    # Every paragraph's first sentence starts where the paragraph starts, so the last paragraph that starts before a
    # token is that of its sentence (header tokens are set below).
    token_paragraph = sentence_para[token_sentence] if total else np.zeros(len(token_start), dtype=np.int64)

    # A text's tokens before its first sentence (all of them when it has none) are header: boilerplate, in sentence
    # and paragraph 0. Tokens of a text without sentences are counted for an extra sentence past the last one.
    header_end = np.searchsorted(token_sentence, sentence_ptr[:-1]).tolist()
    for i, start in enumerate(token_ptr[:-1]):
        end = min(header_end[i], token_ptr[i + 1])
        if end > start:
            token_voice[start:end] = VOICE_CODE["boilerplate"]
            token_paragraph[start:end] = 0
            token_sentence[start:end] = sentence_ptr[i] if n_sentences[i] else total

    # A sentence takes the voice of most of its tokens (mixed sentences keep exact voice spans in ``voices``);
    # a sentence without tokens keeps its paragraph's voice.
    para_voice = np.array([VOICE_CODE[v] for part in parts for v in part[1]], dtype=np.int8)
    para_ptr = np.fromiter(accumulate((len(part[1]) for part in parts[:-1]), initial=0), np.int64, count=len(parts))
    sentence_voice = para_voice[sentence_para + np.repeat(para_ptr, n_sentences)]
    if total and len(token_start):
        n_voices = len(VOICES)
        counts = np.bincount(token_sentence * n_voices + token_voice, minlength=(total + 1) * n_voices)
        counts = counts.reshape(total + 1, n_voices)[:total]
        sentence_voice = np.where(counts.any(axis=1), counts.argmax(axis=1), sentence_voice).astype(np.int8)

    token_sentence = token_sentence.astype(np.int32)
    token_paragraph = token_paragraph.astype(np.int32)
    if len(texts) == 1:
        return [Layout(texts[0], token_start, token_end, token_sentence, token_voice, token_paragraph, sentence_start,
                       sentence_end, sentence_voice, words=words)]
    out = []
    for i, text in enumerate(texts):
        a, b = token_ptr[i], token_ptr[i + 1]
        c, d = sentence_ptr[i], sentence_ptr[i + 1]
        base = bases[i]
        out.append(Layout(text, token_start[a:b] - base, token_end[a:b] - base,
                          token_sentence[a:b] - c if c < d else np.zeros(b - a, dtype=np.int32), token_voice[a:b],
                          token_paragraph[a:b], sentence_start[c:d], sentence_end[c:d], sentence_voice[c:d],
                          words=words[base : base + len(text)]))
    return out


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


_HEADING_END = ".!?:;,\"”"
_QUOTED_LINE_RE = re.compile(r"^[‘'\"“].*[’'\"”]$")
# "…, Ayatollah Khamenei said. “The US president …": the sentence before a quote names the speaker.
_ATTRIB_PREVIOUS_RE = re.compile(rf"(?P<speaker>{_SPEAKER})\s+(?:{_REPORTING_VERBS_TRIE})\s*[.:]\s*$")
_REPORTING_VERB_WORDS = tuple(_REPORTING_VERBS.split("|"))


def _ends_with(text: str, chars: str) -> bool:
    """Whether the last non-space character of ``text`` is one of ``chars`` (the regex ``[chars]\\s*$``)."""
    tail = text.rstrip()
    return bool(tail) and tail[-1] in chars


def _paragraphs(text: str, boiler: list[Span], find_headings: bool = True) -> tuple[list[tuple[int, int]], set[int]]:
    """Non-empty lines as (start, end) without surrounding white space; and which of them are headings (when
    ``find_headings``).

    A line ends at ``\\r`` or ``\\n``. The lines are read with ``str.split`` and ``str.strip``: about four times
    faster than a regular expression that finds them.
    """
    skip_to = boiler[-1].end if boiler else 0
    out = []
    pos = 0
    for line in (text.replace("\r", "\n") if "\r" in text else text).split("\n"):
        end = pos + len(line)
        if end > skip_to:
            if pos < skip_to:  # the line the header ends in: only what follows the header
                line = line[skip_to - pos :]
            rest = line.lstrip()
            if rest:
                start = end - len(rest)
                out.append((start, start + len(rest.rstrip())))
        pos = end + 1
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
    """Sentence spans (start, end, paragraph index) of every paragraph, from the sentence ends of the whole text.

    Sentences never cross a paragraph: a paragraph's last sentence ends at the paragraph's end.

    ``_SENTENCE_END_RE`` is tried only at the points, exclamation and question marks (found with ``str.find``), where
    a match must start: the same matches as ``finditer`` over the text, which spends most of its time scanning the
    characters in between.
    """
    if not paragraphs:
        return []
    scan = text.replace("\r", "\n") if "\r" in text else text  # "$" is the end of a line, whatever ends it
    first, last = paragraphs[0][0], paragraphs[-1][1]
    marks = _offsets(scan, ".!?", first, last)
    match = _SENTENCE_END_RE.match
    after_abbreviation = _AFTER_ABBREVIATION_RE.match
    out = []
    n_par = len(paragraphs)
    k = 0
    p_start, p_end = paragraphs[0]
    s = p_start
    resume = first  # matches do not overlap: the next one starts where the last one ended, or later
    for pos in marks:
        if pos < resume:
            continue
        # Most marks are followed by the end of the line, or a space and a capital (a sentence end), or by a
        # lower-case letter or digit ("U.S.", "7.5", no end): the pattern's answer there is known without running it.
        after = pos + 1
        if after == last or scan[after] == "\n" or (
            scan[after] == " " and after + 1 < last and scan[after + 1] in _CAPITALS_AND_DIGITS
        ):
            resume = after
        elif scan[after] in _LOWER_CASE_AND_DIGITS:
            continue
        else:
            m = match(scan, pos, last)
            if m is None:
                continue
            resume = m.end()
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
        cut = resume if resume < p_end else p_end
        if (
            text[pos] == "."
            and (pos - p_start < _ABBREVIATION_WINDOW or after_abbreviation(text, pos))
            and _is_abbreviation(text, p_start, pos)
        ):
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


_CAPITALS_AND_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER_CASE_AND_DIGITS = "abcdefghijklmnopqrstuvwxyz0123456789"


def _after_abbreviation_pattern() -> str:
    """A pattern for a point that may end an abbreviation or an initial, tried at the point: a quick test before
    ``_is_abbreviation``. It accepts every point that ``_is_abbreviation`` accepts, and a few more.

    One look-behind per word length (a look-behind has a fixed width), each after a character that is not an ASCII
    letter or point (else the word would be longer). Case is ignored: ``_is_abbreviation`` lower-cases the word, and
    the only non-ASCII character that lower-cases to an ASCII letter, the Kelvin sign, matches "k" when case is
    ignored. The word is read back at most to the paragraph start, which this pattern does not know: points close to
    a paragraph start are left to ``_is_abbreviation``.
    """
    by_length: dict[int, list[str]] = {1: [r"[^\W\d_]"]}  # an initial: any letter (and a few other word characters)
    for word in sorted(_ABBREVIATIONS):
        if len(word) > 1:
            by_length.setdefault(len(word), []).append(re.escape(word))
    behind = [rf"(?<=(?<![A-Za-z.])(?:{'|'.join(words)})\.)" for _, words in sorted(by_length.items())]
    return r"\.(?:" + "|".join(behind) + ")"


_AFTER_ABBREVIATION_RE = re.compile(_after_abbreviation_pattern(), re.IGNORECASE)
# A word longer than the longest abbreviation is none (lower-casing never shortens a word), so only a point closer
# than this to the paragraph start can end a word that the paragraph start cuts short.
_ABBREVIATION_WINDOW = max(len(a) for a in _ABBREVIATIONS) + 1


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


_QUOTE_OPENERS = "“«„\"‘"
_DOUBLE_CLOSERS = "”»\""
_SINGLE_CLOSE_RE = re.compile(r"’(?!\w)")


def _quote_openers(text: str) -> list[int]:
    """Sorted offsets of the characters that can open a quotation."""
    return _offsets(text, _QUOTE_OPENERS, 0, len(text))


def _offsets(text: str, chars: str, start: int, end: int) -> list[int]:
    """Sorted offsets in ``text[start:end]`` of any of ``chars`` (``str.find`` is faster than a regex scan)."""
    out = []
    for mark in chars:
        i = text.find(mark, start, end)
        while i >= 0:
            out.append(i)
            i = text.find(mark, i + 1, end)
    out.sort()
    return out


def _quotes(text: str, start: int, end: int, last_speaker: str | None,
            openers: list[int], closers: list[int]) -> tuple[list[tuple], str | None]:
    """Direct quotations inside one paragraph, as voice tuples with their speakers; and the last speaker named.
    ``openers`` are the ``_quote_openers(text)``, ``closers`` the offsets of the closing marks (``_DOUBLE_CLOSERS``).

    A quotation opens with “ « „ or a straight double quote and closes at the next closing or straight double
    quote (news text mixes them: “… General Soleimani."). A quotation left open at the end of a paragraph runs to
    its end (the convention for quotes that go on in the next paragraph).
    """
    spans = []
    pending = []
    k = bisect.bisect_left(openers, start)
    pos = start
    while True:
        while k < len(openers) and openers[k] < pos:
            k += 1
        if k == len(openers) or openers[k] >= end:
            break
        q_start = openers[k]
        if text[q_start] == "‘":
            if q_start > start and text[q_start - 1].isalnum():
                pos = q_start + 1
                continue
            close = _SINGLE_CLOSE_RE.search(text, q_start + 1, end)
            if not close or len(text[q_start : close.end()].split()) < 3:
                pos = q_start + 1
                continue
            q_end = close.end()
        else:
            j = bisect.bisect_left(closers, q_start + 1)
            q_end = closers[j] + 1 if j < len(closers) and closers[j] < end else end
        if q_end - q_start > 2:
            pending.append((q_start, q_end))
        pos = q_end

    previous_end, previous_speaker = 0, None
    for q_start, q_end in pending:
        attribution = _attribution(text, start, end, q_start, q_end)
        speaker = attribution
        if attribution and (attribution.lower() in _PRONOUNS or attribution.split()[0].lower() == "the"):
            # "he said", "the Leader added": the last speaker named (None when nobody was named yet)
            speaker = last_speaker if last_speaker else (None if attribution.lower() in _PRONOUNS else attribution)
        elif attribution:
            last_speaker = attribution
        elif previous_speaker and not text[previous_end:q_start].strip(" ,.;:"):
            speaker = previous_speaker  # a quotation that goes straight on from the previous one
        elif previous_speaker and (q_start - previous_end < 60 or _only_attribution(text[previous_end:q_start])):
            speaker = previous_speaker  # “…,” Murphy responded. “…” / “…,” Malmström, the commissioner, said. “…”
        spans.append(_voice_tuple(q_start, q_end, "quoted", speaker, attribution))
        previous_end, previous_speaker = q_end, speaker
    return spans, last_speaker


def _only_attribution(gap: str) -> bool:
    """Whether the text between two quotations is the first one's attribution and the rest of its sentence, with no
    other sentence (', Cecilia Malmström, the EU’s trade commissioner, said in a statement on Tuesday. ')."""
    m = _ATTRIB_AFTER_RE.match(gap)
    return m is not None and _SENTENCE_END_INSIDE_RE.search(gap.rstrip(), m.end()) is None


_SENTENCE_END_INSIDE_RE = re.compile(r"[.!?]\s")


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
    reporting = _REPORTING_RE.search(clause)
    m = _ATTRIB_BEFORE_RE.search(clause, _chunks_back(clause, reporting.start(), 9)) if reporting else None
    found = m.group("speaker") if m else None
    if found:
        return _clean_speaker(found)
    # "…, Ayatollah Khamenei said. “The US president …" — the sentence before the quote names the speaker. The
    # pattern ends with a reporting verb, a point or colon and white space: test that end before searching.
    tail = before.rstrip()
    m = None
    if tail and tail[-1] in ".:" and tail[:-1].rstrip().endswith(_REPORTING_VERB_WORDS):
        m = _ATTRIB_PREVIOUS_RE.search(before, _chunks_back(before, len(before), 10))
    if m:
        return _clean_speaker(m.group("speaker"))
    # "Trump reacted in a tweet, saying that he was “surprised”": the sentence's subject, when it reports speech.
    if reporting:
        m = _SENTENCE_SUBJECT_RE.match(clause)
        if m and m.group("speaker").split()[0] not in _NOT_SUBJECTS:
            return _clean_speaker(m.group("speaker"))
    return None


def _chunks_back(text: str, pos: int, n: int) -> int:
    """Where the search for an attribution that must end at or after ``pos`` can start: the end of the (n + 1)-th
    white-space-delimited chunk before ``pos`` (0 when there are fewer). The speaker and reporting-verb patterns
    span at most eight chunks (six names, an adverb, a verb), so no match starts earlier, and the search, which
    tries the speaker pattern at every character, skips the rest of the paragraph."""
    parts = text[:pos].rsplit(None, n)
    return len(parts[0]) if len(parts) > n else 0


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


def _start_then_longest(v: tuple) -> tuple[int, int]:
    return v[0], -v[1]


def _flatten(marked: list[tuple]) -> list[tuple]:
    """Voice tuples sorted by start, without the spans nested inside an earlier one (a hashtag inside a tweet)."""
    flat: list[tuple] = []
    for v in sorted(marked, key=_start_then_longest):
        if flat and v[0] < flat[-1][1]:
            continue
        flat.append(v)
    return flat


def _fill_authorial(flat: list[tuple], paragraphs) -> list[Span]:
    """Voice spans: the flattened voice tuples, and authorial spans filling the gaps inside paragraphs, sorted."""
    out: list[tuple] = []
    starts = [v[0] for v in flat]
    for p_start, p_end in paragraphs:
        pos = p_start
        k = bisect.bisect_left(starts, p_start)
        # A span that began before this paragraph (the inline header) may still cover its start.
        if k > 0 and flat[k - 1][1] > pos:
            pos = flat[k - 1][1]
        while k < len(flat) and flat[k][0] < p_end:
            v = flat[k]
            if v[0] > pos:
                out.append(_voice_tuple(pos, v[0], "authorial"))
            pos = max(pos, v[1])
            k += 1
        if pos < p_end:
            out.append(_voice_tuple(pos, p_end, "authorial"))
    out.extend(flat)
    out.sort(key=_start_then_longest)
    return [Span(v[0], v[1], "voice", *v[2:]) for v in out if v[1] > v[0]]


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
        # the script with most letters; a tie goes to the first name in alphabetical order, whatever the set order
        script = max(sorted(scripts), key=lambda s: sum(_script_of(c) == s for c in letters))
        spans.append(Span(m.start(), m.end(), "script", script=script.title()))
    return spans
