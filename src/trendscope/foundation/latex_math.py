"""LaTeX in paper titles and abstracts as readable plain text, for output that cannot typeset math: the CLI,
digests (email, Markdown, Atom). `readable_latex("PPAD $\\cap$ PLS")` -> "PPAD ∩ PLS".

Only `$...$` math segments are converted: simple commands (Greek letters, relations, arrows, font commands,
`\\%`) become Unicode text and the dollars go; a segment with anything these tables do not know keeps its `$...$`
source unchanged, so nothing is silently lost. Text markup outside math (`\\emph{x}`, TeX quotes, `D{\u00e9}tection`'s
braces) goes through `text.latex_text_as_prose`.
"""
from __future__ import annotations

import re

from .text import latex_text_as_prose

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
# Unicode Greek letter -> its TeX command (the first name of each letter: "ε" is \epsilon, "φ" \phi)
GREEK_COMMANDS = {ch: name for name, ch in reversed(list(_GREEK.items()))}

_SYMBOLS = {
    "times": "×",
    "cdot": "·",
    "cdots": "⋯",
    "ldots": "…",
    "dots": "…",
    "leq": "≤",
    "le": "≤",
    "geq": "≥",
    "ge": "≥",
    "neq": "≠",
    "ne": "≠",
    "approx": "≈",
    "sim": "~",
    "simeq": "≃",
    "propto": "∝",
    "infty": "∞",
    "pm": "±",
    "mp": "∓",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "mapsto": "↦",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "subseteq": "⊆",
    "cup": "∪",
    "cap": "∩",
    "forall": "∀",
    "exists": "∃",
    "partial": "∂",
    "nabla": "∇",
    "sum": "Σ",
    "prod": "∏",
    "int": "∫",
    "sqrt": "√",
    "log": "log",
    "exp": "exp",
    "min": "min",
    "max": "max",
    "arg": "arg",
    "lim": "lim",
    "sin": "sin",
    "cos": "cos",
    "gcd": "gcd",
    "dim": "dim",
    "det": "det",
    "Pr": "Pr",
    "ker": "ker",
    "ell": "ℓ",
    "circ": "∘",
    "star": "⋆",
    "ast": "∗",
    "%": "%",
    "&": "&",
    "_": "_",
    "#": "#",
    "$": "$",  # "$\\$0.8$": a dollar sign in math
    "{": "\ue000",  # a literal brace: kept through the grouping braces' removal and the prose step (`readable_latex`)
    "}": "\ue001",
    ",": " ",
    ";": " ",
    "!": "",
    " ": " ",
    "quad": " ",
    "qquad": " ",
    "left": "",
    "right": "",
    "big": "",
    "Big": "",
    "mid": "|",
    "vert": "|",
    "|": "‖",
    "lVert": "‖",
    "rVert": "‖",
    "langle": "⟨",
    "rangle": "⟩",
    "top": "ᵀ",
    "prime": "′",
    "emptyset": "∅",
    "neg": "¬",
    "land": "∧",
    "lor": "∨",
    "oplus": "⊕",
    "otimes": "⊗",
    "odot": "⊙",
}
_FONT_CMDS = ("mathcal", "mathbb", "mathbf", "mathrm", "mathit", "mathsf", "mathtt", "text", "textbf",
              "textit", "textrm", "texttt", "operatorname", "boldsymbol", "bm", "emph", "rm", "bf", "it")
# Opening `$` followed by a non-space, closing `$` preceded by a non-space
# (so "costs $5 and $10" is not math).
_MATH_RE = re.compile(r"(?<!\\)\$(?=[^\s$])([^$]{1,200}?)(?<=[^\s\\])\$")  # readable_latex checks the "$" before
_FONT_RE = re.compile(r"\\(?:" + "|".join(_FONT_CMDS) + r")\s*\{([^{}]*)\}")
_CMD_RE = re.compile(r"\\([A-Za-z]+|[%&_#{},;! |$])")
_BB = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}


_SUPERSCRIPTS = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")


def _script(m: re.Match) -> str:
    body = (m.group(2) if m.group(2) is not None else m.group(3)).replace(" ", "").replace("−", "-")
    table, allowed = (_SUPERSCRIPTS, "0123456789+-=()ni") if m.group(1) == "^" else (_SUBSCRIPTS, "0123456789+-=()")
    if body and all(c in allowed for c in body):
        return body.translate(table)
    return m.group(0)


