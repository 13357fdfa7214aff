"""Rising topics: phrase candidates, acronym merging, and a burst that the statistic finds while steady or
corpus-wide words stay out."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from index_support import make_home, paper_from_row

from trendscope.index.emerging_topics import emerging_topics
from trendscope.index.indexer import run_index
from trendscope.index.topic_corpus import name_feature_table
from trendscope.index.topic_names import FEATURES, load_name_model
from trendscope.index.topic_phrases import AcronymMap, display_names, normalise, paper_phrases
from trendscope.ingest.store import PaperStore
from trendscope.ui.cli import main


def test_candidates_are_multiword_terms_and_acronyms_with_their_expansions():
    pp = paper_phrases("Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks",
                       "We propose a novel recipe for retrieval-augmented generation (RAG) models, which "
                       "substantially improves direct preference optimization (DPO) with LoRA adapters.")
    assert {"retrieval augmented generation", "direct preference optimization", "RAG", "DPO", "LoRA", "NLP"} \
        <= set(pp.surfaces)
    assert pp.definitions == {"RAG": "retrieval augmented generation", "DPO": "direct preference optimization"}
    assert not any(k.startswith(("novel", "substantially", "propose")) for k in pp.surfaces)
    assert "Retrieval-Augmented" not in pp.surfaces  # a title-case word is not an acronym
    assert normalise("Vision-Language Models") == "vision language model" == normalise("vision language model")


def test_an_acronym_written_in_the_plural_is_the_same_candidate_as_the_singular():
    # "MLLMs" and "MLLM" were listed side by side as two rising topics
    plural = paper_phrases("Hallucination in MLLMs", "We study ViTs, MoEs and GANs; compressed LLMs too.")
    assert {"MLLM", "ViT", "MoE", "GAN", "compressed llms"} <= set(plural.surfaces)
    assert plural.surfaces["MLLM"] == "MLLMs"  # shown as written
    assert {"MLLMs", "ViTs", "MoEs", "GANs"}.isdisjoint(plural.surfaces)
    singular = paper_phrases("An MLLM", "Audio TTS and SSL (not plurals: capital S).")
    assert {"MLLM", "TTS", "SSL"} <= set(singular.surfaces)
    defined = paper_phrases("", "Multimodal large language models (MLLMs) are popular.")
    assert defined.definitions == {"MLLM": "multimodal large language model"}


def test_a_hyphenated_word_counts_once_towards_the_four_word_limit():
    pp = paper_phrases("Text-to-image diffusion models for zero-shot text-to-speech",
                       "Large text-to-image diffusion models meet few-shot class-incremental learning today.")
    assert {"text to image diffusion model", "zero shot text to speech", "few shot class incremental learning"} \
        <= set(pp.surfaces)  # three, two and two words as written; five and six once hyphens are spaces
    assert "text to image diffusion model" in pp.closed and "large text to image diffusion model" in pp.surfaces
    assert not any(len(k.split()) > 6 for k in pp.surfaces)


@pytest.mark.parametrize("written, key", [
    ("social biases", "social bias"), ("task families", "task family"), ("object classes", "object class"),
    ("image patches", "image patch"), ("KV caches", "kv cache"), ("time series", "time series"),
    ("data analysis", "data analysis"), ("text corpus", "text corpus"), ("bounding boxes", "bounding box"),
    ("Gaussian process", "gaussian process"),
])
def test_a_plural_last_word_becomes_singular(written, key):
    assert normalise(written) == key


def test_a_name_nearly_always_written_inside_one_longer_name_is_a_fragment():
    from trendscope.index.topic_corpus import _fragments

    df = Counter({"visual question": 100, "visual question answering": 95, "vision language model": 100,
                  "large vision language model": 30, "vision language model based": 20, "elastic weight": 10,
                  "elastic weight consolidation": 4, "weight consolidation": 20})
    candidates = {"visual question", "vision language model", "elastic weight", "weight consolidation"}
    assert _fragments([df], candidates, 0.6) == {"visual question"}
    df2 = Counter({"elastic weight consolidation": 5})  # counts add up over the trends
    assert _fragments([df, df2], candidates, 0.6) == {"visual question", "elastic weight"}


def test_a_long_name_ending_in_a_fragment_is_a_fragment_unless_its_tail_is_one_hyphenated_word():
    from trendscope.index.topic_corpus import _fragments

    df = Counter({"red teaming large language": 7, "large language": 100, "large language model": 95,
                  "memory efficient fine tuning": 20, "fine tuning": 5, "fine tuning large": 4,
                  "open domain question answering": 9, "question answering": 80, "question answering task": 10})
    candidates = {"red teaming large language", "memory efficient fine tuning", "open domain question answering"}
    assert _fragments([df], candidates, 0.6) == {"red teaming large language"}


def _fragments_by_every_phrase(dfs, candidates, share):
    """`_fragments` as first written: every phrase split, no floor (the reference the faster one must equal)."""
    df = Counter()
    for d in dfs:
        df.update(d)
    tails = {k: " ".join(k.split()[-2:]) for k in candidates if k.count(" ") >= 3}
    wanted = candidates | set(tails.values())
    longest, longest_right = Counter(), Counter()
    for k, n in df.items():
        words = k.split()
        if len(words) >= 3:
            for part in (" ".join(words[:-1]), " ".join(words[1:])):
                if part in wanted:
                    longest[part] = max(longest[part], n)
            head = " ".join(words[:-1])
            if head in wanted:
                longest_right[head] = max(longest_right[head], n)
    out = {k for k in candidates if longest[k] >= share * df[k]}
    return out | {k for k, t in tails.items() if df[t] >= df[k] and longest_right[t] >= share * df[t]}


def test_fragments_skipping_rare_phrases_finds_what_splitting_every_phrase_finds():
    import random

    from trendscope.index.topic_corpus import _fragments

    rng = random.Random(7)
    words = ["large", "language", "model", "fine", "tuning", "vision", "red", "teaming"]
    for _ in range(300):
        phrases = {" ".join(rng.choice(words) for _ in range(rng.randint(1, 5))) for _ in range(40)}
        dfs = [Counter({p: rng.choice([0, 1, 2, 3, 5, 8, 20]) for p in phrases}) for _ in range(2)]
        candidates = set(rng.sample(sorted(phrases), 12)) | {"never written at all"}
        if rng.random() < 0.5:
            candidates.discard("never written at all")
        assert _fragments(dfs, candidates, 0.6) == _fragments_by_every_phrase(dfs, candidates, 0.6)


def test_merging_acronyms_replaces_each_acronym_key_by_its_expansion_key():
    from trendscope.index.topic_corpus import _merger

    merge = {"rag": "retrieval augmented generation", "llm": "large language model"}
    merged = _merger(merge)
    for keys in (["rag", "in context learning", "llm"], ["in context learning"], [],
                 ["rag", "retrieval augmented generation"]):
        assert merged(set(keys)) == {merge.get(k, k) for k in keys}


@pytest.mark.parametrize("written, shown", [
    ("mixture-of experts", "mixture-of-experts (MoE)"), ("Text-to Speech", "Text-to-Speech"),
    ("text to-speech", "text-to-speech"), ("chain of thought", "chain of thought"),
    ("vision-and-language navigation", "vision-and-language navigation"),
    ("Many-Shot In-Context Learning", "Many-Shot In-Context Learning"), ("plug-in modules", "plug-in modules"),
])
def test_a_name_hyphenated_on_one_side_of_a_short_word_is_shown_hyphenated_on_both(written, shown):
    from trendscope.index.topic_phrases import display_names

    acr = AcronymMap(min_papers=1)
    acr.add({"MoE": "mixture of expert"})
    key = normalise(written)
    assert display_names({key: Counter({written: 2})}, acr, [key])[key] == shown


@pytest.mark.parametrize("name, event", [("AAAI2021", True), ("SemEval-2019", True), ("wmt 2014", True),
                                         ("GPT-4", False), ("COVID-19", False), ("YOLOv8", False)])
def test_an_event_named_by_its_year_is_not_a_topic(name, event):
    from trendscope.index.topic_corpus import EVENT_RE as _EVENT_RE

    assert bool(_EVENT_RE.match(name)) is event


@pytest.mark.parametrize("written", ["multi-modal large language models", "Multimodal Large Language Models",
                                     "multi modal large language model"])
def test_a_compound_written_joined_hyphenated_or_apart_is_one_key(written):
    # "Multi-modal Large Language Models (MM-LLM)" and "Multimodal Large Language Models (MLLM)" were listed side
    # by side in the same month, as were "pre-trained language models" and "pretrained language models"
    assert normalise(written) == "multimodal large language model"
    assert normalise("language model pre-training") == normalise("language model pretraining")
    assert normalise("fine-tuning LLMs") == normalise("finetuning LLMs") == "finetuning llms"
    # the trend's own label, however it is spelled, so that "own names" match
    assert normalise("Self-supervised learning") == normalise("selfsupervised learning")


@pytest.mark.parametrize("written, key", [
    ("pre-training", "pre training"),          # one word once joined: no two-word candidate of its own
    ("control over generation", "control over generation"),  # "over", "under", "few", "zero" are words too
    ("zero-shot learning", "zero shot learning"),
    ("co-training method", "cotraining method"),  # "co" is no word of its own: joined like "pre"
    ("non-IID data", "non iid data"),           # "iid": too short to be the rest of a compound
])
def test_prefixes_are_joined_only_where_a_compound_is_meant(written, key):
    assert normalise(written) == key


def test_an_expansion_with_two_acronyms_is_shown_with_the_one_most_papers_define():
    acr = AcronymMap(min_papers=2)
    for _ in range(5):
        acr.add({"MLLM": "multimodal large language model"})
    for _ in range(3):
        acr.add({"MM-LLM": "multimodal large language model"})
    assert acr.acronym_of() == {"multimodal large language model": "MLLM"}
    assert display_names({"multimodal large language model": Counter({"Multimodal Large Language Models": 3})},
                         acr, ["multimodal large language model"]) == {
        "multimodal large language model": "Multimodal Large Language Models (MLLM)"}


def test_an_acronym_merges_with_the_expansion_most_papers_give():
    acr = AcronymMap(min_papers=2)
    acr.add({"RAG": "retrieval augmented generation"})
    acr.add({"RAG": "retrieval augmented generation"})
    acr.add({"RAG": "random anchor graph"})
    assert acr.key("RAG") == "retrieval augmented generation"
    acr.add({"XYZ": "x y z"})
    assert acr.key("XYZ") == "XYZ"  # one definition is not enough


RISING = ("Banana routing for efficient inference: model compression with quantization",
          "We study banana routing, a quantization scheme for model compression that reduces inference cost, "
          "through a mango pipeline.")


SLOW = ("Kiwi sparsity for efficient inference: pruning large models",
        "We study kiwi sparsity, a pruning scheme that makes inference efficient and cheap.")


@pytest.fixture(scope="module")
def rising_home(tmp_path_factory, sample_rows, embedder):
    rows = [r for r in sample_rows if "2022-01-01" <= r["published"] < "2024-01-01"]
    home, db = make_home(tmp_path_factory.mktemp("topics") / "home", rows)
    extra = []
    for i in range(12):  # a burst in 2023-11 and 2023-12, spread over weeks
        day = f"2023-{11 + i % 2}-{2 + 2 * (i // 2):02d}"
        extra.append(paper_from_row(rows[0], id=f"2399.{90000 + i}", title=RISING[0], abstract=RISING[1],
                                    published=f"{day}T00:00:00Z", updated=f"{day}T00:00:00Z", version=1,
                                    categories=["cs.LG"]))
    for i in range(6):  # a slow rise: one paper a month from 2023-05, never 4 in one month
        day = f"2023-{5 + i:02d}-{3 + 4 * (i % 4):02d}"
        extra.append(paper_from_row(rows[0], id=f"2399.{91000 + i}", title=SLOW[0], abstract=SLOW[1],
                                    published=f"{day}T00:00:00Z", updated=f"{day}T00:00:00Z", version=1,
                                    categories=["cs.LG"]))
    PaperStore(db).upsert(extra)
    run_index(db, home, progress=False, embedder=embedder)
    return home, db


def test_a_burst_inside_a_trend_is_listed_with_its_first_papers(rising_home):
    _home, db = rising_home
    res = emerging_topics(db, freq="month", trends=["efficiency"])
    by_period = {r["period"]: r for r in res.records}
    listed = [(d["name"], d["also"]) for d in by_period["2023-11-01"]["details"]]
    assert any("banana routing" in t.lower() for t in by_period["2023-11-01"]["topics"]), listed
    detail = next(d for d in by_period["2023-11-01"]["details"] if "banana routing" in d["name"].lower())
    assert detail["papers"] >= 4 and detail["growth"] >= 2 and detail["first_papers"][0].startswith("2399.")
    assert detail["growth_same_categories"] >= 2  # its papers' category wrote it more often too
    low, high = detail["growth_interval"]  # its uncertainty: a 90% interval around the growth (6 papers and
    assert 0 < low < detail["growth"] < high and high / low > 10  # none before: a wide one)
    # its own curve: the trend's papers using it and all the trend's papers, month by month up to 2023-11
    curve = detail["curve"]
    assert curve[-1][:2] == ["2023-11-01", 6] and curve[-1][2] >= 6  # 6 of the 12 burst papers are in 2023-11
    assert [c[0] for c in curve] == sorted(c[0] for c in curve) and len(curve) <= 24
    assert all(n == 0 for period, n, _total in curve if period < "2023-11-01")
    dec = next(d for d in by_period["2023-12-01"]["details"] if "banana routing" in d["name"].lower())
    assert [c[1] for c in dec["curve"][-2:]] == [6, 6]
    assert not any("banana" in t.lower() for p, r in by_period.items() if p < "2023-11-01" for t in r["topics"])
    # bursting just as much, but never named in a title: a phrase, not a topic
    assert not any("mango" in t.lower() for r in res.records for t in r["topics"])
    for r in res.records:
        assert len(r["topics"]) <= 10
        assert not any(t.lower() in ("neural network", "large language model") for t in r["topics"])


def test_two_names_of_the_same_papers_are_listed_as_one_topic_but_a_subtopic_keeps_its_place():
    from trendscope.index.topic_choice import choose_topics as _choose

    papers = {"multimodal large language model": set(range(20)), "mllms": set(range(2, 20)),
              "gpt-4o": {1, 2, 3, 4}, "augmented generation": {30, 31}, "retrieval augmented generation": {30, 31, 32},
              "visual tokens": set(range(10, 30))}
    # (G2, key, ...) best first, as emerging_topics scores them
    scored = [(9.0, "multimodal large language model"), (8.0, "retrieval augmented generation"), (7.0, "mllms"),
              (6.0, "gpt-4o"), (5.0, "augmented generation"), (4.0, "visual tokens")]
    chosen, also = _choose(scored, 3, 0.7, papers.__getitem__)
    # "mllms": 18 of the 20 papers (Jaccard 0.9) -> another name of the first; "gpt-4o" is written by few of the
    # MLLM papers (4 of 20: a subtopic, its own place); "augmented generation" sits inside a listed name; the
    # merged name does not use up one of the 3 places, so "visual tokens" (Jaccard 10/30 with the first) is not
    # reached only because 3 are listed
    assert [c[1] for c in chosen] == ["multimodal large language model", "retrieval augmented generation", "gpt-4o"]
    assert also == {"multimodal large language model": ["mllms"]}
    chosen, also = _choose(scored, 10, 1.01, papers.__getitem__)  # above 1: never merged
    assert "mllms" in [c[1] for c in chosen] and not also


def test_a_name_with_words_left_out_is_listed_with_the_longer_name_its_papers_write():
    """A blind walkthrough: "KV compression" (6 papers) and "KV Cache Compression" (13) were listed side by side
    in efficiency, 2026-06, with the same typical papers. A name whose words are all in a better-ranked one, when
    half its papers write that one too, is shown with it; "LoRA" is no short form of "LoRA experts", though nearly
    every paper on LoRA experts writes "LoRA" (the share is of the shorter name's papers)."""
    from trendscope.index.topic_choice import choose_topics as _choose

    papers = {"kv cache compression": set(range(13)), "kv compression": {0, 1, 2, 3, 20, 21},
              "lora expert": {40, 41, 42, 43}, "LoRA": set(range(40, 80)), "cache eviction": {0, 1, 2, 3, 4}}
    scored = [(9.0, "kv cache compression"), (8.0, "kv compression"), (7.0, "lora expert"), (6.0, "LoRA"),
              (5.0, "cache eviction")]
    chosen, also = _choose(scored, 10, 0.7, papers.__getitem__)
    assert [c[1] for c in chosen] == ["kv cache compression", "lora expert", "LoRA", "cache eviction"]
    assert also == {"kv cache compression": ["kv compression"]}  # 4 of its 6 papers write the longer name
    papers["kv compression"] = {0, 1, 20, 21, 22, 23}  # 2 of 6: a topic of its own
    assert "kv compression" in [c[1] for c in _choose(scored, 10, 0.7, papers.__getitem__)[0]]


def test_two_names_the_same_but_for_their_last_word_are_one_topic_when_their_papers_write_both():
    """A blind walkthrough: "embodied agents" and "embodied AI" were listed side by side in one month. Names the
    same but for their last word are one topic when half the lower-ranked one's papers write the other; subtopics
    with a shared head ("token pruning", "token merging") are written by different papers and keep their places,
    and a small name does not take in a larger one ("scene generation": 2 of its 11 papers write "scene
    exploration")."""
    from trendscope.index.topic_choice import choose_topics as _choose

    papers = {"embodied agent": set(range(12)), "embodied AI": {0, 1, 2, 3, 4, 30, 31, 32},
              "token pruning": set(range(50, 60)), "token merging": {50, 51, 70, 71, 72, 73},
              "scene exploration": {80, 81, 82, 83}, "scene generation": {80, 81, *range(90, 99)}}
    scored = [(9.0, "embodied agent"), (8.0, "token pruning"), (7.5, "scene exploration"), (7.0, "embodied AI"),
              (6.0, "token merging"), (5.0, "scene generation")]
    chosen, also = _choose(scored, 10, 0.7, papers.__getitem__)
    assert [c[1] for c in chosen] == ["embodied agent", "token pruning", "scene exploration", "token merging",
                                      "scene generation"]
    assert also == {"embodied agent": ["embodied AI"]}  # 5 of its 8 papers write "embodied agent"
    papers["embodied AI"] = {0, 1, 2, 30, 31, 32, 33, 34}  # 3 of 8: kept apart
    assert "embodied AI" in [c[1] for c in _choose(scored, 10, 0.7, papers.__getitem__)[0]]


@pytest.mark.parametrize("acronym, long_key, spelled", [
    ("LoRA", "low rank adaptation", True), ("SpeechLMs", "speech language model", True),
    ("MoE", "mixture of experts", True), ("CLIP", "contrastive language image pretraining", True),
    ("LLM", "large language model", True), ("LLM", "multilingual large language model", False),
    ("DPO", "multimodal large language model", False), ("GPT-4o", "generative pretrained transformer", False),
    ("lora", "low rank adaptation", False),  # not an acronym
    ("LoRA", "rank adaptation", False), ("KV", "kv", False),
])
def test_an_acronym_is_spelled_by_the_starts_of_its_long_forms_words(acronym, long_key, spelled):
    from trendscope.index.topic_phrases import spells_acronym

    assert spells_acronym(acronym, long_key) is spelled


def test_an_acronym_and_its_long_form_rising_together_are_one_topic():
    """A blind walkthrough: "LoRA" and "Low-Rank Adaptation" were listed side by side in 19 trend-months of the full
    corpus (the initials "lra" are not "lora", so papers' definitions never merged them), "SpeechLMs" and "Speech
    Language Models" in 4. Merging their counts lost a known rise, so each still rises on its own papers; when both
    are listed in a month, the lower-ranked one is another name of the other."""
    from trendscope.index.topic_choice import choose_topics as _choose

    papers = {"LoRA": set(range(21)), "low rank adaptation": set(range(12, 21)), "GAN": {1, 2, 3, 40},
              "graph attention network": {40, 41, 42}, "prefix tuning": {50, 51}}
    scored = [(9.0, "LoRA"), (8.0, "graph attention network"), (7.0, "low rank adaptation"), (6.0, "GAN"),
              (5.0, "prefix tuning")]
    chosen, also = _choose(scored, 10, 0.7, papers.__getitem__)
    # the long form's 9 papers all write "LoRA" (Jaccard 9/21 only); "GAN" spells "graph attention network" but
    # shares 1 of its 3 papers with it: two topics
    assert [c[1] for c in chosen] == ["LoRA", "graph attention network", "GAN", "prefix tuning"]
    assert also == {"LoRA": ["low rank adaptation"]}


@pytest.mark.parametrize("name, also, shown", [
    # a blind walkthrough: KV-cache work was listed as "key value (KV)", and following it followed '"key value"'
    ("key value (KV)", ["KV cache"], ("KV cache", ["key value (KV)"])),
    ("COVID19", ["COVID19 Fake News Detection", "fake news"],
     ("COVID19 Fake News Detection", ["COVID19", "fake news"])),
    ("KV cache", ["key value (KV)"], ("KV cache", ["key value (KV)"])),
    ("Multimodal Large Language Models (MLLM)", ["MLLMs"], ("Multimodal Large Language Models (MLLM)", ["MLLMs"])),
    ("Grounding DINO", ["DINO"], ("Grounding DINO", ["DINO"])),
    ("CLEVR", ["visual reasoning"], ("CLEVR", ["visual reasoning"])),
])
def test_a_more_specific_name_of_the_same_papers_is_shown_first(name, also, shown):
    from trendscope.digest.api import topic_query
    from trendscope.index.topic_choice import specific_name_first

    assert specific_name_first(name, also) == shown
    assert topic_query(specific_name_first("key value (KV)", ["KV cache"])[0]) == '"KV cache"'


def test_a_name_rising_as_much_in_the_rest_of_the_corpus_is_the_corpus_rise_not_the_trends():
    from trendscope.index.rise_statistics import the_rests_rise

    # 2023-05, zero-shot papers and in-context learning (measured): the rest writes it in 41% of its papers now,
    # less than half: the trend's rise, listed although the field as a whole took it up faster
    assert not the_rests_rise(68, 3.7, 48, 11, 5176, 7544, min_rest_share=0.5)
    assert the_rests_rise(68, 3.7, 48, 11, 5176, 7544, min_rest_share=0.0)  # the test applied everywhere
    # a new source lifts a name five-fold in the rest, which writes most of it: not the trend's rise
    assert the_rests_rise(10, 2.0, 100, 60, 3000, 9000, min_rest_share=0.5)
    # the rest writes most of it but it did not rise there: the trend's own rise
    assert not the_rests_rise(10, 2.0, 100, 300, 3000, 9000, min_rest_share=0.5)


def test_the_baseline_in_nows_categories_explains_a_rise_made_by_the_source_mix():
    from trendscope.index.rise_statistics import mix_standardiser

    # before: 1,000 cs.CL papers of the trend, 10 use the name (1%); 100 cs.CV papers, 20 use it (20%);
    # now the mix turned: 100 cs.CL, 1,000 cs.CV, each writing it as before (1 and 200 papers)
    per_category = {"2023-01": {"cs.CL": Counter(k=10, even=100), "cs.CV": Counter(k=20, even=10)},
                    "2024-01": {"cs.CL": Counter(k=1, even=20), "cs.CV": Counter(k=200, even=200)}}
    n = {"2023-01": Counter({"cs.CL": 1000, "cs.CV": 100}), "2024-01": Counter({"cs.CL": 100, "cs.CV": 1000})}
    expected = mix_standardiser(per_category, n, ["2024-01"], ["2023-01"], prior=20.0)
    share_now, share_before = 201 / 1100, (30 + 0.5) / (1100 + 1)
    assert share_now / share_before > 6  # the trend's share as a whole: "6.6x"
    # in now's categories about 1x (1.16x: the 100 cs.CV papers before are shrunk towards the trend's 2.8% by 20
    # papers' worth), under the listing's 1.5x floor
    assert 1.0 < share_now / (expected("k", share_before) / 1100) < 1.2
    # a name every category writes as often (10%) keeps the plain baseline; so does one no category wrote before
    assert expected("even", (110 + 0.5) / 1101) / 1100 == pytest.approx(110.5 / 1101, rel=0.05)
    assert expected("new", 0.5 / 1101) / 1100 == pytest.approx(0.5 / 1101, rel=0.05)


def test_a_name_rising_only_because_its_category_grew_in_the_trend_is_not_listed(tmp_path, sample_rows,
                                                                                 embedder):
    """The corpus's sources changed (cs.CV 4% -> 61% of the papers of 2025-03): the multimodal trend listed
    "video understanding" and "Vision Transformers" as rising because more of its papers were vision papers, not
    because vision papers wrote them more often. A rise must hold in the same categories too."""
    rows = [r for r in sample_rows if "2022-01-01" <= r["published"] < "2024-01-01"]
    home, db = make_home(tmp_path / "home", rows)
    zebra = ("Zebra tuning for efficient inference: model compression with quantization",
             "We study zebra tuning, a quantization scheme for model compression that reduces inference cost.")
    plain = ("Efficient inference for vision models by quantization",
             "Model compression with quantization makes inference of vision models cheap and efficient.")
    language = ("Efficient inference for language models by pruning",
                "Pruning makes inference of large language models cheap and efficient.")
    extra = []
    for month in range(1, 11):  # each month 8 cs.CV papers, a quarter of them on zebra tuning, and 20 cs.CL
        extra += [(f"2023-{month:02d}-{2 + 3 * i:02d}", "cs.CV", zebra if i % 4 == 0 else plain) for i in range(8)]
        extra += [(f"2023-{month:02d}-{2 + i:02d}", "cs.CL", language) for i in range(20)]
    # then a flood of cs.CV papers, a quarter of them on zebra tuning as before, and a few cs.CL ones
    extra += [(f"2023-11-{2 + i % 25:02d}", "cs.CV", zebra if i % 4 == 0 else plain) for i in range(80)]
    extra += [(f"2023-11-{2 + i:02d}", "cs.CL", language) for i in range(5)]
    PaperStore(db).upsert([paper_from_row(rows[0], id=f"2397.{70000 + i}", title=t, abstract=a,
                                          published=f"{day}T00:00:00Z", updated=f"{day}T00:00:00Z", version=1,
                                          categories=[cat], primary_category=cat)
                           for i, (day, cat, (t, a)) in enumerate(extra)])
    run_index(db, home, progress=False, embedder=embedder)

    def zebra_in_november(**settings) -> list[dict]:
        res = emerging_topics(db, freq="month", trends=["efficiency"], since="2023-11-01", min_now=1, **settings)
        return [d for r in res.records if r["period"] == "2023-11-01" for d in r["details"]
                if "zebra" in d["name"].lower()]

    plain_baseline = zebra_in_november(category_prior=None)  # the trend's share before as a whole
    assert plain_baseline and plain_baseline[0]["growth"] >= 3, plain_baseline
    assert plain_baseline[0]["growth_same_categories"] is None
    assert not zebra_in_november()  # cs.CV papers wrote it in a quarter of theirs before and now: no rise


def test_growth_interval_narrows_with_more_papers_and_holds_the_growth():
    from trendscope.index.rise_statistics import growth_interval

    g_few, g_many = (6 / 300) / (4.5 / 901), (60 / 3000) / (40.5 / 9001)
    few, many = growth_interval(g_few, 6, 300, 4, 900), growth_interval(g_many, 60, 3000, 40, 9000)
    assert few[0] < g_few < few[1] and many[0] < g_many < many[1]
    assert many[1] / many[0] < few[1] / few[0]  # ten times the papers: a narrower interval
    assert growth_interval(0.0, 0, 300, 4, 900) == (0.0, 0.0)


def test_an_interval_reaching_one_says_the_rise_may_be_chance():
    from trendscope.index.rise_statistics import interval_text

    assert interval_text({"growth_interval": [1.3, 3.1]}) == "90% interval 1.3-3.1x"
    assert interval_text({"growth_interval": [0.6, 51.9]}) == "90% interval 0.6-51.9x: may be chance"
    # flagged by the figure shown: both read "1.0-", and only one was flagged (a blind walkthrough)
    assert interval_text({"growth_interval": [1.04, 121.7]}) == "90% interval 1.0-121.7x: may be chance"
    assert interval_text({"growth_interval": [1.05, 17.4]}) == "90% interval 1.1-17.4x"
    assert interval_text({"growth_interval": [0.0, 0.0]}) == interval_text({}) == ""


def test_a_rise_much_smaller_within_the_same_categories_says_so():
    from trendscope.index.rise_statistics import same_categories_text
    from trendscope.ui.app.rising_view import _growth_text

    # "Vision Transformers" in efficiency, 2025-04 (measured): 6.6x, of which the cs.CV papers' own rise is 1.9x
    vit = {"growth": 6.59, "growth_same_categories": 1.93, "growth_interval": [4.5, 9.6]}
    assert same_categories_text(vit) == "1.9x within the same arXiv categories"
    assert _growth_text(vit) == "6.6x, 90% interval 4.5-9.6x, 1.9x within the same arXiv categories"
    # about as large within the categories, or not standardised (a listing kept before): nothing to add
    assert same_categories_text({"growth": 3.0, "growth_same_categories": 2.5}) == ""
    assert same_categories_text({"growth": 3.0}) == same_categories_text({"growth": 3.0,
                                                                          "growth_same_categories": None}) == ""


def test_a_topic_curve_marks_months_whose_share_rests_on_few_trend_papers():
    from trendscope.ui.app.rising_view import THIN_MONTH_PAPERS, _topic_curve_frame

    # "100% of the trend" drawn as a full bar was one paper of one on a small home (a blind walkthrough)
    frame = _topic_curve_frame({"curve": [["2024-01-01", 1, 1], ["2024-02-01", 0, 0],
                                          ["2024-03-01", 6, THIN_MONTH_PAPERS], ["2024-04-01", 9, 60]]})
    assert list(frame["share"]) == [100.0, 0.0, 30.0, 15.0]
    assert list(frame["thin"]) == [True, True, False, False]
    assert list(frame["trend_papers"]) == [1, 0, THIN_MONTH_PAPERS, 60]


def test_rest_growth_without_evidence_is_one_whatever_the_spans_sizes():
    from trendscope.index.rise_statistics import rest_growth

    assert rest_growth(0, 0, 2500, 8500) == pytest.approx(1.0)
    assert rest_growth(0, 0, 8500, 2500) == pytest.approx(1.0)
    assert rest_growth(6, 2, 3000, 9000) > 3  # 6 in 3,000 now against 2 in 9,000 before
    assert rest_growth(2, 6, 3000, 9000) == pytest.approx(1.0, abs=0.05)  # the same share now and before
    assert rest_growth(3, 0, 0, 9000) == 1.0  # an empty span: nothing to compare


def test_a_thin_trend_is_judged_over_a_longer_span_so_a_slow_rise_is_found(rising_home):
    _home, db = rising_home
    res = emerging_topics(db, freq="month", trends=["efficiency"])
    by_period = {r["period"]: r for r in res.records}
    oct_ = by_period["2023-10-01"]
    assert oct_["window_papers"] >= oct_["papers"] and oct_["since"] < "2023-10-01"  # fewer than 600 a month
    listed = [p for p, r in by_period.items() if any("kiwi sparsity" in t.lower() for t in r["topics"])]
    assert listed and min(listed) >= "2023-08-01", listed  # listed once 4 papers are in the span, not before
    assert all(by_period[p]["since"] <= "2023-05-01" for p in listed[:1])
    # judged month by month (min_now=1), the same papers never make 4 in one month
    monthly = emerging_topics(db, freq="month", trends=["efficiency"], min_now=1)
    assert not any("kiwi" in t.lower() for r in monthly.records for t in r["topics"])
    assert all(r["since"] == r["period"] for r in monthly.records if r["papers"])


def test_cli_topics_json_has_the_interface_fields(rising_home):
    home, _db = rising_home
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--json"])
    assert out.exit_code == 0, out.output
    recs = [json.loads(x) for x in out.output.splitlines() if x.startswith("{")]
    assert recs and all({"trend", "period", "topics"} <= set(r) for r in recs)
    # by quarter without --topics too: "what rose in efficiency this quarter" was refused (a blind walkthrough)
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--freq", "quarter", "--since", "2023-01",
                                    "-t", "efficiency", "--json"])
    assert out.exit_code == 0, out.output
    quarters = [json.loads(x) for x in out.stdout.splitlines()]
    assert quarters and {r["period"][5:] for r in quarters} <= {"01-01", "04-01", "07-01", "10-01"}
    assert {r["trend"] for r in quarters} == {"efficiency"}
    # no record at all is said why on stderr (a home whose `index` was stopped before tagging printed nothing)
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--json", "--until", "1999-12"])
    assert out.exit_code == 0 and out.stdout == "", out.output
    assert "note: no records: no tagged papers in the periods asked for" in out.stderr


