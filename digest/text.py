"""Pure text helpers for digests: readable LaTeX, abstract excerpts, header-safe single lines.

LaTeX: only `$...$` math segments are touched. Simple commands (Greek letters, relations, arrows, font commands,
`\\%`) become Unicode text and the dollars go; a segment with anything this table does not know keeps its
`$...$` source unchanged, so nothing is silently lost.
"""
from __future__ import annotations

import re

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ",
    "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
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
    "{": "{",
    "}": "}",
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
_MATH_RE = re.compile(r"(?<![\\$])\$(?=[^\s$])([^$]{1,200}?)(?<=[^\s\\])\$")
_FONT_RE = re.compile(r"\\(?:" + "|".join(_FONT_CMDS) + r")\s*\{([^{}]*)\}")
_TEXT_FONT_RE = re.compile(r"\\(?:emph|textbf|textit|texttt|textrm|textsc|underline)\s*\{([^{}$\\]*)\}")
_CMD_RE = re.compile(r"\\([A-Za-z]+|[%&_#{},;! |])")
_BB = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")


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
    s = re.sub(r"([\^_])\{([^{}]*)\}", r"\1\2", s)  # x^{2} -> x^2 (kept readable, braces dropped)
    s = s.replace("{", "").replace("}", "")
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\(\s*([^()/\s]+)\s*\)/\(\s*([^()/\s]+)\s*\)", r"\1/\2", s)
    return s or None


def readable_latex(text: str) -> str:
    """Abstract text with simple inline math turned into Unicode; anything complex keeps its `$...$` source."""
    def repl(m: re.Match) -> str:
        out = _convert_math(m.group(1))
        return out if out is not None else m.group(0)

    text = _MATH_RE.sub(repl, text or "")
    text = _TEXT_FONT_RE.sub(r"\1", text)  # \emph{x}, \textbf{x} ... outside math
    return text.replace("\\%", "%").replace("\\&", "&")


def excerpt(text: str, limit: int = 320) -> str:
    """The start of an abstract, cut at a sentence or word boundary, with '…' when shortened."""
    text = re.sub(r"\s+", " ", readable_latex(text)).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    dot = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if dot >= limit * 0.6:
        return cut[: dot + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.5 else cut).rstrip(",;:- ") + "…"


def one_line(text: str, limit: int = 200) -> str:
    """A single safe line: control characters (CR, LF, tabs, Unicode line separators) become spaces."""
    s = _CTRL_RE.sub(" ", str(text or ""))
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"
