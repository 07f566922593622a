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

from toolkit._compiled import compiled
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
# What the sentence splitter needs to know of a character as written, filled with ``_CHAR_KIND``.
_ALPHA = 1  # str.isalpha
_UPPER = 2  # str.isupper
_SPACE = 4  # str.isspace, which is what ``\s`` matches
_LONG_LOWER = 8  # str.lower gives more than one character ("İ" → "i̇")
_CHAR_FLAGS = np.zeros(0x110000, dtype=np.uint8)


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
_BOILERPLATE_LINE_RE = re.compile(  # tried with ``match`` on a paragraph, which starts with no white space
    r"(?:"
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
_ATTRIB_AFTER_RE = re.compile(  # tried with ``match``: anchored where the text after the quote starts
    rf"[\s,]*(?:(?P<speaker>{_SPEAKER})(?:,[^,“”\"\n]{{1,90}},)?\s+(?:\w+ly\s+|further\s+|also\s+|then\s+)?"
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
    codes = _code_points(text)
    words, starts, ends = _words(codes, _char_kinds(codes), _folded([text]))
    return _decode(words).split(), starts, ends


def _words(codes: np.ndarray, kind: np.ndarray, folded: np.ndarray | None):
    """The words of the text whose code points are ``codes``, URLs and handles blanked (``kind``: their
    ``_char_kinds``): the code points of the text lower-cased with a space for every character outside a word, so
    that the ``split()`` of their string (``_decode``) is the tokens; and their offsets (three arrays).
    ``folded``: the code points of the text lower-cased by ``fold_case``, needed only when it holds a capital sigma
    (``_folded``)."""
    if len(codes) == 0:
        return np.zeros(0, np.uint32), np.zeros(0, np.int64), np.zeros(0, np.int64)
    folded = _NOT_FOLDED if folded is None else folded
    return compiled(_word_loop)(codes, kind, _LOWER, folded)


def _decode(codes: np.ndarray) -> str:
    """The string of the code points ``codes`` (``_code_points`` undone)."""
    return codes.tobytes().decode("utf-32-le", "surrogatepass")


_NOT_FOLDED = np.zeros(0, dtype=np.uint32)


def _word_loop(codes, kind, lower, folded):
    """The words of ``_words`` as code points (a space outside words, ’ read as '), with their starts and ends;
    ``lower`` is ``_LOWER``, ``folded`` the text's folded code points or empty. Compiled (``toolkit._compiled``).

    A word character (``_WORD``) is part of a word; so is a joiner, a character whose joining bits (``>> 2``) are
    set in both its neighbours (an apostrophe or hyphen between word characters, a point or comma between digits),
    except the apostrophe of a possessive 's (an apostrophe, then s or S, then no word character), which leaves out
    itself and its s. Neighbours are read as written, before any joiner joins.
    """
    n = len(codes)
    is_word = np.zeros(n, np.bool_)
    for i in range(n):
        is_word[i] = (kind[i] & _WORD) != 0
    for i in range(1, n - 1):
        if (kind[i] >> 2) & kind[i - 1] & kind[i + 1]:
            c, after = codes[i], codes[i + 1]
            if ((c == 39 or c == 0x2019) and (after == 115 or after == 83)
                    and not (i + 2 < n and kind[i + 2] & _WORD)):
                is_word[i] = False
                is_word[i + 1] = False
            else:
                is_word[i] = True
    out = np.empty(n, np.uint32)
    starts = np.empty(n // 2 + 1, np.int64)
    ends = np.empty(n // 2 + 1, np.int64)
    n_words = 0
    inside = False
    for i in range(n):
        if is_word[i]:
            c = folded[i] if len(folded) else lower[codes[i]]
            out[i] = 39 if c == 0x2019 else c
            if not inside:
                starts[n_words] = i
                inside = True
        else:
            out[i] = 32
            if inside:
                ends[n_words] = i
                n_words += 1
                inside = False
    if inside:
        ends[n_words] = n
        n_words += 1
    return out, starts[:n_words].copy(), ends[:n_words].copy()


def _code_points(text: str) -> np.ndarray:
    """The code points of ``text``. A lone surrogate (half of a character cut in two, as broken scrapes and JSON
    escapes leave them) is kept as its own code point: it is no word character, so it only separates words."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _char_kinds(codes: np.ndarray) -> np.ndarray:
    """The ``_CHAR_KIND`` bits of every code point in ``codes``, filling the tables for characters not seen before."""
    kind = _CHAR_KIND.take(codes)
    if len(kind) and kind.max() & _UNSEEN:
        for code in np.unique(codes[kind == _UNSEEN]).tolist():
            char = chr(code)
            lower = char.lower()
            _LOWER[code] = ord(lower[0])
            _CHAR_KIND[code] = _char_kind(lower[0])
            _CHAR_FLAGS[code] = (_ALPHA * char.isalpha() | _UPPER * char.isupper() | _SPACE * char.isspace()
                                 | _LONG_LOWER * (len(lower) > 1))
        kind = _CHAR_KIND.take(codes)
    return kind


def _folded(parts: list[str]) -> np.ndarray | None:
    """The code points of the ``parts``, each lower-cased by ``fold_case``, joined by spaces, when one holds a
    capital sigma (``str.lower`` writes a final sigma at the end of a word, and only it knows where); else None
    (``_LOWER`` lower-cases each character)."""
    if not any("Σ" in part for part in parts):
        return None
    return _code_points(" ".join(fold_case(part) for part in parts))


def _blank_non_words(text: str) -> str:
    """Replace URLs, e-mail addresses and @handles by as many spaces (offsets stay valid)."""
    cuts = _non_word_cuts(text)
    if not cuts:
        return text
    pieces = []
    pos = 0
    for start, end in cuts:
        pieces.append(text[pos:start])
        pieces.append(" " * (end - start))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _non_word_cuts(text: str) -> list[tuple[int, int]]:
    """The (start, end) of the URLs, e-mail addresses and @handles in ``text``: sorted, not overlapping, not empty."""
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
    out = []
    pos = 0
    for start, end in sorted(cuts):
        start = max(start, pos)
        if end > start:
            out.append((start, end))
            pos = end
    return out


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
    paragraphs, headings, para_voices, posts, marked = _structure(text)
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
    arrays = _assign([text], [(paragraphs, para_voices, flat)])[0]
    voice_spans = _fill_authorial(flat, paragraphs)
    sentence_spans = []
    for s_start, s_end, code in zip(arrays.sentence_start.tolist(), arrays.sentence_end.tolist(),
                                    arrays.sentence_voice.tolist()):
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
    # The code points of the text lower-cased, with a space for every character outside a word: the tokens are
    # the ``split()`` of their string (``words``), and the code points at the token offsets are the tokens' (a
    # ``Batch`` reads token ids from them). ``codes``: the text's own code points. Both may be views of the arrays
    # of all the texts of a ``layouts`` pass.
    word_codes: np.ndarray | None = field(default=None, repr=False)
    codes: np.ndarray | None = field(default=None, repr=False)
    _tokens: list[str] | None = field(default=None, repr=False)

    @property
    def words(self) -> str | None:
        """The text lower-cased, with a space for every character outside a word (None when not kept)."""
        return None if self.word_codes is None else _decode(self.word_codes)

    @property
    def tokens(self) -> list[str]:
        """The word tokens (made on first use: the feature families read token ids, not strings)."""
        if self._tokens is None:
            self._tokens = self.words.split() if self.word_codes is not None else []
        return self._tokens

    @property
    def n_tokens(self) -> int:
        return len(self.token_start)


def layout(text: str) -> Layout:
    """The token arrays and sentence voices of ``segment(text)``, without building span objects (faster)."""
    _check_text(text)
    return _layouts([text])[0]


# Characters per numpy pass of ``layouts`` (about forty articles): smaller ones pay the per-call cost more often
# (2^16 characters: 5% more time), much larger ones no longer fit the processor's cache. Measured on AllSides
# articles, with the tokenizer and the sentence splitter compiled.
_PASS_CHARS = 1 << 18


def layouts(texts) -> list[Layout]:
    """``[layout(text) for text in texts]``, faster: the numpy work is done once for about forty texts at a time
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
    # The code points of the texts joined by spaces, read once: the lines and quotation marks of every text are
    # found in them (one compiled pass, one numpy call), then the tokens and sentences (``_assign``).
    read = _read(texts)
    _, bases, codes, _ = read
    boilers = [_boilerplate_header_spans(text) for text in texts]
    found = _lines_and_marks(codes, bases, [len(text) for text in texts], [b[-1].end if b else 0 for b in boilers])
    parts = []
    for text, boiler, (paragraphs, openers, closers) in zip(texts, boilers, found):
        _, _, para_voices, _, marked = _structure(text, find_headings=False, found=(boiler, paragraphs, openers,
                                                                                     closers))
        parts.append((paragraphs, para_voices, _flatten(marked)))
    out = _assign(texts, parts, read)
    for lay, (_, _, flat) in zip(out, parts):
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


def _structure(text: str, find_headings: bool = True, found: tuple | None = None):
    """The structure of an article: paragraphs (start, end), the indices of the headings among them (only with
    ``find_headings``), each paragraph's voice, the (handle, author, date) of paragraphs that are social posts by
    index, and the marked voice spans (boilerplate, social, quoted; as voice tuples).

    ``found``: the header spans, paragraphs, quotation openers and closers, when they were found already (for many
    texts at once, ``_lines_and_marks``; not with ``find_headings``)."""
    if found is None:
        boiler = _boilerplate_header_spans(text)
        paragraphs, headings = _paragraphs(text, boiler, find_headings)
        openers = _quote_openers(text)
        closers = _offsets(text, _DOUBLE_CLOSERS, 0, len(text)) if openers else []
    else:
        boiler, paragraphs, openers, closers = found
        headings = set()
    marked = [_voice_tuple(b.start, b.end, b.voice) for b in boiler]
    para_voices: list[str] = []
    posts: dict[int, tuple] = {}
    last_speaker: str | None = None
    # Most articles have no social-media marks at all: their paragraphs are not copied to be searched for them.
    social_marks = "#" in text or "t.co/" in text or "pic.twitter.com/" in text or "(@" in text

    for i, (start, end) in enumerate(paragraphs):
        if _BOILERPLATE_LINE_RE.match(text, start, end):
            marked.append(_voice_tuple(start, end, "boilerplate"))
            para_voices.append("boilerplate")
            continue
        has_social = False
        if social_marks:
            para_text = text[start:end]
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
    return paragraphs, headings, para_voices, posts, marked


def _read(texts: list[str]) -> tuple:
    """The texts joined by spaces, where each begins in it, its code points and their ``_char_kinds``."""
    joined = " ".join(texts)
    bases = list(accumulate((len(text) + 1 for text in texts[:-1]), initial=0))
    codes = _code_points(joined)
    return joined, bases, codes, _char_kinds(codes)


def _assign(texts: list[str], parts: list[tuple], read: tuple | None = None) -> list[Layout]:
    """Tokens with their sentence, paragraph and voice, and each sentence's voice, of one or more texts.

    ``parts`` holds, for each text, its paragraphs, their voices and the marked voice tuples as ``_flatten`` gives
    them. Several texts are tokenized and split into sentences as one string, joined by spaces (no word goes on, no
    joiner joins and no sentence ends across a space), and the arrays are computed once for all of them, then cut per
    text: a numpy call costs microseconds whatever its size, and a text needs a few dozen. ``read``: ``_read(texts)``
    when it was made already.
    """
    joined, bases, codes, kind = _read(texts) if read is None else read
    text_codes = codes
    # Sentences, as offsets in the joined texts (``sentence_at``) and in each text's own.
    sentence_at, sentence_end, sentence_para, sentence_ptr = _sentences_of(codes, bases, [part[0] for part in parts])
    n_sentences = np.diff(sentence_ptr)
    shift = np.repeat(np.array(bases, dtype=np.int64), n_sentences)
    sentence_start, sentence_end = sentence_at - shift, sentence_end - shift
    sentence_ptr = sentence_ptr.tolist()
    total = sentence_ptr[-1]

    # Words, from the same code points with URLs, e-mail addresses and handles blanked.
    cuts = [(base + start, base + end) for base, text in zip(bases, texts) for start, end in _non_word_cuts(text)]
    if cuts:
        codes, kind = codes.copy(), kind.copy()
        for start, end in cuts:
            codes[start:end] = _BLANK
            kind[start:end] = _CHAR_KIND[_BLANK]
    folded = _folded([_blank_non_words(text) for text in texts]) if "Σ" in joined else None
    words, token_start, token_end = _words(codes, kind, folded)
    token_ptr = [0, len(token_start)]
    if len(texts) > 1:
        token_ptr = np.searchsorted(token_start, bases).tolist() + token_ptr[1:]
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
                       sentence_end, sentence_voice, word_codes=words, codes=text_codes)]
    out = []
    for i, text in enumerate(texts):
        a, b = token_ptr[i], token_ptr[i + 1]
        c, d = sentence_ptr[i], sentence_ptr[i + 1]
        base = bases[i]
        out.append(Layout(text, token_start[a:b] - base, token_end[a:b] - base,
                          token_sentence[a:b] - c if c < d else np.zeros(b - a, dtype=np.int32), token_voice[a:b],
                          token_paragraph[a:b], sentence_start[c:d], sentence_end[c:d], sentence_voice[c:d],
                          word_codes=words[base : base + len(text)], codes=text_codes[base : base + len(text)]))
    return out


def _lines_and_marks(codes: np.ndarray, bases: list[int], lengths: list[int], skip_to: list[int]) -> list[tuple]:
    """For each text of the joined ``codes`` (text ``i`` is ``lengths[i]`` characters from ``bases[i]``; the
    character tables filled by ``_char_kinds``): its paragraphs as ``_paragraphs`` finds them after its header ends
    (``skip_to[i]``), and the sorted offsets of its quotation openers and of its double closing marks (as
    ``_quote_openers`` and ``_offsets`` find them). One compiled pass (``_line_loop``) for all the texts."""
    found = compiled(_line_loop)(codes, _CHAR_FLAGS, _QUOTE_MARK_KIND, np.asarray(bases, dtype=np.int64),
                                 np.asarray(lengths, dtype=np.int64), np.asarray(skip_to, dtype=np.int64))
    starts, ends, line_ptr, opens, open_ptr, closes, close_ptr = (a.tolist() for a in found)
    return [(list(zip(starts[line_ptr[i] : line_ptr[i + 1]], ends[line_ptr[i] : line_ptr[i + 1]])),
             opens[open_ptr[i] : open_ptr[i + 1]], closes[close_ptr[i] : close_ptr[i + 1]]) for i in range(len(bases))]


_OPENS, _CLOSES = 1, 2
_QUOTE_MARK_KIND = np.zeros(0x2020, dtype=np.uint8)  # by code point: opens a quotation (1), closes one (2)
for _mark in "“«„\"‘":
    _QUOTE_MARK_KIND[ord(_mark)] |= _OPENS
for _mark in "”»\"":
    _QUOTE_MARK_KIND[ord(_mark)] |= _CLOSES


def _line_loop(codes, flags, mark_kind, bases, lengths, skip_to):
    """``_lines_and_marks`` in one pass over the texts' characters: the lines of each text (ending at a line feed or
    carriage return) after ``skip_to``, without the white space (``flags`` & ``_SPACE``) at their ends, those left
    not empty, as starts and ends; and the offsets of the quotation marks that open and that close (``mark_kind``);
    all in each text's own offsets, text ``i``'s from ``ptr[i]`` to ``ptr[i + 1]`` of each. Compiled."""
    n_texts = len(bases)
    total = 0
    for i in range(n_texts):
        total += lengths[i] + 1
    out_start = np.empty(total // 2 + 1, np.int64)  # a line holds a character and ends with a break
    out_end = np.empty(total // 2 + 1, np.int64)
    # As many marks as characters at most: arrays that never grow (an array reassigned inside the loop would cost
    # its reference count at every character).
    opens = np.empty(total, np.int64)
    closes = np.empty(total, np.int64)
    line_ptr = np.zeros(n_texts + 1, np.int64)
    open_ptr = np.zeros(n_texts + 1, np.int64)
    close_ptr = np.zeros(n_texts + 1, np.int64)
    n = n_open = n_close = 0
    n_kinds = len(mark_kind)
    for i in range(n_texts):
        base, length, skip = bases[i], lengths[i], skip_to[i]
        pos = 0
        while pos <= length:
            end = pos
            while end < length:
                c = codes[base + end]
                if c == 10 or c == 13:
                    break
                if c < n_kinds and mark_kind[c]:
                    if mark_kind[c] & _OPENS:
                        opens[n_open] = end
                        n_open += 1
                    if mark_kind[c] & _CLOSES:
                        closes[n_close] = end
                        n_close += 1
                end += 1
            if end > skip:
                a = pos if pos > skip else skip
                while a < end and flags[codes[base + a]] & _SPACE:
                    a += 1
                if a < end:
                    b = end
                    while flags[codes[base + b - 1]] & _SPACE:
                        b -= 1
                    out_start[n], out_end[n] = a, b
                    n += 1
            pos = end + 1
        line_ptr[i + 1], open_ptr[i + 1], close_ptr[i + 1] = n, n_open, n_close
    return (out_start[:n].copy(), out_end[:n].copy(), line_ptr, opens[:n_open].copy(), open_ptr,
            closes[:n_close].copy(), close_ptr)


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
    """Sentence spans (start, end, paragraph index) of every paragraph (see ``_sentences_of``)."""
    codes = _code_points(text)
    _char_kinds(codes)
    starts, ends, para, _ = _sentences_of(codes, [0], [paragraphs])
    return list(zip(starts.tolist(), ends.tolist(), para.tolist()))


def _sentences_of(codes: np.ndarray, bases: list[int], paragraphs: list[list[tuple[int, int]]]):
    """The sentences of several texts: starts and ends as offsets in ``codes``, the index of each sentence's
    paragraph in its text, and where each text's sentences begin (one more entry for the end).

    ``codes`` are the code points of the texts joined (text ``i`` begins at ``bases[i]``; ``_char_kinds(codes)`` has
    filled the character tables for them), ``paragraphs`` the (start, end) of each text's paragraphs, in its own
    offsets.

    A sentence ends at . ! ? (and the marks and closing quotes right after it) before white space and a capital,
    digit or Arabic letter (possibly after an opening quote or bracket), or before the end of its line; also where
    scraping glued two sentences together ("shut down.At a press conference": two lower-case letters, the mark, a
    capital and a lower-case letter). A point that ends an abbreviation ("Mr.", "U.S.") or an initial ("George W.
    Bush") ends no sentence. Sentences never cross a paragraph: a paragraph's last sentence ends at its end, and
    white space between sentences belongs to none.

    Implementation: one compiled pass over the code points of all the texts (``_sentence_loop``).
    """
    n_par = [len(p) for p in paragraphs]
    bounds = np.array([x + base for base, paras in zip(bases, paragraphs) for pair in paras for x in pair],
                      dtype=np.int64)
    para_ptr = np.array(list(accumulate(n_par, initial=0)), dtype=np.int64)
    return compiled(_sentence_loop)(codes, _CHAR_FLAGS, _LOWER, bounds[0::2].copy(), bounds[1::2].copy(), para_ptr,
                                    _ABBREVIATION_KEYS)


def _abbreviation_key(word: str) -> int:
    """An ASCII word of at most nine characters as one number, seven bits per character (none is zero)."""
    key = 0
    for char in word:
        key = key * 128 + ord(char)
    return key


_ABBREVIATION_KEYS = np.array(sorted(_abbreviation_key(a) for a in _ABBREVIATIONS), dtype=np.int64)
_LONGEST_ABBREVIATION = max(len(a) for a in _ABBREVIATIONS)


def _sentence_loop(codes, flags, lower, para_start, para_end, para_ptr, abbreviation_keys):
    r"""``_sentences_of`` after its arrays are made: the paragraphs ``para_start[k]:para_end[k]`` (offsets in
    ``codes``) of text ``t`` are ``para_ptr[t] <= k < para_ptr[t + 1]``; ``flags`` and ``lower`` are ``_CHAR_FLAGS``
    and ``_LOWER``, filled for every character; ``abbreviation_keys``: ``_ABBREVIATION_KEYS``.

    Where a mark ends a sentence is what the regular expression
    ``[.!?](?:[.!?]*["”’')\]]*(?=\s+["“‘'(\[]?[A-Z0-9\u0600-\u06FF]|[^\S\n]*$)|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z]))``
    matched at the mark finds, in the text up to the end of its last paragraph (with ``re.M``, a carriage return
    read as a line end); ``tests/test_segment.py`` compares this loop with a plain one over that expression.
    Compiled (``toolkit._compiled``).
    """
    n_texts = len(para_ptr) - 1
    marks = np.empty(len(codes), np.int64)
    is_mark = np.empty(len(codes), np.bool_)
    size = len(codes) + len(para_start)  # at most one sentence per mark, and one more per paragraph
    out_start, out_end, out_para = np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64)
    sent_ptr = np.zeros(n_texts + 1, np.int64)
    n = 0
    for t in range(n_texts):
        lo_par, n_par = para_ptr[t], para_ptr[t + 1] - para_ptr[t]
        sent_ptr[t] = n
        if n_par == 0:
            continue
        first, last = para_start[lo_par], para_end[lo_par + n_par - 1]
        for pos in range(first, last):  # flags first, then positions: two simple loops run faster than one
            c = codes[pos]
            is_mark[pos] = (c == 46) | (c == 33) | (c == 63)
        n_marks = 0
        for pos in range(first, last):
            if is_mark[pos]:
                marks[n_marks] = pos
                n_marks += 1
        k = 0
        p_start, p_end = para_start[lo_par], para_end[lo_par]
        s = p_start
        resume = first  # ends do not overlap: the next one is looked for where the last one ended, or later
        for m in range(n_marks):
            pos = marks[m]
            c = codes[pos]
            if pos < resume:
                continue
            # Where the sentence ends: after the marks and the closing quotes and brackets " ” ’ ' ) ] that follow,
            # when white space and a capital, digit or Arabic letter (possibly after one of the openers " “ ‘ ' ( [)
            # or the end of the line come next; else right after a mark glued between words ("down.At").
            j = pos + 1
            while j < last and (codes[j] == 46 or codes[j] == 33 or codes[j] == 63):
                j += 1
            while j < last and (codes[j] == 34 or codes[j] == 0x201D or codes[j] == 0x2019 or codes[j] == 39
                                or codes[j] == 41 or codes[j] == 93):
                j += 1
            end = -1
            i = j
            while i < last and flags[codes[i]] & _SPACE:
                i += 1
            if j < i < last:
                x = codes[i]
                if (x == 34 or x == 0x201C or x == 0x2018 or x == 39 or x == 40 or x == 91) and i + 1 < last:
                    x = codes[i + 1]
                if 65 <= x <= 90 or 48 <= x <= 57 or 0x600 <= x <= 0x6FF:
                    end = j
            if end < 0:
                i = j
                while i < last and flags[codes[i]] & _SPACE and codes[i] != 10 and codes[i] != 13:
                    i += 1
                if i == last or codes[i] == 10 or codes[i] == 13:
                    end = j
            if (end < 0 and pos >= 2 and 97 <= codes[pos - 2] <= 122 and 97 <= codes[pos - 1] <= 122
                    and pos + 2 < last and 65 <= codes[pos + 1] <= 90 and 97 <= codes[pos + 2] <= 122):
                end = pos + 1
            if end < 0:
                continue
            resume = end
            while pos >= p_end:  # the paragraph is over: its rest is its last sentence
                if s < p_end:
                    out_start[n], out_end[n], out_para[n] = s, p_end, k
                    n += 1
                k += 1
                if k == n_par:
                    break
                p_start, p_end = para_start[lo_par + k], para_end[lo_par + k]
                s = p_start
            if k == n_par:
                break
            if pos < p_start:
                continue
            if c == 46:
                # An abbreviation (``_ABBREVIATIONS``, case ignored) or an initial (one upper-case letter) ends no
                # sentence: the word is the letters and points before the point, read back to the paragraph start.
                w = pos
                while w > p_start and (flags[codes[w - 1]] & _ALPHA or codes[w - 1] == 46):
                    w -= 1
                n_chars = pos - w
                if n_chars == 1 and flags[codes[w]] & _UPPER and not flags[codes[w]] & _LONG_LOWER:
                    continue  # "George W. Bush"
                if 0 < n_chars <= _LONGEST_ABBREVIATION:
                    key = 0
                    for i in range(w, pos):
                        low = np.int64(lower[codes[i]]) if codes[i] != 46 else 46
                        if low >= 128 or flags[codes[i]] & _LONG_LOWER:  # lower-cased, no abbreviation holds it
                            key = -1
                            break
                        key = key * 128 + low
                    lo, hi = 0, len(abbreviation_keys)  # a binary search among the sorted keys
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if abbreviation_keys[mid] < key:
                            lo = mid + 1
                        else:
                            hi = mid
                    if key >= 0 and lo < len(abbreviation_keys) and abbreviation_keys[lo] == key:
                        continue
            cut = resume if resume < p_end else p_end
            if cut > s:
                out_start[n], out_end[n], out_para[n] = s, cut, k
                n += 1
            s = cut
            while s < p_end and flags[codes[s]] & _SPACE:
                s += 1
        while k < n_par:
            if s < p_end:
                out_start[n], out_end[n], out_para[n] = s, p_end, k
                n += 1
            k += 1
            if k < n_par:
                p_start, p_end = para_start[lo_par + k], para_end[lo_par + k]
                s = p_start
    sent_ptr[n_texts] = n
    return out_start[:n].copy(), out_end[:n].copy(), out_para[:n].copy(), sent_ptr


def warm_up() -> None:
    """Compile the tokenizer and the sentence splitter (before worker processes are forked)."""
    layouts(["A b. C d", "Iran’s"])
    layouts(["See http://t.co/x now."])  # URLs blanked in a copy of the code points: the loop for that array too


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
    m = _ATTRIB_AFTER_RE.match(text, q_end, p_end)
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
