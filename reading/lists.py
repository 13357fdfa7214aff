"""Reading lists: the Python API the CLI and the Streamlit app call.

    rl = ReadingLists(db)
    rl.create("to read")
    rl.add("to read", ["2106.09685v2", "https://arxiv.org/abs/1706.03762"])
    rl.items("to read")                # ListItems joined with paper metadata (None until ingested)
    rl.export("to read", "bibtex")      # bytes
    rl.recommend("to read", limit=10, since="2025-01-01")

Ids may carry a version or be arXiv URLs; they are stored without version. Bad ids never stop the good
ones: results list them (`bad`) with a message naming the input. User mistakes raise TrendscopeError.
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable

import sqlite_utils

from trendscope.accounts.users import Accounts
from trendscope.foundation.actor import LAB, OWNER, Actor
from trendscope.foundation.clock import utc_now_iso
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import quoted
from trendscope.ingest.records import BadArxivId, parse_arxiv_id

from . import exporters
from .imported import MAX_TITLE, ImportedItem, one_line, year_of
from .list_files import ListFiles
from .list_input import (  # noqa: F401 (MAX_NAME and the results are the API's too)
    MAX_NAME,
    MAX_NOTE,
    MAX_QUOTE,
    AddResult,
    ImportResult,
    RemoveResult,
    check_grantee,
    check_name,
    check_note,
    check_status,
    parse_ids,
)
from .list_store import STATUSES, ListItem, ListStore, ListSummary
from .recommend import NearestSource, RecommendResult, VectorSource, recommend

log = logging.getLogger(__name__)

class ReadingLists(ListFiles):
    """Operations on reading lists, by list name (case-insensitive), as one user (`user`, default: the local
    owner).

    A user sees their own lists and the lists others shared with them or with everyone; they name their own
    by name and others' as `owner/name` (the bare name works while it is unambiguous). Lists shared read-only
    can be read and exported; editable ones also changed; only the owner renames, deletes or shares a list.
    Whatever is not visible to the user is reported as missing, so names of others' lists do not leak."""

    def __init__(self, db: sqlite_utils.Database, clock: Callable[[], str] = utc_now_iso, user: Actor = OWNER):
        self.store = ListStore(db)
        self.marks = self.store.marks
        self.clock = clock
        self.user = user

    @property
    def me(self) -> str:
        return self.user.name

    # -- lists ----------------------------------------------------------------------------
    def lists(self) -> list[ListSummary]:
        """The user's own lists, then those shared with them."""
        return self.own_lists() + [s for s in self.store.shared_summaries(self.me) if self._owner_present(s.owner)]

    def _owner_present(self, owner: str) -> bool:
        """Whether the owner of a list shared with the user still has an account: a removed member's shared lists
        stayed readable and editable, and no one could stop it (their feeds end with the account: a blind
        walkthrough). Re-added, the account has them again, shares included."""
        return Accounts(self.store.db).exists(owner)

    def own_lists(self) -> list[ListSummary]:
        """The user's own lists, each with whom it is shared: everyone, and the users who have an account. A share
        with a removed user's name stays stored, and the name added again has it back (as the removed user's own
        lists), but it is no reader: the Lists page said "Shared with 1 reader" and deleting the list "(shared with
        ana: they lose it too)" of a removed ana (a blind walkthrough). `unshare` still takes it away."""
        out = self.store.summaries(self.me)
        named = {g for s in out for g, _edit in s.shared_with if g != LAB}
        if named:
            accounts = Accounts(self.store.db)
            gone = {g for g in named if not accounts.exists(g)}
            for s in out:
                s.shared_with = [(g, edit) for g, edit in s.shared_with if g not in gone]
        return out

    def imported_authors(self, arxiv_id: str) -> list[str]:
        """The authors a BibTeX import into one of the user's lists gave the paper ([] when none did): shown where
        the stored record has none (most of the bulk snapshot's papers)."""
        found = self.store.imported_authors(self.me, {arxiv_id}).get(arxiv_id)
        return [a for a in json.loads(found) if isinstance(a, str)] if found else []

    def imported_authors_of(self, arxiv_ids: Iterable[str]) -> dict[str, list[str]]:
        """`imported_authors` of several papers at once ({id: authors}, only those an import named): for search
        results whose stored record has no authors ("authors unknown" on a card of a paper the user imported with
        its authors: a blind walkthrough)."""
        found = self.store.imported_authors(self.me, set(arxiv_ids)) if arxiv_ids else {}
        out = {aid: [a for a in json.loads(v) if isinstance(a, str)] for aid, v in found.items()}
        return {aid: names for aid, names in out.items() if names}

    def exists(self, name: str) -> bool:
        try:
            self._resolve(name)
        except TrendscopeError:
            return False
        return True

    def canonical(self, name: str) -> str:
        """How the user names a list: its stored spelling, `owner/name` for others' lists."""
        try:
            lid, access = self._resolve(name)
        except TrendscopeError:
            return name
        owner, stored = self.store.owner_and_name(lid)
        return stored if access == "own" else f"{owner}/{stored}"

    def _resolve(self, name: str) -> tuple[int, str]:
        """(list id, access) of the list the user means by `name`: its NFC form, as names are stored now
        (`check_name`), else as given (a name an earlier version stored decomposed: a review)."""
        given = (name or "").strip()
        nfc = unicodedata.normalize("NFC", given)
        if nfc != given:
            try:
                return self._resolve_as(nfc)
            except TrendscopeError:
                pass
        return self._resolve_as(given)

    def _resolve_as(self, raw: str) -> tuple[int, str]:
        lid = self.store.list_id(raw, self.me)
        if lid is not None:
            return lid, "own"
        owner, sep, rest = raw.partition("/")
        if sep and owner.strip().lower() == self.me:
            lid = self.store.list_id(rest.strip(), self.me)
            if lid is not None:
                return lid, "own"
        cands = (self.store.shared_ids_by_name(rest.strip(), self.me, owner.strip().lower()) if sep else [])
        if not cands:
            cands = self.store.shared_ids_by_name(raw, self.me)
        cands = [c for c in cands if self._owner_present(c[1])]
        if len(cands) > 1:
            refs = ", ".join(f"{o}/{raw}" for _, o in cands)
            raise TrendscopeError(f"several lists named {quoted(raw)} are shared with you ({refs}): say whose")
        if cands:
            return cands[0][0], self.store.access(cands[0][0], self.me) or "read"
        known = ", ".join(quoted(s.ref) for s in self.lists()) or "none yet"  # a name may hold ", "
        raise TrendscopeError(f"no reading list named {quoted(raw)} (lists: {known})")

    def _id(self, name: str, need: str = "read") -> int:
        """The list's id, when the user may `need` (read | edit | own) it."""
        lid, access = self._resolve(name)
        if need == "edit" and access == "read":
            raise TrendscopeError(f"{quoted(self.canonical(name))} is shared with you read-only: ask its owner for "
                                  "edit rights")
        if need == "own" and access != "own":
            raise TrendscopeError(f"only the owner of {quoted(self.canonical(name))} may rename, delete or share it")
        return lid

    def access(self, name: str) -> str:
        """own | edit | read."""
        return self._resolve(name)[1]

    def create(self, name: str) -> str:
        name = check_name(name)
        if self.store.list_id(name, self.me) is not None:
            raise TrendscopeError(
                f"a reading list named {quoted(self.store.canonical_name(name, self.me))} already exists")
        self.store.create(name, self.clock(), self.me)
        return name

    def rename(self, old: str, new: str) -> str:
        lid = self._id(old, "own")
        new = check_name(new)
        other = self.store.list_id(new, self.me)
        if other is not None and other != lid:
            raise TrendscopeError(
                f"cannot rename {quoted(old)} to {quoted(new)}: a list named "
                f"{quoted(self.store.canonical_name(new, self.me))} already exists"
            )
        self.store.rename(lid, new)
        return new

    def delete(self, name: str) -> int:
        """Delete a list and its items; returns how many items it had."""
        lid = self._id(name, "own")
        n = len(self.store.item_ids(lid))
        self.store.delete(lid)
        return n

    # -- sharing --------------------------------------------------------------------------
    def share(self, name: str, with_user: str, edit: bool = False) -> str:
        """Share one of the user's lists with another user (or "*" / "everyone": every signed-in user),
        read-only or editable; sharing again changes the right. Returns the grantee."""
        lid = self._id(name, "own")
        grantee = check_grantee(with_user)
        if grantee == self.me:
            raise TrendscopeError("a list is always yours to read and edit: share it with someone else")
        if grantee != LAB and not Accounts(self.store.db).exists(grantee):
            raise TrendscopeError(f"no user named {grantee!r}")
        self.store.share(lid, grantee, edit, self.clock())
        return grantee

    def unshare(self, name: str, with_user: str) -> bool:
        lid = self._id(name, "own")
        return self.store.unshare(lid, check_grantee(with_user))

    def owned_count(self, user: str) -> int:
        """How many lists `user` owns (what `users remove` reports)."""
        return self.store.owned_count(user)

    def deletion_note(self, name: str) -> str:
        """" (shared with ana, bo: they lose it too)" for one of the user's shared lists, "" otherwise: deleting a
        list the reading group used named nobody who would lose it (a blind walkthrough)."""
        summary = next((s for s in self.own_lists() if s.name.lower() == self.canonical(name).lower()), None)
        if summary is None or not summary.shared_with:
            return ""
        who = ", ".join("everyone" if g == LAB else g for g, _edit in summary.shared_with)
        return f" (shared with {who}: they lose it too)"

    def holds_data(self, user: str) -> bool:
        """Whether `user` (a removed account's name) still has reading data of any kind: lists, lists shared with
        the name, passage notes, thumbs. An account made at a first sign-in is never given such a name."""
        return bool(self.owned_count(user) or self.shared_with_count(user) or self.marks.owned_count(user))

    def shared_with_count(self, user: str) -> int:
        """How many lists of others are shared with `user` by name (not with everyone)."""
        return self.store.shared_with_count(user)

    # -- items ----------------------------------------------------------------------------
    def memberships(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """arXiv id (without version) -> names of the lists it is in, the user's own first, then those shared with
        them as `owner/name` (a paper added to the group's shared list showed no mark: a blind walkthrough); ids in
        no list are absent."""
        ids = list(ids)
        out = self.store.memberships(ids, self.me)
        present: dict[str, bool] = {}
        for aid, names in self.store.shared_memberships(ids, self.me).items():
            names = [n for n in names if present.setdefault(o := n.split("/", 1)[0], self._owner_present(o))]
            if names:
                out.setdefault(aid, []).extend(names)
        return out

    # -- "new for you" and the thumbs that train it ----------------------------------------------
    def set_feedback(self, arxiv_id: str, vote: int) -> None:
        """Thumbs up (+1), down (-1) or neither (0) on a paper; the next `for_you` uses it."""
        try:
            aid, _ = parse_arxiv_id(arxiv_id)
        except BadArxivId as exc:
            raise TrendscopeError(str(exc)) from exc
        self.marks.set_feedback(self.me, aid, int(vote), self.clock())

    def feedback(self) -> dict[str, int]:
        return self.marks.feedback(self.me)

    def for_you(self, vectors: VectorSource, limit: int = 10, days: int = 30, categories=()):
        """The latest papers ranked for this reader (see `reading.for_you`)."""
        from .for_you import for_you

        return for_you(self.store.db, vectors, limit=limit, days=days, categories=categories, owner=self.me)

    # -- notes on passages of a paper's full text ----------------------------------------------
    def add_passage_note(self, arxiv_id: str, seq: int, note: str, quote: str = "", section: str = "",
                         passage: str | None = None) -> int:
        """Attach a note to passage `seq` of a paper's full text (`quote`: the passage or the part of it the note
        is about); shown in the reader and on every list holding the paper, and exported with it. With the
        passage's text, a quote it does not hold is refused (a walkthrough's quote from the paragraph before was
        exported as this passage's)."""
        try:
            aid, _ = parse_arxiv_id(arxiv_id)
        except BadArxivId as exc:
            raise TrendscopeError(str(exc)) from exc
        note, quote = check_note(note).strip(), " ".join(exporters.list_text(quote).split())
        if not note:
            raise TrendscopeError("type a note first")
        if len(quote) > MAX_QUOTE:
            raise TrendscopeError(f"a quote holds at most {MAX_QUOTE:,} characters")
        if int(seq) < 0:
            raise TrendscopeError("not a passage of the paper")
        if passage is not None and quote and _folded(quote) not in _folded(passage):
            raise TrendscopeError("the quote is not in this passage: copy words from it, or leave the quote empty")
        return self.marks.add_passage_note(self.me, aid, int(seq), " ".join(section.split())[:300], quote, note,
                                           self.clock())

    def delete_passage_note(self, note_id: int) -> bool:
        return self.marks.delete_passage_note(note_id, self.me)

    def edit_passage_note(self, note_id: int, note: str) -> bool:
        """Change the text of one of the reader's notes on a passage (its quote and place stay); notes could only
        be deleted and typed again (a blind walkthrough). False when no note of theirs has that id."""
        note = check_note(note).strip()
        if not note:
            raise TrendscopeError("a note cannot be empty: delete it instead")
        return self.marks.set_passage_note(note_id, self.me, note)

    def passage_notes(self, arxiv_id: str) -> list:
        return self.marks.passage_notes([arxiv_id], self.me).get(arxiv_id, [])

    def items(self, name: str) -> list[ListItem]:
        return self.store.items(self._id(name), self.me)

    def noted_count(self, name: str) -> int:
        """How many papers of list `name` carry a note: what sharing the list shares with it."""
        return sum(1 for it in self.items(name) if it.note.strip())

    def add(self, name: str, ids: Iterable[str], note: str = "", status: str = "unread",
            cited: dict[str, tuple[str, str]] | None = None) -> AddResult:
        """Add papers by id. `cited`: id -> (title, year) a reference list prints for a paper not ingested yet, kept
        as an import's are ("Add to list" on a reference kept only its id, the list and its exports showing none
        of what the reference said: a blind walkthrough)."""
        lid = self._id(name, "edit")
        status, note = check_status(status), check_note(note)
        good, bad = parse_ids(ids)
        res = AddResult(self.canonical(name), bad=bad)
        cited = cited or {}
        items = []
        for a in good:
            title, year = cited.get(a, ("", ""))
            items.append(ImportedItem(a, note=note, status=status, title=one_line(title or "", MAX_TITLE),
                                      year=year_of(year)))
        self._add_parsed(lid, items, res)
        return res

    def _add_parsed(self, lid: int, items: list[ImportedItem], res) -> None:
        present = self.store.item_ids(lid)
        now = self.clock()
        rows = []
        for it in items:
            if it.arxiv_id in present:
                res.already.append(it.arxiv_id)
                continue
            status = it.status if it.status in STATUSES else "unread"
            rows.append((it.arxiv_id, it.note or "", status, now, it.title or None,
                         json.dumps(list(it.authors), ensure_ascii=False) if it.authors else None, it.year or None,
                         it.key or None, json.dumps(it.venue, ensure_ascii=False) if it.venue else None,
                         it.forms.to_json()))
            res.added.append(it.arxiv_id)
        self.store.add_items(lid, rows, added_by=self.me)
        known = self.store.pks_of(res.added)
        res.not_ingested = [a for a in res.added if a not in known]

    def remove(self, name: str, ids: Iterable[str]) -> RemoveResult:
        lid = self._id(name, "edit")
        good, bad = parse_ids(ids)
        present = self.store.item_ids(lid)
        res = RemoveResult(self.canonical(name), bad=bad)
        res.removed = [a for a in good if a in present]
        res.missing = [a for a in good if a not in present]
        self.store.remove_items(lid, res.removed)
        return res

    def _member(self, lid: int, name: str, raw: str) -> str:
        good, bad = parse_ids([raw])
        if bad:
            raise TrendscopeError(bad[0])
        if good[0] not in self.store.item_ids(lid):
            raise TrendscopeError(f"{good[0]} is not in list {quoted(name)}")
        return good[0]

    def set_note(self, name: str, arxiv_id: str, note: str) -> str:
        lid = self._id(name, "edit")
        aid = self._member(lid, name, arxiv_id)
        self.store.set_note(lid, aid, check_note(note))
        return aid

    def set_status(self, name: str, ids: Iterable[str], status: str) -> RemoveResult:
        """Set the status of papers in the list; `removed` holds the ids changed, `missing` those not in it."""
        lid = self._id(name, "edit")
        status = check_status(status)
        good, bad = parse_ids(ids)
        present = self.store.item_ids(lid)
        res = RemoveResult(self.canonical(name), bad=bad)
        res.removed = [a for a in good if a in present]
        res.missing = [a for a in good if a not in present]
        self.store.set_status(lid, res.removed, status)
        return res

    # -- not interested -------------------------------------------------------------------
    def mark_not_interested(self, name: str, ids: Iterable[str], undo: bool = False) -> AddResult:
        """Mark papers "not interested" for this list (never recommended); `undo` clears the marks."""
        lid = self._id(name, "edit")
        good, bad = parse_ids(ids)
        res = AddResult(self.canonical(name), bad=bad)
        marked = self.store.not_interested_ids(lid)
        if undo:
            res.added = [a for a in good if a in marked]
            res.already = [a for a in good if a not in marked]
            self.store.unmark_not_interested(lid, res.added)
        else:
            res.added = [a for a in good if a not in marked]
            res.already = [a for a in good if a in marked]
            self.store.mark_not_interested(lid, res.added, self.clock())
        return res

    def not_interested(self, name: str) -> list[str]:
        return sorted(self.store.not_interested_ids(self._id(name)))

    # -- recommendations ------------------------------------------------------------------
    def recommend(
        self, name: str, limit: int = 10, since: str | None = None, vectors: VectorSource | None = None,
        nearest: NearestSource | None = None,
    ) -> RecommendResult:
        """`nearest`: the FAISS cache (`index.list_nearest.faiss_nearest`); None scans every stored vector."""
        if limit < 1:
            raise TrendscopeError(f"the number of recommendations must be at least 1 (got {limit})")
        return recommend(self.store, self._id(name), limit=limit, since=since, vectors=vectors, nearest=nearest)


def _folded(text: str) -> str:
    """Text as a quote of it is compared: case, spacing and a line's hyphen break ignored, quotes straightened."""
    text = exporters.list_text(text).casefold().replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(re.sub(r"-\s+", "-", text).split())


