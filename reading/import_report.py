"""What an import left as it was, said in words: papers already in the list that the file describes otherwise
(a changed note, a renamed citation key, ...), and ids the file gives more than once. An import keeps the papers
already in a list as they are; it said only "Already in the list: 24 papers", and a re-imported Zotero file's
changes were ignored without a word (a blind user test)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trendscope.foundation.wording import count

from .bibtex_export import bibtex_keys
from .imported import ImportedItem
from .list_store import ListItem

# what is compared, in the order a message names it; only what the file gives is compared
ASPECTS = ("note", "status", "citation key", "title", "authors", "year", "venue")
_SHOWN = 10  # ids named per aspect


@dataclass
class Difference:
    arxiv_id: str
    aspect: str  # one of ASPECTS
    listed: str = ""  # the list's value, for a status or citation key ("" for the others)
    in_file: str = ""  # the file's value, likewise


def differences(items: Sequence[ListItem], found: Sequence[ImportedItem]) -> list[Difference]:
    """How the papers of `found` that are in the list (`items`, all of it: the citation keys its export gives
    depend on every item) differ from what the file says of them. A field the file leaves empty is no difference
    (an ids file has no notes); a citation key is compared with the one the list's BibTeX export writes; title,
    authors, year and venue with what an earlier import stored, where the list uses it (a paper not ingested yet,
    authors where the stored record has none, a year written with its venue)."""
    listed = {it.arxiv_id: it for it in items}
    keys = bibtex_keys(items) if any(f.key and f.arxiv_id in listed for f in found) else {}
    out: list[Difference] = []
    for f in found:
        it = listed.get(f.arxiv_id)
        if it is None:
            continue
        imp = it.imported if it.paper is None else None  # an ingested paper's own record is used
        authors = it.imported.authors if it.imported and not (it.paper and it.paper.authors) else []
        year_used = it.paper is None or bool(it.venue.get("journal") or it.venue.get("booktitle"))
        checks = {
            # line breaks and tabs are spaces in BibTeX and Markdown: a fresh export re-imported "differed"
            "note": bool(f.note.strip()) and f.note.split() != it.note.split(),
            "title": bool(f.title and imp and imp.title) and f.title != imp.title,
            "authors": bool(f.authors and authors) and list(f.authors) != list(authors),
            "year": bool(f.year and it.imported_year and year_used) and f.year != it.imported_year,
            "venue": bool(f.venue and it.venue) and f.venue != it.venue,
        }
        out += [Difference(it.arxiv_id, aspect) for aspect, differs in checks.items() if differs]
        if f.status and f.status != it.status:
            out.append(Difference(it.arxiv_id, "status", it.status, f.status))
        if f.key and keys.get(it.arxiv_id) and f.key != keys[it.arxiv_id]:
            out.append(Difference(it.arxiv_id, "citation key", keys[it.arxiv_id], f.key))
    return sorted(out, key=lambda d: ASPECTS.index(d.aspect))


def differences_note(found: Sequence[Difference]) -> str | None:
    """"3 papers already in the list differ from the file (note: 2407.03955; citation key: 2210.11416
    chung_scaling_2022 -> chung2022scaling) and were left as they are." (None when none differs)."""
    if not found:
        return None
    papers = len({d.arxiv_id for d in found})
    parts = []
    for aspect in ASPECTS:
        of = [d for d in found if d.aspect == aspect]
        if not of:
            continue
        shown = ", ".join(f"{d.arxiv_id} {d.listed} -> {d.in_file}" if d.in_file else d.arxiv_id
                          for d in of[:_SHOWN])
        parts.append(f"{aspect}: {shown}" + (f" and {len(of) - _SHOWN} more" if len(of) > _SHOWN else ""))
    one = papers == 1
    return (f"{count(papers, 'paper')} already in the list {'differs' if one else 'differ'} from the file "
            f"({'; '.join(parts)}) and {'was left as it is' if one else 'were left as they are'}.")


