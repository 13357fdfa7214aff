"""What `search` and `similar` say beside their results: the stderr lines of a search (a --batch line's
"notes"), and the note for a --since/--until window in which no stored paper was published."""
from __future__ import annotations

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import count


def search_notes(searcher, query: str, hits, mode: str, sort: str, limit: int, filtered: bool) -> list[str]:
    """What a search's results need said beside them (the CLI's stderr lines, a --batch line's "notes")."""
    from trendscope.index.known_item import arxiv_ids_query
    from trendscope.index.relevance_floor import has_floor
    from trendscope.index.search_request import (
        long_query_note,
        unclosed_quote_note,
        unknown_field_note,
        words_none_holds,
    )

    notes = []
    listed = {h.id for h in hits}
    unlisted = [i for i in arxiv_ids_query(query) or () if i not in listed]
    # an id lookup listed ten unrelated papers (a blind walkthrough); every id of a pasted list is accounted for
    outside = [i for i in unlisted if searcher.store.pk_of(i) is not None]
    absent = [i for i in unlisted if i not in outside]
    if outside:
        notes.append(f"arXiv {', '.join(outside)} {'is' if len(outside) == 1 else 'are'} stored but outside these "
                     "filters")
    if absent:
        notes.append(f"arXiv {', '.join(absent)} {'is' if len(absent) == 1 else 'are'} not stored here: trendscope "
                     f"ingest --id {','.join(absent)} fetches {'it' if len(absent) == 1 else 'them'}")
    fixed = searcher.did_you_mean(query)
    if fixed:  # "speculativ decodng" found nothing in keyword mode, without a hint (a blind walkthrough)
        notes.append(f"did you mean: {fixed}?")
    person = searcher.unknown_person(query)
    if person:  # "Christopher Manning" listed unrelated papers without a word (a blind walkthrough)
        notes.append(f"no stored paper lists an author named {person}: these results match the words")
    elif hits and sort != "date" and (named := searcher.known_person(query)):
        notes.append(f"{count(named[1], 'stored paper')} {'lists' if named[1] == 1 else 'list'} {named[0]} as an "
                     "author: first, newest first")
    if not hits and names_an_author(query):  # au:"Percy Lang" said a bare "no results" (a blind docs audit)
        notes.append("no stored paper lists an author matching the au: part of the query, within the filters; "
                     "papers imported without their authors are never found by au:")
    notes += [n for n in (long_query_note(query, mode), unknown_field_note(query), unclosed_quote_note(query)) if n]
    unmatched = words_none_holds(hits, query) if mode != "semantic" else []
    if unmatched:  # with filters, "no stored paper" read as the whole corpus (a blind walkthrough)
        where = "no paper within these filters" if filtered else "no stored paper"
        notes.append(f"{where} holds any of the words {', '.join(unmatched)}: these are the nearest by meaning")
    if sort == "date" and len(hits) < limit and has_floor(query):
        notes.append(f"{len(hits)} shown: newest first lists only papers that hold the query as a phrase, or most of "
                     "its words with a close meaning; --sort relevance also ranks the papers that match it only "
                     "partly, where there are any")
    if sort == "date" and any(h.missing for h in hits):
        # "clearly about the query" was said above 52 papers of 62 lacking "diffusion" (a blind walkthrough)
        notes.append("papers marked missing lack that word of the query; write +word to require it")
    return notes


def names_an_author(query: str) -> bool:
    """Whether the query limits a word or phrase to the authors (`au:`)."""
    from trendscope.index.fts_query import parse_query

    try:
        pq = parse_query(query)
    except TrendscopeError:
        return False
    return any(item.column == "authors" for g in pq.groups for item in g.items)


def say_empty_window(searcher, since: str | None, until: str | None) -> bool:
    """Say on stderr when no stored paper was published in the --since/--until window (then no query could find
    any: "--since 30d" on a home last filled months ago, or a weekend); whether it did."""
    note = empty_window_note(searcher, since, until)
    if note:
        click.echo(f"({note})", err=True)
    return bool(note)


def empty_window_note(searcher, since: str | None, until: str | None) -> str | None:
    if not (since or until) or searcher.papers_in_window(since, until):
        return None
    first, last = searcher.store.published_range()
    return (f"no stored paper was published in this window; the stored papers were published from "
            f"{(first or '?')[:10]} to {(last or '?')[:10]}")
