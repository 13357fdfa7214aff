"""`trendscope paper ID`: one stored paper, with its trend tags and why each was given.

Search, lists and digests show papers by the dozen; this is the place to look at one: its metadata, its
abstract, and each trend tag with its score and evidence (the phrases the rules matched, where; the vector
model's pull on the tag; the arXiv categories that count for the trend).
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.text import AUTHORS_SHOWN, authors_as_prose, authors_shortened
from trendscope.foundation.wording import clipped, vector_vote, vote_lean

from .options import json_option


def evidence_text(item: str) -> str:
    """An evidence item for a terminal: the vector model's number says which way it leans, as the app words it."""
    v = vector_vote(item)
    return item if v is None else f"vector model {v:+.2f} ({vote_lean(v)})"


def paper_record(db, raw_id: str, home=None) -> dict:
    """The stored paper `raw_id` (an arXiv id, versioned id or URL) with its tags; a clear error when it is not
    an arXiv id or not stored. Given the data `home`, tags are also outdated when the tagger or its fitted model
    changed since they were written (after `train-tags` they read as current: a blind walkthrough)."""
    from trendscope.index.trend_store import TrendStore
    from trendscope.ingest.records import BadArxivId, abs_url, parse_arxiv_id
    from trendscope.ingest.store import PaperStore

    try:
        aid, _version = parse_arxiv_id(raw_id)
    except BadArxivId:
        raise TrendscopeError(f"not an arXiv id or URL: {raw_id!r}") from None
    store = PaperStore(db)
    paper, pk = store.get(aid), store.pk_of(aid)
    if paper is None or pk is None:
        from trendscope.ingest.fulltext_store import FulltextStore

        fetched = FulltextStore(db).record(aid)
        also = (f"; its full text is fetched: `trendscope read {aid}`"  # it read as if nothing of it was stored
                if fetched is not None and fetched.status == "ok" else "")
        raise TrendscopeError(f"{aid} is not stored: `trendscope ingest --id {aid}` adds it{also}")
    trends = TrendStore(db)
    tags = [{"trend": t, "score": s, "evidence": e} for t, s, e in trends.tags_of(pk)]
    corrections = [{"trend": c.trend, "present": c.present, "by": c.by, "at": c.at}
                   for c in trends.corrections_by_pk([pk]).get(pk, [])]
    return {"id": paper.id, "version": paper.version, "title": paper.title, "authors": paper.authors,
            "published": paper.published, "updated": paper.updated, "categories": paper.categories,
            "doi": paper.doi, "journal_ref": paper.journal_ref, "comment": paper.comment, "withdrawn": paper.withdrawn,
            "url": abs_url(paper.id), "abstract": paper.abstract, "trends": tags, "tagged": trends.is_tagged(pk),
            "tags_outdated": trends.tags_outdated(pk) or bool(_retag(db, home, tags)), "corrections": corrections}


def _retag(db, home, tags: list[dict]) -> dict[str, str]:
    """The paper's tagged trends (any trend when it has none) that the next `index` re-tags, with why."""
    if home is None:
        return {}
    from trendscope.index.trend_update import trends_to_retag

    try:
        stale = trends_to_retag(db, home)
    except TrendscopeError:  # a broken taxonomy.toml: the paper is still shown (the labels fall back alike)
        return {}
    named = {t["trend"] for t in tags}
    return {t: why for t, why in stale.items() if not named or t in named}


def _imported_authors(ctx: click.Context, arxiv_id: str) -> str:
    """The authors a BibTeX import into one of the user's lists gave a paper stored without any, else "unknown"."""
    from .lists import open_lists

    rl = open_lists(ctx)
    try:
        found = rl.imported_authors(arxiv_id)
    finally:
        rl.store.db.close()
    return f"{', '.join(authors_as_prose(found))} (from your reading-list import)" if found else "unknown"


@click.command("paper")
@click.argument("paper_id")
@json_option("Print the paper and its tags as one JSON object.")
@click.pass_context
def paper_cmd(ctx: click.Context, paper_id: str, as_json: bool) -> None:
    """Show one stored paper: metadata, abstract, and its trend tags with their evidence.

    \b
    Examples:
      trendscope paper 2106.09685
      trendscope paper https://arxiv.org/abs/2106.09685v2 --json
    """
    from trendscope.index.taxonomy import load_taxonomy
    from trendscope.schema import open_home_database

    db = open_home_database(ctx.obj.home)
    try:
        rec = paper_record(db, paper_id, ctx.obj.home)
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(rec, ensure_ascii=False))
        return
    try:
        labels = {t.name: t.label for t in load_taxonomy(ctx.obj.home.taxonomy_path).trends}
    except TrendscopeError:
        labels = {}
    # readable_latex: as the app and the digests show them (`\textbf{`, `$2.0\times$` were printed raw: a walkthrough)
    version = f"v{rec['version']}" if rec["version"] else ""
    click.echo(f"{rec['id']}{version}  {readable_latex(rec['title'])}")
    if rec["withdrawn"]:  # arXiv keeps a withdrawn paper listed; its comments say so (odd real-world data)
        click.echo(f"Withdrawn: {rec['withdrawn']}")
    names = authors_as_prose(rec["authors"])
    more = " (--json lists them all)" if len(names) > AUTHORS_SHOWN else ""
    click.echo(f"Authors: {authors_shortened(names) or _imported_authors(ctx, rec['id'])}{more}")
    dates = f"published {rec['published'] or '?'}" + (f", updated {rec['updated']}" if rec["updated"] else "")
    click.echo(f"{dates} · {', '.join(rec['categories']) or 'no category'} · {rec['url']}")
    for label, key in (("Journal", "journal_ref"), ("DOI", "doi"), ("Comment", "comment")):  # as the app shows them
        if rec[key]:
            click.echo(f"{label}: {' '.join(rec[key].split())}")
    if not rec["trends"] and rec["corrections"]:
        click.echo("Trends: none (corrected by hand)")
    elif not rec["trends"] and rec["tagged"]:  # it read "`trendscope index` tags new papers" right after one did
        click.echo("Trends: none (the tagger found none of the trends in it)")
    elif not rec["trends"]:
        click.echo("Trends: none yet (not tagged: `trendscope index` tags new papers)")
    else:  # a new version's tags showed the old abstract's evidence without a word (a blind walkthrough)
        click.echo("Trends (outdated: of an earlier version of its title and abstract, or of the tagger before "
                   "its model or taxonomy changed; `trendscope index` tags it again):"
                   if rec["tags_outdated"] else "Trends:")
        for t in rec["trends"]:
            click.echo(f"  {labels.get(t['trend'], t['trend'])} ({t['trend']}), score {t['score']:.2f}")
            for item in t["evidence"]:
                click.echo(f"    - {evidence_text(item)}")
    for c in rec["corrections"]:
        if not c["present"]:  # a tag gone without a word read as the tagger's miss
            click.echo(f"  not {labels.get(c['trend'], c['trend'])} ({c['trend']}): taken away by hand by {c['by']} "
                       f"on {c['at'][:10]}")
    click.echo("Abstract:")
    click.echo(textwrap.fill(readable_latex(rec["abstract"]), width=100, initial_indent="  ", subsequent_indent="  "))


