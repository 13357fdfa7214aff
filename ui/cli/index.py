"""CLI commands of the index/search stage: `index`, `search`, `similar`, `doctor`."""
from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import asdict, dataclass

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
from .search_notes import empty_window_note, say_empty_window, search_notes


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

        try:
            res = run_index(db, ctx.obj.home, model=model, progress=_progress(ctx), rebuild=rebuild)
        except KeyboardInterrupt:  # "Aborted!" alone said nothing of what was left (a blind walkthrough)
            click.echo(f"interrupted: {_embedded_so_far(db)}; run `trendscope index` again to finish (it goes on "
                       "from there)", err=True)
            ctx.exit(130)
        line = res.summary()
    if not as_json:
        click.echo(line)  # before the listing: that can take a minute on a large corpus
    topics = None if no_topics else _keep_topics(db)
    if as_json:  # the tag counts under "tags" either way (`--tags-only` gave them at the top, and "tags" a number)
        record = {"tags": asdict(res)} if tags_only else asdict(res)
        click.echo(json.dumps({**record, "topics": topics}, indent=2, default=str))
    elif topics is not None and "error" not in topics:
        click.echo(f"rising topics: {topics['line']}")


def _embedded_so_far(db) -> str:
    """"4,096 of 6,005 papers embedded" (the model in use), for an index run stopped halfway."""
    from trendscope.index.vector_store import VectorStore

    vectors = VectorStore(db)
    model = vectors.model_in_use()
    if model is None:
        return "no paper embedded yet"
    total, pending = len(vectors.paper_reads.states()), vectors.count_pending(model)
    return f"{total - pending:,} of {total:,} papers embedded (kept; hybrid search embeds the others it finds by " \
           "their words, a few per search)"


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
    _check_query_given(ctx, query, batch)
    searcher = _searcher(ctx)
    args = _SearchArgs(mode, categories, trends, since, until, sort, all_words, limit)
    if not searcher.store.doc_count():
        _refuse_empty_home(args, query)
    if batch is None:
        _search_one(ctx, searcher, args, query, as_json)
    else:
        _search_batch(ctx, searcher, args, batch)


@dataclass(frozen=True)
class _SearchArgs:
    """The options of `search` that make each query's request."""
    mode: str
    categories: tuple[str, ...]
    trends: tuple[str, ...]
    since: str | None
    until: str | None
    sort: str
    all_words: bool
    limit: int

    def request(self, q: str):
        from trendscope.index.search import SearchRequest

        return SearchRequest(query=q, mode=self.mode, categories=list(self.categories), trends=list(self.trends),
                             since=self.since, until=self.until, sort=self.sort, limit=self.limit,
                             all_words=self.all_words)

    @property
    def filtered(self) -> bool:
        return bool(self.categories or self.trends or self.since or self.until)

    def notes(self, searcher, q: str, hits) -> list[str]:
        return search_notes(searcher, q, hits, self.mode, self.sort, self.limit, self.filtered)


def _check_query_given(ctx: click.Context, query: str | None, batch) -> None:
    if batch is None and query is None:  # "" is a query given empty: the search says so, as for "   "
        dashed = ctx.meta.get("dash_words") or []
        hint = (f" ({dashed[0]!r} was read as options; a query that starts with '-' needs -- before it, after any "
                f"options: trendscope search -n 5 -- {dashed[0]!r})") if dashed else ""
        raise click.UsageError(f"give a QUERY or --batch FILE{hint}")
    if batch is not None and query is not None:
        raise click.UsageError("give either a QUERY or --batch FILE, not both")


def _refuse_empty_home(args: _SearchArgs, query: str | None) -> None:
    from trendscope.index.search_request import date_window, validate

    validate(args.request(query or "x"))  # a bad option is still named first
    date_window(args.since, args.until)
    # an empty home said "no embeddings yet ... (run `trendscope index`)", then "no results" (a walkthrough)
    raise TrendscopeError("no papers stored yet: import some first (`trendscope ingest --snapshot FILE` or "
                          "`trendscope ingest --since 3d`), then `trendscope index`")


def _search_one(ctx: click.Context, searcher, args: _SearchArgs, query: str, as_json: bool) -> None:
    hits = searcher.search(args.request(query))
    # newest first: no score column (the list is in date order, and the newest matches added to it carry
    # keyword scores beside fused ones: 6.76, 0.02, 7.99 read as a bug, a blind walkthrough)
    _print_hits(hits, as_json, ctx.obj.verbose, scores=args.sort != "date")
    if not hits and say_empty_window(searcher, args.since, args.until):
        return
    for note in args.notes(searcher, query, hits):
        click.echo(f"({note})", err=True)


def _search_batch(ctx: click.Context, searcher, args: _SearchArgs, batch) -> None:
    refused = 0
    for number, raw in _batch_lines(batch):
        out = _batch_answer(searcher, args, number, raw)
        if out is None:
            continue
        refused += "error" in out
        click.echo(json.dumps(out, ensure_ascii=False))
    if refused:  # as `ingest` and `tag` say a partial run: every other query answered (it exited 0: a walkthrough)
        click.echo(f"{count(refused, 'query', 'queries')} refused (each one's line says why in its \"error\"); "
                   "exit status 3", err=True)
        ctx.exit(3)


def _batch_lines(batch) -> list[tuple[int, bytes]]:
    """(line number, bytes) of each line of a --batch file."""
    data = batch.read()
    data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # a BOM stayed in the first query (a review)
    # any line ending, a lone CR too (a file from an old Mac was one query: a review)
    return list(enumerate(re.split(rb"\r\n|\r|\n", data), 1))


def _batch_answer(searcher, args: _SearchArgs, number: int, raw: bytes) -> dict | None:
    """One --batch line's JSON object (with "error" when the query was refused); None for a blank line."""
    try:  # decoded line by line: one byte that is not UTF-8 was a traceback, and every answer before it lost
        q = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        q = raw.decode("utf-8", "replace")
        return {"query": q, "hits": [], "error": f"line {number}: not UTF-8 (byte "
                f"0x{raw[exc.start]:02x} at byte {exc.start + 1})"}
    if not q.strip():
        return None
    try:
        hits = searcher.search(args.request(q))
        # each hit as --json gives it: ids and scores alone had to be joined with the snapshot (a walkthrough)
        out = {"query": q, "hits": [_hit_json(h) for h in hits]}
        # what a single search says on stderr ("not stored", "did you mean", ...: lost here, a walkthrough)
        # an empty window is all there is to say, as a single search says it alone
        window = None if hits else empty_window_note(searcher, args.since, args.until)
        if notes := [window] if window else args.notes(searcher, q, hits):
            out["notes"] = notes
    except TrendscopeError as exc:
        out = {"query": q, "hits": [], "error": str(exc)}
    return out


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
        say_empty_window(searcher, since, until)


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
