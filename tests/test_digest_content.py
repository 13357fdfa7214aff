"""Digest content on real, really-tagged sample papers: ranking, filters, once-per-subscription, summary."""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from digest_support import NEXT_WEEK, WEEK, to_paper

from trendscope.digest import api
from trendscope.digest.content import (
    CENTRALITY_WEIGHT,
    MIN_TAG_SCORE,
    NOVELTY_WEIGHT,
    STRENGTH_SCALE,
    build_digest,
    tag_strength,
)
from trendscope.digest.render import render_markdown
from trendscope.digest.subscription_store import SubscriptionStore
from trendscope.digest.week_context import MIN_STRENGTH, WeekContext
from trendscope.foundation.clock import last_complete_week, parse_week, shift_week, week_bounds
from trendscope.foundation.errors import TrendscopeError
from trendscope.index.taxonomy import load_taxonomy
from trendscope.ingest.store import PaperStore


def _tags(db, trend):
    return dict(db.execute("SELECT pk, score FROM paper_trends WHERE trend = ?", [trend]).fetchall())


def _strengths(db, trend):
    """pk -> the tag's strength (the tagger's logit, stored beside the score)."""
    return {pk: tag_strength(score, strength) for pk, score, strength in db.execute(
        "SELECT pk, score, strength FROM paper_trends WHERE trend = ?", [trend])}


def _top_tier(db, name, week, arxiv_id):
    """The paper has the highest relevance (1.0) and only papers as relevant rank before it (strengths above
    STRENGTH_SCALE all read as 1.0; typicality and novelty order them)."""
    from trendscope.digest.content import rank_week

    ranked, _, _ = rank_week(SubscriptionStore(db).get(name, "owner"), WeekContext(SubscriptionStore(db), week), None)
    ids = [p.id for p in ranked]
    return arxiv_id in ids and all(p.relevance == 1.0 for p in ranked[: ids.index(arxiv_id) + 1])


# a re-tag that makes a paper clearly the best of its week (score and strength beyond any real tag)
_TOP_TAG = ("INSERT OR REPLACE INTO paper_trends (pk, trend, score, evidence, strength) "
            "VALUES (?, 'multimodal', 1.0, '[]', 99.0)")


def _pk(db, arxiv_id):
    return PaperStore(db).pk_of(arxiv_id)


def _week_ids(db, week):
    start, end = week_bounds(week)
    return {r[0] for r in db.execute("SELECT id FROM papers WHERE published >= ? AND published <= ?",
                                     [start.isoformat(), end.isoformat()])}


def test_weeks_parse_and_shift():
    assert parse_week("2026w7") == "2026-W07"
    assert week_bounds("2026-W21")[0].isoformat() == "2026-05-18"
    assert shift_week("2026-W01", -1) == "2025-W52"
    from datetime import datetime
    assert last_complete_week(datetime(2026, 5, 27, tzinfo=UTC)) == "2026-W21"
    for bad in ("2026-W54", "W21", "2026-21", ""):
        with pytest.raises(TrendscopeError):
            parse_week(bad)


def test_trend_digest_ranks_the_weeks_tagged_papers(db, dhome):
    sub = api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    d = api.build(db, dhome, "mm", WEEK)
    tags, strengths = _tags(db, "multimodal"), _strengths(db, "multimodal")
    in_week = _week_ids(db, WEEK)
    tagged_in_week = {i for i in in_week if tags.get(_pk(db, i), 0) >= MIN_TAG_SCORE
                      and strengths[_pk(db, i)] >= MIN_STRENGTH}
    assert len(tagged_in_week) >= 4, "the fixture week should have more tagged papers than the digest size"
    # the papers it could show are those tagged strongly enough; it counts every tagged paper, as the trend summary
    # does, so that it can say how many it left out ("4 papers this week" above "No new papers" read as false)
    every_tag = {i for i in in_week if _pk(db, i) in tags}
    assert len(every_tag) > len(tagged_in_week)
    assert d.candidates == len(every_tag) == d.lines[0].count
    assert d.held_back_message.startswith(f"{len(every_tag) - 3} more tagged papers this week are not shown")
    assert len(d.papers) == sub.size == 3
    for p in d.papers:
        assert p.id in tagged_in_week and "multimodal" in p.trends
        # relevance: the tag's strength (recorded by the tagger) mapped to [0, 1]
        assert db.execute("SELECT strength FROM paper_trends WHERE trend = 'multimodal' AND pk = ?",
                          [_pk(db, p.id)]).fetchone()[0] is not None
        assert p.relevance == pytest.approx(min(strengths[_pk(db, p.id)], STRENGTH_SCALE) / STRENGTH_SCALE)
        assert p.centrality == 0.0  # no vectors stored
        assert p.score == pytest.approx(p.relevance + NOVELTY_WEIGHT * p.novelty)
        assert p.abs_url == f"https://arxiv.org/abs/{p.id}" and p.pdf_url == f"https://arxiv.org/pdf/{p.id}"
        assert p.excerpt and len(p.excerpt) <= 321
    scores = [p.score for p in d.papers]
    assert scores == sorted(scores, reverse=True)
    # nothing left out scores higher than the last paper shown
    ranked, _, _ = __import__("trendscope.digest.content", fromlist=["rank_week"]).rank_week(
        sub, WeekContext(SubscriptionStore(db), WEEK), None)
    assert [p.id for p in ranked[:3]] == [p.id for p in d.papers]
    assert all(p.score <= d.papers[-1].score for p in ranked[3:])


