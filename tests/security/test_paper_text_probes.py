"""Security probes for `ui/app/text.py` (audit finding 11): no paper text may become a link, an image or HTML.

The oracle models how Streamlit renders `st.markdown` (react-markdown with remark-gfm and remark-math):

1. remark-math's inline math: a run of n `$` (not preceded by an unescaped `$`) opens, the next run of exactly n `$`
   closes, and backslashes do NOT escape inside math. The math spans the renderer would see are cut out and their
   content checked (no `$`, no link/HTML/URL material, no KaTeX `\\href`-like commands).
2. The rest is parsed with markdown-it-py (CommonMark, HTML on): no link, image, autolink or HTML token, and no
   text token that remark-gfm's literal-autolink pass (`https://`, `http://`, `www.`, emails) would turn into a
   link. The same holds for the whole output read as plain Markdown, i.e. if the math were not recognised at all.

Bare URLs in paper text are shown as inline code: readable and copyable, never clickable.
"""
from __future__ import annotations

import re
import time

import pytest
from markdown_it import MarkdownIt

from trendscope.ui.app.text import highlight, math_segments, safe_inline, safe_markdown, snippet_markdown

EVIL_ABSTRACTS = [
    r"$a\$ [click](https://evil.example/phish) b$",
    r"$a\$ [click](https://evil.example/phish) b\$ c$",
    r"$x$$[click](https://evil.example/a)$",
    r"$$a$$$[click](https://evil.example/b)$",
    r"$$a$$$$[click](https://evil.example/b2)$$",
    r"$x$ $[y](https://evil.example/c)$",
    "$$\\sum_i x_i\n\n[x]: https://evil.example/ref\n\n[x]$$",
    "$$a\n> [q](https://evil.example/quote)\n$$",
    r"$$ [z](https://evil.example/d) $$",
    r"$\$ $[w](https://evil.example/e)$",
    r"costs $5 and $[v](https://evil.example/f)$",
    r"$a$ \$ $b$ [u](https://evil.example/g) $c$",
    r"$x \href{https://evil.example/h}{click}$",
    r"$\url{https://evil.example/i}$",
    r"$x <https://evil.example/j> y$",
    r"$x<img src=x onerror=alert(1)>$",
    r"$a `code` [k](https://evil.example/k) b$",
    r"$a @evil.example$",
    r"$www.evil.example$",
    "<img src=x onerror=alert(1)> and <script>alert(1)</script>",
    "[x](javascript:alert(1)) ![i](https://evil.example/l.png)",
    "<https://evil.example/m> <mailto:a@evil.example>",
    "see https://evil.example/n, HTTP://EVIL.EXAMPLE/O and www.evil.example/p.",
    "mail phish@evil.example or (https://evil.example/q)",
    "x_https://evil.example/r and *www.evil.example*",
    "[x]: https://evil.example/def\n\n[x]",
    "&lt;a href=https://evil.example/s&gt; &#60;b&#62;",
    "`https://evil.example/t` and ``x`` `y",
    "\\$ $x$\\$ $y$ [z](https://evil.example/u)",
    r"$$x$$ $$[y](https://evil.example/v)$$",
    r"$\left< x \right> \lt y$ and $p<q$ and $a>b$",
]


# -- the oracle ---------------------------------------------------------------------------------------------
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_GFM_URL = re.compile(r"(https?://|www(?=\.))[-.\w]+", re.I)
_GFM_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
_KATEX_LINKS = re.compile(r"\\(href|url|includegraphics|html\w*)\b")