def test_first_papers_are_the_first_that_name_the_topic_in_their_title():
    """A blind walkthrough: the first paper of "Sparse Autoencoders" in interpretability was "Group Sparse CNNs for
    Question Classification" (2017), which mentions them once in its abstract."""
    from trendscope.index.emerging_topics import first_papers, first_users

    sae, other = "sparse autoencoder", "probing"
    phrase_sets = {1: {sae}, 2: {sae, other}, 3: {sae}, 4: {sae}, 5: {sae}, 6: {other}}
    in_title = {3: {sae}, 5: {sae}, 6: {other}}  # 1, 2 and 4 use it in their abstracts only
    users = first_users([1, 2, 3, 4, 5, 6], phrase_sets, in_title, {sae, other})
    def first(key, by=6):
        return first_papers(users[key], lambda pk: pk <= by)  # papers 1..6 in order of publication
    assert first(sae) == [3, 5, 1]  # the two naming it in their titles, then the oldest other user
    assert first(other) == [6, 2]  # named in a title first; then the abstract (older, but not the one that named it)
    assert first_papers(first_users([1, 2], phrase_sets, {}, {sae})[sae], lambda pk: True) == [1, 2]  # no title
    # a blind walkthrough: a paper of 2026-05 was a "first paper" of a rise listed for 2025-03; only papers
    # published by the end of the listed period count
    assert first(sae, by=4) == [3, 1, 2] and first(other, by=4) == [2]


