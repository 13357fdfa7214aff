"""Query vectors without PyTorch: a BERT sentence-transformers model (the packaged MiniLM) run in NumPy.

A search embeds one short query. Loading sentence-transformers for it means importing torch and transformers,
about 5 s before the first vector, so `trendscope search` spent most of its time starting up. This encoder
reads the same model files (`model.safetensors`, `tokenizer.json`, the sentence-transformers module list) and
computes the same forward pass (embeddings, self-attention layers, mean pooling, L2 normalisation) in float32
NumPy: 0.2-0.3 s to load, a few milliseconds per query. `tests/test_query_encoder.py` checks its vectors against
sentence-transformers' own (cosine > 0.9999 on real queries and titles).

It takes only what it can run exactly: a BERT encoder with absolute positions and GELU, mean pooling, an
optional Normalize module. Any other model (`--model`, `TRENDSCOPE_MODEL`) goes through `load_embedder` as
before; so does every bulk embedding (`trendscope index` batches papers through torch, in bf16 where the CPU
has it).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .embedder import Embedder, load_embedder, model_location, resolve_model
from .hash_embedder import HashingEmbedder, is_hash_model

log = logging.getLogger(__name__)

POOLING = "sentence_transformers.models.Pooling"
TRANSFORMER = "sentence_transformers.models.Transformer"
NORMALIZE = "sentence_transformers.models.Normalize"


class UnsupportedModel(Exception):
    """The model is not one this encoder computes exactly (the caller falls back to sentence-transformers)."""


@dataclass
class _Layer:
    # weights as (in, out), C-contiguous: OpenBLAS multiplies a few rows by them fastest (2.7x on x @ W.T)
    qkv_w: np.ndarray  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


def _layer_norm(x: np.ndarray, ln: tuple[np.ndarray, np.ndarray], eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * ln[0] + ln[1]


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.5e-7 (Abramowitz & Stegun 7.1.26), below float32's precision at these magnitudes: scipy's
    exact erf cost a one-shot `trendscope search` 0.2 s of importing scipy.special (1.25 s in all, against 1.0 s)."""
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    return np.sign(x) * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU, as BERT's "gelu" (not the tanh approximation)."""
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _read_json(path: Path) -> dict | list:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UnsupportedModel(f"{path.name}: {exc}") from exc


