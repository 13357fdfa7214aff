"""foundation.latex_math: titles and abstracts as readable text where math cannot be typeset (CLI, digests)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.text import latex_accents, latex_text_as_prose


@pytest.mark.parametrize("raw, shown", [
    (r"$\textit{latent}$-GLAT", "latent-GLAT"),
    (r"PPAD $\cap$ PLS", "PPAD ∩ PLS"),
    (r"Language Models are Few-Shot Learners: GPT-$3$?", "Language Models are Few-Shot Learners: GPT-3?"),
    ("D{é}tection de locuteurs", "Détection de locuteurs"),
    (r"Limits of $k$NN-LMs", "Limits of kNN-LMs"),
    (r"{T}ransformers in $\mathbb{R}^n$", "Transformers in ℝ^n"),
    (r"$\mathcal{Z}\unknown{x}$ stays", r"$\mathcal{Z}\unknown{x}$ stays"),  # not understood: kept as written
])
def test_titles_read_as_text(raw, shown):
    assert readable_latex(raw) == shown


def test_a_braced_letter_after_a_command_is_left_alone():
    assert latex_text_as_prose(r"\mathbb{R} and \unknown{e}") == r"\mathbb{R} and \unknown{e}"
    assert latex_text_as_prose("Na{\u00ef}ve {B}ayes") == "Na\u00efve Bayes"


@pytest.mark.parametrize("raw, shown", [
    # arXiv's author names (a blind walkthrough: "Fokou\'e" in the app, "Fokou\textbackslash{}'e" in BibTeX)
    (r"Ernest Fokou\'e", "Ernest Fokoué"), (r"Fr{\'e}d{\'e}ric Chyzak", "Frédéric Chyzak"),
    (r"\v{S}kr\'{a}bal", "Škrábal"), (r"Erd\H{o}s", "Erdős"), (r"G\"{o}del", "Gödel"), (r"Fran\c{c}ois", "François"),
    (r"Fran\c cois", "François"), (r"J\o rgensen", "Jørgensen"), (r"{\L}ukasz", "Łukasz"), (r"Stra\ss e", "Straße"),
    (r"Lema\^{\i}tre", "Lemaître"), (r"Nu\~nez", "Nuñez"), (r"\AA{}ngstr\"om", "Ångström"),
    (r"$\tilde{x}$ and \mathbb{R}", r"$\tilde{x}$ and \mathbb{R}"),  # math and other commands stay as written
])
def test_tex_accents_read_as_letters(raw, shown):
    assert latex_accents(raw) == shown
    assert latex_text_as_prose(raw) == shown


def test_cli_result_lines_show_readable_titles_and_say_when_categories_are_cut():
    from trendscope.ui.cli.index import _hit_line
    from trendscope.ui.cli.lists import short

    hit = SimpleNamespace(id="2210.01234", published="2022-10-03", score=1.5, title=r"Limits of $k$NN-LMs",
                          categories=["cs.CL", "cs.LG", "cs.AI", "stat.ML"])
    assert _hit_line(1, hit).endswith("[cs.CL,cs.LG,cs.AI,…] Limits of kNN-LMs")
    assert short(r"PPAD $\cap$ PLS", 90) == "PPAD ∩ PLS"
    cut = _hit_line(1, hit, width=75)  # in a terminal 75 columns wide: the primary category, then the title
    assert len(cut) <= 75 and cut.endswith("[cs.CL,…] Limits of kNN-LMs")
    cut = _hit_line(1, hit, width=60)
    assert len(cut) == 60 and cut.endswith("…")
    assert _hit_line(1, hit, width=200) == _hit_line(1, hit)
    # a score too small for 4 decimals keeps its digits ("0.0000" on every hit of a common word: a walkthrough)
    tiny = SimpleNamespace(**{**vars(hit), "score": 0.0000012345})
    assert " 1.23e-06 " in _hit_line(1, tiny) and "   1.5000 " in _hit_line(1, hit)
    long = SimpleNamespace(**{**vars(hit), "title": "SE(3)-Equivariant Graph Neural Networks for Data-Efficient "
                                                    "and Accurate Interatomic Potentials"})
    cut = _hit_line(1, long, width=80)  # an 80-column terminal used to show the categories and no title
    assert len(cut) == 80 and "[cs.CL,…] SE(3)-Equivariant Graph Neural" in cut and cut.endswith("…")


def test_tex_spaces_and_dashes_read_as_text_but_urls_keep_their_tilde():
    assert latex_text_as_prose(r"PSNR 30.23\,dB, denoiser--noise, 1990--2000, a---b, Fig.~3") == \
        "PSNR 30.23 dB, denoiser\u2013noise, 1990\u20132000, a\u2014b, Fig. 3"
    url = "https://www.cs.toronto.edu/~hinton --flag"
    assert latex_text_as_prose(url) == url


def test_a_title_link_label_holds_no_math_for_katex(monkeypatch):
    from trendscope.ui.app import widgets

    labels = []
    monkeypatch.setattr(widgets.st, "page_link", lambda page, label, query_params: labels.append(label))
    widgets.title_link(r"UniD$^3$: a graph of $\mathcal{Z}\unknown{x}$", "2606.01394")
    assert "$" not in labels[0] and labels[0].startswith("UniD³")  # superscript digits as Unicode (was UniD\^3)


def test_a_rising_topic_button_label_is_escaped_plain_text():
    from trendscope.ui.app.text import safe_inline, title_text

    assert title_text(r"**Bold** [x](http://e.vil) UniD$^3$ and a long tail of words", 30) == \
        "**Bold** [x](http://e.vil) Un…"
    label = safe_inline(title_text("**Bold** [x](javascript:alert(1)) title", 38))
    assert "**Bold**" not in label and "](" not in label  # shown as text, never bold or a link


def test_escaped_braces_in_math_stay_braces():
    """A blind walkthrough: "$\\{\\pm1, \\pm i\\}$" (a set) was exported as "±1, ± i", its braces gone."""
    assert readable_latex(r"weights in $\{\pm1, \pm i\}$") == "weights in {±1, ± i}"
    assert readable_latex(r"$x_{i}$ and $\{a\}$") == "x_i and {a}"  # grouping braces still go


def test_formulas_side_by_side_are_each_converted_and_display_math_is_left():
    """A blind walkthrough: `$2.0\\times$$\\sim$$2.7\\times$` (three formulas written side by side, as arXiv
    abstracts do) was printed raw, and a converted `\\sim` turned into a space (LaTeX's tie)."""
    assert readable_latex(r"a $2.0\times$$\sim$$2.7\times$ speedup") == "a 2.0×~2.7× speedup"
    assert readable_latex(r"display $$x^2$$ stays") == r"display $$x^2$$ stays"
    assert readable_latex(r"Fig.~3 and $\alpha$~$\beta$") == "Fig. 3 and α β"


def test_superscript_and_subscript_digits_read_as_unicode():
    """A blind walkthrough: "M$^2$S-Net", "360$^\\circ$REA" read "M^2S-Net", "360^∘REA" in lists and exports."""
    assert readable_latex(r"M$^2$S-Net and 360$^\circ$REA") == "M²S-Net and 360°REA"
    assert readable_latex(r"$O(n^2)$, $10^{-3}$, $x_{12}$, $2^{n}$") == "O(n²), 10⁻³, x₁₂, 2ⁿ"
    assert readable_latex(r"$x^{T}$ and $x^{2k}$") == "x^T and x^2k"  # no superscript for every character: as before


def test_citations_urls_and_braced_greek_left_in_abstracts_read_as_text():
    # "\cite{anderson2018bottom}" in the reader and "{\epsilon}-Seg" in the CLI showed raw (a blind walkthrough)
    assert latex_text_as_prose(r"the top-down model \cite{anderson2018bottom} and") == \
        "the top-down model [anderson2018bottom] and"
    assert latex_text_as_prose(r"as in~\citep[see][p. 3]{a2019, b2020}; \citet*{k}; \cite{}.") == \
        "as in [a2019, b2020]; [k]; ."
    assert latex_text_as_prose(r"code: \url{https://github.com/x/y_z}") == "code: https://github.com/x/y_z"
    assert readable_latex(r"{\epsilon}-Seg with $\alpha$ and {\Gamma}") == "ε-Seg with α and Γ"
    assert readable_latex(r"{\unknown}-Seg") == r"{\unknown}-Seg"  # what the tables do not know stays


def test_an_escaped_dollar_reads_as_a_dollar_in_text_and_in_math():
    """A walkthrough of odd real-world data: the corpus writes money as "\\$1.9B", "0.01\\$ per query" and
    "$\\$0.8$"; the CLI and digests printed the backslash, the app's link labels "$\\0.8" (arXiv shows "$")."""
    assert readable_latex(r"applied to \$1.9B of funding, 0.01\$ per query") == \
        "applied to $1.9B of funding, 0.01$ per query"
    assert readable_latex(r"a few dollars, e.g., $\$0.8$, $\$1$, and $x^2$") == "a few dollars, e.g., $0.8, $1, and x²"
    assert readable_latex(r"by \$3.3\times\$ on GPU") == r"by $3.3\times$ on GPU"  # escaped: text, as arXiv shows it
    assert readable_latex(r"kept $\$\hat{x}$ as source") == r"kept $\$\hat{x}$ as source"  # math it cannot read
    assert latex_text_as_prose(r"under \$5") == "under $5"


def test_stored_private_use_marks_and_kept_math_are_left_as_they_are():
    """A security walkthrough: the private-use characters readable_latex marks its work with, stored in a title,
    printed "$x$", "{" and "\\$" where the title wrote none; and the prose rules ran inside math kept as source
    (`\\mathchoice{a}{b}{c}{d}` lost its braces)."""
    assert readable_latex("Sentinel \ue003x\ue003 math \ue000 brace \ue004 \ue005") == "Sentinel x math  brace  "
    assert readable_latex(r"kept $\mathchoice{a}{b}{c}{d}$ and \emph{b}") == r"kept $\mathchoice{a}{b}{c}{d}$ and b"
    assert readable_latex(r"$\mathchoice{a}{b}$ $\hat{x}$~and $\alpha$") == r"$\mathchoice{a}{b}$ $\hat{x}$ and α"


def test_a_tex_line_break_before_a_dollar_is_no_escaped_dollar():
    """A review: "\\\\$x$" (a line break, then a formula) was read as an escaped dollar and lost its backslashes."""
    assert readable_latex(r"a \\$x$ b") == r"a \\$x$ b"
    assert latex_text_as_prose(r"10\% and \\%") == r"10% and \\%"


def test_the_marks_and_backslash_runs_readable_latex_reads_exactly():
    """A mutation audit: a stored U+E005 took a kept formula's place; a run of backslashes before "$" or "%" is read
    by its parity (an odd one escapes, an even one is line breaks)."""
    assert readable_latex("a \ue005 b $\\hat{x}$ c") == "a  b $\\hat{x}$ c"
    # a line break and "\$5": the break stays as written, as before "%" (one of its backslashes was lost)
    assert readable_latex(r"a \\\$5 b") == r"a \\$5 b"
    assert readable_latex(r"a \\\\\$5 b") == r"a \\\\$5 b"
    assert latex_text_as_prose(r"a \\\% b") == r"a \\% b"
