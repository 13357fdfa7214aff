"""Rendering: escaping of hostile titles, readable LaTeX, Markdown/HTML output and a valid Atom feed."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from html.parser import HTMLParser

from digest_support import WEEK

from trendscope.digest import api
from trendscope.digest.text import excerpt
from trendscope.digest.weekly import feed_path, run_weekly
from trendscope.foundation.latex_math import readable_latex

A = "{http://www.w3.org/2005/Atom}"
HOSTILE = 'Attention <script>alert("x")</script> & <b>bold</b> [link](javascript:alert(1)) *stars*'
LATEX = (r"We bound the error by $\mathcal{O}(\epsilon^{2} \log n)$ for $\alpha \leq 0.5$ on $\mathbb{R}^d$, "
         r"a $\sim$3\% gain; \emph{surprisingly} $\begin{cases} x \end{cases}$ stays as source & 5 < 6.")


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _hostile_digest(db, dhome):
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    top = api.build(db, dhome, "mm", WEEK).papers[0]
    db.execute("UPDATE papers SET title = ?, abstract = ? WHERE id = ?", [HOSTILE, LATEX, top.id])
    d = api.build(db, dhome, "mm", WEEK)
    assert d.papers[0].id == top.id
    return d


def test_latex_becomes_readable_text():
    out = readable_latex(LATEX)
    assert "O(ε² log n)" in out and "α ≤ 0.5" in out and "ℝ^d" in out and "~3% gain" in out
    assert "surprisingly" in out and "\\emph" not in out
    assert r"$\begin{cases} x \end{cases}$" in out  # unknown commands keep their source
    assert readable_latex("it costs $5 and $10") == "it costs $5 and $10"
    # the same text markup as the app shows (foundation.text.latex_text_as_prose)
    assert readable_latex(r"the ``seesaw'' effect of \textit{fine\_tuning} in R\&D") == \
        "the \u201cseesaw\u201d effect of fine_tuning in R&D"
    assert excerpt("word " * 200).endswith("…") and len(excerpt("word " * 200)) <= 321


def test_html_escapes_titles_and_abstracts(db, dhome):
    d = _hostile_digest(db, dhome)
    html = api.render(d, "html").decode()
    parser = _Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "b" not in parser.tags
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "O(ε² log n)" in html and "5 &lt; 6" in html and "&amp; 5" in html
    assert 'src="data:image/png;base64,' in html  # standalone file: chart inline as data URI
    assert 'href="javascript' not in html
    # every title and abstract sets its own direction: an Arabic title's Latin words came out in left-to-right
    # order (a walkthrough of odd real-world data)
    assert html.count('<span dir="auto">') == html.count('<p dir="auto"') == len(d.papers) > 0


def test_markdown_escapes_titles(db, dhome):
    d = _hostile_digest(db, dhome)
    md = api.render(d, "md").decode()
    assert "<script>" not in md and "\\<script\\>" in md
    assert "\\[link\\](javascript:alert(1))" in md and "\\*stars\\*" in md and "\\&" in md
    assert f"[abs](https://arxiv.org/abs/{d.papers[0].id})" in md


def test_atom_feed_is_valid_and_escaped(db, dhome):
    d = _hostile_digest(db, dhome)
    root = ET.fromstring(api.render(d, "atom"))
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == "urn:trendscope:subscription:mm"
    assert root.findtext(f"{A}title") and root.findtext(f"{A}updated")
    entries = root.findall(f"{A}entry")
    # the papers it lists, then those it names under "Less sure"
    assert [e.findtext(f"{A}id") for e in entries] == [p.abs_url for p in d.papers + d.less_sure]
    first = entries[0]
    assert first.findtext(f"{A}title") == HOSTILE
    assert "O(ε² log n)" in first.findtext(f"{A}summary")
    links = {(link.get("rel"), link.get("type")): link.get("href") for link in first.findall(f"{A}link")}
    assert links[("alternate", "text/html")] == d.papers[0].abs_url
    assert links[("related", "application/pdf")] == d.papers[0].pdf_url
    for e in entries:
        datetime.fromisoformat(e.findtext(f"{A}updated"))
        datetime.fromisoformat(e.findtext(f"{A}published"))


def test_an_atom_entry_of_thousands_of_authors_says_how_many_it_leaves_out(db, dhome):
    """The feed listed a 3,000-author paper's first 20 names and dropped the rest, the ATLAS Collaboration listed
    last with them, without a word (a walkthrough of odd real-world data)."""
    d = _hostile_digest(db, dhome)
    d.papers[0].authors = [f"A. Physicist{i}" for i in range(2999)] + ["ATLAS Collaboration"]
    first = ET.fromstring(api.render(d, "atom")).findall(f"{A}entry")[0]
    assert [a.findtext(f"{A}name") for a in first.findall(f"{A}author")] == [f"A. Physicist{i}" for i in range(20)]
    assert first.findtext(f"{A}summary").endswith(
        "[authors: the first 20 and 2,980 more, among them ATLAS Collaboration]")
    d.papers[0].authors = d.papers[0].authors[:20]  # a whole list says nothing more
    assert "[authors:" not in ET.fromstring(api.render(d, "atom")).findall(f"{A}entry")[0].findtext(f"{A}summary")


def test_two_users_feeds_of_one_name_have_their_own_ids_and_titles(db, dhome):
    """ana's and bo's "privacy" feeds shared one Atom id and title (a blind walkthrough); the local owner's feed
    keeps the id it always had."""
    from trendscope.foundation.actor import OWNER, Actor

    for who in (OWNER, Actor("ana", admin=False), Actor("bo", admin=False)):
        api.add_subscription(db, dhome, "privacy", trends=["privacy"], user=who)
    api.add_subscription(db, dhome, "lab privacy", trends=["privacy"], user=OWNER, lab=True)
    subs = {s.owner: s for s in api.all_subscriptions(db)}
    roots = {o: ET.fromstring(api.render(api.build(db, dhome, s, WEEK), "atom")) for o, s in subs.items()}
    ids = {o: r.findtext(f"{A}id") for o, r in roots.items()}
    assert ids == {"owner": "urn:trendscope:subscription:privacy", "ana": "urn:trendscope:subscription:ana:privacy",
                   "bo": "urn:trendscope:subscription:bo:privacy", "*": "urn:trendscope:subscription:lab:lab%20privacy"}
    assert roots["ana"].findtext(f"{A}title") == "Trendscope: privacy (ana)"
    assert roots["owner"].findtext(f"{A}title") == "Trendscope: privacy"
    # a user named "lab" has an id of their own beside the lab-wide subscription of the same name (they had one:
    # a blind security review)
    mine = api.add_subscription(db, dhome, "lab privacy", trends=["privacy"], user=Actor("lab", admin=False))
    assert ET.fromstring(api.render(api.build(db, dhome, mine, WEEK), "atom")).findtext(f"{A}id") == \
        "urn:trendscope:subscription:user:lab:lab%20privacy"


def test_weekly_run_writes_the_feed_file_of_all_issued_weeks(db, dhome):
    api.add_subscription(db, dhome, "Multi modal!", trends=["multimodal"], size=2)
    api.add_subscription(db, dhome, "no feed", trends=["multimodal"], size=2, feed=False)
    r1 = run_weekly(db, dhome, week="2026-W20", send=False)
    r2 = run_weekly(db, dhome, week=WEEK, send=False, now=datetime(2026, 5, 27, tzinfo=UTC))
    assert r1.feeds_written == 1 and r2.feeds_written == 1
    sub = api.get_subscription(db, "Multi modal!")
    path = feed_path(dhome, sub)
    assert path.parent == dhome.feeds_dir and path.name == f"multi-modal-{sub.id}.xml"
    root = ET.parse(path).getroot()
    entries = root.findall(f"{A}entry")
    listed = [e for e in entries if not e.findtext(f"{A}title").startswith("[Less sure] ")]
    assert len(listed) == 4
    summaries = [e.findtext(f"{A}summary") for e in listed]
    assert sum(f"digest week {WEEK}" in s for s in summaries) == 2  # newest week first
    assert f"digest week {WEEK}" in summaries[0]
    assert len({e.findtext(f"{A}id") for e in entries}) == len(entries)
    assert sorted(p.name for p in dhome.feeds_dir.iterdir()) == [path.name]
    assert run_weekly(db, dhome, week=WEEK, send=False).feeds_written == 0  # unchanged: not rewritten


def test_a_week_without_any_stored_paper_gives_no_verdict(db, dhome):
    """A blind walkthrough: `digest` of a week the database holds no paper of read "0 papers this week (0.0% of
    0), 8-week average 0.0 (0.0%) — within the usual week-to-week variation"."""
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    md = api.render(api.build(db, dhome, "mm", "2031-W02"), "md").decode()
    assert "no paper of this week is stored, so nothing to compare with its 8-week average (none)." in md
    assert "of 0)" not in md and "week-to-week variation" not in md and "(0.0 papers)" not in md
    busy = api.render(api.build(db, dhome, "mm", WEEK), "md").decode()
    assert "this week (" in busy and "no paper of this week is stored" not in busy