def remark_math_spans(md: str) -> list[tuple[int, int]]:
    """(start, end) of every inline math span remark-math would see in one Markdown string (a model of
    micromark-extension-math's `mathText` together with backslash escapes and code spans)."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(md)
    prev_escaped = False
    while i < n:
        ch = md[i]
        if ch == "\\" and i + 1 < n and md[i + 1] in _PUNCT:
            i += 2
            prev_escaped = True
            continue
        if ch == "`":
            j = i
            while j < n and md[j] == "`":
                j += 1
            m = re.compile(r"(?<!`)" + "`" * (j - i) + r"(?!`)").search(md, j)
            i = m.end() if m else j
            prev_escaped = False
            continue
        if ch == "$" and not (i > 0 and md[i - 1] == "$" and not prev_escaped):
            j = i
            while j < n and md[j] == "$":
                j += 1
            size, k = j - i, j
            close = None
            while k < n:
                if md[k] == "$":
                    e = k
                    while e < n and md[e] == "$":
                        e += 1
                    if e - k == size:
                        close = e
                        break
                    k = e
                elif md[k : k + 2] == "\n\n":
                    break
                else:
                    k += 1
            if close is not None:
                spans.append((i, close))
                i = close
                prev_escaped = False
                continue
            i = j
            prev_escaped = False
            continue
        prev_escaped = False
        i += 1
    return spans


def _problems_as_markdown(md: str) -> list[str]:
    """Links, images, autolinks, HTML and GFM literal autolinks in `md` read as CommonMark."""
    out: list[str] = []
    env: dict = {}
    tokens = MarkdownIt("commonmark").parse(md, env)
    if env.get("references"):
        out.append(f"reference definitions {sorted(env['references'])}")
    for tok in tokens:
        if tok.type == "html_block":
            out.append(f"html block {tok.content!r}")
        for child in tok.children or []:
            if child.type in ("link_open", "image", "html_inline"):
                out.append(f"{child.type} {child.attrs or child.content!r}")
            if child.type == "text":
                for rx in (_GFM_URL, _GFM_EMAIL):
                    if rx.search(child.content):
                        out.append(f"GFM autolink literal in text {child.content!r}")
    return out


def problems(md: str) -> list[str]:
    """Everything in `md` that could become a link, image or HTML in Streamlit's renderer."""
    found = [f"as plain Markdown: {p}" for p in _problems_as_markdown(md)]
    spans = remark_math_spans(md)
    rest, pos = [], 0
    for a, b in spans:
        rest.append(md[pos:a])
        rest.append("MATH")
        pos = b
        content = md[a:b].strip("$")
        if "$" in content or "\n" in content:
            found.append(f"math span with $ or a newline inside: {md[a:b]!r}")
        if _KATEX_LINKS.search(content):
            found.append(f"KaTeX link command in math: {md[a:b]!r}")
        if re.search(r"\]\(|<|`|://|www\.|@", content, re.I):
            found.append(f"link/HTML material in math: {md[a:b]!r}")
    rest.append(md[pos:])
    found += [f"with math cut out: {p}" for p in _problems_as_markdown("".join(rest))]
    return found


def test_the_oracle_catches_the_reported_bypass():
    """Today's math detector kept this verbatim: remark-math closes the math at `\\$` and the link is live."""
    md = r"$a\$ [click](https://evil.example/phish) b$"
    assert remark_math_spans(md) == [(0, 4)]
    assert any("link_open" in p for p in problems(md))
    assert problems(r"\$a\$ \[click\]\(`https://evil.example/phish`\) b\$") == []


# -- probes ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", EVIL_ABSTRACTS)
def test_safe_markdown_never_yields_links_html_or_live_urls(text):
    assert problems(safe_markdown(text)) == []


@pytest.mark.parametrize("text", EVIL_ABSTRACTS)
def test_safe_inline_highlight_and_snippets_are_just_as_safe(text):
    assert problems(safe_inline(text)) == []
    assert problems(highlight(text, ["click", "evil", "example", "https", "www", "x"])) == []
    marked = re.sub(r"(evil|https|click|www)", r"[\1]", text)
    assert problems(snippet_markdown(marked, ["example", "phish"])) == []
    assert problems(snippet_markdown("[https://evil.example/w] [a@evil.example]", [])) == []


def test_math_that_is_kept_still_renders():
    assert safe_markdown("we get $O(n^2)$ and $$\\sum_i x_i$$ here") == "we get $O(n^2)$ and $$\\sum_i x_i$$ here"
    assert safe_markdown("$p<q$ and $a>b$") == "$p\\lt q$ and $a\\gt b$"  # no `<` reaches the renderer
    assert safe_markdown("price $\\$0.8$ per token") == "price $\\text{\\textdollar}0.8$ per token"
    assert safe_markdown("$$a\nb$$") == "$$a b$$"  # display math stays on one line


@pytest.mark.parametrize("text", [
    r"$a\$ [click](https://evil.example/phish) b$",
    r"$x \href{https://evil.example/h}{click}$",
    r"$a `code` b$",
    r"$a @evil.example$",
])
def test_math_with_link_material_is_shown_as_text(text):
    assert all(not is_math for is_math, _ in math_segments(text))


