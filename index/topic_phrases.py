"""Candidate topic phrases of a paper, as researchers write them (pure functions, no I/O).

A paper's candidates are
- multi-word terms: runs of 2-4 words between function words and punctuation ("retrieval augmented generation",
  "vision language model", "few shot learning"), a hyphenated word counting once ("text-to-image diffusion
  models": three words, at most six once hyphens are spaces), whose first and last words are not generic paper
  vocabulary ("proposed", "novel", "results", "performance"...);
- acronyms as written ("RAG", "LoRA", "DPO", "GPT-4"): a word with at least two capitals;
- acronym definitions ("retrieval-augmented generation (RAG)"), which let the corpus merge an acronym with its
  expansion (`AcronymMap`).

A candidate is *closed* in a paper when at least once it stands on its own there: no content word right before
or after it inside its run ("federated learning (FL)", "... with knowledge distillation.", "a federated learning
framework"), as opposed to only inside a longer name ("medical image" in "medical image segmentation",
"pre-trained vision" in "pre-trained vision transformers"). Acronyms are always closed.

Keys are normalised: lower case, hyphens as spaces, a plural last word made singular ("models" -> "model"), a
prefix that science writes joined, hyphenated or apart joined to its word ("multi-modal", "multi modal" and
"multimodal large language models" are one key, as are "pre-trained" and "pretrained", "fine-tuning" and
"finetuning"; not when the key would be one word, so "multi-modal" alone is no candidate); an
acronym on its own keeps its case and loses its plural "s" ("MLLMs" -> "MLLM": one topic with the papers that
write "MLLM"). Inside a longer name the acronym's plural stays ("compressed LLMs" -> "compressed llms"): made
singular there, generic names such as "adapting LLMs" gathered enough papers to be listed (judged blind:
docs/performance.md#rising-topics).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from trendscope.foundation.stemming import MIN_REST, PREFIXES
from trendscope.foundation.words import STOP_WORDS

from .query_terms import QUERY_STOP_WORDS

# Words that head or end a topic name although the generic-vocabulary list names them.
_TOPIC_WORDS = frozenset("""
learning model models network networks neural deep large data dataset datasets benchmark benchmarks code low high
few one end language languages
""".split())
EDGE_STOP = (STOP_WORDS - _TOPIC_WORDS) | frozenset("""
propose proposed proposes novel various several significant significantly recent recently existing different
show shows shown results result performance task tasks approach approaches method methods framework frameworks
study studies analysis problem problems paper work works use used uses using based new state art well way ways
however also two three first second many much general specific given important wide set sets number numbers
""".split())
_SPLIT_RE = re.compile(r"[^\w\s-]+|\s-\s|--")
_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_LATEX_URL_RE = re.compile(r"\$[^$]*\$|\\[a-zA-Z]+|https?://\S+|www\.\S+")
_ACRONYM_RE = re.compile(r"^(?=[A-Za-z0-9]*[A-Z][A-Za-z0-9]*[A-Z])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)?$")
# "of", "to" or "and" joined by a hyphen on one side and a space on the other ("mixture-of experts", "text
# to-speech"): a spelling some paper mixed up; shown hyphenated on both sides ("mixture-of-experts")
_HALF_HYPHENATED_RE = re.compile(r"(?<=[A-Za-z0-9])(?:-(of|to|and)\s+|\s+(of|to|and)-)(?=[A-Za-z0-9])",
                                 re.IGNORECASE)  # not "in" or "on": "few-shot in-context", "plug-in model"
_PAREN_ACRONYM_RE = re.compile(r"\(\s*([A-Z][A-Za-z0-9-]{1,9}?)s?\s*\)")
_WORDS_BEFORE_RE = re.compile(r"((?:[A-Za-z][\w-]*\s+){0,5}[A-Za-z][\w-]*)\s*$")
MAX_WORDS = 4  # words as written: "text-to-image diffusion models" is three
MAX_KEY_WORDS = 6  # and at most six once hyphens are spaces ("text to image diffusion model")
# Prefixes joined to the next word in a key; not those that are also words of their own ("over", "under", "few",
# "zero": "control over generation" is no compound)
_JOINED_PREFIXES = frozenset(PREFIXES) - {"over", "under", "few", "zero"}


def split_acronym(name: str) -> tuple[str, str]:
    """A listed topic's name and the acronym shown after it in parentheses: "retrieval augmented generation (RAG)"
    -> ("retrieval augmented generation", "RAG"); ("KV cache", "") without one."""
    base = re.sub(r"\s*\([^()]*\)\s*$", "", name)
    return base, name[len(base):].strip(" ()")


_OPTIONAL_IN_ACRONYM = frozenset({"of", "and", "for", "the", "in", "to", "with", "on", "a"})


def spells_acronym(acronym: str, long_key: str) -> bool:
    """Whether `acronym` is made of the words of `long_key` in order, each giving a start of itself ("LoRA" from
    "low rank adaptation": lo-r-a; "SpeechLM" from "speech language model"; "MoE" from "mixture of experts"; a
    small word such as "of" may give nothing). Two capitals at least; a plural "s" after a capital is dropped."""
    letters = singular_acronym(acronym)
    if not _ACRONYM_RE.match(letters):
        return False
    letters, words = letters.lower().replace("-", ""), long_key.lower().split()
    if len(words) < 2 or not letters.isalnum():
        return False

    def fits(i: int, j: int) -> bool:  # letters[i:] from words[j:]
        if j == len(words):
            return i == len(letters)
        if words[j] in _OPTIONAL_IN_ACRONYM and fits(i, j + 1):
            return True
        word = words[j]
        return any(letters[i:i + n] == word[:n] and fits(i + n, j + 1)
                   for n in range(1, min(len(word), len(letters) - i) + 1))
    return fits(0, 0)


def normalise(phrase: str) -> str:
    """The merge key of a phrase: lower case, hyphens as spaces, a plural last word singular, a compound's prefix
    joined to its word ("Multi-Modal LLMs" -> "multimodal llms")."""
    words = phrase.lower().replace("-", " ").split()
    if words:
        words[-1] = singular_word(words[-1])
    return " ".join(_join_prefixes(words))


def _join_prefixes(words: list[str]) -> list[str]:
    """"pre training" -> "pretraining", as long as at least two words remain ("pre trained model" ->
    "pretrained model"; "pre training" alone stays)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if (w in _JOINED_PREFIXES and i + 1 < len(words) and len(words[i + 1]) >= MIN_REST
                and words[i + 1][0].isalpha()):
            out.append(w + words[i + 1])
            i += 2
        else:
            out.append(w)
            i += 1
    return out if len(out) >= 2 or len(words) < 2 else words


