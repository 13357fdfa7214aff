"""A model-free embedder: feature hashing of a text's words and word pairs into a fixed-size unit vector.

Deterministic (a keyed BLAKE2 hash, not Python's randomised `hash`), instant and dependency-free. Its
similarity is word overlap, not meaning: it serves the fast test tier and machines where no
sentence-transformers model can be loaded. Select it with `--model hash-384` or `TRENDSCOPE_MODEL=hash-384`.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.words import content_words

PREFIX = "hash-"
_DIM_RE = re.compile(r"^hash-(\d{2,4})$")


def is_hash_model(name: str) -> bool:
    return name.startswith(PREFIX)


@dataclass
class HashingEmbedder:
    model_id: str = "hash-384"
    dim: int = 384

    @classmethod
    def from_name(cls, name: str) -> HashingEmbedder:
        m = _DIM_RE.match(name)
        if not m or not 16 <= int(m.group(1)) <= 4096:
            raise TrendscopeError(f"hashing model names look like hash-384 (16..4096 dimensions), not {name!r}")
        return cls(model_id=name, dim=int(m.group(1)))

    def _features(self, text: str) -> list[str]:
        words = content_words(text)
        return words + [f"{a} {b}" for a, b in zip(words, words[1:])]

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in self._features(text):
                h = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(h[:4], "little") % self.dim
                out[row, bucket] += 1.0 if h[4] & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
            else:  # no content word: a fixed unit vector, so the row is still a valid embedding
                out[row, 0] = 1.0
            if progress is not None:
                progress(1)
        return out
