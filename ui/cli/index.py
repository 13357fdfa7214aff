"""CLI commands of the index/search stage: `index`, `search`, `similar`, `doctor`."""
from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import asdict

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.wording import count

from .options import (
    QueryCommand,
    categories_option,
    json_option,
    limit_option,
    published_since_option,
    published_until_option,
)


def _progress(ctx: click.Context) -> bool:
    """Show progress unless -v logging is on: a bar on a terminal, a line every 30 s in a log or pipe."""
    return not ctx.obj.verbose


def _db(ctx: click.Context):
    from trendscope.ingest.store import open_database

    return open_database(ctx.obj.home.db_path)


def _searcher(ctx: click.Context):
    from trendscope.index.search import Searcher

    return Searcher(_db(ctx), ctx.obj.home)


@click.command("index")
@click.option("--model", default=None, metavar="M",
              help="(Admin only) sentence-transformers model name or path (default: the one in use, else "
                   "all-MiniLM-L6-v2).")
@click.option("--rebuild", is_flag=True,
              help="(Admin only) Drop every stored vector and the FAISS index, re-embed everything.")
@click.option("--tags-only", is_flag=True,
              help="Embed nothing: tag papers (those without a vector by the tagger's rules-only formula) and bring "
                   "the rising topics up to date: minutes instead of hours after a bulk import; a later plain "
                   "`index` adds the vectors and re-tags those papers.")
@click.option("--no-topics", is_flag=True,
              help="Leave the kept rising-topic listing as it is (by default it is computed again when the papers, "
                   "tags or vectors changed, so `trends --topics`, the app and the digests read it back at once).")
@json_option("Print the result record as JSON.")
@click.pass_context
def index_cmd(ctx, model, rebuild, tags_only, no_topics, as_json):
    """Embed new or changed papers, update the FAISS index, then update trend tags and the rising topics.

    \b
    Examples:
      trendscope index
      trendscope index --rebuild --json
      trendscope index --tags-only        # quick first look after a bulk import
    """
    if tags_only and (rebuild or model):
        raise click.UsageError("--tags-only embeds nothing: it takes neither --rebuild nor --model")
    if rebuild or model:  # every user's search and tags (a non-admin re-embedded the corpus: a walkthrough)
        ctx.obj.actor.require_admin("rebuilding the index or changing its model (every user's search and tags)")
    db = _db(ctx)
    if tags_only:
        from trendscope.index.topic_store import refresh_phrases
        from trendscope.index.trend_update import update_trend_tags

        res = update_trend_tags(db, ctx.obj.home, progress=_progress(ctx))
        phrases = refresh_phrases(db, _progress(ctx))  # as a plain index does: the listing counts them
        line = f"trend tags: {res}" + (f"\n{phrases}" if phrases.extracted or phrases.removed else "")
    else:
        from trendscope.index.indexer import run_index

        res = run_index(db, ctx.obj.home, model=model, progress=_progress(ctx), rebuild=rebuild)
        line = res.summary()
    if not as_json:
        click.echo(line)  # before the listing: that can take a minute on a large corpus
    topics = None if no_topics else _keep_topics(db)
    if as_json:  # the tag counts under "tags" either way (`--tags-only` gave them at the top, and "tags" a number)
        record = {"tags": asdict(res)} if tags_only else asdict(res)
        click.echo(json.dumps({**record, "topics": topics}, indent=2, default=str))
    elif topics is not None and "error" not in topics:
        click.echo(f"rising topics: {topics['line']}")


def _keep_topics(db) -> dict:
    """The kept month-by-month listing brought up to date ({"line", "computed", "papers", "seconds",
    "kept_since"}); a failure is reported as {"error"} and a warning line, not raised: the index is done."""
    import sqlite3

    from trendscope.index.topic_listings import keep_listing

    try:
        done = keep_listing(db)
    except (TrendscopeError, sqlite3.Error, OSError) as exc:
        click.echo(f"warning: rising topics not updated: {exc}", err=True)
        return {"error": str(exc)}
    return {"line": str(done), **asdict(done)}


