"""Records of the digest stage: subscriptions, deliveries, digests."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import date

from trendscope.foundation.actor import LAB, LOCAL_OWNER
from trendscope.foundation.wording import count, quoted
from trendscope.ingest.records import abs_url, pdf_url

from .app_link import paper_link
from .text import one_line


# -- records ------------------------------------------------------------------------------------
@dataclass
class Subscription:
    """What a user wants each week: trends and/or a saved query, filters, size and delivery targets."""

    name: str
    trends: list[str] = field(default_factory=list)
    query: str | None = None
    categories: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    size: int = 10
    emails: list[str] = field(default_factory=list)  # every address, confirmed or not
    feed: bool = True
    created: str | None = None
    id: int | None = None
    pending: list[str] = field(default_factory=list)  # addresses awaiting the operator's confirmation (no mail)
    token: str | None = None  # per-subscription token of unsubscribe requests (List-Unsubscribe)
    owner: str = LOCAL_OWNER  # the user it belongs to; "*" (foundation.actor.LAB): lab-wide, kept by admins
    feed_salt: str | None = None  # set when its feed was given a new address (None: the address it was made with)

    @property
    def lab_wide(self) -> bool:
        return self.owner == LAB

    def token_for(self, address: str) -> str | None:
        """The unsubscribe token one recipient's mail carries: a keyed hash of the address under the subscription's
        token (16 hex digits). It names that address alone, so a request needs no trust in its From, and one
        recipient's mail cannot unsubscribe another (the subscription's own token, which every mail once carried,
        could remove any address of it). None without a subscription token."""
        if not self.token:
            return None
        return hmac.new(self.token.encode(), address.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]

    @property
    def feed_token(self) -> str | None:
        """The secret part of the feed's web address (`<app url>/feeds/<feed_token>.xml`, served by the app to feed
        readers, which cannot sign in): a keyed hash under the subscription's token, so the address, pasted into a
        feed reader, gives away no unsubscribe token; once the feed was given a new address, under its `feed_salt`
        too (neither an old address nor the token alone makes the new one). None without a token or a feed."""
        if not self.token or not self.feed:
            return None
        what = b"atom feed address" + (f" {self.feed_salt}".encode() if self.feed_salt else b"")
        return hmac.new(self.token.encode(), what, hashlib.sha256).hexdigest()[:32]

    @property
    def command_name(self) -> str:
        """How an admin's commands name it: its name, `owner/name` when another user owns it."""
        return self.name if self.owner in (LOCAL_OWNER, LAB) else f"{self.owner}/{self.name}"

    def name_for(self, user_name: str) -> str:
        """How `user_name` names it in a command: their own by its name, another's as `command_name` (a non-admin
        was told to run `edit bo/bo-nofeed`, which their commands refuse: a blind security review)."""
        return self.name if self.owner == user_name else self.command_name

    @property
    def confirmed_emails(self) -> list[str]:
        """The addresses the weekly run mails: every address the operator added or confirmed."""
        waiting, seen, out = {a.lower() for a in self.pending}, set(), []
        for a in self.emails:  # one mail per mailbox: "Zed@lab.example" and "zed@LAB.EXAMPLE" got one each
            if a.lower() not in waiting and a.lower() not in seen:
                seen.add(a.lower())
                out.append(a)
        return out

    def describe(self, labels: dict[str, str] | None = None) -> str:
        """What it follows, in a line: trends by their labels when given (readers see labels; the CLI's users
        type ids), the query as written."""
        parts = []
        if self.trends:
            parts.append("trends " + ", ".join((labels or {}).get(t, t) for t in self.trends))
        if self.query:
            # bare when it holds quotes or OR: “mixture-of-experts OR MoE” read as one phrase (a blind walkthrough)
            bare = '"' in self.query or " OR " in f" {self.query} "
            parts.append(f"query {self.query}" if bare else f"query \u201c{self.query}\u201d")
        if self.categories:
            parts.append("in " + ", ".join(self.categories))
        if self.exclude:
            parts.append("excluding " + ", ".join(self.exclude))
        return "; ".join(parts) or "all new papers"

    def to_json(self) -> dict:
        return {
            "name": self.name, "trends": self.trends, "query": self.query, "categories": self.categories,
            "exclude": self.exclude, "size": self.size, "emails": self.emails, "pending": self.pending,
            "feed": self.feed, "created": self.created, "unsubscribe_token": self.token, "owner": self.owner,
        }


@dataclass
class Delivery:
    """One delivery of one subscription's digest for one week to one target (an address or 'atom')."""

    subscription_id: int
    week: str
    target: str
    status: str  # pending | sent | failed  (pending: an attempt started and never finished)
    attempts: int = 0
    last_error: str | None = None
    sent_at: str | None = None
    message_id: str | None = None


@dataclass
class IssuedItem:
    """One paper of an issued week's digest, as recorded for good: listed, or named under "Less sure"."""

    arxiv_id: str
    week: str
    recorded_at: str
    less_sure: bool = False
    confidence: float | None = None  # "Less sure" papers: how likely about the trend when the week was issued

    def __post_init__(self) -> None:
        self.less_sure = bool(self.less_sure)


