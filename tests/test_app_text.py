"""Paper text -> safe Markdown (ui/text.py): everything escaped except $...$ math."""
from __future__ import annotations

import string

import pytest

from trendscope.foundation.text import MATCH_CLOSE, MATCH_OPEN
from trendscope.ui.app.text import (
    highlight,
    literal_inline,
    math_segments,
    query_terms,
    quoted_query,
    safe_inline,
    safe_markdown,
    snippet_markdown,
)


@pytest.mark.parametrize("text, expected", [
    ("A *bold* [link](x) <b>", "A \\*bold\\* \\[link\\]\\(x\\) \\<b\\>"),
    ("# Title\n\n    code?", "\\# Title\n\ncode\\?"),
    (":red[x] :material/home:", "\\:red\\[x\\] \\:material\\/home\\:"),
    ("costs $5 and $10", "costs \\$5 and \\$10"),
    ("we get $O(n^2)$ and $$\\sum_i x_i$$ here", "we get $O(n^2)$ and $$\\sum_i x_i$$ here"),
    ("&amp; | a | b |", "\\&amp\\; \\| a \\| b \\|"),
])
def test_safe_markdown(text, expected):
    assert safe_markdown(text) == expected


def test_every_ascii_punctuation_outside_math_is_escaped():
    out = safe_inline(string.punctuation.replace("$", ""))
    assert out == "".join("\\" + c for c in string.punctuation.replace("$", ""))


def test_math_segments_need_tight_delimiters():
    assert math_segments("a $x$ b") == [(False, "a "), (True, "$x$"), (False, " b")]
    assert all(not m for m, _ in math_segments("between $ 5 and $ 6"))


def test_highlight_bolds_query_words_but_never_inside_math():
    out = highlight("Transformers attend: $n_transformer$ tokens", query_terms("transformer n"))
    assert out == "**Transformers** attend\\: $n_transformer$ tokens"
    assert query_terms('"unbalanced AND of ti: *') == ["unbalanced"]
    # the words a query leaves out are not highlighted in what it found (a review)
    assert query_terms('lora -quantization NOT pruning -"low rank" adapters') == ["lora", "adapters"]


def test_snippet_marks_become_bold_and_stay_escaped():
    def m(text: str) -> str:  # a snippet as the full-text index writes it: "[x]" -> "⟦x⟧"
        return text.replace("[[", MATCH_OPEN).replace("]]", MATCH_CLOSE)

    assert snippet_markdown(m("…uses [[LoRA]] for *fast* tuning"), ["tuning"]) == (
        "…uses **LoRA** for \\*fast\\* **tuning**")
    assert snippet_markdown("[a b] stays", []) == "\\[a b\\] stays"
    # the paper's own brackets are text, never a match mark: "• [D1] Augment" showed "D1" in bold without them,
    # "[Both] To see" as "Both To see" (a blind walkthrough)
    assert snippet_markdown(m("• [D1] Augment [[citations]] [12]"), ["citations"]) == (
        "• \\[D1\\] Augment **citations** \\[12\\]")
    assert snippet_markdown(m("In comparison, [[video generation]] (see [Section 2])"), ["video", "generation"]) == (
        "In comparison\\, **video generation** \\(see \\[Section 2\\]\\)")
    assert snippet_markdown(m("[[videos generated]] by CRAFT"), ["video", "generation"]) == (
        "**videos generated** by CRAFT")
    # a snippet cut inside a formula showed half its source ("$\\sqrt{T…"): the cut piece is the ellipsis
    assert snippet_markdown(m("…we obtain a [[regret]] of $\\sqrt{T…"), ["regret"]) == "…we obtain a **regret** of …"
    assert snippet_markdown(m("…T}$ [[regret]] and $x$ more…"), ["regret"]) == "… **regret** and $x$ more…"
    assert snippet_markdown(m("costs $5 and [[regret]]"), ["regret"]) == "costs \\$5 and **regret**"  # no formula cut
    # LaTeX text markup around a match reads as prose (it showed "\\textit{Metric Differential Privacy}")
    assert snippet_markdown(m("\\textit{Metric [[Differential]] [[Privacy]]} adds $\\%x$ noise"), []) == (
        "Metric **Differential** **Privacy** adds $\\%x$ noise")