def singular_acronym(word: str) -> str:
    """"LLMs" -> "LLM", "ViTs" -> "ViT", "MoEs" -> "MoE": an acronym's plural "s" dropped; other words unchanged."""
    if len(word) > 2 and word.endswith("s") and (word[-2].isupper() or word[-2].isdigit()) \
            and _ACRONYM_RE.match(word[:-1]):
        return word[:-1]
    return word


def singular_word(word: str) -> str:
    """"models" -> "model", "studies" -> "study", "biases" -> "bias", "classes" -> "class", "patches" -> "patch";
    short words, "series", "analysis", "corpus" stay."""
    if len(word) <= 4 or not word.endswith("s") or word.endswith(("ss", "is", "us", "series", "species")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "tches", "rches", "nches", "oaches", "shes", "iases")):
        return word[:-2]
    return word[:-1]


@dataclass
class PaperPhrases:
    """One paper's candidates: merge keys -> the surface form seen, and the acronyms it defines."""

    surfaces: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)  # acronym -> long-form key
    in_title: list[str] = field(default_factory=list)  # the keys that occur in the title
    closed: list[str] = field(default_factory=list)  # the keys that stand on their own at least once (see above)


def paper_phrases(title: str, abstract: str) -> PaperPhrases:
    text = _LATEX_URL_RE.sub(" ", f"{title or ''}. {abstract or ''}")
    out = PaperPhrases()
    for m in _PAREN_ACRONYM_RE.finditer(text):
        before = _WORDS_BEFORE_RE.search(text[max(0, m.start() - 120):m.start()])
        if before is None:
            continue
        words, acronym = before.group(1).split(), m.group(1)
        letters = re.sub(r"[^a-z]", "", acronym.lower())
        # the shortest tail of the words whose initials spell the acronym
        for n in range(1, len(words) + 1):
            tail = words[-n:]
            initials = "".join(p[0] for w in tail for p in w.split("-") if p).lower()
            if initials == letters and tail[0].lower() not in QUERY_STOP_WORDS:
                out.definitions[acronym] = normalise(" ".join(tail))
                break
    closed: set[str] = set()
    _candidates(text, out.surfaces, closed)
    title_keys: dict[str, str] = {}
    _candidates(_LATEX_URL_RE.sub(" ", title or ""), title_keys, set())
    out.in_title = sorted(title_keys)
    out.closed = sorted(closed)
    return out


