"""foundation.files.atomic_write: readers see the old file or the new one; a failed write leaves no trace."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from trendscope.foundation import files
from trendscope.foundation.files import atomic_write


def test_writes_and_replaces_creating_the_folder(tmp_path):
    target = tmp_path / "a" / "b" / "feed.xml"
    atomic_write(target, b"first")
    assert target.read_bytes() == b"first"
    atomic_write(target, memoryview(b"second"), durable=False)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["feed.xml"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old model")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        atomic_write(target, b"new model")
    assert target.read_bytes() == b"old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_an_error_names_the_file_asked_for_not_the_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "x.bib"
    taken = tmp_path / ".x.bib.tmp-taken"
    taken.write_bytes(b"another writer's")  # open(..., "x") refuses it: an OSError about the temp path
    monkeypatch.setattr(files, "temp_name", lambda path: taken)
    with pytest.raises(FileExistsError) as err:
        atomic_write(target, b"x")
    assert err.value.filename == str(target)
    assert taken.read_bytes() == b"another writer's" and not target.exists()  # not ours: left alone


def test_the_file_gets_the_usual_permissions_not_a_private_temp_files(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "export.bib", b"@misc{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "export.bib").stat().st_mode) == 0o644


def test_temp_names_are_unique_hidden_and_found_by_the_index_doctor(tmp_path):
    names = {files.temp_name(tmp_path / "papers.faiss").name for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith(".papers.faiss.tmp-") for n in names)


def test_a_tag_model_is_written_whole_under_the_exact_name_given(tmp_path):
    from trendscope.index.tag_model import TagModel, TrendWeights, load_model, save_model

    w = TrendWeights(vector=np.ones(4, np.float32), rule=1.0, category=0.5, bias=-1.0, rules_only=(1.0, 0.5, -1.0))
    path = tmp_path / "my-model"  # no .npz: numpy would have added one, and the CLI then named a missing file
    save_model(path, TagModel(model_id="m", weights={"privacy": w}, rules_hashes={"privacy": "h"}, meta={}))
    assert [p.name for p in tmp_path.iterdir()] == ["my-model"]
    loaded = load_model(path)
    assert loaded is not None and loaded.weights["privacy"].bias == -1.0