def test_evidence_reads_as_words_without_internal_numbers():
    from trendscope.ui.app.text import evidence_sentence

    assert evidence_sentence("vision-language (title)") == "“vision\\-language” in the title"
    assert evidence_sentence("vector model: +2.31") == (
        "papers with similar wording: the vector model votes strongly for this trend")
    assert "against" in evidence_sentence("vector model: -0.50")
    assert "2.31" not in evidence_sentence("vector model: +2.31")
    assert evidence_sentence("category: cs.MM") == "listed in arXiv category `cs.MM`"
    assert evidence_sentence("not: data efficiency") == "“data efficiency” weighs against it"
    assert evidence_sentence("<b>odd</b>") == safe_inline("<b>odd</b>")  # anything else: escaped as it is


def test_latex_text_markup_outside_math_reads_as_prose():
    abstract = (r"we propose \emph{Core Parameter Isolation} (CPI-FT) against the ``seesaw phenomenon'', "
                r"50\% of \textbf{all} runs, R\&D and $\emph{x}^2$")
    out = safe_markdown(abstract)
    assert "emph" not in out.split("$")[0] and "textbf" not in out
    assert "Core Parameter Isolation \\(CPI\\-FT\\)" in out and "\u201cseesaw phenomenon\u201d" in out
    assert "50\\% of all runs\\, R\\&D" in out
    assert out.endswith("$\\emph{x}^2$")  # math is KaTeX's: left as it is
    assert highlight(r"\emph{Fine-Tuning} matters", ["tuning"]) == "Fine\\-**Tuning** matters"
    # abbreviation macros a paper defined for itself ("\eg" showed raw in an abstract: a blind walkthrough)
    from trendscope.foundation.text import latex_text_as_prose

    assert latex_text_as_prose(r"tasks, \eg classification; Smith \etal{} show A \vs. B") == (
        "tasks, e.g. classification; Smith et al. show A vs. B")
    assert latex_text_as_prose(r"\egress and \etcetera stay") == r"\egress and \etcetera stay"
    # TeX's old font switches ("{\em ...}" was shown raw: a walkthrough of odd real-world data), a plain argument only
    assert latex_text_as_prose(r"A {\em fast} and {\bf bold} method, {\it nested {ab}}") == (
        r"A fast and bold method, {\it nested {ab}}")


@pytest.mark.parametrize("text", [r"\emph{[a](javascript:alert(1))}", r"\textbf{<b>x</b>}", r"\emph{\emph{x}}",
                                  r"\emph{a $b$ c}", r"\emph{**x**}"])
def test_latex_markup_never_lets_markdown_through(text):
    out = safe_markdown(text)
    for ch in "[]()<>*":
        assert ch not in out.replace("\\" + ch, ""), (text, out)


def test_a_match_mark_inside_a_formula_is_dropped_not_shown():
    """A blind walkthrough: "$\\alpha$-divergence" was shown as "$\\**alpha$-divergence**" (FTS5 marked the word
    inside the formula and the mark ran past its closing "$")."""
    op, cl = MATCH_OPEN, MATCH_CLOSE
    md = snippet_markdown(f"We bound the $\\{op}alpha$-divergence{cl} of {op}alpha{cl} and $x{op}y{cl}$ too",
                          ["divergence"])
    assert "$\\alpha$" in md and "**alpha$" not in md and "$xy$" in md
    assert "**divergence**" in md and "**alpha**" in md  # the word outside the formula keeps its bold
    assert md.count("**") % 2 == 0


@pytest.mark.parametrize("title, label", [
    ("$k$NN-LMs", "kNN-LMs"),
    ("The $\\alpha$-$\\beta$ trick", "The α-β trick"),
    ("A model for under $100", "A model for under $100"),  # a price keeps its dollar (a blind walkthrough)
    (":red[Red] ${7*7}", ":red[Red] ${7*7}"),  # a lone dollar stays ("{7*7}" was shown)
    ("$100 and $200 budgets", "$100 and $200 budgets"),
    # an escaped dollar stays escaped, a dollar once rendered ("$\0.8" was shown: odd real-world data)
    (r"Funding of \$1.9B and $\$0.8$ a query", r"Funding of \$1.9B and \$0.8 a query"),
    (r"Kept $\$\hat{x}$ source", r"Kept \$\hat{x} source"),  # math it cannot read: its source, dollars dropped
])
def test_a_title_label_drops_only_math_dollars(title, label):
    from trendscope.ui.app.text import title_text

    assert title_text(title) == label