@pytest.mark.parametrize("text", [
    r"Overlay LoRA $\rule{300em}{300em}$ quantization",
    r"$\textcolor{white}{hidden}\kern-40em\text{Click Sign out to continue}$",
    r"$\mathrlap{\hspace{-20em}\Huge\text{FAKE BUTTON}}$",
    r"$\raisebox{30em}{x}$", r"$\color{white} x$", r"$\llap{x}$", r"$\mkern-400mu x$", r"$\LARGE x$",
    r"$x" + r"\!" * 200 + r" y$", r"$\negthickspace\negthickspace x$", r"$\smash{\begin{array}{c}a\\b\end{array}}$",
    # a second security walkthrough: a line break's negative spacing drew text 1,095 px above a title, over the
    # page's own controls; `\!` runs broken by empty groups pushed text off the screen
    r"Abstract $x\\[-12em]\text{INJECTED ABOVE}$ more", r"$a\\ [-25em]\text{FAKE TITLE OVERLAY}$",
    r"$\begin{aligned}a\\*[-9em]b\end{aligned}$", r"$Y" + r"\!\!\!{}" * 100 + r"\text{SHIFTED LEFT}$",
    r"$a\!{}\!{}\!{}\!{}\!{}\!{}\!{}\!{}b$",
    # a review: a macro hid both from the checks, rendering exactly as the forms above
    r"$\def\b{\\}x\b[-12em]\text{Sign in}$", r"$\let\b\\ x\b[-9em]y$",
    r"$\def\a{\!\!\!{}}\def\b{\a\a\a\a\a\a\a\a\a\a}Y\b\b\b\b\b\b\text{X}$",
    r"$\newcommand{\z}{\\}a\z[-5em]b$", r"$\gdef\q{x}\q$",
    # (a mutation audit: every macro command KaTeX knows, and four `\!` in a row, each checked)
    r"$\renewcommand{\z}{\\}a\z[-5em]b$", r"$\providecommand{\z}{\\}a\z[-5em]b$", r"$\edef\b{\\}x\b[-12em]y$",
    r"$\xdef\b{\\}x\b[-12em]y$", r"$a\!\!\!\!b$",
])
def test_math_that_could_draw_outside_its_place_is_shown_as_text(text):
    r"""A blind security walkthrough: `$\rule{300em}{300em}$` in a title covered the paper's page for every user,
    and `\mathrlap{\hspace{-20em}\Huge ...}` painted text over the sidebar."""
    assert all(not is_math for is_math, _ in math_segments(text))
    assert math_segments(r"$\lambda \! x$ and $\largest$") == [
        (True, r"$\lambda \! x$"), (False, r" and "), (True, r"$\largest$")]  # their kin stay math
    # a genuine formula's tight spacing and line breaks stay math (4 of the corpus's 40,050 formulas have 4 `\!`)
    for genuine in (r"$40\!\times\!20\!\times\!10$", r"$C_1\!\to\!E\!\leftarrow\!C_2$",
                    r"$\begin{pmatrix}a\\b\end{pmatrix}$", "$a" + r"\!{}" * 7 + "b$"):  # seven apart: math
        assert math_segments(genuine) == [(True, genuine)]


def test_adjacent_math_segments_are_joined_or_text():
    assert math_segments("$x$$y$") == [(True, "$x$$y$")]
    assert safe_markdown(r"up to $2.0\times$$\sim$$2.7\times$ faster") == r"up to $2.0\times \sim 2.7\times$ faster"
    assert safe_markdown(r"$a\$$$b$") == r"$a\text{\textdollar} b$"
    assert math_segments("$$x$$$y$") == [(True, "$$x$$"), (False, "$y$")]
    assert safe_markdown("$$x$$$y$") == "$$x$$\\$y\\$"


def test_bare_urls_are_inline_code():
    out = safe_markdown("Code at https://github.com/org/repo. Mail me@example.org (or www.example.org).")
    assert out == ("Code at `https://github.com/org/repo`\\. Mail `me@example.org` \\(or `www.example.org`\\)\\.")


# -- the Paper page -------------------------------------------------------------------------------------------
def test_paper_page_shows_the_hostile_abstract_without_links(home):
    from app_harness import all_markdown, check, new_app, open_page

    from trendscope.ingest.records import Paper
    from trendscope.ingest.store import PaperStore, open_database

    db = open_database(home / "trendscope.db")
    PaperStore(db).upsert([Paper(
        id="2607.00001", version=1, published="2026-07-01", categories=["cs.LG"],
        authors=["Eve https://evil.example/author", "<img src=x onerror=1>"],
        title=r"$x$$[t](https://evil.example/title)$ see www.evil.example",
        abstract="\n".join(EVIL_ABSTRACTS),
    )])
    db.close()
    at = open_page(check(new_app().run()), "paper", id="2607.00001")
    md = all_markdown(at)
    assert "evil" in md  # the abstract is on the page
    assert problems(md) == []
    assert problems(at.title[0].value) == []


# -- no catastrophic backtracking ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "\\$" * 20_000,  # the old math pattern tried every `$` against the rest of the text: minutes
    "$" + "\\$" * 20_000,
    "https://" + ")" * 20_000,
    "https://" + "." * 20_000 + "x",
    "a" * 100_000 + "@",
    "x.y+z-" * 20_000,
])
def test_hostile_text_renders_in_linear_time(text):
    start = time.perf_counter()
    safe_markdown(text)
    highlight(text, ["abc"])
    assert time.perf_counter() - start < 5


def test_the_app_sends_raw_html_only_as_its_constant_style_sheet():
    """No `unsafe_allow_html` anywhere in the app, and `st.html` once: the constant `navigation.STYLE`."""
    from pathlib import Path

    from trendscope.ui.app import navigation

    app_dir = Path(navigation.__file__).resolve().parent
    calls = {}
    for path in app_dir.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html=True" not in text, path
        for m in re.finditer(r"\bst\.html\((.*?)\)", text):
            calls[str(path.relative_to(app_dir))] = m.group(1)
    assert calls == {"navigation.py": "STYLE"}
    style = navigation.STYLE.strip()
    assert style.startswith("<style>") and style.endswith("</style>") and style.count("<") == 2  # nothing else