def test_a_paper_that_used_a_topic_before_any_title_named_it_is_its_first_mention(rising_home, monkeypatch):
    """A walkthrough following rising topics: NVFP4's "first here" in June was a paper of May naming it in its
    title, beside a curve with bars from the September before (papers using it in their abstracts); in May, before
    that title, "first here" was the September paper. The first use is named as such, then the first titles."""
    from trendscope.index import topic_listings
    from trendscope.index.emerging_topics import first_mention, first_papers, first_users

    key = "nvfp4"
    phrase_sets = {1: {key}, 2: {key}, 3: {key}, 4: {key}, 5: {key}}
    in_title = {3: {key}, 4: {key}, 5: {key}}  # 1 and 2 use it in their abstracts only, earlier
    users = first_users([1, 2, 3, 4, 5], phrase_sets, in_title, {key})[key]
    firsts = first_papers(users, lambda pk: True)
    assert firsts == [3, 4, 5] and first_mention(users, firsts, lambda pk: True) == 1
    by_two = first_papers(users, lambda pk: pk <= 2)  # before any title: the first users are the first papers
    assert by_two == [1, 2] and first_mention(users, by_two, lambda pk: pk <= 2) is None
    # the text names it, titled, before the first titles
    home, _db = rising_home
    records = [json.loads(x) for x in CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics",
                                                                 "--json"]).stdout.splitlines()]
    record = next(r for r in reversed(records) if any(d["name"].lower().startswith("banana routing")
                                                      for d in r["details"]))
    detail = next(d for d in record["details"] if d["name"].lower().startswith("banana routing"))
    assert "first_mention" in detail  # in --json, null or an id
    other = next(pid for r in records for d in r["details"] for pid in d["central_papers"]
                 if pid not in detail["first_papers"])
    detail["first_mention"] = other
    kept = topic_listings.listed_topics(_db, freq="month")
    monkeypatch.setattr(topic_listings, "listed_topics", lambda *a, **k: replace(kept, records=[record]))
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--last", "1", "-t",
                                    record["trend"]])
    lines = out.output.splitlines()
    at = next(i for i, x in enumerate(lines) if x.lower().startswith("  banana routing"))
    assert re.fullmatch(rf'    first mention here: {re.escape(other)} "[^"]*" \(\d{{4}}-\d\d\)', lines[at + 1])
    assert lines[at + 2].startswith("    first titles naming it: "), lines[at + 2]