def test_trend_summary_counts_share_and_chart(db, dhome):
    api.add_subscription(db, dhome, "eff", trends=["efficiency", "multimodal"])
    d = api.build(db, dhome, "eff", WEEK)
    start, end = week_bounds(WEEK)
    total = db.execute("SELECT count(*) FROM papers WHERE published BETWEEN ? AND ?",
                       [start.isoformat(), end.isoformat()]).fetchone()[0]
    assert d.total_week_papers == total
    labels = {t.name: t.label for t in load_taxonomy(None).trends}
    # readers see the trends' labels, never their ids
    assert [line.label for line in d.lines] == [labels["efficiency"], labels["multimodal"]]
    assert all(p.shown_trends == [labels[t] for t in p.trends] for p in d.papers)
    md = api.render(d, "md").decode()
    assert all(f"trends: {labels[p.trends[0]]}" in md for p in d.papers if p.trends)
    for trend, line in zip(["efficiency", "multimodal"], d.lines):
        n = db.execute(
            "SELECT count(*) FROM paper_trends t JOIN papers p ON p.pk = t.pk WHERE t.trend = ? "
            "AND p.published BETWEEN ? AND ?", [trend, start.isoformat(), end.isoformat()]).fetchone()[0]
        assert line.count == n and line.share == pytest.approx(n / total)
        assert len(line.weekly_counts) == 9 and line.weekly_counts[-1] == (WEEK, n)
        # the chart draws shares, as the growth beside it is judged (raw counts drawn a surge of volume)
        assert len(line.weekly_shares) == 9 and line.weekly_shares[-1] == pytest.approx(line.share)
        trailing = [c for _, c in line.weekly_counts[:-1]]
        assert line.trailing_avg_count == pytest.approx(sum(trailing) / 8)
        # its share pools the 8 weeks (their trend papers over all their papers), as `trends` pools a baseline:
        # the mean of the weekly shares was printed beside the pooled count (a blind docs audit)
        ctx = WeekContext(SubscriptionStore(db), WEEK)
        totals = [ctx.totals.get(m, 0) for m in ctx.mondays[:-1]]
        assert sum(totals) and line.trailing_avg_share == pytest.approx(sum(trailing) / sum(totals))
        # ... and the weeks' own size is said beside it ("average 0.1 (1.5%)" beside "0.0% of 33" read as wrong)
        assert line.trailing_avg_total == pytest.approx(sum(totals) / 8)
        tot = line.trailing_avg_total
        of = f"{tot:.0f}" if tot >= 10 else f"{tot:.1f}"
        assert f"8-week average {line.trailing_avg_count:.1f} of {of} a week ({line.trailing_avg_share:.1%})" in md
        assert line.direction in ("growing", "steady", "cooling")
        few = max(line.count, line.trailing_avg_count) < 5  # "2 papers, average 0.1 — within the usual variation"
        said = {"growing": "— growing.", "cooling": "— cooling.",
                "steady": "— too few papers to tell a change from chance." if few else
                          "— within the usual week-to-week variation."}
        assert said[line.direction] in md  # never "steady" beside a count that may have halved
    assert "— steady" not in md
    assert d.chart_png.startswith(b"\x89PNG\r\n\x1a\n")


def test_each_paper_of_a_trend_digest_says_why_in_every_format(db, dhome):
    """A walkthrough had to open each paper to see why a trend digest listed it: each now says which of the
    trend's phrases it matched and where, from its tag's stored evidence, in mail, Markdown, HTML and Atom."""
    import json

    from trendscope.digest.atom_feed import digest_atom
    from trendscope.digest.render import render_html, render_markdown, render_text

    api.add_subscription(db, dhome, "mm", trends=["multimodal"])
    d = api.build(db, dhome, "mm", WEEK)
    assert d.papers
    for p in d.papers:
        evidence = json.loads(db.execute("SELECT evidence FROM paper_trends WHERE trend = 'multimodal' AND pk = ?",
                                         [_pk(db, p.id)]).fetchone()[0])
        phrases = [e.rsplit(" (", 1)[0] for e in evidence if e.endswith(("(title)", "(abstract)"))]
        assert phrases, evidence  # the fixture's multimodal papers match the trend's phrases
        assert p.why and any(f"“{w}”" in p.why for w in phrases), (p.why, evidence)
        for text in (render_markdown(d), render_text(d), render_html(d), digest_atom(d).decode()):
            assert "why: " in text and p.why.split("”")[0].lstrip("“") in " ".join(text.split())
    # a subscription of two trends names the trend before its reasons
    api.add_subscription(db, dhome, "two", trends=["multimodal", "efficiency"])
    assert all(p.why.startswith(("Multi", "Model")) for p in api.build(db, dhome, "two", WEEK).papers if p.why)
    # a saved search has no tag to explain
    api.add_subscription(db, dhome, "q", query="language models")
    assert all(p.why is None for p in api.build(db, dhome, "q", WEEK).papers)


