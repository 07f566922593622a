"""``python -m toolkit segment``: show an article's structure and voices."""

import json
import sys

NAME = "segment"
HELP = "show an article marked up by voice (authorial, quoted, social, boilerplate)"
DESCRIPTION = (
    "Segment an article into headline, paragraphs, sentences and tokens, and mark every span with its voice:\n"
    "the outlet's own words (authorial), direct quotations with their speaker (quoted), embedded social-media\n"
    "posts with handle and date (social), and header or syndication lines (boilerplate)."
)
EPILOG = """examples:
  python -m toolkit segment seeds/000_b050418d726ab46a.txt
  python -m toolkit segment seeds/000_b050418d726ab46a.txt --json
  python -m toolkit segment articles.jsonl --id a17 --json"""

_COLOURS = {"authorial": "", "quoted": "\033[36m", "social": "\033[35m", "boilerplate": "\033[2m"}
_RESET = "\033[0m"


def add_arguments(parser):
    parser.add_argument("path", help="an article (.txt with optional 'date YYYY-MM-DD' header) or a table of articles")
    parser.add_argument("--id", help="which article of a table (default: the only one)")
    parser.add_argument("--json", action="store_true", help="print the segments as JSON for a program")
    parser.add_argument("--kinds", default="sentence,voice,headline,heading,script",
                        help="span kinds in --json output (default: %(default)s; add 'paragraph')")


def run(args) -> int:
    from toolkit.articles import load_articles
    from toolkit.errors import ToolkitError
    from toolkit.segment import VOICES, segment

    table = load_articles(args.path)
    if args.id is not None:
        table = table[table["id"] == args.id]
        if table.empty:
            raise ToolkitError(f"no article with id {args.id!r} in '{args.path}'")
    elif len(table) > 1:
        raise ToolkitError(f"'{args.path}' holds {len(table)} articles; name one with --id (e.g. --id {table['id'].iloc[0]})")
    article = table.iloc[0]
    seg = segment(article["text"])
    if args.json:
        kinds = tuple(k.strip() for k in args.kinds.split(","))
        out = {
            "id": article["id"],
            "n_tokens": seg.n_tokens,
            "tokens_by_voice": {v: int((seg.token_voice == i).sum()) for i, v in enumerate(VOICES)},
            "segments": seg.records(kinds=kinds),
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print(render(seg, colour=sys.stdout.isatty()))
    return 0


def render(seg, colour: bool = False) -> str:
    """The article as a person reads it, each voice span tagged (and coloured on a terminal)."""
    from toolkit.segment import VOICES

    lines = []
    for para in ([seg.headline] if seg.headline else []) + [p for p in seg.paragraphs if p is not seg.headline]:
        pieces = []
        for v in seg.voices:
            if v.end <= para.start or v.start >= para.end:
                continue
            text = seg.text[max(v.start, para.start):min(v.end, para.end)]
            if v.voice == "authorial":
                pieces.append(text)
                continue
            who = v.speaker or v.handle or ""
            extra = f" {v.date}" if v.date else ""
            tag = f"[{v.voice}{': ' + who if who else ''}{extra}]"
            body = f"{tag} {text} [/{v.voice}]"
            pieces.append(f"{_COLOURS[v.voice]}{body}{_RESET}" if colour else body)
        label = para.kind if para.kind != "paragraph" else "¶"
        lines.append(f"{label:<9}{''.join(pieces)}")
    for b in seg.voices:
        if b.voice == "boilerplate" and not any(p.start <= b.start < p.end for p in seg.paragraphs):
            lines.insert(0, f"{'header':<9}[boilerplate] {seg.text[b.start:b.end].strip()} [/boilerplate]")
    for s in seg.scripts:
        lines.append(f"{'script':<9}{s.script} at {s.start}-{s.end}: {seg.text[s.start:s.end]}")
    counts = {v: int((seg.token_voice == i).sum()) for i, v in enumerate(VOICES)}
    lines.append("")
    lines.append(f"{seg.n_tokens} words in {len(seg.sentences)} sentences: " + ", ".join(f"{v} {n}" for v, n in counts.items()))
    speakers = {}
    for v in seg.voices:
        if v.voice == "quoted":
            speakers[v.speaker or "(unattributed)"] = speakers.get(v.speaker or "(unattributed)", 0) + 1
    if speakers:
        lines.append("quotations by speaker: " + ", ".join(f"{k} {n}" for k, n in speakers.items()))
    posts = [f"{v.handle} ({v.date})" for v in seg.voices if v.voice == "social" and v.handle]
    if posts:
        lines.append("social posts: " + ", ".join(posts))
    return "\n".join(lines)