def test_a_title_names_a_topic_inside_a_longer_phrase_and_first_papers_read_oldest_first():
    """A blind walkthrough: "The Sparsely-Gated Mixture-of-Experts Layer" (2017) fell out of the first papers of
    "mixture-of-experts (MoE)" once three later titles said "MoE" (its title's phrases are "sparsely gated mixture of
    expert" and "mixture of experts layer", never the key itself), and first papers were listed "2021, 2017"."""
    from trendscope.index.emerging_topics import first_papers, first_users, oldest_first
    from trendscope.index.topic_corpus import key_in_title, title_words_of

    moe, lora = "mixture of expert", "LoRA"
    words = title_words_of(["sparsely gated mixture of expert", "mixture of experts layer"])
    assert key_in_title(moe, words) and not key_in_title("gated mixture of expert layer", words)
    assert key_in_title(lora, title_words_of(["lora based fine tuning"]))  # "LoRA-based Fine-Tuning"
    assert not key_in_title("expert", title_words_of(["expertise transfer"]))  # whole words only
    phrase_sets = {1: {moe}, 2: {moe}, 3: {moe}, 4: {moe}, 5: {moe}}
    in_title = {2: {moe}, 3: {moe}, 4: {moe}}  # three later titles say "MoE" (merged into the key)
    title_words = {1: words, 5: title_words_of(["routing network"])}
    users = first_users([1, 2, 3, 4, 5], phrase_sets, in_title, {moe}, title_words)
    assert first_papers(users[moe], lambda pk: True) == [1, 2, 3]
    without = first_users([1, 2, 3, 4, 5], phrase_sets, in_title, {moe})
    assert first_papers(without[moe], lambda pk: True) == [2, 3, 4]  # as before: the 2017 paper left out
    # chosen titles first, then listed by date: month, then arXiv id
    ids = {7: "2109.10465", 8: "1701.06538", 9: "2109.00001"}
    period = {7: "2021-09-01", 8: "2017-01-01", 9: "2021-09-01"}
    assert oldest_first([7, 8, 9], ids, period) == [8, 9, 7]


def test_quarters_are_named_as_quarters_in_the_text():
    from trendscope.ui.cli.topics_output import _span_text, period_name

    # a span longer than the period says how long, by quarter and week too ("4 papers," said nothing by quarter)
    assert _span_text("2025-07-01", "2026-04-01", "quarter") == " in 4 quarters"
    assert _span_text("2025-07-01", "2026-06-01", "month") == " in 12 months"
    assert _span_text("2026-06-08", "2026-06-22", "week") == " in 3 weeks"
    assert _span_text("2026-04-01", "2026-04-01", "quarter") == _span_text("2026-06-01", "2026-06-01", "month") == ""

    # "topics judged over the quarters from 2024-10 through 2025-01" read as ending in January (a walkthrough)
    assert [period_name(p, "quarter") for p in ("2024-10-01", "2025-01-01", "2025-04-01")] == [
        "2024-Q4", "2025-Q1", "2025-Q2"]
    assert period_name("2025-07-01", "month") == "2025-07"
    assert period_name("2026-06-01", "week") == "2026-W23"  # the ISO week, as digests name weeks


def test_cli_topics_text_names_each_topic_with_its_growth_interval_and_first_papers(rising_home):
    home, _db = rising_home
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--last", "2"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    at = next(i for i, x in enumerate(lines) if x.lower().startswith("  banana routing"))
    # a topic no paper of the trend used the year before is "new", not "4.8x" (a figure of the smoothing's floor of
    # half a paper: a blind walkthrough quoted it); one that was used shows its growth
    assert re.search(r"(\d\.\dx its share|new: none of the trend's [\d,]+ papers) the year before \(90% interval ",
                     lines[at]), lines[at]
    # the oldest first paper with its title and month: bare ids said nothing (a blind walkthrough)
    first = (r'    first here: 2399\.\d{5} "[^"]*Banana routing[^"]*" \(\d{4}-\d\d\)'
             r'(; then 2399\.\d{5}(, 2399\.\d{5})*)?')
    assert re.fullmatch(first, lines[at + 1], re.I), lines[at + 1]
    # then its most typical papers now, as --json's central_papers (--help promised them; only --json had them)
    typical = r'    typical now: (2399\.\d{5}) "[^"]*" \(\d{4}-\d\d\)(; then 2399\.\d{5}(, 2399\.\d{5})*)?'
    assert (m := re.fullmatch(typical, lines[at + 2], re.I)), lines[at + 2]
    records = [json.loads(x) for x in CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics",
                                                                 "--json"]).stdout.splitlines()]
    assert m[1] in {pid for r in records for d in r["details"] if d["name"].lower().startswith("banana routing")
                    for pid in d["central_papers"][:1]}
    # a span over several months names them by month, its last one included ("..2026-06-01" read as ending 1 June)
    heads = [x for x in out.output.splitlines() if "topics judged over the months from " in x]
    assert heads and all(re.search(r"from \d{4}-\d\d through \d{4}-\d\d\)$", x) for x in heads), heads


