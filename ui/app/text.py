"""Paper text -> safe Markdown for `st.markdown`: every Markdown/HTML special character escaped, `$...$` math kept.

Paper titles and abstracts are untrusted text. The app never renders them with `unsafe_allow_html`; on top of
that, this module backslash-escapes every ASCII punctuation character outside math so that no Markdown construct
(links, images, emphasis, headings, tables, Streamlit's `:color[...]` directives, HTML tags) can come from a paper.

Math segments (`$...$`, `$$...$$`) go to KaTeX. They must start and end exactly where Streamlit's remark-math
sees them, and stay harmless even if a renderer read them as plain Markdown:

- math never contains a `$`: an escaped dollar inside math (`\\$`) is written `\\text{\\textdollar}` (remark-math
  does not honour backslashes inside math, so `$a\\$ [x](y) b$` would end the math early and free the link);
- inline math right after inline math (`$x$$y$`, which remark-math reads as one segment with `$$` inside) is
  joined into one (`$x y$`); any other math touching the previous one is text;
- `<` and `>` in math become `\\lt` and `\\gt`; display math is put on one line;
- a segment containing `](`, a backtick, `://`, `www.`, `@`, a KaTeX link/HTML command (`\\href`, `\\url`,
  `\\includegraphics`, `\\html...`) or a command that draws outside the math's own place or hides text (`\\rule`,
  `\\kern`, `\\hspace`, runs of `\\!`, `\\rlap`/`\\mathrlap`..., `\\raisebox`, `\\smash`, `\\color`/`\\textcolor`,
  `\\Huge`...) is not treated as math: it is escaped like the rest of the text.

LaTeX text markup that arXiv abstracts carry outside math reads as prose: `\\emph{x}`, `\\textbf{x}` and their kin
show `x`, ``` ``quotes'' ``` show curly quotes, `\\%`, `\\&`, `\\_`, `\\#` their character (only characters are removed
or swapped for quotes, before escaping).

Bare URLs (`http://`, `https://`, `www.`) and e-mail addresses are shown as inline code: readable and copyable,
never clickable (Streamlit's remark-gfm would otherwise turn them into links even with their punctuation escaped).
"""
from __future__ import annotations

import re
import string

from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.text import MATCH_CLOSE, MATCH_OPEN, latex_text_as_prose
from trendscope.foundation.wording import evidence_place, vector_vote, vote_lean

_PUNCT = set(string.punctuation)
# $$...$$ first, then $...$ whose content neither starts nor ends with a space (so "$5 and $10" is not math)
# and whose closing $ is not followed by a digit. A `$` right after a backslash is a literal dollar, never an
# opening one (this also keeps the search linear: `\$\$\$...` used to take quadratic time).
_MATH_RE = re.compile(
    r"(?<!\\)\$\$(?!\s)(?P<display>[^$]+?)(?<!\s)\$\$"
    r"|(?<!\\)\$(?!\s)(?P<inline>(?:\\\$|[^$\n])+?)(?<![\s\\])\$(?!\d)"
)
# math that could carry a link, an image, HTML or a URL is not math; nor math that could draw outside its own place
# or hide text: rules, negative spaces, overlaps, raised or smashed boxes, colours and huge sizes (`$\rule{300em}
# {300em}$` in a title covered the paper's page, `\mathrlap{\hspace{-20em}...}` painted over the sidebar: a blind
# security walkthrough); genuine abstracts hardly use them, and they are then shown as their TeX source
_UNSAFE_MATH_RE = re.compile(
    r"\]\(|`|://|www\.|@|\\(?:href|url|includegraphics|html[a-z]*|rule|kern|mkern|hskip|mskip|vskip|hspace|vspace"
    r"|mspace|[lrc]lap|math[lrc]lap|raisebox|lower|raise|color|textcolor|colorbox|fcolorbox"
    r"|pagecolor|huge|Huge|LARGE|Large|vcenter|moveleft|moveright|char|neg(?:thin|med|thick)space|smash"
    # a macro hides what it expands to from these checks (`\def\b{\\}x\b[-12em]`: a review); no formula of the
    # shared corpus defines one
    r"|def|gdef|edef|xdef|let|futurelet|newcommand|renewcommand|providecommand|global|DeclareMathOperator)(?![a-zA-Z])"
    r"|(?:\\!\s*){4,}"  # `\!` is -3mu: a few hundred in a row kern as far as `\kern` (a review)
    r"|\\\\\*?\s*\[", re.I)  # a line break's spacing: `x\\[-12em]\text{..}` drew above the page (security walkthrough)