@dataclass
class DigestPaper:
    """One paper as a digest shows it."""

    id: str
    title: str
    authors: list[str]
    published: str | None
    excerpt: str
    trends: list[str]
    categories: list[str]
    score: float = 0.0
    relevance: float = 0.0
    centrality: float = 0.0  # cosine to the centroid of the trend's recent papers (0 without vectors)
    novelty: float = 0.0
    core: bool = True  # trend subscriptions: the trend is the paper's subject (digest_core evidence); ranked first
    confidence: float | None = None  # trend subscriptions: P(truly about the trend), see digest.confidence
    trend_labels: list[str] = field(default_factory=list)  # the trends as readers see them (labels, not ids)
    by_meaning: bool = False  # saved searches: listed for its meaning, without every word of the query
    late_week: str | None = None  # a paper of that (earlier) week, stored after the week's digest went out
    why: str | None = None  # trend subscriptions: why it carries the trend, from the tag's evidence (one line)
    less_sure: bool = False  # named under "Less sure" (likely, left out of the list), not listed

    @property
    def shown_trends(self) -> list[str]:
        return self.trend_labels or self.trends

    @property
    def match_note(self) -> str | None:
        """Why a saved search lists a paper that its summary's count of papers with every word leaves out ("papers
        with every word of 'speculative decoding': 0 papers this week" above a listed paper read as a
        contradiction: a blind walkthrough)."""
        notes = (["close in meaning, without every word of the query"] if self.by_meaning else []) + \
            ([f"published in {self.late_week}, announced after that week's digest"] if self.late_week else [])
        return "; ".join(notes) or None

    @property
    def abs_url(self) -> str:
        return abs_url(self.id)

    @property
    def pdf_url(self) -> str:
        return pdf_url(self.id)

    def reader_url(self, app_url: str | None) -> str | None:
        """The paper's page in the lab's app (None without an app address)."""
        return paper_link(app_url, self.id) if app_url else None


@dataclass
class TrendLine:
    """This week's numbers for one trend (or for a query's keyword matches)."""

    label: str
    count: int
    share: float  # of all papers of the week
    trailing_avg_count: float  # mean over the 8 weeks before
    trailing_avg_share: float  # their papers over all papers of those weeks (pooled)
    direction: str  # growing | steady | cooling
    trailing_avg_total: float = 0.0  # mean papers a week (of all) over the 8 weeks before
    weekly_counts: list[tuple[str, int]] = field(default_factory=list)  # oldest first, this week last
    weekly_shares: list[float] = field(default_factory=list)  # each week's count / all its papers, as weekly_counts
    rising: list[dict] = field(default_factory=list)  # rising topics (index.emerging_topics.Topic as JSON)
    rising_month: str = ""  # YYYY-MM they rise in

    def chart_points(self) -> tuple[list[str], list[float], bool]:
        """(weeks, values, whether the values are percentages) as the digest's chart draws them: each week's share
        in percent, or its count for a line without shares; what the chart's alternative text reads too."""
        weeks = [w for w, _ in self.weekly_counts]
        if self.weekly_shares:
            return weeks, [100 * x for x in self.weekly_shares], True
        return weeks, [float(c) for _, c in self.weekly_counts], False