def test_cli_topics_say_when_a_trend_shows_an_older_month(rising_home):
    """A blind walkthrough: every trend showed the newest month but one, which showed an older one without a word
    (it had no paper since)."""
    home, _db = rising_home
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics"])
    assert out.exit_code == 0, out.output
    # stdout: the first run of a home also says on stderr that it is computing (it read as a trend's heading when
    # this test ran first)
    heads = [x.split()[:2] for x in out.stdout.splitlines() if x and not x.startswith((" ", "note", "topics"))]
    newest = max(p for _, p in heads)
    older = [t for t, p in heads if p < newest]
    assert older, heads  # the fixture has such a trend (continual)
    for trend in older:
        assert f"  (no {trend} paper in the months after " in out.output
    assert out.output.count("  (no ") == len(older)


def test_cli_topics_text_shows_a_topics_other_names(rising_home, monkeypatch):
    from trendscope.index import topic_listings
    from trendscope.index.emerging_topics import TopicsResult

    home, _db = rising_home
    detail = {"name": "Multimodal Large Language Models (MLLM)", "also": ["MLLMs"], "papers": 40, "growth": 2.0,
              "growth_interval": [1.4, 2.9], "first_papers": ["2301.00001"]}
    record = {"trend": "multimodal", "period": "2025-05-01", "papers": 900, "since": "2025-05-01",
              "topics": [detail["name"]], "details": [detail]}
    monkeypatch.setattr(topic_listings, "listed_topics", lambda *a, **k: TopicsResult("month", [record], 0.1, 900))
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--last", "1"])
    assert out.exit_code == 0, out.output
    assert "Multimodal Large Language Models (MLLM) (also written: MLLMs): 40 papers, 2.0x" in out.output


def test_cli_topics_name_the_periods_a_trend_has_no_paper_in(rising_home, monkeypatch):
    """A blind docs audit: `--topics --freq quarter` skipped the quarters a trend had no paper in (continual
    2024-Q2) without a word."""
    from trendscope.index import topic_listings
    from trendscope.index.emerging_topics import TopicsResult

    home, _db = rising_home

    def listed(db, freq, since=None, recompute=False, progress=None):
        return TopicsResult("quarter", [
            {"trend": "continual", "period": p, "papers": n, "since": p, "topics": [], "details": []}
            for p, n in (("2024-01-01", 4), ("2024-04-01", 0), ("2024-07-01", 3), ("2024-10-01", 0),
                         ("2025-01-01", 2)) if not since or p >= since], 0.1, 9)

    monkeypatch.setattr(topic_listings, "listed_topics", listed)
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--freq", "quarter",
                                    "--since", "2024-01-01", "--include-thin"])
    assert out.exit_code == 0, out.output
    assert "  (no continual paper in 2024-Q2, 2024-Q4: left out)" in out.stdout, out.stdout
    few = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--freq", "quarter",
                                    "--last", "1", "--include-thin"])
    assert few.exit_code == 0 and "left out)" not in few.stdout  # only inside the periods shown
    # a trend with no paper in any period asked for is named, not left out (a blind walkthrough: `-t efficiency -t
    # ethics` of a month printed efficiency alone)
    none = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--freq", "quarter",
                                     "--since", "2024-04-01", "--until", "2024-04-01", "--include-thin"])
    assert none.exit_code == 0 and "continual: no continual paper in 2024-Q2 (nothing listed;" in none.stdout, \
        none.output


def test_cli_topics_leave_out_a_month_still_filling_up_and_read_since_as_its_month(rising_home, monkeypatch):
    """A blind walkthrough: `trends --topics` showed the month the corpus had 1 day of (2 papers) as the current
    one, and `--since 2026-06-15` dropped June while the trend table kept it."""
    from trendscope.index import topic_listings, trends_over_time
    from trendscope.index.emerging_topics import TopicsResult

    home, _db = rising_home
    detail = {"name": "banana routing", "papers": 9, "growth": 3.0, "growth_interval": [1.5, 6.0],
              "first_papers": ["2399.00001"]}
    asked = []

    def listed(db, freq, since=None, recompute=False, progress=None):
        asked.append(since)
        return TopicsResult("month", [
            {"trend": "efficiency", "period": p, "papers": n, "since": p, "topics": [detail["name"]],
             "details": [detail]} for p, n in (("2026-05-01", 900), ("2026-06-01", 2))], 0.1, 902)

    monkeypatch.setattr(topic_listings, "listed_topics", listed)
    monkeypatch.setattr(trends_over_time, "newest_published", lambda db: "2026-06-01")
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--last", "2",
                                    "--since", "2026-05-15"])
    assert out.exit_code == 0, out.output
    assert asked == ["2026-05-01"]  # the month holding the date, as the trend table reads --since
    # months named as the trend table names them (the topics said "2026-05-01" beside its "2026-05": a walkthrough)
    assert "efficiency 2026-05 (900 papers)" in out.stdout and "2026-06" not in out.stdout
    assert "note: left out 2026-06, still filling up (the newest paper is from 2026-06-01" in out.stderr
    thin = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--last", "2",
                                     "--include-thin"])
    assert "efficiency 2026-06 (2 papers)" in thin.stdout
    recs = [json.loads(x) for x in CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics",
                                                             "--json"]).stdout.splitlines()]
    assert [(r["period"], r["complete"]) for r in recs] == [("2026-05-01", True), ("2026-06-01", False)]


def test_periods_end_where_their_week_month_or_quarter_does():
    from trendscope.index.trends_over_time import is_complete, period_end, period_start

    assert period_end("2026-06-29", "week") == "2026-07-05" and period_end("2024-02-01", "month") == "2024-02-29"
    assert period_end("2026-07-01", "quarter") == "2026-09-30" and period_end("2026-10-01", "quarter") == "2026-12-31"
    assert period_start("2026-05-15", "quarter") == "2026-04-01" and period_start("2026-05-15", "month") == "2026-05-01"
    assert is_complete("2026-06-01", "month", "2026-06-30") and not is_complete("2026-06-01", "month", "2026-06-29")
    assert is_complete("2026-06-01", "month", None)


def test_phrase_cache_is_incremental(rising_home):
    from trendscope.index.topic_store import TopicStore

    _home, db = rising_home
    store = TopicStore(db)
    store.refresh()
    assert store.count_pending() == 0
    assert store.refresh().extracted == 0  # nothing new
    pk = db.execute("SELECT pk FROM papers WHERE id = '2399.90000'").fetchone()[0]
    db.execute("UPDATE papers SET content_hash = 'changed' WHERE pk = ?", [pk])
    assert store.refresh().extracted == 1
    phrases = dict(store.iter_all())[pk]
    assert "banana routing" in phrases.surfaces


def test_a_damaged_phrase_cache_row_is_extracted_again_not_trusted(rising_home, caplog):
    from trendscope.index.topic_store import TopicStore

    _home, db = rising_home
    store = TopicStore(db)
    store.refresh()
    before = dict(store.iter_all())
    a, b = (r[0] for r in db.execute("SELECT pk FROM papers WHERE id IN ('2399.90001', '2399.90002') ORDER BY pk"))
    db.execute("UPDATE paper_phrases SET phrases = '{\"banana routing\": ' WHERE pk = ?", [a])  # cut off
    db.execute("UPDATE paper_phrases SET title_phrases = '{}' WHERE pk = ?", [b])  # JSON, not a list
    assert dict(store.surfaces([b, a])) == {b: before[b].surfaces}  # how papers write their phrases: a is left out
    with caplog.at_level("WARNING"):
        after = dict(store.iter_all())
    assert after == before  # the same phrases, extracted again from the papers
    assert f"2 damaged row(s) (pk {a}, {b})" in caplog.text
    caplog.clear()
    assert dict(store.iter_all()) == before and "damaged" not in caplog.text  # and stored again
    assert dict(store.surfaces([b, a])) == {a: before[a].surfaces, b: before[b].surfaces}
    # a home opened read-only uses the phrases extracted again without storing them
    import sqlite3

    import sqlite_utils

    db.execute("UPDATE paper_phrases SET definitions = '[' WHERE pk = ?", [a])
    db.conn.commit()
    ro = sqlite_utils.Database(sqlite3.connect(f"file:{db.conn.execute('PRAGMA database_list').fetchone()[2]}"
                                               "?mode=ro", uri=True))
    with caplog.at_level("WARNING"):
        assert dict(TopicStore(ro).iter_all()) == before
    assert "could not be stored" in caplog.text
    assert dict(store.iter_all()) == before  # repaired by the writable connection
    assert store.count_pending() == 0