def test_the_written_feed_says_why_and_which_papers_were_found_by_meaning(db, dhome):
    """The feed the weekly run writes gave neither the trend evidence nor the "close in meaning" note the mail
    gives (a walkthrough): both are in each entry's summary now."""
    from trendscope.digest.subscription_store import SubscriptionStore
    from trendscope.digest.weekly import feed_bytes

    start, end = week_bounds(WEEK)
    rows = db.execute("SELECT pk, id, title, abstract FROM papers WHERE published >= ? AND published < ?",
                      [start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchall()
    both = next(r for r in rows if re.search(r"\blanguag", f"{r[2]} {r[3]}", re.I)
                and re.search(r"\bmodel", f"{r[2]} {r[3]}", re.I))
    one = next(r for r in rows if re.search(r"\bmodel", f"{r[2]} {r[3]}", re.I)
               and not re.search(r"\blanguag", f"{r[2]} {r[3]}", re.I))
    store = SubscriptionStore(db)
    q = api.add_subscription(db, dhome, "lm", query="language models")
    store.record_issue(q.id, WEEK, [both[1], one[1]])
    feed = feed_bytes(store, api.get_subscription(db, "lm")).decode()
    note = "close in meaning, without every word of the query"
    assert feed.count(note) == 1, feed
    entry = feed.split(f"arxiv.org/abs/{one[1]}</id>")[1].split("</entry>")[0]
    assert note in entry  # the paper without every word, not the other
    api.add_subscription(db, dhome, "mm", trends=["multimodal"])
    d = api.build(db, dhome, "mm", WEEK)
    store.record_issue(api.get_subscription(db, "mm").id, WEEK, [p.id for p in d.papers])
    feed = feed_bytes(store, api.get_subscription(db, "mm")).decode()
    assert d.papers and feed.count("[why: ") == len(d.papers)
    assert all(f"[why: {html.escape(p.why, quote=False)}]" in feed for p in d.papers)


def test_plain_text_mail_is_wrapped_at_78_columns_and_loses_no_word(db, dhome):
    """A walkthrough read each abstract excerpt of the plain-text mail as one 300-character line. Lines are wrapped
    at 78 columns (an address is never broken), and the words are the same as before wrapping."""
    from trendscope.digest.render import render_text

    api.add_subscription(db, dhome, "mm", trends=["multimodal"])
    d = api.build(db, dhome, "mm", WEEK)
    text = render_text(d, footer=["You get this digest because " + "the operator said so " * 8])
    assert d.papers and any(len(p.excerpt) > 78 for p in d.papers)
    for line in text.splitlines():
        assert len(line) <= 78 or len(line.split()) == 2 and "://" in line, line  # "   abs: https://..."
    words = " ".join(text.split())
    for p in d.papers:
        assert " ".join(p.excerpt.split()) in words and " ".join(p.title.split()) in words
    assert "the operator said so " * 7 in words


def test_a_paper_appears_once_per_subscription_even_when_revised(db, dhome, sample_rows):
    sub = api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    store = SubscriptionStore(db)
    first = api.build(db, dhome, "mm", WEEK)
    store.record_issue(sub.id, WEEK, [p.id for p in first.papers])
    sent = first.papers[0]
    # v2 of a sent paper arrives, re-dated into the next week (as a listing-date source would do)
    row = next(r for r in sample_rows if r["id"] == sent.id)
    start_next = week_bounds(NEXT_WEEK)[0].isoformat()
    counts = PaperStore(db).upsert([to_paper(row, version=(row.get("version") or 1) + 1, published=start_next)])
    assert counts.updated == 1
    db.execute(_TOP_TAG, [_pk(db, sent.id)])
    assert sent.id in _week_ids(db, NEXT_WEEK)
    nxt = api.build(db, dhome, "mm", NEXT_WEEK)
    assert sent.id not in {p.id for p in nxt.papers}
    assert not {p.id for p in first.papers} & {p.id for p in nxt.papers}
    # another subscription has not seen it: it gets it (top score)
    api.add_subscription(db, dhome, "mm2", trends=["multimodal"], size=3)
    assert _top_tier(db, "mm2", NEXT_WEEK, sent.id)


def test_an_issued_week_is_frozen(db, dhome):
    sub = api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    d = api.build(db, dhome, "mm", WEEK)
    SubscriptionStore(db).record_issue(sub.id, WEEK, [p.id for p in d.papers])
    # a re-tag makes another paper the best one: the issued week still shows what it was issued with
    others = [i for i in _week_ids(db, WEEK) if i not in {p.id for p in d.papers}]
    db.execute(_TOP_TAG, [_pk(db, others[0])])
    again = api.build(db, dhome, "mm", WEEK)
    assert [p.id for p in again.papers] == [p.id for p in d.papers]
    api.add_subscription(db, dhome, "fresh", trends=["multimodal"], size=3)
    assert _top_tier(db, "fresh", WEEK, others[0])


ATOM = "{http://www.w3.org/2005/Atom}"


def test_a_paper_announced_after_its_weeks_digest_comes_in_the_next_one(db, dhome):
    """A blind walkthrough: a paper of a week already issued (arXiv announces Friday's submissions on Monday,
    after a Monday run) was never sent: the next week's digest now offers it, marked as such."""
    sub = api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    db.execute("UPDATE papers SET ingested_at = '2026-05-25T06:00:00Z'")  # all stored before the run below
    d = api.build(db, dhome, "mm", WEEK)
    SubscriptionStore(db).record_issue(sub.id, WEEK, [p.id for p in d.papers])
    issued_at = db.execute("SELECT min(recorded_at) FROM digest_items").fetchone()[0]
    late, known = sorted(i for i in _week_ids(db, WEEK) if i not in {p.id for p in d.papers})[:2]
    db.execute("UPDATE subscriptions SET size = 50 WHERE id = ?", [sub.id])  # room for every strong paper
    for aid in (late, known):  # both as strongly tagged as a paper can be
        db.execute(_TOP_TAG, [_pk(db, aid)])
    db.execute("UPDATE papers SET ingested_at = ? WHERE id = ?", [issued_at[:10] + "T23:59:59Z", late])
    nxt = api.build(db, dhome, "mm", NEXT_WEEK)
    got = {p.id: p for p in nxt.papers}
    assert late in got and known not in got  # `known` was there when the week went out: not chosen then
    assert got[late].match_note == f"published in {WEEK}, announced after that week's digest"
    assert got[late].match_note in render_markdown(nxt)
    assert late not in {p.id for p in api.build(db, dhome, "mm", WEEK).papers}  # the issued week stays as it was
    # a saved search too: its query is scored over the late paper's week as well
    title = db.execute("SELECT title FROM papers WHERE id = ?", [late]).fetchone()[0]
    words = [w for w in re.findall(r"[A-Za-z]{5,}", title)][:2]
    q = api.add_subscription(db, dhome, "q", query=" ".join(words), size=50)
    SubscriptionStore(db).record_issue(q.id, WEEK, sorted(i for i in _week_ids(db, WEEK) if i != late)[:1])
    db.execute("UPDATE digest_items SET recorded_at = ? WHERE subscription_id = ?", [issued_at, q.id])
    by_id = {p.id: p for p in api.build(db, dhome, "q", NEXT_WEEK).papers}
    assert by_id[late].match_note == f"published in {WEEK}, announced after that week's digest"  # it holds the words
    SubscriptionStore(db).record_issue(sub.id, NEXT_WEEK, [p.id for p in nxt.papers])
    from trendscope.digest.weekly import feed_bytes  # the feed written by --send says so too
    summary = next(e.findtext(f"{ATOM}summary") for e in ET.fromstring(feed_bytes(SubscriptionStore(db), sub))
                   .findall(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith(late))
    assert summary.endswith(f"[published in {WEEK}, announced after that week's digest]")
    after = shift_week(NEXT_WEEK, 1)
    assert late not in {p.id for p in api.build(db, dhome, "mm", after).papers}  # once only


def test_the_held_back_count_says_which_papers_are_of_earlier_weeks(db, dhome):
    """A blind walkthrough: "N more tagged papers this week are not shown" counted papers of earlier weeks that
    arXiv announced late, so N exceeded the week's own count in the trend summary above it."""
    sub = api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    db.execute("UPDATE papers SET ingested_at = '2026-05-25T06:00:00Z'")
    d = api.build(db, dhome, "mm", WEEK)
    SubscriptionStore(db).record_issue(sub.id, WEEK, [p.id for p in d.papers])
    issued_at = db.execute("SELECT min(recorded_at) FROM digest_items").fetchone()[0]
    late = sorted(i for i in _week_ids(db, WEEK) if i not in {p.id for p in d.papers}
                  and _pk(db, i) in _tags(db, "multimodal"))[0]
    db.execute("UPDATE papers SET ingested_at = ? WHERE id = ?", [issued_at[:10] + "T23:59:59Z", late])
    own = api.build(db, dhome, "mm", NEXT_WEEK)
    assert own.late_candidates == 1 and own.candidates == own.lines[0].count + 1
    db.execute("UPDATE subscriptions SET size = 1 WHERE id = ?", [sub.id])
    one = api.build(db, dhome, "mm", NEXT_WEEK)
    left = one.candidates - len(one.papers)
    assert left >= 2 and one.papers[0].id != late
    assert one.held_back_message.startswith(
        f"{left} more tagged papers are not shown (1 of them from earlier weeks, announced late): ")
    assert "this week" not in one.held_back_message
    # the wording for every case (the digest's own counts, no store needed)
    made = [replace(one, papers=one.papers, candidates=len(one.papers) + k, late_candidates=late_k)
            for k, late_k in ((1, 1), (2, 2), (2, 0))]
    assert [m.held_back_message.split(":")[0] for m in made] == [
        "1 more tagged paper is not shown (from an earlier week, announced late)",
        "2 more tagged papers are not shown (from earlier weeks, announced late)",
        "2 more tagged papers this week are not shown"]
    query = replace(one, subscription=replace(one.subscription, trends=[], query="vision"),
                    candidates=len(one.papers) + 2, late_candidates=1)
    assert query.held_back_message == ("2 more matching papers are not shown (1 of them from earlier weeks, "
                                       "announced late): the list holds the first 1.")


def test_a_paper_that_only_touches_the_trend_is_left_out(db, dhome):
    """Tags scored >= MIN_TAG_SCORE but weaker than MIN_STRENGTH (and old tags without a recorded strength,
    judged by their score's logit) stay out of a trend digest; the strongest tag is in the top tier."""
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=50)
    ids = sorted(_week_ids(db, WEEK))
    weak, old, strong = (_pk(db, i) for i in ids[:3])
    sql = ("INSERT OR REPLACE INTO paper_trends (pk, trend, score, evidence, strength) "
           "VALUES (?, 'multimodal', ?, ?, ?)")
    db.execute(sql, [weak, 0.85, '["multimodal (abstract)"]', MIN_STRENGTH - 0.5])
    db.execute(sql, [old, 0.9999, '["multimodal (title)"]', None])  # written before strengths were recorded
    db.execute(sql, [strong, 1.0, '[]', 99.0])
    shown = [p.id for p in api.build(db, dhome, "mm", WEEK).papers]
    assert ids[0] not in shown
    assert ids[1] in shown and _top_tier(db, "mm", WEEK, ids[2])
    assert tag_strength(0.9999, None) == pytest.approx(9.21, abs=0.01)


def test_exclude_words_and_categories(db, dhome):
    api.add_subscription(db, dhome, "all", trends=["multimodal"], size=50)
    full = api.build(db, dhome, "all", WEEK)
    word = next(w for w in full.papers[0].title.split() if len(w) > 4 and w.isalpha())
    api.add_subscription(db, dhome, "ex", trends=["multimodal"], size=50, exclude=[word.upper()])
    ex = api.build(db, dhome, "ex", WEEK)
    assert full.papers[0].id not in {p.id for p in ex.papers}
    import re
    for p in ex.papers:
        row = db.execute("SELECT title, abstract FROM papers WHERE id = ?", [p.id]).fetchone()
        assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", f"{row[0]} {row[1]}", re.I)
    cat = full.papers[0].categories[0]
    api.add_subscription(db, dhome, "cat", trends=["multimodal"], size=50, categories=[cat])
    only = api.build(db, dhome, "cat", WEEK)
    assert only.papers and all(cat in p.categories for p in only.papers)
    assert len(only.papers) <= len(full.papers)


def test_a_withdrawn_paper_is_left_out_of_trend_and_query_digests(db, dhome):
    """A walkthrough of odd real-world data: a paper whose new version says it is withdrawn was still sent."""
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=5)
    before = api.build(db, dhome, "mm", WEEK)
    top = before.papers[0]
    word = next(w for w in top.title.split() if len(w) > 5 and w.isalpha())
    api.add_subscription(db, dhome, "q", query=word, size=50)
    assert top.id in {p.id for p in api.build(db, dhome, "q", WEEK).papers}
    store = PaperStore(db)
    paper = store.get(top.id)
    assert store.upsert([replace(paper, version=(paper.version or 1) + 1,
                                 comment="This paper has been withdrawn by the author due to an error.")]).updated == 1
    after = api.build(db, dhome, "mm", WEEK)
    assert top.id not in {p.id for p in after.papers}
    assert after.papers and {p.id for p in after.papers} >= {p.id for p in before.papers[1:3]}
    assert top.id not in {p.id for p in api.build(db, dhome, "q", WEEK).papers}


def test_query_subscription_uses_keyword_matches(db, dhome):
    api.add_subscription(db, dhome, "llm", query="language models", size=20)
    d = build_digest(db, api.get_subscription(db, "llm"), WEEK)  # FTS5 scorer (no search index needed)
    assert d.papers
    for p in d.papers:
        row = db.execute("SELECT title, abstract FROM papers WHERE id = ?", [p.id]).fetchone()
        text = f"{row[0]} {row[1]}".lower()
        assert "languag" in text and "model" in text
    assert d.lines[0].label == "papers with every word of 'language models'"
    # a sentence of the summary starts with a capital ("* papers with every word ...": a blind walkthrough)
    assert "- Papers with every word of 'language models': " in api.render(d, "md").decode().replace("\\", "")
    # a saved search cut at its size says so, as a trend digest does (a blind walkthrough: silently)
    api.add_subscription(db, dhome, "llm1", query="language models", size=1)
    one = build_digest(db, api.get_subscription(db, "llm1"), WEEK)
    left = len(d.papers) - 1
    assert len(one.papers) == 1 and left > 0 and one.held_back_message == (
        f"{left} more matching paper{'s' if left != 1 else ''} this week {'are' if left != 1 else 'is'} not shown: "
        "the list holds the first 1.")
    assert build_digest(db, api.get_subscription(db, "llm"), WEEK).held_back_message is None
    # quoted as typed (repr wrote 'C:\\\\temp' and switched quotes at an apostrophe: a blind walkthrough)
    from trendscope.digest.week_context import FtsQueryScorer
    assert FtsQueryScorer.describe("models' C:\\temp") == 'papers with every word of "models\' C:\\temp"'
    assert FtsQueryScorer.describe("word " * 59 + "end").endswith("word end'")  # a long query whole, not cut at 80


def test_a_followed_topic_counts_papers_with_its_name_or_its_acronym(db, dhome):
    """A blind walkthrough followed "mixture-of-experts (MoE)": the saved query dropped the acronym and the digest
    missed "VEN-VL: A Visual Ensemble MoE Framework"; with it, the summary's count read the OR as a small word and
    counted papers holding both."""
    from trendscope.digest.week_context import FtsQueryScorer

    assert FtsQueryScorer.match_expression('"retrieval augmented generation" OR RAG') == \
        '("retrieval augmented generation" OR "rag")'
    assert FtsQueryScorer.match_expression("mixture-of-experts OR MoE for vision") == \
        '(("mixture" AND "experts") OR "moe") AND "vision"'
    assert FtsQueryScorer.match_expression("cryo-electron microscopy") == '("cryo" AND "electron") AND "microscopy"'
    assert FtsQueryScorer.describe("mixture-of-experts OR MoE") == "papers with mixture-of-experts OR MoE"
    week = _week_ids(db, WEEK)
    rows = {r[0]: r[1] for r in db.execute("SELECT id, title FROM papers")}
    pid = sorted(week)[0]
    long_form = sorted(week)[1]
    db.execute("UPDATE papers SET title = 'A visual ensemble MoE framework' WHERE id = ?", [pid])
    db.execute("UPDATE papers SET title = 'Sparse mixture-of-experts layers' WHERE id = ?", [long_form])
    sub = api.follow_topic(db, dhome, "mixture-of-experts (MoE)")
    assert sub.query == '"mixture-of-experts" OR "MoE"'
    d = build_digest(db, sub, WEEK)
    assert {pid, long_form} <= {p.id for p in d.papers}, [rows.get(p.id) for p in d.papers]
    assert d.lines[0].count >= 2 and not any(p.by_meaning for p in d.papers if p.id in (pid, long_form))


def test_a_followed_one_word_topic_lists_only_papers_that_name_it(db, dhome, embedder):
    """A walkthrough following rising topics: "NVFP4" and "OPSD" were saved as optional words, so the topic's
    search (its digest, its "All papers" link) ranked papers "close in meaning" that never named it after the
    few that did (3 of 4 off-topic in one week's digest)."""
    from trendscope.digest.query import SearchQueryScorer
    from trendscope.index.indexer import run_index

    start, end = week_bounds(WEEK)
    outside = "SELECT pk FROM papers WHERE published < ? OR published > ?"
    for table in ("paper_trends", "paper_categories"):  # small: only the week's papers are embedded
        db.execute(f"DELETE FROM {table} WHERE pk IN ({outside})", [start.isoformat(), end.isoformat()])
    db.execute(f"DELETE FROM papers WHERE pk IN ({outside})", [start.isoformat(), end.isoformat()])
    week = sorted(_week_ids(db, WEEK))
    db.execute("UPDATE papers SET title = 'Quillfp4 for training large language models' WHERE id = ?", [week[0]])
    db.execute("UPDATE papers SET abstract = abstract || ' We train in QUILLFP4.' WHERE id = ?", [week[1]])
    run_index(db, dhome, embedder=embedder, progress=False, update_tags=False)
    sub = api.follow_topic(db, dhome, "Quillfp4 (QFP)")  # not its acronym: the name alone
    assert sub.query == '"Quillfp4"'
    scorer = SearchQueryScorer.create(db, dhome, embedder_factory=lambda model: embedder)
    assert sorted(h.id for h in scorer.ranked(sub, start, end)) == week[:2]
    d = api.build(db, dhome, sub.name, WEEK, query_scorer=scorer)
    assert d.papers and {p.id for p in d.papers} <= set(week[:2]) and not any(p.by_meaning for p in d.papers)


def test_a_saved_search_says_how_many_papers_holding_its_words_it_leaves_out(db, dhome):
    """A blind walkthrough: "3 papers this week" in a followed topic's summary above a list of 2, and no word of
    the third."""
    from trendscope.digest.render import render_markdown

    api.add_subscription(db, dhome, "llm", query="language models", size=50)
    d = build_digest(db, api.get_subscription(db, "llm"), WEEK)
    holding = sum(1 for p in d.papers if not p.by_meaning)
    assert d.papers and d.lines[0].count == holding and d.held_back_message is None  # all listed: nothing to say
    more = replace(d, lines=[replace(d.lines[0], count=holding + 1)])
    assert more.held_back_message == ("1 more paper this week holds the query's words but is not listed: less "
                                      "clearly about it, already sent in another digest, or outside its filters.")
    assert "1 more paper this week holds the query" in render_markdown(more)
    # no single "newly characteristic terms" ("normalization, layer-wise, form, observation" named no topic: a
    # walkthrough following rising topics)
    assert "characteristic" not in render_markdown(d) and not hasattr(d.lines[0], "new_terms")
    assert replace(d, lines=[replace(d.lines[0], count=holding + 2)]).held_back_message.startswith(
        "2 more papers this week hold the query's words but are not listed")


def test_a_paper_listed_for_its_meaning_says_so_beside_the_count_of_papers_with_every_word(db, dhome):
    """A blind walkthrough: "papers with every word of 'speculative decoding': 0 papers this week" above a listed
    paper (found by meaning: about decoding polar codes) read as a contradiction. Each paper the summary's count
    leaves out now says why it is listed, in every format."""
    from trendscope.digest.render import render_html, render_markdown, render_text

    start, end = week_bounds(WEEK)
    rows = db.execute("SELECT pk, id, title, abstract FROM papers WHERE published >= ? AND published < ?",
                      [start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchall()

    def holds(r, word):
        return re.search(rf"\b{word}", f"{r[2]} {r[3]}", re.I)

    both = next(r for r in rows if holds(r, "languag") and holds(r, "model"))
    one = next(r for r in rows if holds(r, "model") and not holds(r, "languag"))
    api.add_subscription(db, dhome, "lm", query="language models", size=20)
    d = build_digest(db, api.get_subscription(db, "lm"), WEEK,
                     query_scorer=lambda sub, s, e: {both[0]: 2.0, one[0]: 1.0})  # as the relevance floor lists
    by_id = {p.id: p for p in d.papers}
    assert set(by_id) == {both[1], one[1]}
    assert by_id[one[1]].by_meaning and not by_id[both[1]].by_meaning
    note = "close in meaning, without every word of the query"
    for text in (render_markdown(d), render_text(d), render_html(d)):
        assert " ".join(text.split()).count(note) == 1, text  # plain text is wrapped at 78 columns


def test_a_quoted_phrase_is_counted_as_a_phrase_in_the_summary_line(db, dhome):
    """A followed topic is saved as a quoted phrase ("Video Generation"): its summary line counted papers holding
    both words anywhere (2 that week, about facial expressions and ultrasound) above "No new papers" (a blind
    walkthrough). The line counts papers holding the phrase, and says so."""
    api.add_subscription(db, dhome, "words", query="language models", size=20)
    api.add_subscription(db, dhome, "phrase", query='"language models"', size=20)
    words = build_digest(db, api.get_subscription(db, "words"), WEEK).lines[0]
    phrase = build_digest(db, api.get_subscription(db, "phrase"), WEEK).lines[0]
    assert phrase.label == 'papers with "language models"'
    start, end = week_bounds(WEEK)
    rows = db.execute("SELECT title, abstract FROM papers WHERE published >= ? AND published < ?",
                      [start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchall()
    both_words = [r for r in rows if re.search(r"\blanguag", f"{r[0]} {r[1]}", re.I)
                  and re.search(r"\bmodel", f"{r[0]} {r[1]}", re.I)]
    holding = [r for r in both_words if re.search(r"\blanguage[\s-]+models?\b", f"{r[0]} {r[1]}", re.I)]
    assert words.count > phrase.count == len(holding) > 0


def test_a_query_line_calls_a_change_only_beyond_the_noise_of_small_counts():
    from trendscope.digest.content import _direction

    # one paper after eight weeks of none, none after an average of 0.1: the usual variation, not a trend
    assert _direction(0.029, 0.0, 1, 0.0) == "steady"
    assert _direction(0.0, 0.004, 0, 0.1) == "steady"
    assert _direction(0.04, 0.01, 12, 3.0) == "growing"  # 12 against 3: 9 > 2 x sqrt(3)
    assert _direction(0.001, 0.01, 2, 20.0) == "cooling"
    assert _direction(0.012, 0.01, 22, 20.0) == "steady"  # +2 papers on 20: noise, though the share rose 20%
    assert _direction(0.5, 0.0, 5, 0.0) == "growing"  # five papers on a new query


def test_empty_week_says_so(db, dhome):
    api.add_subscription(db, dhome, "mm", trends=["multimodal"])
    d = api.build(db, dhome, "mm", "2030-W02")
    assert d.empty and d.candidates == 0
    for fmt in ("md", "html", "text"):  # no paper of the week is stored at all: the corpus is behind, not quiet
        assert "No paper published in week 2030-W02 (2030-01-07 to 2030-01-13) is stored yet: the corpus is " \
               "behind, not the week quiet" in " ".join(api.render(d, fmt).decode().split())


def test_an_empty_week_before_stored_papers_is_a_gap_not_a_lag(db, dhome):
    """A past week without any stored paper said "the corpus is behind ... the operator's ingest brings it up to
    date", with six years of papers stored after it (a numbers audit): it is a gap in the stored papers."""
    if "mm" not in [s.name for s in api.list_subscriptions(db)]:
        api.add_subscription(db, dhome, "mm", trends=["multimodal"])
    newest = db.execute("SELECT max(substr(published, 1, 10)) FROM papers").fetchone()[0]
    d = api.build(db, dhome, "mm", "2005-W02")
    assert d.empty and d.total_week_papers == 0 and d.newest_stored == newest
    for fmt in ("md", "html", "text"):
        text = " ".join(api.render(d, fmt).decode().split())
        assert (f"No paper published in week 2005-W02 (2005-01-10 to 2005-01-16) is stored, though papers up to "
                f"{newest} are: a gap in the stored papers, not a quiet week") in text, fmt
        assert "behind" not in text


def test_subscription_validation(db, dhome):
    with pytest.raises(TrendscopeError, match="unknown trend"):
        api.add_subscription(db, dhome, "x", trends=["astrology"])
    with pytest.raises(TrendscopeError, match="at least one"):
        api.add_subscription(db, dhome, "x")
    with pytest.raises(TrendscopeError, match="email"):
        api.add_subscription(db, dhome, "x", trends=["privacy"], emails=["me@example.org\r\nBcc: evil@example.org"])
    with pytest.raises(TrendscopeError, match="single line"):
        api.add_subscription(db, dhome, "x\r\nBcc: evil@example.org", trends=["privacy"])
    with pytest.raises(TrendscopeError, match="category"):
        api.add_subscription(db, dhome, "x", trends=["privacy"], categories=["cs.LG; DROP"])
    with pytest.raises(TrendscopeError, match="size"):
        api.add_subscription(db, dhome, "x", trends=["privacy"], size=0)
    api.add_subscription(db, dhome, "Privacy", trends=["privacy"])
    with pytest.raises(TrendscopeError, match="a subscription named 'Privacy' already exists"):  # as stored
        api.add_subscription(db, dhome, "privacy", trends=["privacy"])
    api.remove_subscription(db, "privacy")
    assert api.list_subscriptions(db) == []
    with pytest.raises(TrendscopeError, match="no subscription"):
        api.remove_subscription(db, "privacy")
    # given the home, its Atom feed goes with it (it stayed, served with its old papers: a blind walkthrough)
    from trendscope.digest.subscription_store import SubscriptionStore
    from trendscope.digest.weekly import feed_path, write_feed

    sub = api.add_subscription(db, dhome, "Privacy", trends=["privacy"])
    write_feed(dhome, SubscriptionStore(db), sub)
    assert feed_path(dhome, sub).exists()
    assert api.remove_subscription(db, "privacy", home=dhome) is True  # the CLI says a feed file went
    assert not feed_path(dhome, sub).exists() and api.list_subscriptions(db) == []


def test_with_vectors_hybrid_search_and_trend_centrality(db, dhome, embedder):
    """Real embeddings of the papers of WEEK and the week before: the Searcher's hybrid ranking serves query
    subscriptions, and trend subscriptions rank by tag score + centrality (cosine to the trend's recent papers)."""
    import numpy as np

    from trendscope.digest.query import SearchQueryScorer
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.index.indexer import run_index
    from trendscope.index.search import SearchRequest
    from trendscope.index.vector_store import VectorStore

    start, end = week_bounds(WEEK)
    prev = week_bounds(shift_week(WEEK, -1))[0]
    # keep the test small: only these two weeks' papers get embeddings (the others are removed)
    outside = "SELECT pk FROM papers WHERE published < ? OR published > ?"
    for table in ("paper_trends", "paper_categories"):
        db.execute(f"DELETE FROM {table} WHERE pk IN ({outside})", [prev.isoformat(), end.isoformat()])
    db.execute(f"DELETE FROM papers WHERE pk IN ({outside})", [prev.isoformat(), end.isoformat()])
    run_index(db, dhome, embedder=embedder, progress=False, update_tags=False)

    api.add_subscription(db, dhome, "vlm", query="vision language model", size=5)
    scorer = SearchQueryScorer.create(db, dhome, embedder_factory=lambda model: embedder)
    d = api.build(db, dhome, "vlm", WEEK, query_scorer=scorer)
    scores = scorer(api.get_subscription(db, "vlm"), start, end)
    assert 1 <= len(d.papers) <= 5 and all(_pk(db, p.id) in scores for p in d.papers)
    # the relevance floor: the hybrid ranking orders the week, only papers clearly about the query are listed
    sub = api.get_subscription(db, "vlm")
    ranked = scorer.ranked(sub, start, end)
    assert len(ranked) > len(scores)  # the floor left papers out
    for p in d.papers:
        text = db.execute("SELECT title || ' ' || abstract FROM papers WHERE id = ?", [p.id]).fetchone()[0].lower()
        assert "vision" in text and "language" in text
    # a saved `-cat:` category no stored paper has yet excludes nothing (search refuses it as a typo; a saved
    # query failed every weekly build: a review)
    with pytest.raises(TrendscopeError, match="no paper in category cs.ZZ"):
        scorer.searcher.search(SearchRequest("vision language model -cat:cs.ZZ"))
    api.add_subscription(db, dhome, "vlm2", query="vision language model -cat:cs.ZZ", size=5)
    assert [p.id for p in api.build(db, dhome, "vlm2", WEEK, query_scorer=scorer).papers] == [p.id for p in d.papers]
    api.add_subscription(db, dhome, "cryo", query="cryo-electron microscopy protein folding", size=5)
    empty = api.build(db, dhome, "cryo", WEEK, query_scorer=scorer)
    assert empty.papers == [] and empty.empty  # nothing about it this week: an empty digest, not filler

    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    t = api.build(db, dhome, "mm", WEEK)
    vs = VectorStore(db)
    model = vs.model_in_use()
    prev_pks = [pk for (pk,) in db.execute(
        "SELECT t.pk FROM paper_trends t JOIN papers p ON p.pk = t.pk WHERE t.trend = 'multimodal' "
        "AND p.published < ?", [start.isoformat()])]
    c = np.mean(np.stack(list(vs.get(prev_pks, model).values())), axis=0)
    c /= np.linalg.norm(c)
    for p in t.papers:
        v = vs.get([_pk(db, p.id)], model)[_pk(db, p.id)]
        assert p.centrality == pytest.approx(float(v @ c), abs=1e-5) and p.centrality > 0
        assert p.score == pytest.approx(p.relevance + CENTRALITY_WEIGHT * p.centrality + NOVELTY_WEIGHT * p.novelty)
    assert [p.score for p in t.papers] == sorted((p.score for p in t.papers), reverse=True)


def test_an_empty_saved_search_week_says_its_words_matched_papers_not_about_it():
    """A blind walkthrough: "papers with every word of 'parameter-efficient fine-tuning': 1 paper this week" above
    "No new papers for this subscription" read as a contradiction (the one paper, GuideCAD, holds the words
    without being about the topic)."""
    from datetime import date

    from trendscope.digest.model import Digest, Subscription, TrendLine

    def digest(sub: Subscription, count: int) -> Digest:
        line = TrendLine(label="papers with every word of 'x'", count=count, share=0.01, trailing_avg_count=1.0,
                         trailing_avg_share=0.01, direction="steady")
        return Digest(subscription=sub, week="2026-W24", start=date(2026, 6, 8), end=date(2026, 6, 14), papers=[],
                      lines=[line], total_week_papers=120)

    peft = Subscription(name="peft", query="parameter-efficient fine-tuning")
    assert digest(peft, 1).empty_message == (
        "No new paper in week 2026-W24 (2026-06-08 to 2026-06-14) is clearly about 'parameter-efficient "
        "fine-tuning': 1 paper holds its words without being about it.")
    assert "3 papers hold its words" in digest(peft, 3).empty_message
    assert digest(peft, 0).empty_message.startswith("No new papers for this subscription")
    # a trend digest keeps its own message (its line counts the trend's papers, not a query's words)
    assert digest(Subscription(name="mm", trends=["multimodal"]), 4).empty_message.startswith("No new papers")
    # 2 papers against an average of 1.0 is no change one can tell from chance: said so, not "the usual variation"
    from trendscope.digest.render import render_text
    assert "— too few papers to tell a change from chance." in render_text(digest(peft, 2))


def test_a_seventh_author_is_named_not_counted():
    """A blind walkthrough read "Xinhua Cheng and 1 more" where the seventh name would fit."""
    from trendscope.digest.model import DigestPaper
    from trendscope.digest.render import _authors

    def paper(n):
        return DigestPaper(id="2601.00001", title="T", authors=[f"A{i} B" for i in range(n)], published=None,
                           excerpt="", trends=[], categories=[])

    assert _authors(paper(7)).endswith("A5 B, A6 B") and "more" not in _authors(paper(7))
    assert _authors(paper(8)).endswith("A5 B and 2 more")


def test_a_chart_title_or_label_its_font_cannot_draw_is_replaced_without_warnings(recwarn):
    """A subscription named in Chinese drew empty boxes in the mail's chart and printed six "Glyph ... missing
    from font(s)" warnings into the cron log (a blind walkthrough)."""
    from trendscope.digest.chart import drawable, render_chart
    from trendscope.digest.model import TrendLine

    weeks = [(f"2026-W{w:02d}", 3) for w in range(1, 10)]
    lines = [TrendLine(label=label, count=3, share=0.1, trailing_avg_count=3, trailing_avg_share=0.1,
                       direction="flat", weekly_counts=weeks, weekly_shares=[0.1] * 9)
             for label in ("每周 大模型", "Café naïve")]
    png = render_chart(lines, title="Share of each week's papers: 每周摘要")
    assert png.startswith(b"\x89PNG") and not [w for w in recwarn if "Glyph" in str(w.message)]
    assert drawable("每周摘要", "plain") == "plain" and drawable("Café – naïve", "plain") == "Café – naïve"


def test_a_month_in_which_the_trend_has_no_paper_lists_no_rising_topic(db, monkeypatch):
    """The digest of a week at a month's turn quoted "Rising in Multimodal learning (as of 2026-07): VLM (49 papers
    in 12 months)" while `trends --topics` said "no multimodal paper in 2026-07 (nothing listed)": the month's
    record held the span before's topics (a blind walkthrough). It takes the month before, as the docs say."""
    from trendscope.index import topic_listings
    from trendscope.index.emerging_topics import TopicsResult

    def listed(_db, freq="month", since=None, **_kw):
        return TopicsResult("month", [
            {"trend": "multimodal", "period": "2026-07-01", "papers": 0, "details": [{"name": "span before"}]},
            {"trend": "multimodal", "period": "2026-06-01", "papers": 31, "details": [{"name": "june's own"}]},
            {"trend": "privacy", "period": "2026-07-01", "papers": 2, "details": [{"name": "july's own"}]},
        ], 0.0, 100)

    monkeypatch.setattr(topic_listings, "listed_topics", listed)
    ctx = WeekContext(SubscriptionStore(db), "2026-W27")  # 2026-06-29 to 2026-07-05
    assert ctx.rising_topics("multimodal") == ("2026-06", [{"name": "june's own"}])
    assert ctx.rising_topics("privacy") == ("2026-07", [{"name": "july's own"}])


def test_the_html_digest_escapes_the_subscription_name_and_each_papers_why():
    """A mutation audit: the HTML footer's subscription name and a paper's "why:" line could be written without
    escaping and no test failed (a stored name or a tag's evidence holding markup would have become markup)."""
    from datetime import date

    from trendscope.digest.model import Digest, DigestPaper, Subscription
    from trendscope.digest.render import render_html

    paper = DigestPaper(id="2605.00001", title="T", authors=["A"], published="2026-05-19", excerpt="E",
                        trends=["multimodal"], categories=["cs.CL"], why="Multimodal: “<i>vision</i>” & more")
    d = Digest(subscription=Subscription(name="app <b>x</b>", trends=["multimodal"]), week="2026-W21",
               start=date(2026, 5, 18), end=date(2026, 5, 24), papers=[paper], lines=[], total_week_papers=1)
    out = render_html(d)
    assert "for the subscription app &lt;b&gt;x&lt;/b&gt;.</p>" in out and "<b>x</b>" not in out
    assert "why: Multimodal: “&lt;i&gt;vision&lt;/i&gt;” &amp; more</p>" in out and "<i>" not in out


def test_a_paper_published_on_the_weeks_sunday_is_counted_and_listed_in_that_week(db, dhome):
    """A mutation audit: the week's exclusive end could be its Sunday (Sunday's papers dropped from the counts and
    the list) with no test failing: the fixture holds no Sunday paper. One is moved to the Sunday here."""
    start, end = week_bounds(WEEK)
    assert end.isoformat() == "2026-05-24"
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=50)
    aid = sorted(_week_ids(db, WEEK))[0]
    db.execute("UPDATE papers SET published = ? WHERE id = ?", [end.isoformat(), aid])
    db.execute(_TOP_TAG, [_pk(db, aid)])
    total = db.execute("SELECT count(*) FROM papers WHERE published >= ? AND published < ?",
                       [start.isoformat(), (end + timedelta(days=1)).isoformat()]).fetchone()[0]
    d = api.build(db, dhome, "mm", WEEK)
    assert aid in {p.id for p in d.papers} and d.total_week_papers == total
    assert next(p for p in d.papers if p.id == aid).published == "2026-05-24"
    ctx = WeekContext(SubscriptionStore(db), WEEK)
    assert ctx.totals[start.isoformat()] == total and aid in {r["id"] for r in ctx.week_rows(())}
    assert aid not in {p.id for p in api.build(db, dhome, "mm", NEXT_WEEK).papers}  # nor in the next week's


def test_a_late_paper_of_the_previous_weeks_sunday_is_still_offered(db, dhome):
    """A mutation audit: the weeks whose late papers a digest offers could end on their Sunday, exclusive (a
    paper published on that Sunday and stored after its week's digest never offered), with no test failing."""
    sub = api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    db.execute("UPDATE papers SET ingested_at = '2026-05-25T06:00:00Z'")  # all stored before the run below
    d = api.build(db, dhome, "mm", WEEK)
    SubscriptionStore(db).record_issue(sub.id, WEEK, [p.id for p in d.papers])
    issued_at = db.execute("SELECT min(recorded_at) FROM digest_items").fetchone()[0]
    late = sorted(i for i in _week_ids(db, WEEK) if i not in {p.id for p in d.papers})[0]
    sunday = week_bounds(WEEK)[1].isoformat()
    db.execute("UPDATE papers SET published = ?, ingested_at = ? WHERE id = ?",
               [sunday, issued_at[:10] + "T23:59:59Z", late])
    db.execute(_TOP_TAG, [_pk(db, late)])
    db.execute("UPDATE subscriptions SET size = 50 WHERE id = ?", [sub.id])
    assert WeekContext(SubscriptionStore(db), NEXT_WEEK).late_for(api.get_subscription(db, "mm")) == {late: WEEK}
    got = {p.id: p for p in api.build(db, dhome, "mm", NEXT_WEEK).papers}
    assert got[late].match_note == f"published in {WEEK}, announced after that week's digest"


def test_the_novelty_background_of_a_saved_search_ends_before_the_weeks_monday(db, dhome):
    """A mutation audit: a saved search's novelty background (its matches of the 8 weeks before) could take in the
    papers of the week's own Monday (`<= start`), so a Monday paper was scored against itself; no test failed."""
    sub = api.add_subscription(db, dhome, "lm", query="language models")
    ctx = WeekContext(SubscriptionStore(db), WEEK)
    monday = ctx.start.isoformat()
    matches = ctx.query_matches(sub.query)
    assert any(published == monday for _, published, _ in matches)  # the fixture's Monday holds a match
    before = [pk for pk, published, _ in matches if published < monday]
    assert before and ctx.novelty_for(sub).n == len(before)


def test_the_last_complete_week_is_the_one_before_the_current_iso_week():
    """A mutation audit: `last_complete_week` going back 6 days, not 7, named the week still under way on a Sunday
    (no test ran it on a Sunday)."""
    from datetime import datetime

    assert last_complete_week(datetime(2026, 5, 24, 23, 59, tzinfo=UTC)) == "2026-W20"  # W21's Sunday
    assert last_complete_week(datetime(2026, 5, 24, 0, 0, tzinfo=UTC)) == "2026-W20"
    assert last_complete_week(datetime(2026, 5, 25, 0, 0, tzinfo=UTC)) == "2026-W21"  # W22's Monday
    assert last_complete_week(datetime(2026, 1, 4, 12, tzinfo=UTC)) == "2025-W52"  # 2026-W01's Sunday
    assert last_complete_week(datetime(2026, 1, 5, 12, tzinfo=UTC)) == "2026-W01"


def test_a_subscription_name_has_one_spelling_and_something_to_see(db, dhome):
    """A hostile-input check: "한" composed and decomposed made two subscriptions that read alike, and a name of
    combining marks alone was accepted and showed blank."""
    api.add_subscription(db, dhome, "\ud55c", trends=["multimodal"])
    with pytest.raises(TrendscopeError, match="already exists"):
        api.add_subscription(db, dhome, "\u1112\u1161\u11ab", trends=["multimodal"])
    assert api.get_subscription(db, "\u1112\u1161\u11ab").name == "\ud55c"  # found however it is typed
    with pytest.raises(TrendscopeError, match="needs a letter, digit or sign one can see"):
        api.add_subscription(db, dhome, "\u0301\u0308", trends=["multimodal"])
