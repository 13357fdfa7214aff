"""Light stemming for the keyword index: a word without its inflection, and nothing more.

FTS5's porter stemmer also strips derivations, so "continual" and "continuous" share the stem "continu", and
"generation", "generative", "general" and "generalization" share "gener": a search for continual learning ranked
papers on continuous control (a blind walkthrough). The keyword index (`ingest.store`, table `papers_terms`) holds
each paper's text with every word reduced by `light_stem` (plural, -ed, -ing and -ly endings: "continually" ->
"continual", "models" -> "model", "tuning"/"tuned"/"tune" -> "tun"), tokenized by FTS5's unicode61 without a
stemmer, and every FTS5 expression searched there is rewritten the same way (`light_match`). On the blind search
dev set's tuning half this ranked as well as porter or slightly better (docs/performance.md, "lighter stemming").

SQLite calls `light_text` from the index's triggers: `foundation.db.connect` registers it on every connection.
The index is contentless, so removing a paper's row gives FTS5 its text stemmed again: a change to these rules
needs a migration that rebuilds `papers_terms` (`PaperStore.rebuild_fts`) before anything else writes to it.
"""
from __future__ import annotations

import re

from .text import fold_accents

# a run of the characters unicode61 keeps in a token (letters and digits; "_" and punctuation separate tokens)
TOKEN = re.compile(r"[^\W_]+")
_ENDINGS = ("ingly", "edly", "ing", "ed", "ly")
# "-ize"/"-yze" words written the British way ("quantisation", "summarisation", "analysed" found nothing in keyword
# search and newest first while papers wrote "quantization": two blind walkthroughs). American forms are turned
# British, never the other way: "supervised" and "supervision" must keep meeting, as "revised" and "revision" do.
_AMERICAN = re.compile(r"(?<=[a-z]{4})iz(?=(?:ations?|e|es|ed|ing|ers?)$)|(?<=[a-z]{3})yz(?=(?:e|es|ed|ing|ers?)$)")
_PLURAL_KEEP = ("ss", "us", "is")  # "loss", "corpus", "analysis" are not plurals


# British spellings other than -ise as the American ones ("behaviour cloning" missed "behavior cloning" papers: a
# blind walkthrough), word by word: a rule for every "-our" would make "four", "hour" and "tour" other words
_BRITISH = {
    **{w + "our": w + "or" for w in ("behavi", "col", "neighb", "fav", "lab", "hum", "rum", "vap", "hon", "flav",
                                     "harb", "od", "sav", "endeav", "arm", "tum", "vig", "rig", "val", "splend")},
    "centre": "center", "metre": "meter", "fibre": "fiber", "litre": "liter", "calibre": "caliber",
    "theatre": "theater", "spectre": "specter", "defence": "defense", "offence": "offense", "licence": "license",
    "catalogue": "catalog", "dialogue": "dialog", "analogue": "analog", "grey": "gray",
    # their inflections that do not start with the word ("centring"), or would lose an "e" ("centred": a review)
    "centred": "centered", "centring": "centering", "catalogued": "cataloged", "cataloguing": "cataloging",
    "fibred": "fibered", "metred": "metered",
    "aluminium": "aluminum", "artefact": "artifact", "judgement": "judgment", "ageing": "aging",
}
_BRITISH_STARTS = frozenset(w[:3] for w in _BRITISH)
_BRITISH_RE = re.compile(r"^(" + "|".join(sorted(_BRITISH, key=len, reverse=True)) + r")(?=[a-z]*$)")


def light_stem(word: str) -> str:
    """`word` lower-cased, its accents dropped, without its inflection: "Continually" -> "continual", "studies" ->
    "studi", "stopped" -> "stop", "networks" -> "network"; "continuous" stays "continuous". The rules are applied
    until nothing changes, so a word and its plural meet however the plural is made ("bias"/"biases" -> "bia",
    "lens"/"lenses" -> "len", "case"/"cases" -> "cas")."""
    # accents dropped first ("Hervé" was indexed "herve" by the tokenizer while "Herve" was stemmed "herv"; "Søgaard"
    # as "Sogaard", "Nießner" as "Niessner": a blind walkthrough)
    u = word.lower() if word.isascii() else fold_accents(word)
    if "iz" in u or "yz" in u:  # American spelling as British ("quantization" as "quantisation": one stem)
        u = _AMERICAN.sub(lambda m: "is" if m[0] == "iz" else "ys", u)
    if u[:3] in _BRITISH_STARTS and (m := _BRITISH_RE.match(u)):  # "behaviours" -> "behaviors"
        u = _BRITISH[m[1]] + u[m.end():]
    for _ in range(4):
        before = u
        u = _once(u)
        if u == before:
            break
    return u