@dataclass
class Digest:
    """A subscription's digest for one ISO week."""

    subscription: Subscription
    week: str
    start: date
    end: date
    papers: list[DigestPaper]
    lines: list[TrendLine]
    total_week_papers: int
    chart_png: bytes | None = None
    candidates: int = 0  # how many papers matched before the size (and, for trends, the confidence) cut
    late_candidates: int = 0  # of those, papers of earlier weeks announced after their week's digest went out
    labels: dict[str, str] = field(default_factory=dict)  # trend id -> label, for the header
    app_url: str | None = None  # where the lab's app is served ([app] url): each paper links to its reader page
    # trend digests: the likeliest papers it left out (P >= content.LESS_SURE_MIN), named below the list
    less_sure: list[DigestPaper] = field(default_factory=list)
    # an empty trend digest naming no less-sure paper: the likeliest tagged paper it left out (named in its message)
    likeliest_left_out: DigestPaper | None = None
    corpus_ends: str | None = None  # the newest stored paper's day when the week's papers stop before its Friday
    newest_stored: str | None = None  # the newest stored paper's day, when it is after the week (a gap, not a lag)

    @property
    def empty(self) -> bool:
        return not self.papers

    @property
    def title(self) -> str:
        return f"Trendscope digest: {self.subscription.name}, week {self.week}"

    @property
    def empty_message(self) -> str:
        span = f"week {self.week} ({self.start.isoformat()} to {self.end.isoformat()})"
        if not self.total_week_papers and self.newest_stored:  # papers after it: a hole in the stored papers, not
            # ingest lag (a past week "the corpus is behind" with six years of papers after it: a numbers audit)
            return (f"No paper published in {span} is stored, though papers up to {self.newest_stored} are: a gap in "
                    "the stored papers, not a quiet week (`trendscope ingest --since` or a snapshot can fill it).")
        if not self.total_week_papers:  # "No new papers for this subscription" read as a quiet week (a walkthrough)
            return (f"No paper published in {span} is stored yet: the corpus is behind, not the week quiet "
                    "(the operator's ingest brings it up to date).")
        if self.candidates and self.less_sure:  # "only touch on it" above a paper 93% likely about it
            n, one = self.candidates, len(self.subscription.trends) == 1
            return (f"No new paper in {span} is sure enough to be about this subscription's "
                    f"{'trend' if one else 'trends'} for the list: {count(n, 'tagged paper')}, the likeliest "
                    "named below.")
        if self.candidates:  # trend papers there were, but none clearly about the trend (digest.confidence)
            n = self.candidates
            # "only touch on it" was said of papers clearly about it that the model was less sure of (a walkthrough)
            what = "trend" if len(self.subscription.trends) == 1 else "trends"
            near = self.likeliest_left_out
            weak = "tagged more weakly than the list asks of this trend"
            how = (f"{'the likeliest' if n > 1 else 'it is'}, {int(100 * near.confidence)}% likely about it"
                   if near is not None and near.confidence is not None
                   else f"the most strongly tagged of them, {weak}" if n > 1 else f"it is {weak}")
            nearest = f"; {how}: {quoted(one_line(near.title, 120), 120)} (arXiv {near.id})" if near else ""
            return (f"No new paper in {span} is likely enough to be about this subscription's {what} for the list: "
                    f"{count(n, 'tagged paper')} {'falls' if n == 1 else 'fall'} below its bar{nearest}.")
        words = self.word_holders
        if words:  # "papers with every word of ...: 1 paper this week" above read as a contradiction (a walkthrough)
            return (f"No new paper in {span} is clearly about {quoted(one_line(self.subscription.query, 120), 120)}: "
                    f"{words} paper{'s' if words != 1 else ''} hold{'s' if words == 1 else ''} its words without "
                    f"being about it.")
        return f"No new papers for this subscription in {span}."

    @property
    def word_holders(self) -> int:
        """A saved search's papers of the week that hold every word of its query (its summary's count); 0 for a
        trend subscription."""
        return self.lines[0].count if self.subscription.query and not self.subscription.trends and self.lines else 0

    @property
    def held_back_message(self) -> str | None:
        """For a trend digest that shows fewer papers than it had: how many were left out and why."""
        left = self.candidates - len(self.papers)
        if self.empty:
            return None
        if left <= 0:
            return self._unlisted_holders()
        papers, verb = ("papers", "are") if left != 1 else ("paper", "is")
        # late papers of earlier weeks are candidates too: "this week" was said of them (a walkthrough)
        late_left = max(0, min(left, self.late_candidates - sum(p.late_week is not None for p in self.papers)))
        kind = "tagged" if self.subscription.trends else "matching"
        if not late_left:
            head = f"{left} more {kind} {papers} this week {verb} not shown"
        else:
            which = ("from an earlier week" if left == 1 else "from earlier weeks" if late_left == left
                     else f"{late_left} of them from earlier weeks")
            head = f"{left} more {kind} {papers} {verb} not shown ({which}, announced late)"
        if not self.subscription.trends:  # a saved search or categories: cut at its size without a word (a walkthrough)
            return f"{head}: the list holds the first {self.subscription.size}."
        why = ("the list shows the most likely ones" if len(self.papers) >= self.subscription.size
               else f"{'they are' if left != 1 else 'it is'} less clearly about the trend")  # "1 ... : they are"
        return f"{head}: {why}."

    def _unlisted_holders(self) -> str | None:
        """For a saved search: the week's papers its summary counts (they hold every word of the query) that the
        list leaves out. "3 papers this week" above a list of 2 said nothing of the third (a blind walkthrough)."""
        if self.subscription.trends or not self.subscription.query or not self.lines:
            return None
        unlisted = self.lines[0].count - sum(1 for p in self.papers if not p.by_meaning and p.late_week is None)
        if unlisted <= 0:
            return None
        papers, verb = ("papers", "hold") if unlisted != 1 else ("paper", "holds")
        return (f"{unlisted} more {papers} this week {verb} the query's words but {'are' if unlisted != 1 else 'is'} "
                "not listed: less clearly about it, already sent in another digest, or outside its filters.")

    @property
    def less_sure_heading(self) -> str:
        """What the list of `less_sure` papers is, above it."""
        return less_sure_heading(self.subscription)


def less_sure_heading(sub: Subscription) -> str:
    """What a digest's "Less sure" papers are (above them in the mail, in each of their feed entries): the list
    holds the likeliest papers, up to its size and only as many as keep its precision, so a paper 98% likely was
    left out of a full list, not "to keep the list's precision" as this said (a blind walkthrough)."""
    about = "the trend" if len(sub.trends) == 1 else "one of the trends"
    return (f"Less sure: likely about {about}, left out of the list (it holds the likeliest papers: at most "
            f"{sub.size}, and only as many as keep its precision)")