def _hit_line(rank: int, h, width: int | None = None, score: bool = True) -> str:
    """One result on one line; cut to `width` characters (a terminal's) with "…". The title matters most: in a
    narrow terminal the categories shrink to the primary one before the title is cut. `score` False: no score
    (newest first, where it does not order the list)."""
    title = " ".join(readable_latex(h.title).split())  # "$k$NN-LMs" -> "kNN-LMs"; --json keeps the source

    def line(shown: int) -> str:
        cats = ",".join(h.categories[:shown]) + (",…" if len(h.categories) > shown else "")
        shown = f" {_score_text(h.score)} " if score else ""
        return f"{rank:>3}. {h.id:<12} {h.published or '?':<10}{shown} [{cats}] {title}"

    full = line(3)
    if not width or len(full) <= width:
        return full
    short = line(1)
    return short if len(short) <= width else short[: max(width - 1, 1)] + "…"


def _score_text(value: float) -> str:
    """Eight characters: 4 decimals, or 3 significant digits for a score too small for them (a word in most papers
    scores ~1e-6 by BM25: every hit read "0.0000" and the order looked arbitrary, a blind walkthrough)."""
    return f"{value:8.4f}" if value == 0 or abs(value) >= 0.001 else f"{value:8.2e}"


def _terminal_width() -> int | None:
    """The terminal's width when output goes to one (a pipe or file gets whole lines)."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


def _hit_json(h) -> dict:
    """One hit as `--json` and `--batch` print it."""
    return {"id": h.id, "title": h.title, "score": h.score, "published": h.published, "categories": h.categories,
            "authors": h.authors, "snippet": h.snippet, "missing": h.missing, "withdrawn": h.withdrawn}


def _print_hits(hits, as_json: bool, verbose: int, scores: bool = True) -> None:
    if as_json:
        for h in hits:
            click.echo(json.dumps(_hit_json(h), ensure_ascii=False))
        return
    if not hits:  # on stderr, with the notes that say why: `| wc -l` counted it as a result (a blind walkthrough)
        click.echo("no results", err=True)
        return
    width = _terminal_width()
    for i, h in enumerate(hits, 1):
        click.echo(_hit_line(i, h, width, scores))
        if h.withdrawn:  # arXiv keeps a withdrawn paper listed; its comments say so (odd real-world data)
            click.echo(f"       withdrawn: {h.withdrawn}")
        if h.missing:
            click.echo(f"       missing: {', '.join(h.missing)}")
        if verbose:  # TeX made readable as in the title ("Adaptation~(⟦LoRA⟧)": a blind docs audit); --json keeps it
            click.echo(f"       {' '.join(readable_latex(h.snippet or '').split())}")


@click.command("search", cls=QueryCommand)
@click.argument("query", required=False)
@click.option("--mode", type=click.Choice(["hybrid", "semantic", "keyword"]), default="hybrid", show_default=True,
              help="hybrid: words and meaning together, the best ranking on the blind dev set's report half "
                   "(nDCG@10 0.85; keyword 0.81, semantic 0.69); semantic finds related wording but misses exact "
                   "terms.")
@categories_option("Only papers in category CAT (repeatable: any of).")
@click.option(
    "--trend", "-t", "trends", multiple=True, metavar="T", help="Only papers tagged with trend T (repeatable: any of)."
)
@published_since_option()
@published_until_option()
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance", show_default=True,
              help="date: newest first among the most relevant papers that hold the query as a phrase, or most "
                   "of its words with a close meaning, and come close to the best match's meaning (so it may list "
                   "fewer); +word requires a word.")
@click.option("--all-words", is_flag=True,
              help="Every plain word must occur (default: plain words rank, +word and \"phrases\" are required).")
@limit_option()
@json_option("One JSON object per hit.")
@click.option("--batch", "batch", type=click.File("rb"), default=None,
              help="Run every query in FILE (one per line, '-' for stdin); one JSON line per query (with "
                   "\"notes\": what a single search says on stderr).")
@click.pass_context
def search_cmd(ctx, query, mode, categories, trends, since, until, sort, all_words, limit, as_json, batch):
    """Search papers: keyword (FTS5 BM25), semantic (embeddings) or hybrid (both, the default).

    Query syntax: words, "quoted phrases", ti:/au:/abs: fields, cat:cs.CL, -excluded, prefix*, a OR b,
    +required. Plain words rank rather than filter: papers with more of them come first, and a result that
    lacks some says which ("missing: ...").

    With --batch, exit status 3 when some query was refused (its line holds "error").

    Each line: rank, arXiv id, date, score, [categories] title. The score orders one result list; its scale
    depends on how the list was made (hybrid: fused ranks, about 0.03-0.4; keyword, and hybrid when the query is
    only fields such as au:: BM25, unbounded; semantic: cosine similarity, up to 1), so compare it only within
    one list. With --sort date the list is in date order and no score is shown (--json keeps it).

    \b
    Examples:
      trendscope search "graph neural networks for molecules" -c cs.LG --since 2025
      trendscope search 'ti:"low-rank adaptation" -quantization' --mode keyword --sort date -n 20
      trendscope search --batch - < queries.txt > results.jsonl
    """
    from trendscope.index.search import SearchRequest

    if batch is None and query is None:  # "" is a query given empty: the search says so, as for "   "
        dashed = ctx.meta.get("dash_words") or []
        hint = (f" ({dashed[0]!r} was read as options; a query that starts with '-' needs -- before it, after any "
                f"options: trendscope search -n 5 -- {dashed[0]!r})") if dashed else ""
        raise click.UsageError(f"give a QUERY or --batch FILE{hint}")
    if batch is not None and query is not None:
        raise click.UsageError("give either a QUERY or --batch FILE, not both")
    searcher = _searcher(ctx)

    def req(q: str) -> SearchRequest:
        return SearchRequest(query=q, mode=mode, categories=list(categories), trends=list(trends),
                             since=since, until=until, sort=sort, limit=limit, all_words=all_words)

    if not searcher.store.doc_count():
        from trendscope.index.search_request import date_window, validate

        validate(req(query or "x"))  # a bad option is still named first
        date_window(since, until)
        # an empty home said "no embeddings yet ... (run `trendscope index`)", then "no results" (a walkthrough)
        raise TrendscopeError("no papers stored yet: import some first (`trendscope ingest --snapshot FILE` or "
                              "`trendscope ingest --since 3d`), then `trendscope index`")

    if batch is None:
        hits = searcher.search(req(query))
        # newest first: no score column (the list is in date order, and the newest matches added to it carry
        # keyword scores beside fused ones: 6.76, 0.02, 7.99 read as a bug, a blind walkthrough)
        _print_hits(hits, as_json, ctx.obj.verbose, scores=sort != "date")
        if not hits and _say_empty_window(searcher, since, until):
            return
        for note in _search_notes(searcher, query, hits, mode, sort, limit,
                                  bool(categories or trends or since or until)):
            click.echo(f"({note})", err=True)
        return
    refused = 0
    data = batch.read()
    data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # a BOM stayed in the first query (a review)
    # any line ending, a lone CR too (a file from an old Mac was one query: a review)
    for number, raw in enumerate(re.split(rb"\r\n|\r|\n", data), 1):
        try:  # decoded line by line: one byte that is not UTF-8 was a traceback, and every answer before it lost
            q = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            q = raw.decode("utf-8", "replace")
            click.echo(json.dumps({"query": q, "hits": [], "error": f"line {number}: not UTF-8 (byte "
                                   f"0x{raw[exc.start]:02x} at byte {exc.start + 1})"}, ensure_ascii=False))
            refused += 1
            continue
        if not q.strip():
            continue
        try:
            hits = searcher.search(req(q))
            # each hit as --json gives it: ids and scores alone had to be joined with the snapshot (a walkthrough)
            out = {"query": q, "hits": [_hit_json(h) for h in hits]}
            # what a single search says on stderr ("not stored", "did you mean", ...: lost here, a walkthrough)
            # an empty window is all there is to say, as a single search says it alone
            window = None if hits else _empty_window_note(searcher, since, until)
            if notes := [window] if window else _search_notes(searcher, q, hits, mode, sort, limit,
                                                             bool(categories or trends or since or until)):
                out["notes"] = notes
        except TrendscopeError as exc:
            out = {"query": q, "hits": [], "error": str(exc)}
            refused += 1
        click.echo(json.dumps(out, ensure_ascii=False))
    if refused:  # as `ingest` and `tag` say a partial run: every other query answered (it exited 0: a walkthrough)
        click.echo(f"{count(refused, 'query', 'queries')} refused (each one's line says why in its \"error\"); "
                   "exit status 3", err=True)
        ctx.exit(3)


def _search_notes(searcher, query: str, hits, mode: str, sort: str, limit: int, filtered: bool) -> list[str]:
    """What a search's results need said beside them (the CLI's stderr lines, a --batch line's "notes")."""
    from trendscope.index.known_item import arxiv_ids_query
    from trendscope.index.relevance_floor import has_floor
    from trendscope.index.search_request import long_query_note, unknown_field_note, words_none_holds

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
    if not hits and _names_an_author(query):  # au:"Percy Lang" said a bare "no results" (a blind docs audit)
        notes.append("no stored paper lists an author matching the au: part of the query, within the filters; "
                     "papers imported without their authors are never found by au:")
    notes += [n for n in (long_query_note(query, mode), unknown_field_note(query)) if n]
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


