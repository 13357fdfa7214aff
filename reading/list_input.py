"""What reading lists take from users, checked where it enters: list names, who a list is shared with, notes,
statuses and arXiv ids; and the results the list operations report (what was added, already there, bad)."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from trendscope.foundation.actor import LAB, SHARE_WITH_ALL, check_user_name
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.text import has_bidi_control
from trendscope.foundation.wording import quoted
from trendscope.ingest.records import BadArxivId, parse_arxiv_id

from . import exporters
from .import_report import Difference, differences_note, repeated_notes
from .list_store import STATUSES

MAX_NOTE = 5000
MAX_QUOTE = 2000
# papers one import may bring (distinct ids of one file): a 16.5 MB file of ids made a list of 99,999 papers (an
# audit); a researcher's whole library is a few thousand
MAX_IMPORT = 10_000


@dataclass
class AddResult:
    list: str
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # were in the list: left as they were
    not_ingested: list[str] = field(default_factory=list)  # stored; filled in once ingested
    bad: list[str] = field(default_factory=list)  # messages naming each bad input


@dataclass
class RemoveResult:
    list: str
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    list: str
    path: str
    fmt: str
    created: bool = False
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    not_ingested: list[str] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    differ: list[Difference] = field(default_factory=list)  # how papers already in the list differ from the file
    repeated: dict[str, list[int | None]] = field(default_factory=dict)  # ids the file gives twice: their lines
    cut: list[str] = field(default_factory=list)  # entries added with their note cut to MAX_NOTE, in words
    unended: list[str] = field(default_factory=list)  # records read without their end line (RIS's ER), in words
    rekeyed: list[str] = field(default_factory=list)  # citation keys it changed in the user's other lists, in words

    def notes(self) -> list[str]:
        """What the import left as it was or cut, in words (the CLI and the app show them after the counts)."""
        said = differences_note(self.differ)
        return ([said] if said else []) + repeated_notes(self.repeated) + self.unended + self.cut + self.rekeyed


def parse_ids(inputs: Iterable[str]) -> tuple[list[str], list[str]]:
    """(unique ids without version in input order, messages for bad inputs)."""
    good: list[str] = []
    bad: list[str] = []
    for raw in inputs:
        try:
            aid, _ = parse_arxiv_id(raw)
        except BadArxivId:
            bad.append(f"not an arXiv id or URL: {raw!r}")
            continue
        if aid not in good:
            good.append(aid)
    return good, bad


MAX_NAME = 80


def check_name(name: str) -> str:
    """A new list name as stored: NFC (a name typed on a Mac, decomposed, made a second list that looked the same,
    and the first was "no reading list named ...": a blind walkthrough), trimmed, checked."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if not name:
        raise TrendscopeError("a list name cannot be empty")
    if any(ord(ch) < 32 for ch in name) or has_bidi_control(name):
        raise TrendscopeError(f"a list name cannot contain control or invisible characters: {name!r}")
    if len(name) > MAX_NAME:  # a 300-character name filled the app's list picker, hiding its paper count
        raise TrendscopeError(f"a list name is longer than {MAX_NAME} characters")
    if "/" in name:  # "alice/to read" names alice's list shared with you: a list of yours named so would hide it
        raise TrendscopeError(f"a list name cannot contain '/' ({quoted(name)}): owner/name is how others' lists "
                              "are named")
    return name


def check_grantee(name: str) -> str:
    n = (name or "").strip().lower()
    return LAB if n == LAB or n in SHARE_WITH_ALL else check_user_name(n)


def check_note(note: str | None) -> str:
    """A note as stored: control characters dropped (CR LF as LF; tab and LF kept, so a note keeps its lines),
    at most MAX_NOTE characters. A note typed with a terminal's escape codes and a bell was stored raw and rang
    the bell on every `lists show` (a blind walkthrough); imported notes were cleaned already."""
    note = exporters.list_text(note)  # not stripped: a note comes back from every export exactly as given
    if len(note) > MAX_NOTE:
        raise TrendscopeError(f"a note holds at most {MAX_NOTE:,} characters (this one has {len(note):,})")
    return note


def check_status(status: str) -> str:
    s = (status or "").strip().lower()
    if s not in STATUSES:
        raise TrendscopeError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    return s