def test_the_weekly_digest_names_the_topics_rising_in_its_trends(rising_home):
    from trendscope.digest import api

    home, db = rising_home
    if not api.list_subscriptions(db):
        api.add_subscription(db, home, "efficiency weekly", trends=["efficiency"])
    digest = api.build(db, home, "efficiency weekly", "2023-W47")  # a week of 2023-11, the burst's month
    (line,) = digest.lines
    from trendscope.index.rise_statistics import may_be_chance
    from trendscope.index.topic_listings import listed_topics

    listed = next(r["details"] for r in listed_topics(db, freq="month").records
                  if r["trend"] == "efficiency" and r["period"] == "2023-11-01")
    # the mail names the month's rises whose 90% interval lies above 1x, in the listing's order; the others (the
    # Trends page shows them with "may be chance") are left out: one headed three mails in a row (a walkthrough)
    assert line.rising_month == "2023-11" and line.rising
    assert [t["name"] for t in line.rising] == [t["name"] for t in listed if not may_be_chance(t)][:5]
    md = api.render(digest, "md").decode()
    assert "Rising in" in md and "(as of 2023-11)" in md and line.rising[0]["name"] in md
    early = api.build(db, home, "efficiency weekly", "2023-W48",  # the month of 2023-W48's Sunday lists none:
                      topics=lambda trend, month: [{"name": "*x*", "papers": 5, "growth": 3.0}]
                      if month == "2023-11-01" else [])  # the month before is shown, its names escaped
    assert early.lines[0].rising_month == "2023-11"
    assert "\\*x\\*" in api.render(early, "md").decode()
    # a topic counted over a longer span than the month says so ("Vision-Language Models (52 papers, 1.6x)" read
    # as 52 papers that month); a rise whose interval reaches 1x may be chance and is not in the mail
    spans = api.build(db, home, "efficiency weekly", "2023-W47", topics=lambda trend, month: [
        {"name": "thin topic", "papers": 52, "growth": 1.6, "since": "2022-12-01", "growth_interval": [1.2, 2.1]},
        {"name": "noisy topic", "papers": 8, "growth": 9.2, "since": "2023-11-01", "growth_interval": [0.8, 99.9]}])
    md = api.render(spans, "md").decode()
    assert "thin topic (52 papers in 12 months, 1.6x)" in md and "noisy topic" not in md


def test_following_a_topic_makes_a_subscription_whose_digest_lists_its_papers(rising_home):
    from trendscope.digest import api
    from trendscope.foundation.actor import Actor

    home, db = rising_home
    ana = Actor("ana", admin=False)
    sub = api.follow_topic(db, home, "Banana routing", user=ana)
    assert (sub.name, sub.query, sub.owner, sub.trends) == ("topic: Banana routing", '"Banana routing"', "ana", [])
    digest = api.build(db, home, sub.name, "2023-W45", user=ana)  # 2023-11-06..12: papers of the burst
    assert digest.papers and all("banana routing" in p.title.lower() for p in digest.papers)
    assert api.list_subscriptions(db) == [s for s in api.list_subscriptions(db) if s.owner != "ana"]


def test_addresses_are_added_to_a_followed_topic_and_the_own_one_needs_no_confirmation(rising_home):
    """A blind walkthrough followed a topic and could not get it by mail: Follow made a feed-only subscription and
    the app could only remove it. Addresses are added to a subscription; the user's own account address is mailed
    at once, others await the operator, as in a new subscription."""
    from trendscope.accounts.users import Accounts
    from trendscope.digest import api
    from trendscope.foundation.actor import Actor
    from trendscope.foundation.errors import TrendscopeError

    home, db = rising_home
    Accounts(db).add("cy", email="Ana@Lab.example")
    ana, bo = Actor("cy", admin=False), Actor("bo", admin=False)
    assert api.own_address(db, ana) == "Ana@Lab.example" and api.own_address(db, bo) is None
    sub = api.follow_topic(db, home, "Banana routing", user=ana, emails=[api.own_address(db, ana)])
    assert sub.confirmed_emails == ["Ana@Lab.example"] and sub.pending == []
    now, added = api.add_addresses(db, sub.name, ["group@lab.example", "ANA@lab.example", "Group@Lab.example"],
                                   user=ana)
    assert added == ["group@lab.example"] and now.emails == ["Ana@Lab.example", "group@lab.example"]
    assert now.pending == ["group@lab.example"] and now.confirmed_emails == ["Ana@Lab.example"]
    assert api.get_subscription(db, sub.name, user=ana).pending == ["group@lab.example"]  # stored
    with pytest.raises(TrendscopeError, match="no subscription named"):  # not bo's to change
        api.add_addresses(db, sub.name, ["bo@lab.example"], user=bo)
    with pytest.raises(TrendscopeError, match="not a valid email address"):
        api.add_addresses(db, sub.name, ["x@y\nBcc: evil@example.org"], user=ana)
    with pytest.raises(TrendscopeError, match="give at least one email address"):
        api.add_addresses(db, sub.name, [" "], user=ana)


@pytest.mark.parametrize("topic, query", [
    ("retrieval augmented generation (RAG)", '"retrieval augmented generation" OR "RAG"'),
    ("mixture-of-experts (MoE)", '"mixture-of-experts" OR "MoE"'),  # VEN-VL, "a ... MoE framework", was missed
    ("key value (KV)", '"key value"'),  # two letters: too often something else
    ("foo bar (XYZ)", '"foo bar"'),  # not its acronym
    ("GRPO", '"GRPO"'),  # in quotes: a paper that never writes it is not one of the topic's (a walkthrough)
    ('KV "compression"', '"KV compression"'),
    ("vision-language models", '"vision-language models"'),
])
def test_a_topics_saved_query_is_its_name_as_a_phrase(topic, query):
    from trendscope.digest.api import topic_query

    assert topic_query(topic) == query


def test_a_topic_followed_before_its_acronym_was_added_reads_as_followed():
    from trendscope.digest.api import topic_queries

    assert topic_queries("retrieval augmented generation (RAG)") == {
        '"retrieval augmented generation" OR "RAG"', '"retrieval augmented generation" OR RAG',
        '"retrieval augmented generation"'}
    assert topic_queries("GRPO") == {'"GRPO"', "GRPO"}  # as saved before a one-word name was quoted


def test_a_topics_other_names_are_ored_into_its_query():
    """A topic listed "also written" another way is followed (and searched) under every name: following one of
    them missed the other's papers (a blind walkthrough)."""
    from trendscope.digest.api import topic_queries, topic_query

    assert topic_query("KV cache compression", ["KV compression", "kv cache compression"]) == \
        '"KV cache compression" OR "KV compression"'  # one each, whatever the case
    assert topic_query("large language models (LLM)", ["LLMs"]) == \
        '"large language models" OR "LLM" OR "LLMs"'
    assert topic_queries("KV cache compression", ["KV compression"]) == {
        '"KV cache compression" OR "KV compression"', '"KV cache compression"'}
    # a name that only shares the topic's papers ("CLEVR" and "visual reasoning" in one month) is not OR-ed in: it
    # would follow the broad topic
    assert topic_query("CLEVR", ["visual reasoning"]) == '"CLEVR"'
    # nor a broader name of one word (a review: "compression" would follow every compression paper)
    assert topic_query("KV cache compression", ["compression"]) == '"KV cache compression"'
    assert topic_query("Vision Transformers", ["Transformers"]) == '"Vision Transformers"'


def test_a_topic_followed_with_other_names_reads_as_followed_whatever_names_a_month_shows():
    """The saved query holds the other names a month's listing showed (or, from the CLI, every month's): the app
    compared it with this month's, offered Follow again, and failed as "already exists" (a review)."""
    from trendscope.digest.api import follows_topic, topic_query

    saved = topic_query("KV cache compression", ["KV compression"])
    assert follows_topic("KV cache compression", saved)
    assert follows_topic("KV cache compression", '"KV cache compression"')  # followed before other names
    assert not follows_topic("KV cache", saved) and not follows_topic("KV cache compression", '"KV cache"')
    assert topic_query("Multimodal Large Language Models (MLLM)", ["MLLMs", "visual reasoning"]) == \
        '"Multimodal Large Language Models" OR "MLLM" OR "MLLMs"'
    assert follows_topic("Multimodal Large Language Models (MLLM)",  # saved before the acronym was quoted
                         '"Multimodal Large Language Models" OR MLLM OR MLLMs')


@pytest.mark.parametrize("topic", ["", "()", "x\nBcc: a@b.example"])
def test_a_bad_topic_name_is_refused(topic):
    from trendscope.digest.api import topic_query
    from trendscope.foundation.errors import TrendscopeError

    with pytest.raises(TrendscopeError):
        topic_query(topic)


def test_mean_pair_cosine_of_unit_vectors():
    import numpy as np

    from trendscope.index.topic_coherence import mean_pair_cosines

    def mean(vectors):
        return float(mean_pair_cosines(vectors.sum(axis=0)[None, :], [len(vectors)])[0])

    e = np.eye(4, dtype=np.float32)
    assert mean(e) == pytest.approx(0.0)
    assert mean(np.stack([e[0]] * 5)) == pytest.approx(1.0)
    v = np.stack([e[0], e[0], (e[0] + e[1]) / np.sqrt(2)])
    assert mean(v) == pytest.approx((1 + 2 / np.sqrt(2)) / 3)
    assert mean(e[:1]) == 1.0


def test_a_name_whose_papers_are_about_many_things_is_not_a_topic(rising_home, tmp_path, sample_rows):
    from trendscope.index.topic_coherence import phrase_coherence
    from trendscope.index.topic_store import TopicStore

    _home, db = rising_home
    phrase_sets = {pk: set(pp.surfaces) for pk, pp in TopicStore(db).iter_all()}
    coherence = phrase_coherence(db, phrase_sets, {"banana routing", "large language model"})
    assert coherence["banana routing"] > 0.95  # the burst's papers say the same thing
    assert coherence["large language model"] < coherence["banana routing"] - 0.3
    listed = lambda **kw: any("banana routing" in t.lower() for r in emerging_topics(  # noqa: E731
        db, freq="month", trends=["efficiency"], **kw).records for t in r["topics"])
    assert listed(min_coherence=0.4) and listed(min_coherence=0.0)
    assert not listed(min_coherence=1.01)  # the floor is applied
    # no vectors (a home tagged by rules alone): coherence is not judged, nothing is left out for it
    _h, bare = make_home(tmp_path / "bare", sample_rows[:50])
    assert phrase_coherence(bare, {1: {"x"}}, {"x"}) is None


def test_a_name_standing_on_its_own_is_closed_and_one_written_only_inside_longer_names_is_not():
    pp = paper_phrases("Medical image segmentation with federated learning",
                       "We train medical image classifiers and a medical image segmentation network with federated "
                       "learning (FL). A federated learning framework protects the pre-trained vision transformers.")
    closed = set(pp.closed)
    assert {"medical image segmentation", "federated learning", "FL", "pretrained vision transformer"} <= closed
    # always followed (or preceded) by another content word: a fragment of longer names here
    assert {"medical image", "pretrained vision", "vision transformer", "image segmentation"} <= set(pp.surfaces)
    assert not {"medical image", "pretrained vision", "vision transformer", "image segmentation"} & closed
    assert set(pp.closed) <= set(pp.surfaces)


