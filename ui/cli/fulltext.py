"""CLI commands for papers' full text: `fetch` (download and structure PDFs), `read` (the stored structure),
`search-text` (search inside fetched papers)."""
from __future__ import annotations

import json
import re

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import clipped

from .options import QueryCommand, json_option

_REFERENCES_HEADING = re.compile(r"^\s*(?:[0-9]+\.?|[A-Z]\.?)?\s*(references|bibliography|literature cited)\s*$", re.I)


def _db(ctx: click.Context):
    from trendscope.schema import open_home_database

    return open_home_database(ctx.obj.home)


@click.command("fetch")
@click.argument("ids", nargs=-1, required=True)
@click.option("--refetch", is_flag=True, help="Download again even if the paper was fetched before.")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False), default=None,
              help="Read this PDF you already have instead of downloading it (one paper id).")
@json_option("Print one record per paper as JSON.")
@click.pass_context
def fetch_cmd(ctx, ids, refetch, pdf_file, as_json):
    """Download the PDFs of papers from arXiv (one request per 3 s, with timeouts and retries), extract their
    sections, captions and references, and store them for reading and for `search-text`.

    \b
    Examples:
      trendscope fetch 2302.07302
      trendscope fetch 2302.07302 https://arxiv.org/abs/2203.00130 --json
      trendscope fetch 2302.07302 --pdf ~/Downloads/2302.07302v1.pdf     # offline: a PDF you have
    """
    from dataclasses import asdict

    from trendscope.ingest.fulltext import fetch_fulltext, import_pdf

    def show(o) -> None:
        if not as_json:
            click.echo(o.message, err=o.status == "failed")

    if pdf_file is not None:
        if len(ids) != 1:
            raise click.UsageError("--pdf reads one paper: give its arXiv id alone")
        ctx.find_root().obj.actor.require_admin("reading in a PDF with --pdf (its text is every user's)")
        outcomes = [import_pdf(_db(ctx), ctx.obj.home, ids[0], pdf_file)]
        show(outcomes[0])
    else:
        outcomes = fetch_fulltext(_db(ctx), ctx.obj.home, ids, refetch=refetch, progress=show)
    if as_json:
        click.echo(json.dumps([asdict(o) for o in outcomes], indent=2))
    if any(o.status == "failed" for o in outcomes):
        ctx.exit(1)


@click.command("read")
@click.argument("arxiv_id")
@json_option("Print the structure as JSON: sections (heading, level, paragraphs, captions) and references.")
@click.pass_context
def read_cmd(ctx, arxiv_id, as_json):
    """Show the full text of a fetched paper, section by section (fetch it first with `trendscope fetch`).

    \b
    Examples:
      trendscope read 2302.07302
      trendscope read 2302.07302 --json | jq '.sections[].heading'
    """
    from trendscope.ingest.fulltext import document

    from .lists import open_lists

    db = _db(ctx)
    doc = document(db, arxiv_id)
    # the reader's notes on passages (the app's): the CLI reader showed none of them (a blind walkthrough)
    notes = open_lists(ctx, db).passage_notes(doc["id"])
    if as_json:
        click.echo(json.dumps({**doc, "notes": [{"passage": n.seq, "section": n.section, "quote": n.quote,
                                                 "note": n.note, "created": n.created} for n in notes]},
                              indent=2, ensure_ascii=False))
        return
    placed: set[int] = set()
    for s in doc["sections"]:
        if s["heading"]:
            click.echo(("#" * max(1, s["level"])) + " " + s["heading"])
            if (not s["paragraphs"] and not s["captions"] and doc["references"]
                    and _REFERENCES_HEADING.match(s["heading"])):  # an empty heading mid-document, its entries at
                click.echo(f"(its {len(doc['references'])} entries are listed at the end)\n")  # the end (a walkthrough)
        for p in s["paragraphs"]:
            click.echo(p + "\n")
        for c in s["captions"]:
            # the page, so a table (whose cells are not in the text) can be found in the PDF (a blind walkthrough)
            click.echo(f"[{c['label']}, page {c['page']}] {c['text']}\n" if c.get("page") else
                       f"[{c['label']}] {c['text']}\n")
        seqs = {p["seq"] for p in s["passages"]}
        for n in notes:  # after its section, as the app shows each under its passage
            if n.note_id not in placed and n.seq in seqs:
                placed.add(n.note_id)
                click.echo(_note_line(n) + "\n")
    for n in notes:  # a note on a passage the text no longer has (the paper fetched again)
        if n.note_id not in placed:
            click.echo(_note_line(n) + "\n")
    click.echo(f"References ({len(doc['references'])}):")
    for r in doc["references"]:
        mark = f"  -> {r['matched_id']}" if r["matched_id"] else ""
        click.echo(f"  [{r['number'] or '-'}] {r['text']}{mark}")