def repeated_notes(repeated: dict[str, list[int | None]]) -> list[str]:
    """"2305.14314 appears twice in the file (lines 12 and 80): the first was used." for each id given more than
    once."""
    out = []
    for aid, lines in repeated.items():
        times = "twice" if len(lines) == 2 else f"{len(lines)} times"
        where = ""
        if all(line is not None for line in lines):
            numbers = [str(line) for line in lines]
            where = f" (lines {', '.join(numbers[:-1])} and {numbers[-1]})"
        out.append(f"{aid} appears {times} in the file{where}: the first was used.")
    return out


def rekeyed_notes(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    """The citation keys an import changed in the user's other lists (list -> {arxiv id: key} before and after):
    a paper takes the key its latest import gave it in every list, and no generated key takes an imported one, so
    a file keying another paper `hu2021lora` silently moved that key in a list it never touched (a blind
    walkthrough): 'The BibTeX export of "A" changes its keys: 2106.09685 hu2021lora -> lora_dup.'"""
    out = []
    for name, old in before.items():
        new = after.get(name, {})
        moved = [(aid, key, new[aid]) for aid, key in sorted(old.items()) if new.get(aid, key) != key]
        if moved:
            shown = "; ".join(f"{aid} {key} -> {now}" for aid, key, now in moved[:_SHOWN])
            more = f" (and {len(moved) - _SHOWN} more)" if len(moved) > _SHOWN else ""
            out.append(f'The BibTeX export of "{name}" changes its citation keys: {shown}{more} (a paper takes the '
                       "key its latest import gave it in all your lists).")
    return out


UNENDED_SHOWN = 5  # records without an end line named one by one; the rest counted


def unended_notes(label: str, unended: Sequence[tuple[int, str, str]], added: Sequence[str],
                  first_lines: dict[str, int | None]) -> list[str]:
    """The records read without their end line (`ParsedFile.unended`), each said imported or why not added:
    'm.ris: line 1: record of 2305.14314 without its end (ER) before the next record: read as ending there and
    imported.' (it was counted "skipped" while it was imported: a blind walkthrough)."""
    out = []
    for line, aid, before in unended:
        if first_lines.get(aid) != line:
            done = "read as ending there; the file gives this id earlier, and that record was used"
        else:
            done = "read as ending there and imported" if aid in added else "read as ending there; already in the list"
        out.append(f"{label}: line {line}: record of {aid} without its end (ER) before {before}: {done}.")
    if len(out) > UNENDED_SHOWN:  # 9,000 such records printed 9,000 lines (a hostile-input check)
        more = len(out) - UNENDED_SHOWN
        out = [*out[:UNENDED_SHOWN], f"{label}: {more:,} more record{'s' if more != 1 else ''} without an end (ER), "
                                     "each read as ending where the next record begins"]
    return out


def unkept_key_notes(items: list, exported: dict[str, str]) -> list[str]:
    """The file's citation keys its papers do not keep in the list's BibTeX export (`exported`: arxiv id -> key),
    as when two entries share a key and the smaller arXiv id keeps it (the second entry was refused as "broken",
    then imported without a word on its key: a blind walkthrough): 'Citation keys the list's export writes
    otherwise: 2010.12309 wang2020survey -> hedderich2020survey (...).'"""
    moved = [(i.arxiv_id, i.key, exported[i.arxiv_id]) for i in items
             if i.key and exported.get(i.arxiv_id, i.key) != i.key]
    if not moved:
        return []
    shown = "; ".join(f"{aid} {key} -> {now}" for aid, key, now in moved[:_SHOWN])
    more = f" (and {len(moved) - _SHOWN} more)" if len(moved) > _SHOWN else ""
    return [f"Citation keys the list's BibTeX export writes otherwise: {shown}{more} (of papers sharing a key, the "
            "smaller arXiv id keeps it)."]