def test_a_query_is_quoted_once():
    assert quoted_query("graph neural networks") == "“graph neural networks”"
    assert quoted_query('"Video Generation"') == "“Video Generation”"  # not “"Video Generation"” (a walkthrough)
    assert quoted_query('"a" and "b"') == r'“\"a\" and \"b\"”'  # two phrases: the query as typed, escaped
    assert quoted_query("*x*") == r"“\*x\*”"


def test_a_plural_query_word_bolds_the_singular_too():
    """A blind walkthrough: for "mixture of experts" a card read "MoEC: **Mixture** of Expert Clusters" beside a
    snippet bolding "**Experts**" (the search matches both forms)."""
    assert highlight("MoEC: Mixture of Expert Clusters", ["mixture", "experts"]) == \
        r"MoEC\: **Mixture** of **Expert** Clusters"
    assert highlight("a study of studies", ["studies"]) == "a **study** of **studies**"
    assert highlight("box boxes", ["boxes"]) == "**box** **boxes**"
    assert highlight("analysis and class", ["analysis", "class"]) == "**analysis** and **class**"  # no "analysi"


def test_a_title_label_shows_escaped_dollars_as_dollars_not_math():
    """A security walkthrough: "Pay \\$\\alpha\\$ now" read "Pay α now" in a card's label (its escaped dollars
    became math's delimiters), while the paper's page showed the dollars."""
    from trendscope.ui.app.text import title_text

    assert safe_inline(title_text(r"Pay \$\alpha\$ now")) == r"Pay \$\\alpha\$ now"
    assert highlight(title_text(r"Pay \$\alpha\$ now"), ["pay"]) == r"**Pay** \$\\alpha\$ now"
    assert title_text(r"Costs \$" + "x" * 100, width=8) == r"Costs \$…"  # the dollar is one character
    assert title_text("Costs \\" + "x" * 100, width=8) == "Costs …"  # no lone backslash left before the cut


def test_a_snippets_escaped_dollars_stay_dollars_not_math():
    """A review: a search card's snippet read "0.5\\$/h on A100 and 2\\$/h" as a formula between the dollars,
    and "Pay \\$\\alpha\\$" as α, once escaped dollars were read as dollars before the words were bolded."""
    assert snippet_markdown(r"costs 0.5\$/h on A100 and 2\$/h", ["costs"]) == r"**costs** 0\.5\$\/h on A100 and 2\$\/h"
    assert snippet_markdown(r"Pay \$\alpha\$ for lora and $x^2$", ["lora"]) == r"Pay \$\\alpha\$ for **lora** and $x^2$"


def test_an_escaped_dollar_in_paper_text_shows_as_a_dollar():
    """A walkthrough of odd real-world data: "\\$1.9B" showed its backslash on the paper page."""
    assert safe_markdown(r"applied to \$1.9B, and $\$0.8$") == r"applied to \$1\.9B\, and $\text{\textdollar}0.8$"


def test_a_typed_name_is_literal_even_its_dollars():
    assert literal_inline("50% $\\alpha$ & {x}\n*b*") == r"50\% \$\\alpha\$ \& \{x\} \*b\*"
    # an address is inline code: escaped, Streamlit's Markdown still made "www.evil.example" a live link
    assert literal_inline("see www.evil.example, or mail me@x.org.") == r"see `www.evil.example`\, or mail `me@x.org`\."
    assert safe_inline("$\\alpha$") == "$\\alpha$"  # paper text keeps its math


def test_a_message_shows_its_commands_as_code_and_nothing_else_as_markdown():
    """The reader showed "read a PDF you have (`trendscope fetch 2211.10438 --pdf FILE`, ..." with its backticks (a
    blind walkthrough); the rest of a message stays escaped."""
    from trendscope.ui.app.text import message_inline

    got = message_inline("2211.10438: x is unreachable (HTTP 503); read a PDF you have (`trendscope fetch "
                         "2211.10438 --pdf FILE`, or upload it)")
    assert "`trendscope fetch 2211.10438 --pdf FILE`" in got and got.count("`") == 2
    assert message_inline("*not bold* [link](http://x) `**code**`") == \
        safe_inline("*not bold* [link](http://x)") + " `**code**`"
    assert message_inline("an odd ` backtick") == safe_inline("an odd ` backtick")