def test_a_long_legend_label_is_cut_at_a_word():
    """A blind walkthrough: the digest chart's legend read "Self-supervised and weakly supervised le"."""
    from trendscope.digest.chart import _short

    assert _short("Self-supervised and weakly supervised learning", 40) == "Self-supervised and weakly supervised…"
    assert _short("Zero-shot and few-shot generalisation", 40) == "Zero-shot and few-shot generalisation"
    assert len(_short("x" * 50, 40)) == 40


def test_a_line_whose_eight_weeks_before_hold_no_paper_says_there_is_nothing_to_compare_with():
    """"8-week average 0.0 a week (0.0%)" was said of 8 weeks holding no stored paper at all (a gap in the data), and
    "0.0 of 0 a week" of 8 weeks holding 3 papers (a numbers audit)."""
    from trendscope.digest.model import TrendLine
    from trendscope.digest.render import _line_sentence

    def line(avg_count: float, avg_total: float) -> TrendLine:
        return TrendLine(label="multimodal learning", count=2, share=0.1, trailing_avg_count=avg_count,
                         trailing_avg_share=avg_count / avg_total if avg_total else 0.0, direction="steady",
                         weekly_counts=[], weekly_shares=[], trailing_avg_total=avg_total)

    assert _line_sentence(line(0.0, 0.0), 20) == (
        "Multimodal learning: 2 papers this week (10.0% of 20); the 8 weeks before hold no stored paper, so nothing "
        "to compare with.")
    assert "8-week average 0.1 of 0.4 a week (33.3%)" in _line_sentence(line(0.125, 0.375), 20)
    assert "8-week average 3.0 of 30 a week (10.0%)" in _line_sentence(line(3.0, 30.0), 20)
