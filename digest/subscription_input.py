"""What a subscription may hold, checked where it enters: names and queries as single plain lines (they reach
mail headers), known trends, arXiv categories, sizes and addresses; and the saved query that follows a rising
topic. Pure functions: nothing here reads or writes the database."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from trendscope.foundation.address import validate_address
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.foundation.text import has_bidi_control
from trendscope.foundation.wording import known_names
from trendscope.index.taxonomy import load_taxonomy
from trendscope.index.topic_phrases import spells_acronym, split_acronym

from .model import Subscription
from .text import has_encoded_word, header_problem

MAX_SIZE = 100
MAX_EMAILS = 100  # addresses per subscription
_CATEGORY_RE = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?$")
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def known_trends(home: Home | None = None) -> list[str]:
    """Trend names of the taxonomy (packaged + the user's file)."""
    return load_taxonomy(home.taxonomy_path if home else None).names


def checked_line(value: str, what: str, limit: int) -> str:
    """`value` stripped, when it is one plain line of at most `limit` characters (it may reach a mail header)."""
    v = (value or "").strip()
    if not v:
        raise TrendscopeError(f"{what} must not be empty")
    if _CTRL_RE.search(v) or has_bidi_control(v):
        raise TrendscopeError(f"{what} must be a single line without control or invisible characters: {value!r}")
    if len(v) > limit:
        raise TrendscopeError(f"{what} is longer than {limit} characters")
    # Names end up in mail headers (the Subject) and the email package decodes RFC 2047 encoded words there:
    # judge the text by what it decodes to, not by how it looks.
    problem = header_problem(v)
    if problem is not None:
        if has_encoded_word(v):
            raise TrendscopeError(f"{what} must not contain an RFC 2047 encoded word (=?...?=): {value!r}")
        raise TrendscopeError(f"{what} must be plain text, not {problem}: {value!r}")
    return v


def unique(items: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def make_subscription(
    name: str, *, trends: Sequence[str] = (), query: str | None = None, categories: Sequence[str] = (),
    exclude: Sequence[str] = (), size: int = 10, emails: Sequence[str] = (), feed: bool = True,
    valid_trends: Sequence[str] | None = None,
) -> Subscription:
    """A validated Subscription (not stored)."""
    # one spelling of each letter: "한" typed composed and decomposed made two subscriptions that read alike (and two
    # digest files of one name on a file system that normalises); a name of marks alone showed blank (a check)
    name = unicodedata.normalize("NFC", checked_line(name, "subscription name", 80))
    if not any(unicodedata.category(c)[0] in "LNPS" for c in name):
        raise TrendscopeError(f"a subscription name needs a letter, digit or sign one can see: {name!r}")
    if "/" in name:  # "ana/privacy" is how others' subscriptions are named: one named so was another's to commands
        raise TrendscopeError(f"a subscription name cannot contain '/' ({name!r}): owner/name is how others' "
                              "subscriptions are named")
    valid_trends = known_trends() if valid_trends is None else valid_trends
    trends = known_names(trends, valid_trends)
    query = checked_line(query, "query", 500) if query is not None and query.strip() else None
    if query is not None:  # refused here, not at every later digest run ("ti:" was accepted, then failed each week)
        from trendscope.index.fts_query import parse_query

        try:
            parse_query(query)
        except TrendscopeError as exc:
            raise TrendscopeError(f"query {query!r}: {exc}") from None
    cats = [c.strip() for c in categories if c.strip()]
    for c in cats:
        if not _CATEGORY_RE.match(c):
            raise TrendscopeError(f"not an arXiv category: {c!r} (e.g. cs.LG)")
    words = [checked_line(w, "exclude word", 100) for w in exclude]
    if not 1 <= int(size) <= MAX_SIZE:
        raise TrendscopeError(f"size must be between 1 and {MAX_SIZE}, not {size}")
    addrs = [validate_address(e) for e in emails]
    # one mailbox once, as first written: differing only in case they got one mail each (a blind walkthrough)
    seen: set[str] = set()
    addrs = [a for a in addrs if not (a.lower() in seen or seen.add(a.lower()))]
    if len(addrs) > MAX_EMAILS:  # 300 typed into the app waited for one `confirm` (a blind walkthrough)
        raise TrendscopeError(f"{len(addrs)} email addresses: a subscription mails at most {MAX_EMAILS} (a mailing "
                              "list's address counts as one)")
    if not (trends or query or cats):
        raise TrendscopeError("a subscription needs at least one trend, a saved search query or a category")
    return Subscription(name=name, trends=unique(list(trends)), query=query, categories=unique(cats),
                        exclude=unique(words), size=int(size), emails=unique(addrs), feed=bool(feed))


def topic_query(topic: str, also: Sequence[str] = (), quoted: bool = True) -> str:
    """The saved query that follows a rising topic: its name as a phrase, or its acronym, when the topic list
    gives one in parentheses that spells the name and has 3+ characters ("retrieval augmented generation (RAG)"
    -> '"retrieval augmented generation" OR RAG'). Without the acronym a digest missed papers that write only it
    ("VEN-VL: A Visual Ensemble MoE Framework" for "mixture-of-experts (MoE)": a blind walkthrough); a shorter one
    ("KV", "RL") is too often something else. `also`: the other names the listing shows it with ("also written:
    KV compression"), each OR-ed in the same way (following "KV compression" missed the "KV cache compression"
    papers, and the topic's own search the others: a blind walkthrough)."""
    parts = {}  # one each, whatever the case (FTS5 matches any case)
    for t in (topic, *(a for a in also if same_topic_name(topic, a))):
        q = _one_topic_query(t, quoted)
        parts.setdefault(q.casefold(), q)
    return " OR ".join(parts.values())


def same_topic_name(topic: str, other: str) -> bool:
    """Whether `other` writes the same topic as `topic`: the words of one hold all the other's ("KV compression",
    "KV cache compression"), or one is the other's acronym, plural or not ("MLLMs", "Multimodal Large Language
    Models (MLLM)"). A listing's "also written" names are names whose papers overlap, which a burst of a few papers
    can make of a broad phrase ("CLEVR" and "visual reasoning"): OR-ed into a followed topic, it would follow the
    broad one."""
    def words(x: str) -> set[str]:
        return {w.casefold() for w in re.findall(r"[^\W_]+", split_acronym(x)[0])}

    a, b = words(topic), words(other)
    # the other name more specific, or less specific by a word or two but still a name of 2+ words ("KV
    # compression" for "KV cache compression"; not "compression", nor "Transformers" for "Vision Transformers")
    if a and b and (a <= b or (b <= a and len(b) >= 2)):
        return True
    acronyms = {split_acronym(x)[1].casefold() for x in (topic, other)} - {""}
    bare = {x.strip().casefold().removesuffix("s") for x in (topic, other)}
    if acronyms & (bare | {x + "s" for x in bare}):
        return True
    def name(x: str) -> str:
        return " ".join(re.findall(r"[^\W_]+", split_acronym(x)[0]))

    return (len(b) == 1 and spells_acronym(other.strip(), name(topic))) or (
        len(a) == 1 and spells_acronym(topic.strip(), name(other)))


def _one_topic_query(topic: str, quoted: bool = True) -> str:
    """The name as a phrase, and its acronym, each in quotes: a topic's papers are those that write it (unquoted,
    "NVFP4" or "OPSD" was an optional word, and a followed topic's digest filled up with papers "close in meaning"
    that never named it: a walkthrough of a researcher following rising topics)."""
    name, acronym = split_acronym(checked_line(topic, "topic", 200))
    phrase = name_query(name, quoted)
    if len(acronym) >= 3 and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", acronym) and spells_acronym(
            acronym, " ".join(re.findall(r"[^\W_]+", name))):
        return f'{phrase} OR "{acronym}"' if quoted else f"{phrase} OR {acronym}"
    return phrase


def follows_topic(topic: str, saved: str) -> bool:
    """Whether a saved query follows `topic`: one of `topic_queries`, or its query with other names OR-ed after
    it (the other names differ from month to month and between the CLI and the app: "Follow" was offered again for a
    topic followed with them, and failed as "already exists": a review)."""
    try:
        return saved in topic_queries(topic) or any(saved.startswith(topic_query(topic, quoted=q) + " OR ")
                                                    for q in (True, False))
    except TrendscopeError:
        return False


def topic_queries(topic: str, also: Sequence[str] = ()) -> set[str]:
    """Every query a subscription following `topic` may hold: `topic_query`'s (with and without the other names),
    and the name alone, as topics were followed before the acronym was added, and each as saved before a one-word
    name and the acronym were quoted."""
    name = split_acronym(checked_line(topic, "topic", 200))[0]
    return {topic_query(topic, also, quoted=q) for q in (True, False)} | {
        topic_query(topic, quoted=q) for q in (True, False)} | {name_query(name, quoted=q) for q in (True, False)}


def name_query(name: str, quoted: bool = True) -> str:
    """A topic's name as a phrase in quotes, one word too (`quoted=False`: a one-word name bare, as saved before)."""
    words = re.findall(r"[^\W_]+(?:[-'][^\W_]+)*", name.replace('"', " "))
    if not words:
        raise TrendscopeError(f"not a topic name: {name!r}")
    return words[0] if len(words) == 1 and not quoted else '"' + " ".join(words) + '"'