def _note_line(n) -> str:
    quote = f" on “{clipped(' '.join(n.quote.split()), 70)}”" if n.quote else ""
    return f"> your note (passage {n.seq}{quote}): " + " ".join(n.note.split())


@click.command("search-text", cls=QueryCommand)
@click.argument("query")
@click.option("--paper", "arxiv_id", default=None, help="Only inside this paper.")
@click.option("-n", "--limit", type=click.IntRange(1, 200), default=10, show_default=True)
@json_option("Print the matching passages as JSON.")
@click.pass_context
def search_text_cmd(ctx, query, arxiv_id, limit, as_json):
    """Search inside the papers you fetched: the passages (paragraphs and captions) that match, best first.

    Any of the words matches (more of them first); "a phrase" matches as written; -word or NOT word leaves out
    the passages holding it.

    \b
    Examples:
      trendscope search-text "citation context"
      trendscope search-text "user study" --paper 2302.07302 --json
      trendscope search-text 'citation -"related work"'
    """
    from dataclasses import asdict

    from trendscope.ingest.fulltext_store import FulltextStore

    if not query.strip():  # it answered "no passage matches ''"
        raise click.UsageError("give the words to search for, e.g. trendscope search-text \"user study\"")
    db = _db(ctx)
    store = FulltextStore(db)
    fetched = store.fetched_ids()
    if not fetched:
        raise TrendscopeError("no paper's full text is stored yet: fetch some with `trendscope fetch ID`")
    if arxiv_id is not None:  # "no passage matches" read as if the paper had been searched
        from trendscope.ingest.records import BadArxivId, parse_arxiv_id

        try:
            arxiv_id, _ = parse_arxiv_id(arxiv_id)
        except BadArxivId:
            raise TrendscopeError(f"--paper: not an arXiv id or URL: {arxiv_id!r}") from None
        if arxiv_id not in fetched:
            raise TrendscopeError(f"{arxiv_id}'s full text is not fetched: `trendscope fetch {arxiv_id}` fetches it")
    hits = store.search(query, limit=limit, arxiv_id=arxiv_id)
    from trendscope.ingest.store import PaperStore

    papers = PaperStore(db)
    titles = {a: (p.title if (p := papers.get(a)) else None) for a in {h.arxiv_id for h in hits}}
    # a paper read from its PDF but not in the corpus: the title its PDF prints (`"title": null` before)
    titles.update(store.printed_titles(a for a, t in titles.items() if t is None))
    absent = store.terms_held_nowhere(query, arxiv_id) if hits else []
    if absent:  # as `search` marks what a result lacks; on stderr, so --json stays the list of hits
        click.echo(f"(no passage {'of ' + arxiv_id + ' ' if arxiv_id else ''}holds {', '.join(absent)}: these "
                   "passages match the other words)", err=True)
    if as_json:
        click.echo(json.dumps([{**asdict(h), "title": titles[h.arxiv_id]} for h in hits], indent=2,
                              ensure_ascii=False))
        return
    if not hits:
        click.echo(f"no passage matches {query!r}", err=True)
    for h in hits:  # with the paper's title: the id alone said little (a blind walkthrough)
        title = f" {clipped(titles[h.arxiv_id], 80)} ·" if titles[h.arxiv_id] else ""
        click.echo(f"{h.arxiv_id}{title} #{h.seq} {h.heading or '(front matter)'}\n    {h.snippet}")


def register(group: click.Group) -> None:
    for command in (fetch_cmd, read_cmd, search_text_cmd):
        group.add_command(command)