def _candidates(text: str, surfaces: dict[str, str], closed: set[str]) -> None:
    for chunk in _SPLIT_RE.split(text):
        run: list[str] = []
        for token in _TOKEN_RE.findall(chunk):
            if token.lower() in QUERY_STOP_WORDS or len(token) < 2:
                _add_ngrams(run, surfaces, closed)
                run = []
                continue
            if _ACRONYM_RE.match(token) and token.lower() not in QUERY_STOP_WORDS:
                key = singular_acronym(token)
                key = key.upper() if key.isupper() else key
                surfaces.setdefault(key, token)
                closed.add(key)
            run.append(token)
        _add_ngrams(run, surfaces, closed)


def _edge_ok(word: str) -> bool:
    """A topic name starts and ends with a content word: not generic paper vocabulary, not an adverb."""
    w = word.lower()
    return w not in EDGE_STOP and not (w.endswith("ly") and len(w) > 4) and w[0].isalpha()


def _third_person_or_plural(word: str) -> bool:
    w = word.lower()
    return word.islower() and len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "is", "us"))


def _bounded(words: list[str], i: int) -> bool:
    """No content word at position i of the run (its start or end, or generic vocabulary such as "framework")."""
    return i < 0 or i >= len(words) or words[i].lower() in EDGE_STOP


def _add_ngrams(run: list[str], surfaces: dict[str, str], closed: set[str]) -> None:
    words = run
    for n in range(2, MAX_WORDS + 1):
        for i in range(len(words) - n + 1):
            gram = words[i:i + n]
            if not (_edge_ok(gram[0]) and _edge_ok(gram[-1])) or any(len(w) < 2 for w in gram):
                continue
            if _third_person_or_plural(gram[0]):  # "reduces inference", "yields strong": a verb, not a name
                continue
            key = normalise(" ".join(gram))
            if len(key.split()) > MAX_KEY_WORDS:
                continue
            surfaces.setdefault(key, " ".join(gram))
            if _bounded(words, i - 1) and _bounded(words, i + n):
                closed.add(key)


class AcronymMap:
    """Corpus-wide acronym -> expansion, from the definitions papers write; an acronym is merged with the long form
    most papers give it when at least `min_papers` define it and most of them agree."""

    def __init__(self, min_papers: int = 3, min_agreement: float = 0.5):
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.min_papers, self.min_agreement = min_papers, min_agreement
        self._map: dict[str, str] | None = None

    def add(self, definitions: dict[str, str]) -> None:
        for acronym, long_key in definitions.items():
            self.counts[acronym][long_key] += 1
        self._map = None

    def mapping(self) -> dict[str, str]:
        if self._map is None:
            self._map = {}
            for acronym, forms in self.counts.items():
                total = sum(forms.values())
                form, n = forms.most_common(1)[0]
                if total >= self.min_papers and n / total >= self.min_agreement:
                    self._map[acronym] = form
        return self._map

    def key(self, phrase_key: str) -> str:
        """The merged key of a phrase (an acronym becomes its expansion's key)."""
        return self.mapping().get(phrase_key, phrase_key)

    def acronym_of(self) -> dict[str, str]:
        """expansion key -> its acronym (for display: "retrieval augmented generation (RAG)"); of several acronyms
        for one expansion ("MLLM", "MM-LLM"), the one most papers define it with."""
        best: dict[str, tuple[int, str]] = {}
        for acr, long_key in self.mapping().items():
            n = self.counts[acr][long_key]
            if long_key not in best or (-n, acr) < (-best[long_key][0], best[long_key][1]):
                best[long_key] = (n, acr)
        return {long_key: acr for long_key, (_, acr) in best.items()}


