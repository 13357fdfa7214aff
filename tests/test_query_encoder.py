"""Query vectors in NumPy (index/query_encoder.py): the packaged MiniLM's own vectors, without importing torch."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from index_support import make_home, spread

from trendscope.index.embedder import DEFAULT_MODEL, load_embedder, model_location
from trendscope.index.hash_embedder import HashingEmbedder
from trendscope.index.indexer import run_index
from trendscope.index.query_encoder import NumpyBertEncoder, UnsupportedModel, load_query_embedder

QUERIES = ["graph neural networks for molecule property prediction", "LoRA", "RLHF reward hacking",
           "protein structure prediction with language models", "x", "", "naïve café — déjà vu, 東京",
           "federated learning non-IID clients " * 80]


@pytest.fixture(scope="module")
def encoder() -> NumpyBertEncoder:
    return NumpyBertEncoder.load(DEFAULT_MODEL, model_location(DEFAULT_MODEL))


def test_unit_rows_in_input_order_and_the_same_vector_alone_or_in_company(encoder):
    vecs = encoder.encode(QUERIES)
    assert vecs.shape == (len(QUERIES), 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    alone = encoder.encode([QUERIES[2]])[0]
    assert np.allclose(alone, vecs[2], atol=1e-6)
    assert encoder.encode([]).shape == (0, 384)
    # related queries sit closer than unrelated ones (a broken layer scrambles this)
    a, b, c = encoder.encode(["graph neural networks for molecules", "GNNs for molecular property prediction",
                              "speech recognition in noisy rooms"])
    assert a @ b > a @ c + 0.2


def test_a_long_query_is_cut_where_the_model_stops_reading(encoder):
    long = QUERIES[-1]
    ids = encoder._tokenizer.encode(long).ids
    assert len(ids) == encoder.max_tokens == 256
    # the same vector as the text made of its first 254 word pieces ([CLS] and [SEP] take two places)
    words = encoder._tokenizer.decode(ids[1:-1])
    assert float(encoder.encode([long])[0] @ encoder.encode([words])[0]) > 0.9999


def _copy_model(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(model_location(DEFAULT_MODEL), dst)
    return dst


def test_models_it_cannot_compute_exactly_are_refused(tmp_path):
    model = _copy_model(tmp_path)
    pooling = model / "1_Pooling" / "config.json"
    cfg = json.loads(pooling.read_text())
    pooling.write_text(json.dumps(cfg | {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    with pytest.raises(UnsupportedModel, match="pooling"):
        NumpyBertEncoder.load("cls-pooled", model)
    pooling.write_text(json.dumps(cfg))
    config = model / "config.json"
    config.write_text(json.dumps(json.loads(config.read_text()) | {"model_type": "roberta"}))
    with pytest.raises(UnsupportedModel, match="roberta"):
        NumpyBertEncoder.load("roberta", model)
    config.write_text(json.dumps(json.loads(config.read_text()) | {"model_type": "bert"}))
    (model / "model.safetensors").unlink()
    with pytest.raises(UnsupportedModel):
        NumpyBertEncoder.load("no weights", model)


def test_the_hashing_model_stays_the_hashing_model():
    assert isinstance(load_query_embedder("hash-384"), HashingEmbedder)
    assert isinstance(load_query_embedder(DEFAULT_MODEL), NumpyBertEncoder)


def test_a_cli_search_embeds_its_query_without_importing_torch(tmp_path, sample_rows, encoder):
    """The point of the encoder: `trendscope search` starts in about a second, not six."""
    home, db = make_home(tmp_path / "home", spread(sample_rows, 12))
    run_index(db, home, progress=False, embedder=encoder, update_tags=False)
    db.conn.close()
    script = ("import sys\nfrom trendscope.ui.cli import main\n"
              f"main(['--home', {str(home.root)!r}, 'search', 'speech recognition', '--json', '-n', '3'], "
              "standalone_mode=False)\n"
              "print('torch imported' if 'torch' in sys.modules else 'no torch')\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len([json.loads(x) for x in lines[:-1]]) == 3
    assert lines[-1] == "no torch"


@pytest.mark.slow
def test_the_same_vectors_as_sentence_transformers(encoder, sample_rows):
    st = load_embedder(DEFAULT_MODEL, precision="fp32")
    texts = QUERIES + [r["title"] for r in spread(sample_rows, 60)]
    ours, theirs = encoder.encode(texts), st.encode(texts)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.9999, texts[int(cosines.argmin())]


def test_the_encoders_erf_is_scipys_to_float32_precision():
    """GELU's erf without importing scipy.special (0.2 s of a one-shot search): the same values to 2e-7."""
    from scipy.special import erf

    from trendscope.index.query_encoder import _erf

    x = np.linspace(-8, 8, 200_001)
    assert np.abs(_erf(x) - erf(x)).max() < 2e-7
    assert _erf(np.float32(0.0)) == 0.0 and np.all(_erf(-x) == -_erf(x))
