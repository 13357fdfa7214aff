"""Words of titles and abstracts: one tokenizer and one stop-word list for every stage.

Content words are lower-cased, LaTeX (`$...$`, `\\cmd`) removed, without stop words (English function words
and the generic vocabulary of paper abstracts), numbers and words shorter than three letters.
"""
from __future__ import annotations

import re

_WORD_RE = re.compile(r"[a-z][a-z0-9\-]*[a-z0-9]|[a-z]")
_LATEX_RE = re.compile(r"\$[^$]*\$|\\[a-zA-Z]+")

STOP_WORDS = frozenset("""
a about above achieve achieved achieves across additionally address addresses after again against all almost
along also although always am among an and another any approach approaches are around art as assume at available
based baseline baselines be because been before being below benchmark benchmarks better between both but by can
cannot capabilities capability challenge challenges challenging code compared could data dataset datasets deep
demonstrate demonstrates did different do does doing done down due during each effective effectively either else
enable enables end et etc evaluate evaluation even ever every existing experimental experiments extensive few
first for framework frameworks from further furthermore given had has have having here high how however i if
improve improved improvement improves in including into introduce introduced introduces is it its itself just
key large learning leaving less leverage leverages like low made main make makes many may method methods might
model models more moreover most much must network networks neural new no nor not novel now observe observed
observes of off often on once one only or other our ours out outperform outperforms over own paper particular
particularly per perform performance performs present presents previous problem problems propose proposed
proposes provide provides publicly rather recent recently remain remains respectively result results same second
several shall should show shown shows significant significantly since so some specifically state-of-the-art
still studies study such task tasks termed than that the their them then there thereby therefore these they this
those three through thus to too toward towards two under until up upon us use used uses using various very via
was way we well well-known were what when where whereas whether which while who whom whose why will with within
without work works would yet you your
""".split())


def content_words(text: str) -> list[str]:
    """Content words of a text, in order (stop words, numbers and LaTeX removed)."""
    text = _LATEX_RE.sub(" ", text or "").lower()
    return [w for w in _WORD_RE.findall(text) if w not in STOP_WORDS and len(w) > 2 and not w[0].isdigit()]
