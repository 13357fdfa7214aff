"""foundation.json_lines: one bad line costs that line, never the file; the readers of label files, papers to tag
and a corpus use it the same way (plain or gzip, by content)."""
from __future__ import annotations

import gzip

import pytest

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.json_lines import BadJsonLine, read_json_objects
from trendscope.index.tag_files import read_papers
from trendscope.index.tag_training import read_corpus_texts, read_label_file
from trendscope.index.taxonomy import load_taxonomy

LINES = [b'{"id": "a"}', b"", b'{"id": "\xff"}', b"[1, 2]", b"{not json", b'{"id": "b"}']


def test_every_object_is_read_and_every_bad_line_named(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\n".join(LINES) + b"\n")
    got = list(read_json_objects(path))
    assert [n for n, _ in got] == [1, 3, 4, 5, 6]  # the blank line 2 is passed over
    assert got[0] == (1, {"id": "a"}) and got[-1] == (6, {"id": "b"})
    bad = [item for _, item in got if isinstance(item, BadJsonLine)]
    assert [str(b) for b in bad] == [f"{path}:3: not UTF-8 (byte 9); skipped",
                                     f"{path}:4: expected a JSON object; skipped",
                                     f"{path}:5: not valid JSON (Expecting property name enclosed in double quotes); "
                                     "skipped"]


def test_a_byte_order_mark_is_not_an_error(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a"}\r\n{"id": "b"}\r\n')  # as Notepad saves it
    assert list(read_json_objects(path)) == [(1, {"id": "a"}), (2, {"id": "b"})]


def test_gzip_is_read_by_content_whatever_the_name(tmp_path):
    path = tmp_path / "corpus.jsonl"  # no .gz suffix
    path.write_bytes(gzip.compress(b'{"id": "2101.00001", "title": "T", "abstract": "A", "categories": ["cs.LG"]}\n'
                                   b'\xfe\n'))
    assert read_corpus_texts(path, {"2101.00001", "2101.00002"}) == {"2101.00001": ("T", "A", ["cs.LG"])}


def test_a_file_that_cannot_be_read_is_one_error_naming_it(tmp_path):
    with pytest.raises(TrendscopeError, match=r"cannot read corpus .*nope\.jsonl"):
        list(read_json_objects(tmp_path / "nope.jsonl", "corpus"))
    cut = tmp_path / "cut.jsonl.gz"
    whole = gzip.compress(b"".join(b'{"id": "%d"}\n' % i for i in range(5000)))
    cut.write_bytes(whole[: len(whole) // 2])  # a truncated download
    with pytest.raises(TrendscopeError, match=r"cannot read corpus .*cut\.jsonl\.gz after line"):
        read_corpus_texts(cut, {"a"})


def test_label_file_refuses_a_bad_byte_naming_its_line(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_bytes(b'{"id": "2101.00001", "labels": ["privacy"]}\n{"id": "2101.0000\xff", "labels": []}\n')
    with pytest.raises(TrendscopeError, match=r"labels\.jsonl:2: not UTF-8 \(byte 18\)"):
        read_label_file(path, load_taxonomy().names)


def test_papers_to_tag_keep_the_good_lines_around_a_bad_byte(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id": "x1", "title": "T1", "abstract": "A1"}\n'
                     b'{"id": "x2", "title": "T\xc3", "abstract": "A2"}\n'
                     b'{"id": "x3", "title": "T3", "abstract": "A3"}\n')
    papers, problems = read_papers(path)
    assert [p.id for p in papers] == ["x1", "x3"] and [p.line for p in papers] == [1, 3]
    assert problems == [f"{path}:2: not UTF-8 (byte 25); skipped"]