def _convert_math(src: str) -> str | None:
    s = re.sub(r"\\mathbb\s*\{([A-Z])\}", lambda m: _BB.get(m.group(1), m.group(1)), src)
    for _ in range(3):  # nested font commands
        s = _FONT_RE.sub(r"\1", s)
    s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", s)
    unknown = False

    def cmd(m: re.Match) -> str:
        nonlocal unknown
        name = m.group(1)
        if name in _GREEK:
            return _GREEK[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        unknown = True
        return m.group(0)

    s = _CMD_RE.sub(cmd, s)
    if unknown or "\\" in s:
        return None
    # x^2, 10^{-3}, 360^\circ, x_{1} as Unicode super- and subscripts where every character has one ("M^2S-Net"
    # read as written: a blind walkthrough); others stay readable: x^{T} -> x^T
    s = re.sub(r"\^\s*(?:\{\s*∘\s*\}|∘)", "°", s)
    s = re.sub(r"([\^_])(?:\{([^{}]*)\}|([0-9]))", _script, s)
    s = re.sub(r"([\^_])\{([^{}]*)\}", r"\1\2", s)  # x^{2} -> x^2 (kept readable, braces dropped)
    s = s.replace("{", "").replace("}", "")
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\(\s*([^()/\s]+)\s*\)/\(\s*([^()/\s]+)\s*\)", r"\1/\2", s)
    return s or None


_BRACED_GREEK = re.compile(r"\{\\(" + "|".join(sorted(_GREEK, key=len, reverse=True)) + r")\}")


# the private-use characters `readable_latex` marks its work with; a stored text's own are dropped first (a title
# holding them printed "$x$" and "{" where it wrote none: a security walkthrough)
_MARKS = re.compile("[\ue000-\ue005]")
# "\\$" after an even run of backslashes: "\\\\$x$" is a line break before a formula, not an escaped dollar (a review)
_ESCAPED_DOLLAR = re.compile(r"(?<!\\)((?:\\\\)*)\\\$")


def readable_latex(text: str, dollar: str = "$") -> str:
    """Abstract text with simple inline math turned into Unicode; anything complex keeps its `$...$` source,
    untouched by the prose rules (`\\mathchoice{a}{b}` lost its braces). An escaped dollar outside math
    (`\\$1.9B`, `0.01\\$ per query`) or inside simple math (`$\\$0.8$`) reads as `dollar`, as arXiv's own page shows
    it (the backslash was printed, or the math broken: a walkthrough of odd real-world data)."""
    text = _ESCAPED_DOLLAR.sub(lambda m: m[1] + "\ue003", _MARKS.sub("", text or ""))
    parts, kept, pos = [], [], 0
    for m in _MATH_RE.finditer(text):
        # a "$" right after another is display math ("$$x$$"), unless that one closed an inline formula just
        # before: "$2.0\times$$\sim$$2.7\times$" is three formulas side by side (printed raw: a walkthrough)
        if m.start() and text[m.start() - 1] == "$" and m.start() != pos:
            continue
        out = _convert_math(m.group(1).replace("\ue003", "\\$"))  # its "~" is a tilde, not a TeX tie (below)
        if out is None:  # kept as its source, set aside from the prose pass ("\\$" in it stays escaped)
            kept.append(m.group(0).replace("\ue003", "\\\ue003"))
        parts += [text[pos:m.start()], out.replace("~", "\ue002").replace("$", "\ue003") if out is not None
                  else "\ue005"]
        pos = m.end()
    text = "".join(parts) + text[pos:]
    # a Greek letter braced outside math, as titles write a name: "{\epsilon}-Seg" (printed raw: a walkthrough)
    text = _BRACED_GREEK.sub(lambda m: _GREEK[m[1]], text)
    # \emph{x}, ``quotes'', \% ... outside math; then a math brace written \{ is a brace ("$\{\pm1\}$": {±1}; it
    # was dropped with the grouping ones: a blind walkthrough)
    text = latex_text_as_prose(text).replace("\ue000", "{").replace("\ue001", "}").replace("\ue002", "~")
    sources = iter(kept)
    return re.sub("\ue005", lambda _: next(sources, ""), text).replace("\ue003", dollar)