# `\!` apart, between empty groups (`\!\!\!{}` a hundred times): as far as a run; four in one formula are genuine
# ("40\!\times\!20\!\times\!10", 4 of the corpus's 40,050 formulas), eight are refused
MAX_NEGATIVE_SPACES = 7
# what remark-gfm turns into a link in plain text (its own patterns, a little wider): URLs and e-mail addresses
# (an address is taken from the start of its run of name characters: linear time, and it covers any address
# remark-gfm could find inside that run)
_LINKY_RE = re.compile(r"(?:https?://|www\.)[^\s<>`]+|(?<![-.\w+])[-.\w+]+@[-\w]+(?:\.[-\w]+)+", re.I)
_TRAILING = frozenset(".,;:!?'\"*_~")
_SPACES_RE = re.compile(r"[ \t\r\f\v]+")


def escape_plain(text: str) -> str:
    """Escape every ASCII punctuation character so Markdown shows it literally."""
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in text)


def _normalise(text: str) -> str:
    """Collapse runs of spaces and strip each line (leading spaces would make code blocks)."""
    lines = [_SPACES_RE.sub(" ", line).strip() for line in (text or "").splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def math_segments(text: str) -> list[tuple[bool, str]]:
    """Split text into (is_math, segment) parts; math parts include their `$` delimiters.

    A candidate holding link/HTML/URL material is plain text. Inline math right after inline math (`$a$$b$`, as
    in `$2\\times$$\\sim$`) joins it as one segment; anything else that touches the previous math is plain text.
    """
    parts: list[tuple[bool, str]] = []
    pos = 0
    last_end = -1
    for m in _MATH_RE.finditer(text):
        if _UNSAFE_MATH_RE.search(m.group(0)) or m.group(0).count("\\!") > MAX_NEGATIVE_SPACES:
            continue
        if m.start() == last_end:
            if m.group("inline") is None or parts[-1][1].startswith("$$"):
                continue
            parts[-1] = (True, parts[-1][1] + m.group(0))
            pos = last_end = m.end()
            continue
        if m.start() > pos:
            parts.append((False, text[pos : m.start()]))
        parts.append((True, m.group(0)))
        pos = last_end = m.end()
    if pos < len(text):
        parts.append((False, text[pos:]))
    return parts


def math_markdown(segment: str) -> str:
    """A math segment (with its delimiters) as it is handed to KaTeX: no `$`, `<`, `>` or line break inside."""
    fence = "$$" if segment.startswith("$$") and segment.endswith("$$") and len(segment) > 4 else "$"
    body = segment[len(fence) : -len(fence)].replace("\\$", "\\text{\\textdollar}")
    if fence == "$":
        body = body.replace("$$", " ")  # where inline segments were joined: $a$$b$ -> $a b$
    body = body.replace("$", "")  # (none is left; a `$` inside would end the math early in remark-math)
    body = body.replace("<", "\\lt ").replace(">", "\\gt ")
    body = re.sub(r"\s*\n\s*", " ", body)
    return fence + body + fence


def _trim_url(url: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets (as GFM does): "(see x.org/a)." -> "x.org/a"."""
    opened = {")": url.count("("), "]": url.count("["), "}": url.count("{")}
    closed = {ch: url.count(ch) for ch in opened}
    end = len(url)
    while end:
        ch = url[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch in closed and closed[ch] > opened[ch]:
            closed[ch] -= 1
            end -= 1
        else:
            break
    return url[:end]


def _plain(text: str, words: re.Pattern | None = None) -> str:
    """Text outside math: LaTeX text markup as prose, URLs and e-mail addresses as inline code, the rest escaped
    (`words` in bold)."""
    return _addresses_as_code(latex_text_as_prose(text), lambda part: _escaped(part, words))


def _addresses_as_code(text: str, escape) -> str:
    """`text` with its URLs and e-mail addresses as inline code (Streamlit would make them links even escaped) and
    the rest passed through `escape`."""
    out: list[str] = []
    pos = 0
    for m in _LINKY_RE.finditer(text):
        url = _trim_url(m.group(0))
        if not url:
            continue
        out += [escape(text[pos : m.start()]), f"`{url}`"]
        pos = m.start() + len(url)
    return "".join(out) + escape(text[pos:])


def _escaped(text: str, words: re.Pattern | None) -> str:
    if words is None:
        return escape_plain(text)
    out: list[str] = []
    pos = 0
    for m in words.finditer(text):
        out.append(escape_plain(text[pos : m.start()]))
        out.append(f"**{escape_plain(m.group(0))}**")
        pos = m.end()
    out.append(escape_plain(text[pos:]))
    return "".join(out)


def _render(text: str, words: re.Pattern | None = None) -> str:
    return "".join(math_markdown(seg) if is_math else _plain(seg, words) for is_math, seg in math_segments(text))


def safe_markdown(text: str | None) -> str:
    """Paper text as Markdown that renders literally except for its `$...$` math.

    >>> safe_markdown("A *bold* [link](x) with $O(n^2)$ cost <b>")
    'A \\\\*bold\\\\* \\\\[link\\\\]\\\\(x\\\\) with $O(n^2)$ cost \\\\<b\\\\>'
    """
    return _render(_normalise(text or ""))


# a math segment's dollars: text right inside them, the closing one not before a digit. Only those go: every "$"
# went, so "${7*7}" read "{7*7}" and "under $100" "under 100" (a blind walkthrough)
_MATH_DOLLARS = re.compile(r"\$(?=\S)([^$]*?\S)\$(?!\d)")


def title_text(title: str, width: int | None = None) -> str:
    """A paper title as one line of plain text for a link or button label: math as readable Unicode, math it
    cannot read as its source without the dollars (KaTeX in a label floated a superscript above its card), cut to
    `width` characters with "…". Not escaped: pass it through `safe_inline` or `highlight`."""
    text = _MATH_DOLLARS.sub(r"\1", readable_latex(" ".join((title or "").split()), dollar="\ue003"))
    if width is not None and len(text) > width:
        text = text[: width - 1].rstrip("\\") + "…"
    # an escaped dollar ("\\$1.9B") stays escaped, so that `safe_inline` and `highlight` show it as a dollar, not as
    # math's delimiter ("Pay \\$\\alpha\\$ now" read "Pay α now" in a card's label: a security walkthrough)
    return text.replace("\\\ue003", "\ue003").replace("\ue003", "\\$")


def safe_inline(text: str | None) -> str:
    """Like `safe_markdown` but on one line (for titles, authors, labels)."""
    return safe_markdown(" ".join((text or "").split()))


def message_inline(text: str | None) -> str:
    """A message of the stages on one line (an outcome, an error), escaped, its `...` spans shown as code: the CLI's
    commands in it read as commands, not between literal backticks (a blind walkthrough). A code span shows its
    text as it is, so nothing in it is read as Markdown."""
    parts = re.split(r"`([^`]+)`", " ".join((text or "").split()))
    return "".join(f"`{part}`" if i % 2 else _spaced(part, safe_inline(part)) for i, part in enumerate(parts))


def _spaced(raw: str, escaped: str) -> str:
    """`escaped` with the space `raw` had at either end (escaping trims it)."""
    if not escaped:
        return raw if raw.isspace() else escaped
    return (" " if raw[:1].isspace() else "") + escaped + (" " if raw[-1:].isspace() else "")


def literal_inline(text: str | None) -> str:
    """A name or note a user typed, on one line, shown exactly as typed: unlike paper text (`safe_inline`) its
    `$...$` is not math (a list named "50% $\\alpha$ & {x}" showed an italic α and lost its braces: a blind
    walkthrough). An address in it is inline code, as in paper text: escaped, "www.evil.example" in a list's name
    was still made a live link (a security walkthrough)."""
    return _addresses_as_code(" ".join((text or "").split()), escape_plain)


def quoted_query(query: str | None) -> str:
    """A query inside curly quotes, escaped; a query that is one quoted phrase keeps its own quotes
    (`10 results for “"Video Generation"”`: a blind walkthrough)."""
    text = " ".join((query or "").split())
    if len(text) > 1 and text[0] == text[-1] == '"' and '"' not in text[1:-1]:
        return f"“{safe_inline(text[1:-1])}”"
    return f"“{safe_inline(text)}”"


def highlight(text: str | None, terms: list[str]) -> str:
    """One-line escaped text with whole-word, case-insensitive matches of `terms` (word prefixes count) in bold.

    Math segments and URLs are never split or bolded.
    """
    text = re.sub(r"\s+", " ", text or "")  # boundary spaces kept: snippets are highlighted piece by piece
    words = sorted({w for t in terms if len(t) >= 2 for w in (t.lower(), _singular(t.lower()))}, key=len,
                   reverse=True)
    if not words:
        return _render(text)
    return _render(text, re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.I))


def _singular(word: str) -> str:
    """A plural's singular, so that the query word "experts" bolds "Expert" too, as the search matched it
    ("MoEC: **Mixture** of Expert Clusters" beside a snippet's "**Experts**": a blind walkthrough)."""
    if len(word) < 4:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(?:s|x|z|ch|sh)es$", word):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_STOP = frozenset("""a an and are as at be by for from has have in into is it its of on or our that the their
this to was we were with without via using based towards toward not near""".split())


def query_terms(query: str) -> list[str]:
    """The words of a search query worth highlighting: those of its items as the search reads them
    (`index.fts_query.parse_query`), so never a word it leaves out (`-word`, `-"a phrase"`, `NOT word`, a typographic
    dash: a second parser here highlighted them, a review); stop words and 1-2 letter words dropped."""
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.index.fts_query import parse_query

    try:
        groups = parse_query(query or "").groups  # each item's words, and the words as typed ("pre-training")
        words = [w for g in groups for item in g.items for w in item.words] + \
            [w for g in groups for w in re.findall(r"[^\W_]+", g.label)]
    except TrendscopeError:  # the search says what is wrong with the query; highlight its plain words meanwhile
        words = re.findall(r"[^\W_]+", query or "")
    return [w for w in dict.fromkeys(words) if len(w) >= 3 and w.lower() not in _STOP]


_MARK_RE = re.compile(f"{MATCH_OPEN}([^{MATCH_OPEN}{MATCH_CLOSE}]{{1,200}}){MATCH_CLOSE}")


_DOLLAR_RE = re.compile(r"(?<!\\)\$")


def _without_cut_math(snippet: str) -> str:
    """A snippet the full-text index cut inside `$...$` ("…regret $\\sqrt{T…") showed the half formula's source:
    the cut piece becomes the ellipsis it stands for."""
    dollars = [m.start() for m in _DOLLAR_RE.finditer(snippet)]
    if len(dollars) % 2 == 0:
        return snippet

    def mathy(piece: str) -> bool:
        return any(ch in piece for ch in "\\{}^_")

    if snippet.endswith("…") and mathy(snippet[dollars[-1] + 1 :]):
        return snippet[: dollars[-1]].rstrip() + " …"
    if snippet.startswith("…") and mathy(snippet[: dollars[0]]):
        return "… " + snippet[dollars[0] + 1 :].lstrip()
    return snippet


def _marks_outside_math(snippet: str) -> str:
    """The snippet without match marks that fall inside a formula: FTS5 marked "alpha" of "$\\alpha$-divergence"
    and the mark ran on past the closing "$", so the page showed "$\\**alpha$-divergence**" (a blind walkthrough).
    A mark left without its other half is dropped too."""
    if MATCH_OPEN not in snippet:
        return snippet
    plain = snippet.replace(MATCH_OPEN, "").replace(MATCH_CLOSE, "")
    inside: list[tuple[int, int]] = []
    pos = 0
    for is_math, seg in math_segments(plain):
        if is_math:
            inside.append((pos, pos + len(seg)))
        pos += len(seg)
    marks: list[tuple[int, str]] = []  # (position in `plain`, mark)
    at = 0
    for ch in snippet:
        if ch in (MATCH_OPEN, MATCH_CLOSE):
            if not any(a < at < b for a, b in inside):
                marks.append((at, ch))
        else:
            at += 1
    kept: list[tuple[int, str]] = []
    for mark in marks:  # balanced: an open closed by the next close
        if mark[1] == MATCH_OPEN:
            if kept and kept[-1][1] == MATCH_OPEN:
                kept.pop()
            kept.append(mark)
        elif kept and kept[-1][1] == MATCH_OPEN:
            kept.append(mark)
    if kept and kept[-1][1] == MATCH_OPEN:
        kept.pop()
    out, prev = [], 0
    for where, mark in kept:
        out.append(plain[prev:where] + mark)
        prev = where
    return "".join(out) + plain[prev:]


def snippet_markdown(snippet: str | None, terms: list[str]) -> str:
    """An FTS5 snippet (matched words between MATCH_OPEN and MATCH_CLOSE) as escaped Markdown with the matches in
    bold; query words outside the marks are bolded too (semantic hits have no marks). The paper's own brackets
    ("[12]", "[D1]") stay text."""
    snippet = _marks_outside_math(_without_cut_math(" ".join((snippet or "").split())))
    # LaTeX text markup as prose first, on the whole snippet: a match mark inside "\textit{Metric [Privacy]}"
    # would otherwise split the group, and each piece alone is not markup it can read
    # (an escaped dollar stays escaped: read as "$" here, it became a formula's delimiter for `highlight`, and
    # "0.5\$/h on A100 and 2\$/h" rendered as math: a review)
    snippet = "".join(seg if is_math else latex_text_as_prose(seg).replace("$", "\\$")
                      for is_math, seg in math_segments(snippet))
    out: list[str] = []
    pos = 0
    for m in _MARK_RE.finditer(snippet):
        out.append(highlight(snippet[pos : m.start()], terms))
        out.append(f"**{_plain(m.group(1))}**")
        pos = m.end()
    out.append(highlight(snippet[pos:], terms))
    return "".join(out)


def evidence_sentence(item: str) -> str:
    """A tagger evidence item in plain words (escaped Markdown): matched phrases say where they matched, the
    vector model's vote says which way it leans instead of showing its internal number."""
    place = evidence_place(item)
    if place:
        return f"“{safe_inline(place[0])}” in the {place[1]}"
    v = vector_vote(item)
    if v is not None:
        return f"papers with similar wording: the vector model votes {vote_lean(v)} this trend"
    if item.startswith("category: "):
        cat = item[len("category: "):]
        shown = f"`{cat}`" if cat.replace(".", "").replace("-", "").isalnum() else safe_inline(cat)
        return f"listed in arXiv category {shown}"
    if item.startswith("not: "):
        return f"“{safe_inline(item[len('not: '):])}” weighs against it"
    return safe_inline(item)