@click.command("similar")
@click.argument("arxiv_id")
@limit_option()
@categories_option("Only papers in category CAT (repeatable: any of).")
@published_since_option()
@published_until_option()
@json_option("One JSON object per hit.")
@click.pass_context
def similar_cmd(ctx, arxiv_id, limit, categories, since, until, as_json):
    """Papers most similar to ARXIV_ID (an id or arXiv URL), by embedding.

    \b
    Examples:
      trendscope similar 2106.09685 -n 5
      trendscope similar https://arxiv.org/abs/1706.03762 -c cs.CL --since 2024-01 --json
    """
    searcher = _searcher(ctx)
    hits = searcher.similar(arxiv_id, limit, categories=list(categories), since=since, until=until)
    _print_hits(hits, as_json, ctx.obj.verbose)
    if not hits:  # a bare "no results" for --since 30d on a home last filled months ago (a blind docs audit)
        _say_empty_window(searcher, since, until)


def _names_an_author(query: str) -> bool:
    """Whether the query limits a word or phrase to the authors (`au:`)."""
    from trendscope.index.fts_query import parse_query

    try:
        pq = parse_query(query)
    except TrendscopeError:
        return False
    return any(item.column == "authors" for g in pq.groups for item in g.items)


def _say_empty_window(searcher, since: str | None, until: str | None) -> bool:
    """Say on stderr when no stored paper was published in the --since/--until window (then no query could find
    any: "--since 30d" on a home last filled months ago, or a weekend); whether it did."""
    note = _empty_window_note(searcher, since, until)
    if note:
        click.echo(f"({note})", err=True)
    return bool(note)