def _print_corrections(rows: list[dict], as_json: bool) -> None:
    if as_json:
        for r in rows:
            click.echo(json.dumps(r, ensure_ascii=False))
        return
    if not rows:
        click.echo("No tag is corrected by hand.")
        return
    for r in rows:
        change = ", ".join([f"+{t}" for t in r["added"]] + [f"-{t}" for t in r["removed"]])
        click.echo(f"{r['id']}  {change}  (by {', '.join(r['by'])}, {r['at'][:10]}): "
                   f"{clipped(readable_latex(r['title']), 70)}")


@click.command("correct-tags")
@click.argument("paper_id", required=False)
@click.option("--add", "add", multiple=True, metavar="TREND", help="Give the paper this trend (repeatable).")
@click.option("--remove", "remove", multiple=True, metavar="TREND", help="Take this trend away (repeatable).")
@click.option("--reset", is_flag=True, help="Forget the paper's corrections: the tagger decides again.")
@click.option("--list", "list_all", is_flag=True, help="List every paper whose tags were corrected by hand.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the corrected papers as a label file for `train-tags` (id, labels: its trends now).")
@json_option("Print the result (or, with --list, one record per paper) as JSON.")
@click.pass_context
def correct_tags_cmd(ctx: click.Context, paper_id: str | None, add, remove, reset: bool, list_all: bool,
                     export_path: str | None, as_json: bool) -> None:
    """Correct a paper's trend tags by hand (admins): the correction wins over the tagger from then on.

    Digests, trend counts and rising topics follow at once. Corrected papers can be exported as labels to
    re-train the tagger on (check the papers' other trends first: they are the tagger's).

    \b
    Examples:
      trendscope correct-tags 2302.07302 --add privacy --remove efficiency
      trendscope correct-tags 2302.07302 --reset
      trendscope correct-tags --list
      trendscope correct-tags --export my_labels.jsonl

    Then re-train on them beside the shipped labels: trendscope train-tags --labels
    bench/data/trend_labels.jsonl --labels my_labels.jsonl --corpus CORPUS
    """
    from trendscope.index import tag_corrections as tc
    from trendscope.ingest.records import BadArxivId, parse_arxiv_id
    from trendscope.schema import open_home_database

    if (list_all or export_path) and (paper_id or add or remove or reset):
        raise click.UsageError("--list and --export take no paper and no --add, --remove or --reset")
    if not (list_all or export_path) and not paper_id:
        raise click.UsageError("name a paper (with --add, --remove or --reset), or give --list or --export")
    db = open_home_database(ctx.obj.home)
    try:
        if list_all or export_path:
            if export_path:
                n = tc.export_labels(db, Path(export_path))
                if as_json and not list_all:  # --json printed prose only (a blind walkthrough)
                    click.echo(json.dumps({"exported": n, "path": str(export_path)}))
                else:
                    click.echo(f"wrote {n} labelled paper{'s' if n != 1 else ''} to {export_path}", err=True)
            if list_all:
                _print_corrections(tc.all_corrections(db), as_json)
            return
        try:
            aid, _version = parse_arxiv_id(paper_id)
        except BadArxivId:
            raise TrendscopeError(f"not an arXiv id or URL: {paper_id!r}") from None
        if reset and (add or remove):
            raise click.UsageError("--reset takes no --add or --remove")
        actor = ctx.obj.actor
        result = (tc.reset_tags(db, ctx.obj.home, aid, actor) if reset
                  else tc.correct_tags(db, ctx.obj.home, aid, actor, add=add, remove=remove))
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps({"id": result.arxiv_id, "trends_before": result.tags_before,
                               "trends": result.tags_after, "forgotten": result.forgotten,
                               "corrections": [{"trend": c.trend, "present": c.present, "by": c.by, "at": c.at}
                                               for c in result.corrections]}, ensure_ascii=False))
        return
    click.echo(str(result))
    if result.topics:
        click.echo(f"rising topics: {result.topics}", err=True)


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    group.add_command(paper_cmd)
    group.add_command(correct_tags_cmd)
