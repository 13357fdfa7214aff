"""What a BibTeX entry says in its braces and its `and others`, which its text alone loses: that the author list
is incomplete (its et al.), which names are one brace group (`{BigScience Workshop}`: an organisation, which a
style must not read as first and last names) and which words of the title are braced to keep their case
(`{Chinese}`, `{T5}`, as Zotero writes them). Read from the raw field, before its LaTeX is decoded (decoding
drops the braces); kept with a list item as one JSON object (`imported_forms`) and written back by the exports.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

MAX_PROTECTED = 50  # braced title words kept per entry
MAX_WORD = 200

# a command right before a brace group: its argument (`\textbf{x}`), not a word kept as written
_COMMAND_BEFORE = re.compile(r"\\(?:[A-Za-z]+\s*|[^A-Za-z\s])$")
_NAME_TOKEN = re.compile(r"\\.|[{}]|\s+and\s+", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ImportedForms:
    et_al: bool = False  # the file's author list is incomplete ("and others", or more names than are kept)
    whole: tuple[str, ...] = ()  # author names written as one brace group, as the import keeps them
    protected: tuple[str, ...] = ()  # title words (or phrases) the file braced, as text

    def to_json(self) -> str | None:
        """The stored form: a JSON object of what is set, None when nothing is."""
        data = {"et_al": True} if self.et_al else {}
        data.update({k: list(v) for k, v in (("whole", self.whole), ("protected", self.protected)) if v})
        return json.dumps(data, ensure_ascii=False) if data else None

    @classmethod
    def from_json(cls, stored: str | None) -> ImportedForms:
        """What `to_json` stored; anything else (NULL in a home made before the column) reads as nothing set."""
        got = json_object(stored)

        def texts(key: str) -> tuple[str, ...]:
            value = got.get(key)
            return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

        return cls(got.get("et_al") is True, texts("whole"), texts("protected"))

    def with_authors_of(self, other: ImportedForms) -> ImportedForms:
        """These forms with the author part of `other` (the import whose authors are used)."""
        return replace(self, et_al=other.et_al, whole=other.whole)


def json_object(stored: str | None) -> dict:
    """A stored JSON object; anything else (NULL, a list, broken JSON) reads as {}."""
    try:
        got = json.loads(stored) if stored else {}
    except ValueError:
        return {}
    return got if isinstance(got, dict) else {}


def split_names(raw: str) -> list[str]:
    """The names of a raw BibTeX name list, split at `and` outside braces (`{Barnes and Noble}` is one name)."""
    names, depth, start = [], 0, 0
    for m in _NAME_TOKEN.finditer(raw):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif token[0] != "\\" and depth == 0:
            names.append(raw[start:m.start()])
            start = m.end()
    names.append(raw[start:])
    return [n.strip() for n in names if n.strip()]


def _groups(raw: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level brace group of `raw`, `raw[start]` its `{` and `raw[end]` its `}`;
    escaped braces (`\\{`) are no group."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            start = i if depth == 0 else start
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                out.append((start, i))
        i += 1
    return out


def one_group(raw_name: str) -> bool:
    """Whether a raw name is one brace group (`{Gemini Team}`), not `{\\'E}mile Zola`."""
    name = raw_name.strip()
    groups = _groups(name)
    return len(groups) == 1 and groups[0] == (0, len(name) - 1)


def braced_words(raw_title: str) -> list[str]:
    """The LaTeX source inside each top-level brace group of a raw title (`Multimodal` and `Chinese` in
    `Evaluating {Multimodal} Models in {Chinese}`), leaving out a command's argument (`\\textbf{x}`), an accent
    group (`D{\\'e}tection`) and math."""
    out = []
    for start, end in _groups(raw_title):
        inner = raw_title[start + 1:end]
        if _COMMAND_BEFORE.search(raw_title[:start]) or inner.lstrip().startswith("\\") or "$" in inner:
            continue
        out.append(inner)
    return out