def _once(u: str) -> str:
    if len(u) > 4 and u.endswith(("ies", "ied")):
        u = u[:-3] + "y"  # "studies", "applied" -> "study", "apply"
    elif u.endswith(("sses", "ches", "shes", "xes", "zes")):
        u = u[:-2]
    elif len(u) > 3 and u.endswith("s") and not u.endswith(_PLURAL_KEEP):
        u = u[:-1]
    for ending in _ENDINGS:
        # an adverb keeps 5 letters before its -ly ("quickly", "continually"; not "apply", "family", "early")
        if u.endswith(ending) and len(u) - len(ending) >= (5 if ending == "ly" else 3):
            u = u[:-len(ending)]
            if len(u) >= 3 and u[-1] == u[-2] and u[-1] not in "aeiousz":
                u = u[:-1]  # "stopped" -> "stop", "modelling" -> "model"; not "compressed" -> "compres"
            break
    if len(u) >= 10 and u.endswith(("ization", "isation")):
        u = u[:-5]  # "generalization", "generalize" -> "generaliz" (not "generation")
    elif len(u) >= 9 and u.endswith("tation"):
        u = u[:-5]  # "adaptation", "adapt" -> "adapt"; "segmentation" -> "segment"; "computation" -> "comput"
    elif len(u) >= 9 and u.endswith(("tion", "sion")):
        u = u[:-3]  # the noun of an action meets its verb: "generation", "generate" -> "generat" (not "action")
    elif len(u) >= 8 and u.endswith("ment"):
        u = u[:-4]  # "enhancement", "enhanced" -> "enhanc" (not "segment", "comment")
    if len(u) > 3 and u.endswith("e"):
        u = u[:-1]  # "tune" as "tuned" and "tuning" are
    if len(u) >= 6 and u.endswith("tat"):
        u = u[:-2]  # "annotate" as "annotation" is: "annot"
    if len(u) > 3 and u.endswith("y"):
        u = u[:-1] + "i"  # "study" as "studies" is
    return u


# Compound words written three ways, "pretraining", "pre-training" and "pre training", are one term to a reader but
# two or three to FTS5's tokenizer, which splits at the hyphen: "multimodal generation" and "multi-modal generation"
# shared no keyword result (a blind walkthrough). After a prefix that science writes both joined and apart, the
# keyword index also holds the joined word (`light_text`), and a query's hyphenated word is searched joined
# (`index.fts_query`), so the three spellings find the same papers.
PREFIXES = ("pre", "post", "self", "semi", "multi", "non", "co", "fine", "cross", "meta", "sub", "inter", "intra",
            "over", "under", "anti", "auto", "bi", "hyper", "micro", "macro", "mono", "pseudo", "zero", "few")
MIN_REST = 4  # letters after the prefix: "co" + "t" is no compound, nor "non-IID"
_PREFIX_SET = frozenset(PREFIXES)
_APART = _PREFIX_SET - {"over", "under"}  # "over time" is no "overtime"
_HYPHENS = frozenset("-\u2010\u2011")


def joined_compound(word: str) -> str | None:
    """The joined spelling of a hyphenated compound after one of PREFIXES ("pre-training" -> "pretraining",
    "Multi-Modal" -> "MultiModal"), None for any other word ("non-IID", "text-to-SQL", "low-resource")."""
    parts = _SPLIT.split(word)
    if len(parts) == 5 and not parts[0] and not parts[4] and parts[2] in _HYPHENS:
        return _joined(parts[1], parts[2], parts[3])
    return None


def joined_apart(head: str, rest: str) -> str | None:
    """The joined spelling of two words written apart ("multi", "modal" -> "multimodal"), as `compounds_in` joins
    them in a text; None when they are no such compound ("over time", "co training" is "cotraining")."""
    return _joined(head, " ", rest)


def compounds_in(text: str) -> list[str]:
    """The joined spelling of every compound after one of PREFIXES in `text`, hyphenated or written apart, once
    per occurrence ("pre-training and fine tuning" -> ["pretraining", "finetuning"])."""
    return _compounds(_SPLIT.split(text))


def _compounds(parts: list[str]) -> list[str]:
    """`compounds_in` of a text split by `_SPLIT` (words at the odd places)."""
    found = (_joined(parts[i], parts[i + 1], parts[i + 2]) for i in range(1, len(parts) - 2, 2)
             if len(parts[i]) <= 6 and parts[i].lower() in _PREFIX_SET)
    return [w for w in found if w]


def _joined(head: str, between: str, rest: str) -> str | None:
    """head + rest when `head` is a prefix, `between` a hyphen (or, after most prefixes, spaces) and `rest` a
    word of MIN_REST+ letters; else None. The words come from `_SPLIT`, so `head` is a whole word."""
    if len(head) > 6 or head.lower() not in _PREFIX_SET or len(rest) < MIN_REST or not rest.isalpha():
        return None
    if between in _HYPHENS or (between.isspace() and head.lower() in _APART):
        return head + rest
    return None