@dataclass
class NumpyBertEncoder:
    """Implements the `Embedder` protocol for short texts; float32 unit rows in input order."""

    model_id: str
    dim: int
    max_tokens: int
    heads: int
    eps: float
    _tokenizer: object = field(repr=False)
    _words: np.ndarray = field(repr=False)
    _positions: np.ndarray = field(repr=False)
    _type0: np.ndarray = field(repr=False)
    _ln: tuple[np.ndarray, np.ndarray] = field(repr=False)
    _layers: list[_Layer] = field(repr=False)

    @classmethod
    def load(cls, model_id: str, directory: str | Path) -> NumpyBertEncoder:
        root = Path(directory)
        modules = _read_json(root / "modules.json")
        kinds = [m.get("type") for m in modules] if isinstance(modules, list) else []
        if kinds not in ([TRANSFORMER, POOLING], [TRANSFORMER, POOLING, NORMALIZE]):
            raise UnsupportedModel(f"modules {kinds}")
        pooling = _read_json(root / modules[1].get("path", "") / "config.json")
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
        if modes != {"pooling_mode_mean_tokens"}:
            raise UnsupportedModel(f"pooling {sorted(modes)}")
        cfg = _read_json(root / "config.json")
        if (cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu"
                or cfg.get("position_embedding_type", "absolute") != "absolute"):
            raise UnsupportedModel(f"config {cfg.get('model_type')}/{cfg.get('hidden_act')}")
        st_cfg = _read_json(root / "sentence_bert_config.json")
        max_tokens = min(int(st_cfg.get("max_seq_length") or 512), int(cfg["max_position_embeddings"]))
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            weights = load_file(str(root / "model.safetensors"))
            tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        except Exception as exc:  # a missing file or another format: sentence-transformers decides
            raise UnsupportedModel(f"{exc.__class__.__name__}: {exc}") from exc
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=max_tokens)
        # sentence-transformers checkpoints store the BertModel with or without a "bert." prefix
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

        def w(name: str) -> np.ndarray:
            try:
                return np.ascontiguousarray(weights[prefix + name], dtype=np.float32)
            except KeyError as exc:
                raise UnsupportedModel(f"no weight {prefix + name}") from exc

        def ln(name: str) -> tuple[np.ndarray, np.ndarray]:
            return w(f"{name}.weight"), w(f"{name}.bias")

        layers = []
        for i in range(int(cfg["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            att = p + "attention.self."
            layers.append(_Layer(
                qkv_w=np.ascontiguousarray(np.concatenate([w(att + f"{x}.weight").T for x in ("query", "key", "value")],
                                                          axis=1)),
                qkv_b=np.concatenate([w(att + f"{x}.bias") for x in ("query", "key", "value")]),
                out_w=w(p + "attention.output.dense.weight").T.copy(), out_b=w(p + "attention.output.dense.bias"),
                ln1=ln(p + "attention.output.LayerNorm"),
                up_w=w(p + "intermediate.dense.weight").T.copy(), up_b=w(p + "intermediate.dense.bias"),
                down_w=w(p + "output.dense.weight").T.copy(), down_b=w(p + "output.dense.bias"),
                ln2=ln(p + "output.LayerNorm"),
            ))
        hidden = int(cfg["hidden_size"])
        return cls(model_id=model_id, dim=hidden, max_tokens=max_tokens, heads=int(cfg["num_attention_heads"]),
                   eps=float(cfg.get("layer_norm_eps", 1e-12)),
                   _tokenizer=tokenizer, _words=w("embeddings.word_embeddings.weight"),
                   _positions=w("embeddings.position_embeddings.weight"),
                   _type0=w("embeddings.token_type_embeddings.weight")[0], _ln=ln("embeddings.LayerNorm"),
                   _layers=layers)

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        from threadpoolctl import threadpool_limits

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # one BLAS thread: these matrices are small, and threads waiting for a core another process holds made a
        # query 15x slower on a busy 2-core machine (measured: 0.33 s against 0.023 s)
        with threadpool_limits(limits=1, user_api="blas"):
            for row, text in enumerate(texts):
                out[row] = self._one(self._tokenizer.encode(text).ids)
                if progress:
                    progress(1)
        return out

    def _one(self, ids: list[int]) -> np.ndarray:
        n, hidden = len(ids), self.dim
        head = hidden // self.heads
        x = self._words[ids] + self._positions[:n] + self._type0
        x = _layer_norm(x, self._ln, self.eps)
        for layer in self._layers:
            q, k, v = np.split(x @ layer.qkv_w + layer.qkv_b, 3, axis=1)
            q, k, v = (m.reshape(n, self.heads, head).transpose(1, 0, 2) for m in (q, k, v))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(1, 0, 2).reshape(n, hidden)
            x = _layer_norm(ctx @ layer.out_w + layer.out_b + x, layer.ln1, self.eps)
            up = _gelu(x @ layer.up_w + layer.up_b)
            x = _layer_norm(up @ layer.down_w + layer.down_b + x, layer.ln2, self.eps)
        vec = x.mean(0)  # mean pooling; unit length, as every Embedder's rows (Normalize module or not)
        return (vec / max(float(np.linalg.norm(vec)), 1e-12)).astype(np.float32)


def load_query_embedder(model: str | None = None) -> Embedder:
    """The embedder for search queries: NumPy where the model allows it exactly, else sentence-transformers."""
    name = resolve_model(model)
    if is_hash_model(name):
        return HashingEmbedder.from_name(name)
    location = Path(model_location(name))
    if location.is_dir():
        try:
            return NumpyBertEncoder.load(name, location)
        except UnsupportedModel as exc:
            log.info("query vectors through sentence-transformers (%s: %s)", name, exc)
    return load_embedder(name)
