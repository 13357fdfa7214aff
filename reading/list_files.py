"""Reading lists to and from files: export in every format, import with its report. The file half of
`ReadingLists` (lists.py), which it mixes in; it uses that class's access checks (`_id`, `canonical`) and store."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import count

from . import exporters, importers
from .bibtex_export import bibtex_keys
from .import_report import differences, rekeyed_notes, unended_notes, unkept_key_notes
from .list_input import ImportResult
from .list_store import ListItem


class ListFiles:
    """Export and import of reading lists (mixed into `ReadingLists`)."""

    def export(self, name: str, fmt: str, include_abstract: bool = False, as_file: bool = False,
               notes: bool = True) -> bytes:
        """List `name` in one of `exporters.FORMATS`; `notes=False` leaves out every note (a .bib to share went out
        with a private `annote`, and no export could leave them out: a blind walkthrough)."""
        lid = self._id(name)
        if fmt not in exporters.FORMATS:
            raise TrendscopeError(f"unknown export format {fmt!r}: use one of {', '.join(exporters.FORMATS)}")
        items = self.store.items(lid, self.me)
        if not notes:
            items = [replace(it, note="", passage_notes=[]) for it in items]
        return exporters.export(items, fmt, self.canonical(name), include_abstract, as_file)

    def without_authors(self, name: str) -> list[str]:
        """The ids of list `name` whose exported entries have no authors: nothing stored or imported names them
        (most papers of the bulk snapshot carry none; BibTeX entries without authors came without a word: a blind
        walkthrough)."""
        return _without_authors(self.items(name))

    def authorless_note(self, name: str) -> str | None:
        """What an export of list `name` says of its papers without authors (None when every paper has some)."""
        items = self.items(name)  # read once: each read loads the papers and their passage notes
        missing, total = _without_authors(items), len(items)
        if not missing:
            return None
        # one pasteable command: `--id A B` was refused ("unexpected extra arguments": a blind walkthrough)
        ids = ",".join(missing[:20])
        return (f"{len(missing)} of {total} papers have no authors stored (not stored here, or the bulk snapshot "
                f"carries none for them), so their entries name none; `trendscope ingest --id {ids}` fetches "
                + ("them" if len(missing) <= 20 else "the first 20") + " from arXiv")

    def import_file(
        self, name: str, path: str | Path, fmt: str = "auto", create: bool = True, display_name: str | None = None,
        strict: bool = False,
    ) -> ImportResult:
        """Add the arXiv ids of a file. Bad lines/entries/rows are reported and skipped, good ones added; a file
        with no usable id at all, or with any bad entry when `strict`, changes nothing (creates no list) and raises
        TrendscopeError. Creates the list if
        missing. `display_name` names the file in messages instead of `path` (e.g. an upload's own name when
        `path` is a temporary copy)."""
        label = display_name or str(path)
        parsed = importers.parse_file(path, fmt, display_name=label)
        lid = self._id(name, "edit") if self.exists(name) else None
        if lid is None and not create:
            self._id(name)
        if not parsed.items or (strict and parsed.problems):
            # `strict`: all or nothing, so that a script can mend the file and run the same command again (it
            # exited 1 with the list already made and filled: a blind walkthrough)
            details = "; ".join(parsed.problems[:5]) or f"{label}: no arXiv ids found"
            more = f" (and {len(parsed.problems) - 5} more)" if len(parsed.problems) > 5 else ""
            why = f" ({count(len(parsed.problems), 'entry', 'entries')} would be skipped)" if parsed.items else ""
            raise TrendscopeError(f"nothing imported{why}: {details}{more}")
        res = ImportResult(name, label, parsed.fmt, bad=parsed.problems)
        keys_before = self._other_lists_keys(lid) if any(i.key for i in parsed.items) else None
        if lid is None:
            res.list = self.create(name)
            res.created = True
            lid = self._id(name)
        else:
            res.list = self.canonical(name)
        self._add_parsed(lid, parsed.items, res)
        res.repeated = parsed.repeated
        added = set(res.added)  # a paper left as it was kept its own note: no cut to report
        res.cut = [msg for aid, msg in parsed.cut.items() if aid in added]
        res.unended = unended_notes(label, parsed.unended, res.added, {i.arxiv_id: i.line for i in parsed.items})
        if res.already:  # what the file says otherwise of papers left as they are
            already = set(res.already)
            res.differ = differences(self.store.items(lid, self.me), [i for i in parsed.items if i.arxiv_id in already])
        if keys_before is not None:
            res.rekeyed = (unkept_key_notes([i for i in parsed.items if i.arxiv_id in added],  # the others: `differ`
                                            bibtex_keys(self.store.items(lid, self.me)))
                           + rekeyed_notes(keys_before, self._other_lists_keys(lid)))
        return res

    def _other_lists_keys(self, lid: int | None) -> dict[str, dict[str, str]]:
        """{list: {arxiv id: the citation key its BibTeX export writes}} of the user's lists other than `lid`."""
        out = {}
        for summary in self.lists():
            other = self._id(summary.ref)
            if other != lid:
                out[summary.ref] = bibtex_keys(self.store.items(other, self.me))
        return out


def _without_authors(items: list[ListItem]) -> list[str]:
    return [it.arxiv_id for it in items if not (it.metadata and it.metadata.authors)]
