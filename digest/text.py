"""Pure text helpers for digests: readable LaTeX, abstract excerpts, header-safe single lines.

LaTeX: only `$...$` math segments are touched. Simple commands (Greek letters, relations, arrows, font commands,
`\\%`) become Unicode text and the dollars go; a segment with anything this table does not know keeps its
`$...$` source unchanged, so nothing is silently lost.
"""
from __future__ import annotations

import re

from trendscope.foundation.text import latex_text_as_prose

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
    return latex_text_as_prose(text)  # \emph{x}, ``quotes'', \% ... outside math


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


# -- header values ------------------------------------------------------------------------------------
# RFC 2047 encoded words (`=?charset?q?...?=`): Python's email package decodes them when a header is set or
# parsed, so `=?utf-8?q?=0D=0A?=` would put a CR LF back into a header that looked like one clean line.
_ENCODED_WORD_RE = re.compile(r"=\?.*?\?=", re.S)
_HEADER_CTRL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (C0, DEL, C1) or a Unicode line/paragraph separator."""
    return bool(_HEADER_CTRL_RE.search(str(text or "")))


def has_encoded_word(text: str) -> bool:
    """Whether `text` holds something shaped like an RFC 2047 encoded word (`=?...?=`)."""
    return bool(_ENCODED_WORD_RE.search(str(text or "")))


def decoded_header(value: str) -> str:
    """What Python's email package makes of `value` as an unstructured header (encoded words decoded)."""
    from email.policy import default

    return str(default.header_factory("Subject", value))


def header_problem(text: str) -> str | None:
    """Why `text` must not go into a mail header (None when it may): control characters, an encoded word, or
    any text whose decoded form differs from itself."""
    s = str(text or "")
    if _HEADER_CTRL_RE.search(s):
        return "control characters"
    if has_encoded_word(s):
        return "an RFC 2047 encoded word (=?...?=)"
    try:
        decoded = decoded_header(s)
    except Exception:  # noqa: BLE001 - whatever the parser refuses is refused here
        return "text the email header parser refuses"
    if _HEADER_CTRL_RE.search(decoded) or decoded != s.strip():
        return "text that changes when decoded as a mail header"
    return None


def header_text(text: str, limit: int = 150) -> str:
    """A header value that is one line and decodes to itself: `one_line`, then every `=?` is broken up so no
    encoded word can form (a stored name from before encoded words were refused stays visible, inert)."""
    s = one_line(text, limit).replace("=?", "= ?")
    if header_problem(s) is not None:  # cannot happen for one_line output without `=?`; kept as a last guard
        s = re.sub(r"[^A-Za-z0-9 .,:;_()/&+#@'!-]", " ", s)
        s = re.sub(r"\s+", " ", s).strip()
    return s


def slug(text: str, limit: int = 40) -> str:
    """Lower-case ASCII letters, digits and dashes (file names, List-Id labels); 'subscription' when empty."""
    s = "".join(c if c.isalnum() and c.isascii() else "-" for c in str(text or "").lower())
    s = "-".join(p for p in s.split("-") if p)[:limit].strip("-")
    return s or "subscription"