_SPLIT = re.compile(r"([^\W_]+)")  # TOKEN, kept by re.split between the text around it
_STEMS: dict[str, str] = {}  # word -> its stem: a corpus has a few hundred thousand words, used millions of times
_STEMS_MAX = 1_000_000


def light_text(text: str | None) -> str:
    """Every word of `text` light-stemmed, the rest kept, then the joined spelling of each compound it writes
    hyphenated or apart (`compounds_in`): what the keyword index tokenizes. Each word's stem is remembered:
    importing the full corpus stems 30 million words (5x faster than stemming each one afresh)."""
    if not text:
        return ""
    parts = _SPLIT.split(text)
    joined = _compounds(parts)
    stems = _STEMS
    for i in range(1, len(parts), 2):
        word = parts[i]
        stem = stems.get(word)
        if stem is None:
            if len(stems) >= _STEMS_MAX:
                stems.clear()
            stem = stems[word] = light_stem(word)
        parts[i] = stem
    if joined:  # after the text, so that its phrases keep their positions
        parts.append(" " + " ".join(light_stem(w) for w in joined))
    return "".join(parts)


_EXPR = re.compile(r'"(?:[^"]|"")*"|[^\s"():*^+{}]+|.', re.DOTALL)
_KEYWORDS = {"AND", "OR", "NOT", "NEAR"}


_PREFIX_AMERICAN = re.compile(r"(?<=[a-z]{4})iz|(?<=[a-z]{3})yz")
_PREFIX_AFTER_IS = re.compile(r"(?<=[a-z]{4}[iy]s)(?:a|at|ati|atio)$")


def prefix_stems(word: str) -> list[str]:
    """The forms a prefix (`quantiz*`) may take in the index, each searched as a prefix: the prefix light-stemmed
    as a word (what `generaliz*` needs for "generalizable", which keeps its "iz"); its "-iz"/"-yz" made British
    ("quantiz" -> "quantis": the index holds "quantization" so, and `quantiz*`, `optimiz*`, `tokeniz*` found
    nothing: a blind walkthrough), a cut "-isation" cut back to its stem ("optimizat" -> "optimis"); and the American
    start of a British word it begins ("behaviou" -> "behavio", "dialogu" -> "dialog": the index holds those words
    American, and the prefixes found nothing: a review)."""
    u = word.lower() if word.isascii() else fold_accents(word)
    forms = [light_stem(u), _PREFIX_AFTER_IS.sub("", light_stem(_PREFIX_AMERICAN.sub(
        lambda m: "is" if m[0] == "iz" else "ys", u)))]
    if len(u) >= 4:  # as long as the prefix typed, stemmed as the index holds it ("defenc" -> "defens" -> "defen")
        forms += [light_stem(_BRITISH[k][:len(u)]) for k in _BRITISH if k.startswith(u) and k != u]
    return list(dict.fromkeys(f for f in forms if f))


def light_match(expr: str) -> str:
    """An FTS5 expression with its terms light-stemmed: inside each "quoted string" and each bare term; operators
    (AND, OR, NOT, NEAR), column names (a bare word before ":" or inside a {column set}), NEAR's distance and
    punctuation stay."""
    out: list[str] = []
    tokens = _EXPR.findall(expr)
    in_columns = False
    in_near = 0  # inside NEAR(...): a prefix there stays one phrase (FTS5 takes no OR inside NEAR)
    skip_star = False
    for i, tok in enumerate(tokens):
        if skip_star and tok == "*":
            skip_star = False
            continue
        if tok == "NEAR":
            in_near = 1
        elif in_near and tok == "(":
            in_near += 1
        elif in_near > 1 and tok == ")":
            in_near = 0
        if tok in "{}":
            in_columns = tok == "{"
            out.append(tok)
        elif tok.startswith('"') and i + 1 < len(tokens) and tokens[i + 1] == "*" and len(TOKEN.findall(tok)) == 1:
            forms = prefix_stems(TOKEN.findall(tok)[0])
            if len(forms) == 1 or in_near:
                out.append(f'"{forms[0]}"')
            else:  # each form a prefix ("a"* OR "b"*)
                out.append("(" + " OR ".join(f'"{f}"*' for f in forms) + ")")
                skip_star = True
        elif tok.startswith('"') and i + 1 < len(tokens) and tokens[i + 1] == "*":
            out.append(TOKEN.sub(lambda m: light_stem(m.group(0)), tok))
        elif tok.startswith('"'):
            out.append(TOKEN.sub(lambda m: light_stem(m.group(0)), tok))
        elif (TOKEN.fullmatch(tok) and not in_columns and tok not in _KEYWORDS and not tok.isdigit()
              and not _before_colon(tokens, i)):
            out.append(light_stem(tok))
        else:
            out.append(tok)
    return "".join(out)


def _before_colon(tokens: list[str], i: int) -> bool:
    for tok in tokens[i + 1:]:
        if not tok.isspace():
            return tok == ":"
    return False