def abbreviated_forms(mapping: dict[str, str]) -> dict[str, str]:
    """Keys that write part of an acronym's long form as another acronym -> that long form's key: "multimodal llms"
    (and "multimodal llm") -> "multimodal large language model", the long form of MLLM, so that "Multimodal LLMs"
    is not listed beside "Multimodal Large Language Models (MLLM)" as a second topic (a walkthrough saw both in
    14 months). Only long forms some acronym has are targets (not "tiny llms" -> "tiny large language model"),
    only acronyms whose lower case is one acronym's, and a form that could mean two long forms is left alone."""
    lower = Counter(a.lower() for a in mapping)
    by_long: dict[str, list[str]] = defaultdict(list)
    for acronym, long_key in mapping.items():
        if lower[acronym.lower()] == 1:
            by_long[long_key].append(acronym.lower())
    targets = set(mapping.values())
    found: dict[str, set[str]] = defaultdict(set)
    for target in targets:
        words = target.split()
        for i in range(len(words)):
            for j in range(i + 2, len(words) + 1):
                if j - i == len(words):
                    continue
                for acronym in by_long.get(" ".join(words[i:j]), ()):
                    for form in (acronym, acronym + "s"):
                        variant = normalise(" ".join(words[:i] + [form] + words[j:]))
                        if variant != target and variant not in targets and variant not in mapping:
                            found[variant].add(target)
    return {variant: next(iter(ts)) for variant, ts in found.items() if len(ts) == 1}


def written_in_text(key: str, texts: Iterable[str]) -> Counter:
    """How `texts` write a key word for word: its words in order with spaces or hyphens between them, the last one
    singular or plural ("mixture of expert" -> "mixture of experts", "mixture-of-experts"; "internet of thing" ->
    "Internet of Things"), as written. For keys no phrase stands for (a small word such as "of" ends a phrase,
    so "mixture of experts" is known only from acronym definitions, and its key's last word is made singular)."""
    words = key.split()
    if len(words) < 2 or not all(w.isalnum() for w in words):
        return Counter()
    last = words[-1]
    last_re = (re.escape(last[:-1]) + "(?:y|ies)" if last.endswith("y") else re.escape(last) + "(?:e?s)?")
    pattern = re.compile(r"(?<![\w-])" + r"[\s-]+".join([*(re.escape(w) for w in words[:-1]), last_re])
                         + r"(?![\w-])", re.IGNORECASE)
    found: Counter = Counter()
    for text in texts:
        found.update(" ".join(m.group(0).split()) for m in pattern.finditer(text or ""))
    return found


def title_case(form: str) -> bool:
    """"Speculative Decoding", "Embodied AI": every word capitalised (an acronym counts either way)."""
    words = [w for part in form.split() for w in part.split("-")
             if w and w[0].isalpha() and w not in _OPTIONAL_IN_ACRONYM]  # "Text-to-Image": "to" stays small
    return len(words) >= 2 and all(w[0].isupper() for w in words) and any(not w.isupper() for w in words)


# Papers write a topic in Title Case in their titles ("Speculative Decoding") and in lower case in their abstracts;
# a paper's first spelling is its title's, so listings mixed "Speculative Decoding" beside "visual reasoning" (a
# blind walkthrough). The running-text spelling is shown when at least this share of the papers write the name
# otherwise than in Title Case (a paper counts its first spelling, often its title's); a name nearly always
# capitalised ("American Sign Language", "Segment Anything Model") keeps its capitals.
RUNNING_TEXT_SHARE = 0.2


def _as_in_running_text(forms: Counter) -> str:
    name, n = forms.most_common(1)[0]
    if not title_case(name):
        return name
    lower = [(c, f) for f, c in forms.items() if not title_case(f)]
    if not lower or sum(c for c, _ in lower) < RUNNING_TEXT_SHARE * sum(forms.values()):
        return name
    return max(lower, key=lambda x: (x[0], x[1]))[1]


def display_names(surface_counts: dict[str, Counter], acronyms: AcronymMap, keys: Iterable[str]) -> dict[str, str]:
    """The most common way papers write each key, with its acronym when it has one."""
    acr_of = acronyms.acronym_of()
    out = {}
    for key in keys:
        forms = surface_counts.get(key)
        name = _as_in_running_text(forms) if forms else key
        name = _HALF_HYPHENATED_RE.sub(lambda m: f"-{m.group(1) or m.group(2)}-", name)
        if key in acr_of and acr_of[key].lower() != name.lower():
            name = f"{name} ({acr_of[key]})"
        out[key] = name
    return out