def test_a_name_that_seldom_stands_on_its_own_is_not_listed(rising_home):
    from trendscope.index.topic_store import TopicStore

    _home, db = rising_home
    papers = [pp for _pk, pp in TopicStore(db).iter_all() if "banana routing" in pp.surfaces]
    assert papers and all("banana routing" in pp.closed for pp in papers)  # "We study banana routing, a ..."
    listed = lambda **kw: any("banana routing" in t.lower() for r in emerging_topics(  # noqa: E731
        db, freq="month", trends=["efficiency"], **kw).records for t in r["topics"])
    assert listed(min_closed_share=0.2) and listed(min_closed_share=1.0)
    assert not listed(min_closed_share=1.01)  # the share is applied


def test_the_trends_own_name_is_not_a_topic_rising_in_it(rising_home, monkeypatch):
    """"Continual Learning (CL)" was listed as rising in continual learning: a change of wording, not a topic."""
    from trendscope.index import emerging_topics as module

    own = module.own_names()
    assert own["continual"] == {"continual learning"}
    # a label joining two names gives each: "self-supervised learning (SSL)" was listed as rising in
    # self-supervised and weakly supervised learning (a blind walkthrough)
    assert {"selfsupervised learning", "weakly supervised learning"} <= own["self_supervised"]
    assert {"interpretability", "explainability"} <= own["interpretability"]
    assert {"zero shot generalisation", "few shot generalisation"} <= own["zero_shot"]
    _home, db = rising_home
    listed = lambda: any("banana routing" in t.lower() for r in emerging_topics(  # noqa: E731
        db, freq="month", trends=["efficiency"]).records for t in r["topics"])
    assert listed()
    monkeypatch.setattr(module, "own_names", lambda: {"efficiency": {"banana routing"}})
    assert not listed()


def test_the_name_model_decides_which_names_are_listed(rising_home):
    _home, db = rising_home
    listed = lambda **kw: [t for r in emerging_topics(  # noqa: E731
        db, freq="month", trends=["efficiency"], **kw).records for t in r["topics"]]
    assert any("banana routing" in t.lower() for t in listed())  # the packaged model keeps it
    res = emerging_topics(db, freq="month", trends=["efficiency"])
    votes = [d["topic_probability"] for r in res.records for d in r["details"]]
    threshold = load_name_model().threshold
    assert votes and all(threshold <= v <= 1 for v in votes)  # each listed topic shows the model's vote
    bare = emerging_topics(db, freq="month", trends=["efficiency"], name_model=None)
    assert all(d["topic_probability"] is None for r in bare.records for d in r["details"])
    assert listed(name_model=None)
    assert listed(min_topic_probability=1.01) == []  # nothing reaches the threshold: nothing listed


def test_feature_table_counts_given_names_even_when_no_trend_could_list_them(rising_home):
    _home, db = rising_home
    pairs, X = name_feature_table(db, [("efficiency", "banana routing"), ("efficiency", "no such phrase here"),
                                       ("no_such_trend", "banana routing")])
    assert pairs == [("efficiency", "banana routing"), ("efficiency", "no such phrase here")]
    row = dict(zip(FEATURES, X[0]))
    assert row["title_share"] == 1.0 and row["closed_share"] == 1.0 and row["coherence"] > 0.95
    assert X[1][FEATURES.index("title_share")] == 0 and np.isnan(X[1][FEATURES.index("coherence")])


def _home_with_papers(tmp_path, sample_rows, embedder, texts: list[tuple[str, str]], first: int):
    """An indexed home of 20 papers of 2023 plus papers with these (title, abstract) texts, ids 2398.<first + i>."""
    rows = [r for r in sample_rows if "2023-01-01" <= r["published"] < "2024-01-01"][:20]
    home, db = make_home(tmp_path / "home", rows)
    extra = [paper_from_row(rows[0], id=f"2398.{first + i}", title=t, abstract=a, version=1)
             for i, (t, a) in enumerate(texts)]
    PaperStore(db).upsert(extra)
    run_index(db, home, progress=False, embedder=embedder)
    return db, extra


def test_a_paper_defining_an_acronym_its_own_way_is_not_counted_under_the_corpus_meaning(tmp_path, sample_rows,
                                                                                        embedder):
    """A blind walkthrough: the first papers of "Diffusion Language Models (DLM)" were "Deep learning models (DLMs)"
    in acoustic modelling and a "Difference Language Model (DLM)". A paper that defines an acronym otherwise than
    most papers do is counted under its own long form, not under the corpus's."""
    from trendscope.index.topic_corpus import count_corpus
    from trendscope.index.trend_store import TrendStore

    texts = [("Diffusion language models (DLM) for text", "We train diffusion language models (DLM) at scale.")] * 3
    texts.append(("Deep learning models (DLMs) for acoustics", "Deep learning models (DLMs) are trained with SGD."))
    texts.append(("A DLM study", "We evaluate a DLM on text generation benchmarks."))
    db, extra = _home_with_papers(tmp_path, sample_rows, embedder, texts, 80000)
    diffusion, deep = normalise("diffusion language models"), normalise("deep learning models")
    c = count_corpus(db, TrendStore(db), "month", None, 1, 0.6, extra=frozenset({diffusion, deep, "DLM"}))
    pks = [PaperStore(db).pk_of(p.id) for p in extra]
    assert all(diffusion in c.phrase_sets[pk] for pk in pks[:3]), [c.phrase_sets[pk] for pk in pks]
    assert diffusion not in c.phrase_sets[pks[3]]  # its own meaning, not the corpus's
    assert deep in c.phrase_sets[pks[3]] and "DLM" not in c.phrase_sets[pks[3]]
    assert diffusion in c.phrase_sets[pks[4]]  # no definition of its own: the corpus's


def test_a_name_writing_part_of_a_long_form_as_an_acronym_is_that_long_forms_topic():
    """A walkthrough: "Multimodal LLMs" was listed beside "Multimodal Large Language Models (MLLM)" in 14 months.
    A key that writes part of an acronym's long form as another acronym counts under the long form; only long forms
    that some acronym has are targets, and a form that could mean two long forms is left alone."""
    from trendscope.index.topic_phrases import abbreviated_forms

    mapping = {"MLLM": "multimodal large language model", "LLM": "large language model",
               "VQA": "visual question answering", "QA": "question answering", "GAN": "generative adversarial network",
               "SVM": "support vector machine", "SVMS": "sparse vector mixture", "CGAN": "conditional gan"}
    forms = abbreviated_forms(mapping)
    assert forms[normalise("Multimodal LLMs")] == "multimodal large language model"
    assert forms[normalise("multimodal LLM")] == "multimodal large language model"
    assert forms[normalise("visual QA")] == "visual question answering"
    assert normalise("tiny LLMs") not in forms  # "tiny large language model" is no acronym's long form
    assert "conditional gan" not in forms  # itself a long form: CGAN's
    assert not any(v == "large language model" for v in forms.values())  # the acronym alone is the acronym map's


def test_a_paper_writing_multimodal_llms_counts_under_the_mllm_topic(tmp_path, sample_rows, embedder):
    from trendscope.index.topic_corpus import count_corpus
    from trendscope.index.trend_store import TrendStore

    texts = [("Multimodal large language models (MLLMs) see images", "Multimodal large language models (MLLMs) "
              "answer questions about images.")] * 3
    texts += [("Large language models (LLMs) write text", "Large language models (LLMs) write text.")] * 3
    texts.append(("Hallucination in multimodal LLMs", "We study hallucination in multimodal LLMs and tiny LLMs."))
    db, extra = _home_with_papers(tmp_path, sample_rows, embedder, texts, 81000)
    long_key, short_key = normalise("multimodal large language models"), normalise("multimodal LLMs")
    tiny = normalise("tiny LLMs")
    c = count_corpus(db, TrendStore(db), "month", None, 1, 0.6, extra=frozenset({long_key, short_key, tiny}))
    last = c.phrase_sets[PaperStore(db).pk_of(extra[-1].id)]
    assert long_key in last and short_key not in last, last
    assert tiny in last  # no acronym's long form to count it under
    assert c.title_df[long_key] == 4  # its title names the topic too


def test_a_name_and_its_plural_form_are_one_topic():
    """"compressed LLM" and "compressed LLMs" were listed side by side in efficiency, 2023-11 (an acronym keeps its
    plural inside a longer key); one is shown as the other's other name, whatever papers each holds."""
    from trendscope.index.topic_choice import choose_topics as _choose

    papers = {"compressed llm": {1, 2, 3, 4}, "compressed llms": {5, 6, 7, 8}, "llm compression": {9, 10, 11},
              "compressed model": {12, 13}}
    scored = [(9.0, "compressed llm"), (8.0, "compressed llms"), (7.0, "llm compression"), (6.0, "compressed model")]
    chosen, also = _choose(scored, 10, 0.7, papers.__getitem__)
    assert [c[1] for c in chosen] == ["compressed llm", "llm compression", "compressed model"]
    assert also == {"compressed llm": ["compressed llms"]}


def test_cli_topics_say_over_how_many_months_and_that_they_are_computing(rising_home, monkeypatch):
    """A blind walkthrough: "46 papers" read as the month's (they were counted over 7 months), and the first run
    over the full corpus was 41 s without a word."""
    from trendscope.index import topic_listings, trends_over_time
    from trendscope.index.emerging_topics import TopicsResult

    home, _db = rising_home
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--recompute", "--last", "1"])
    assert out.exit_code == 0 and "computing rising topics for every trend and month over " in out.stderr
    # an estimate for this corpus and granularity ("a quarter of a minute per 100,000 papers" was half the weekly
    # time: a walkthrough)
    from trendscope.ui.cli.topics_output import SECONDS_PER_100K

    assert SECONDS_PER_100K["week"] > SECONDS_PER_100K["month"] and "(about 5 s on 2 cores;" in out.stderr
    again = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--last", "1"])
    assert "computing rising topics" not in again.stderr and "kept since" in again.stderr  # read back: no note
    detail = {"name": "banana routing", "papers": 46, "growth": 3.0, "growth_interval": [1.5, 6.0],
              "first_papers": ["2399.00001"]}
    monkeypatch.setattr(topic_listings, "listed_topics", lambda db, freq, since=None, recompute=False,
                        progress=None: TopicsResult("month", [
                            {"trend": "efficiency", "period": "2026-05-01", "papers": 30, "since": "2025-11-01",
                             "topics": ["banana routing"], "details": [detail]}], 0.1, 30))
    monkeypatch.setattr(trends_over_time, "newest_published", lambda db: "2026-06-30")
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics"])
    assert "  banana routing: 46 papers in 7 months, 3.0x its share the year before" in out.stdout, out.stdout