def _empty_window_note(searcher, since: str | None, until: str | None) -> str | None:
    if not (since or until) or searcher.papers_in_window(since, until):
        return None
    first, last = searcher.store.published_range()
    return (f"no stored paper was published in this window; the stored papers were published from "
            f"{(first or '?')[:10]} to {(last or '?')[:10]}")


@click.command("doctor")
@click.option("--repair/--check", default=True, show_default=True,
              help="Repair what is found (default) or only report it (exit status 1 on problems).")
@click.option("--database/--no-database", default=True, show_default=True,
              help="Check the database with SQLite's integrity check too (reads all of it: about a minute for "
                   "160,000 papers).")
@json_option("Print the report as JSON.")
@click.pass_context
def doctor_cmd(ctx, repair, database, as_json):
    """Check the FAISS index against the stored vectors and rebuild it when missing, corrupt or stale; check the
    database (a damaged one is reported: restore a backup). Exit status 1 when something is wrong.

    \b
    Examples:
      trendscope doctor --check
      trendscope doctor
    """
    from trendscope.index import doctor

    home = ctx.obj.existing_home("nothing to check")  # a misspelt --home was an empty new home, "status: ok"
    db = _db(ctx)
    rep = (doctor.repair(db, home, database=database) if repair
           else doctor.check(db, home, database=database))
    if as_json:
        click.echo(json.dumps(asdict(rep), indent=2))
    else:
        for line in rep.lines():
            click.echo(line)
    if not rep.ok:
        ctx.exit(1)


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    for cmd in (index_cmd, search_cmd, similar_cmd, doctor_cmd):
        group.add_command(cmd)