def test_cli_topics_json_on_a_home_without_tags_says_so(home, sample_rows):
    from lists_support import ingest_rows

    ingest_rows(home, sample_rows[:5]).conn.close()  # papers stored, `index` never run: no tags
    out = CliRunner().invoke(main, ["--home", str(home), "trends", "--topics", "--json"])
    assert out.exit_code == 0 and out.stdout == "", out.output
    assert "note: no records: no tagged papers yet (run `trendscope index`)" in out.stderr


def test_a_span_is_at_most_a_year_of_calendar_months_when_some_months_hold_no_paper(tmp_path, sample_rows, embedder):
    """A blind walkthrough: with no paper at all in two months, "at most a year" counted 12 months that held papers,
    and topics were "judged over the months from 2024-06 through 2025-07" ("4 papers in 14 months")."""
    from trendscope.foundation.clock import span_months
    from trendscope.index.trends_over_time import periods_between

    assert periods_between("2023-01-15", "2023-04-02", "month") == ["2023-01-01", "2023-02-01", "2023-03-01",
                                                                    "2023-04-01"]
    assert periods_between("2023-12-01", "2024-03-31", "quarter") == ["2023-10-01", "2024-01-01"]
    rows = [r for r in sample_rows if "2021-01-01" <= r["published"] < "2024-01-01"
            and r["published"][:7] not in ("2023-01", "2023-02")]
    _home, db = make_home(tmp_path / "home", rows)
    run_index(db, _home, progress=False, embedder=embedder)
    res = emerging_topics(db, freq="month")
    assert not any(r["period"] in ("2023-01-01", "2023-02-01") for r in res.records)  # no paper: no record
    spans = [span_months(r["since"], r["period"]) for r in res.records if r["period"] >= "2023-03-01"]
    assert spans and max(spans) <= 12, spans
    assert any(r["since"] <= "2023-01-01" for r in res.records if r["period"] >= "2023-03-01")  # across the gap


def test_a_name_known_only_from_acronym_definitions_is_shown_as_papers_write_it(tmp_path, sample_rows):
    """"mixture of experts" is never a phrase of its own ("of" ends one), so its key, with the last word made
    singular, came only from definitions and was shown as "mixture of expert (MoE)" (a blind walkthrough)."""
    from trendscope.index.topic_corpus import count_corpus, written_forms
    from trendscope.index.trend_store import TrendStore

    rows = sample_rows[:20]
    home, db = make_home(tmp_path / "home", rows)
    texts = ["We scale sparse mixture of experts (MoE) layers.", "A Mixture-of-Experts (MoE) router.",
             "Mixture of experts (MoE) models route tokens.", "MoE inference on one GPU.",
             "Many heads of Internet of Things (IoT) devices.", "Internet of Things (IoT) sensing.",
             "The Internet of Things (IoT) at scale."]
    PaperStore(db).upsert([paper_from_row(rows[0], id=f"2399.{80000 + i}", title=f"Routing study {i}",
                                          abstract=t, version=1, categories=["cs.LG"])
                           for i, t in enumerate(texts)])
    keys = {"mixture of expert", "internet of thing"}
    c = count_corpus(db, TrendStore(db), "month", None, 1, 0.9, extra=frozenset(keys))
    assert all(any(k in s for s in c.phrase_sets.values()) for k in keys)
    forms = written_forms(db, c, keys)
    assert forms["mixture of expert"].most_common(1)[0][0] == "mixture of experts"
    names = display_names(forms, c.acronyms, keys)
    assert names == {"mixture of expert": "mixture of experts (MoE)", "internet of thing": "Internet of Things (IoT)"}


def test_a_name_every_paper_puts_in_its_title_is_shown_as_its_abstracts_write_it(tmp_path, sample_rows):
    """A blind walkthrough: all 7 papers on it write "speculative decoding" in their abstracts, but each put it in
    its title first, so it was counted in Title Case only and listed as "Speculative Decoding". A name the papers
    capitalise in running text too keeps its capitals."""
    from trendscope.index.topic_corpus import count_corpus, written_forms
    from trendscope.index.trend_store import TrendStore

    rows = sample_rows[:20]
    home, db = make_home(tmp_path / "home", rows)
    papers = [(f"Faster Speculative Decoding with Draft Trees {i}",
               f"We study speculative decoding for large models; speculative decoding drafts tokens {i}.")
              for i in range(4)]
    papers += [(f"American Sign Language Recognition at Scale {i}",
                f"We recognise American Sign Language from video {i}.") for i in range(4)]
    PaperStore(db).upsert([paper_from_row(rows[0], id=f"2399.{81000 + i}", title=t, abstract=a, version=1,
                                          categories=["cs.CL"]) for i, (t, a) in enumerate(papers)])
    keys = {"speculative decoding", "american sign language"}
    c = count_corpus(db, TrendStore(db), "month", None, 1, 0.9, extra=frozenset(keys))
    assert all(any(k in s for s in c.phrase_sets.values()) for k in keys)
    names = display_names(written_forms(db, c, keys), c.acronyms, keys)
    assert names == {"speculative decoding": "speculative decoding",
                     "american sign language": "American Sign Language"}


def test_a_topic_is_named_as_running_text_writes_it_unless_papers_nearly_always_capitalise_it():
    """Listings mixed "Speculative Decoding" (titles' Title Case) beside "visual reasoning" (a blind
    walkthrough); a name nearly always capitalised keeps its capitals."""
    acr = AcronymMap(min_papers=2)
    forms = {"speculative decoding": Counter({"Speculative Decoding": 12, "speculative decoding": 9}),
             "text to image diffusion": Counter({"Text-to-Image Diffusion": 7, "text-to-image diffusion": 5}),
             "gaussian splatting": Counter({"Gaussian Splatting": 10, "Gaussian splatting": 6}),
             "segment anything model": Counter({"Segment Anything Model": 30, "segment anything model": 2}),
             "visual reasoning": Counter({"visual reasoning": 4, "Visual Reasoning": 6}),
             "diffusion transformer": Counter({"Diffusion Transformer": 50, "diffusion transformer": 11,
                                               "diffusion transformers": 10}),  # lower-case forms together
             "bitnet": Counter({"BitNet": 9, "bitnet": 3})}  # one word: a name, not Title Case
    assert display_names(forms, acr, forms) == {
        "diffusion transformer": "diffusion transformer", "bitnet": "BitNet",
        "speculative decoding": "speculative decoding", "text to image diffusion": "text-to-image diffusion",
        "gaussian splatting": "Gaussian splatting", "segment anything model": "Segment Anything Model",
        "visual reasoning": "visual reasoning"}


def test_a_topics_typical_papers_name_it_in_their_title_first_then_the_most_specific():
    """Typical papers were those using most of the month's rising names: one paper was "typical" of two topics,
    and a paper on object-centric slots of video generation (a blind walkthrough)."""
    from types import SimpleNamespace

    from trendscope.index.emerging_topics import typical_papers

    rising = {"video generation", "vision language model", "world model", "diffusion transformer"}
    c = SimpleNamespace(
        phrase_sets={1: set(rising), 2: {"video generation", "world model"}, 3: {"video generation"},
                     4: {"video generation", "diffusion transformer"}, 5: {"video generation"}},
        in_title={2: {"video generation"}}, title_words={5: " long video generation with memory "})
    assert typical_papers("video generation", [1, 2, 3, 4, 5], c, rising) == [5, 2, 3]  # titled, specific first
    assert typical_papers("video generation", [1, 4], c, rising) == [4, 1]


def test_a_topic_new_in_its_trend_is_called_new_not_given_a_growth():
    """A blind walkthrough: "LoRA: 4 papers, 6.8% (the year before: 1.4%; 4.8x)" while its own curve held no LoRA
    paper in the year before: the 1.4% was the smoothing's half a paper. The words say "new" instead."""
    from trendscope.digest.render import _topic_counts
    from trendscope.index.rise_statistics import growth_words, is_new

    new = {"papers": 4, "growth": 4.75, "papers_before": 0, "trend_papers_before": 34, "growth_interval": [0.6, 36.0],
           "since": "2024-11-01"}
    old = {**new, "papers_before": 3, "growth": 2.5}
    assert is_new(new) and not is_new(old) and not is_new({"growth": 2.0})  # a listing kept before: no count
    assert growth_words(new) == "new: none of the trend's 34 papers the year before"
    assert growth_words(old) == "2.5x its share the year before"
    # not "new" beside "first here (2023-08)", which read as a topic new to the field (a blind walkthrough of a PI)
    assert _topic_counts(new, "2024-11-01") == "4 papers, none the year before, may be chance"
    assert _topic_counts(old, "2024-11-01") == "4 papers, 2.5x, may be chance"


def test_cli_topics_mark_a_month_the_corpus_holds_few_papers_of(tmp_path, sample_rows, embedder):
    """The trend table marks a month with few papers `*` (its shares swing with a handful); the topics of the same
    month were listed without a word (a blind walkthrough's "rising" topic rested on a month of 9 papers)."""
    rows = [r for r in sample_rows if "2022-01-01" <= r["published"] < "2024-01-01"]
    thin_month = [r for r in rows if r["published"].startswith("2023-03")]
    rows = [r for r in rows if r not in thin_month[4:]]  # 2023-03 keeps 4 of its papers
    home, db = make_home(tmp_path / "home", rows)
    run_index(db, home, progress=False, embedder=embedder)
    out = CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics", "--since", "2023-01",
                                    "--until", "2023-05"])
    assert out.exit_code == 0, out.output
    heads = [line for line in out.stdout.splitlines() if re.match(r"^[a-z_]+ 2023-0\d ", line)]
    assert heads and all(line.endswith(" *") == (" 2023-03 " in line) for line in heads), heads
    assert "note: * few papers: 2023-03 (4 papers) holds under a quarter of the papers of the periods around them" \
        in out.stderr, out.stderr
    records = [json.loads(x) for x in CliRunner().invoke(main, ["--home", str(home.root), "trends", "--topics",
                                                                  "--json", "--since", "2023-01"]).stdout.splitlines()]
    assert {r["period"] for r in records if r["few_papers"]} == {"2023-03-01"}
