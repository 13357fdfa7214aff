"""Did you mean: query words (almost) no paper holds, one typing slip from a word many titles use (a blind
walkthrough: "speculativ decodng" found nothing in keyword mode, without a hint)."""
from __future__ import annotations

from collections import Counter

from app_harness import check, new_app, search, texts
from click.testing import CliRunner

from trendscope.index.spelling import correction, edits1, suggest, title_vocabulary
from trendscope.ui.cli import main


def test_edits_one_slip_away():
    assert {"speculative", "decoding"} <= edits1("speculativ") | edits1("decodng") | {"decoding", "speculative"}
    assert "speculative" in edits1("speculativ") and "decoding" in edits1("decodng")
    assert "retrieval" in edits1("retreival")  # two neighbours swapped
    assert "retreival" not in edits1("retreival")


def test_the_correction_is_the_word_most_titles_use_and_common_enough():
    vocab = Counter({"learning": 900, "leaning": 30, "retrieval": 300, "speculative": 40, "lama": 3})
    assert correction("lerning", vocab, 0) == "learning"  # 900 titles beat "leaning"'s 30
    assert correction("retreival", vocab, 3) == "retrieval"
    assert correction("llama", vocab, 0) is None  # "lama" is in 3 titles only
    assert correction("speculativ", vocab, 5) is None  # 40 titles is not 20 times 5 papers
    # a word no paper holds: MIN_TITLES titles are enough ("halucination" on a 6,000-paper home, where 9 titles
    # say "hallucination": a blind walkthrough got no suggestion)
    assert correction("halucination", Counter({"hallucination": 9}), 0) == "hallucination"
    assert correction("halucination", Counter({"hallucination": 9}), 1) is None


def test_suggest_keeps_the_query_as_written_and_leaves_common_words_alone():
    vocab = title_vocabulary(["Retrieval Augmented Generation", "Speculative Decoding"] * 100)
    counts = {'"retreival"': 3, '"generaton"': 0, '"augmented"': 500, '"speculativ"': 0, '"decoding"': 800}
    ask = suggest("Retreival augmented generaton", lambda fts: counts.get(fts.lower(), 1000), lambda: vocab)
    assert ask == "Retrieval augmented generation"
    assert suggest("speculativ decoding", lambda fts: counts.get(fts, 1000), lambda: vocab) == "speculative decoding"
    assert suggest("augmented decoding", lambda fts: counts.get(fts, 1000), lambda: vocab) is None
    read = []
    suggest("augmented decoding", lambda fts: 1000, lambda: read.append(1) or vocab)
    assert not read  # the vocabulary is read only when a word is rare
    # the words of fields and phrases too ("text-to-vidoe" is a phrase), never an author's name
    assert suggest('ti:retreival "augmented generaton"', lambda fts: 0, lambda: vocab) == (
        'ti:retrieval "augmented generation"')
    assert suggest('au:retreival speculativ', lambda fts: 0, lambda: vocab) == "au:retreival speculative"


def test_search_says_did_you_mean(searchable):
    home, db, searcher = searchable
    vocab = title_vocabulary(t for (t,) in db.execute("SELECT title FROM papers"))
    word = next(w for w, n in vocab.most_common() if len(w) >= 7 and w.isalpha() and n >= 5)
    typo = word[:3] + word[4] + word[3] + word[5:]  # two letters swapped
    assert searcher.did_you_mean(f"{typo} models") == f"{word} models"
    assert searcher.did_you_mean(f"{word} models") is None
    out = CliRunner().invoke(main, ["--home", str(home.root), "search", f"{typo} models", "--mode", "keyword"])
    assert out.exit_code == 0 and f"(did you mean: {word} models?)" in out.output, out.output


def test_the_app_runs_the_corrected_search_in_place(app_home):
    """The correction was a link, which Streamlit opens in a new tab (a blind walkthrough): now a button that
    searches it here, with the same mode and sort."""
    from trendscope.ingest.store import open_database

    db = open_database(app_home / "trendscope.db")
    vocab = title_vocabulary(t for (t,) in db.execute("SELECT title FROM papers"))
    word = next(w for w, n in vocab.most_common() if len(w) >= 7 and w.isalpha() and n >= 5)
    typo = word[:3] + word[4] + word[3] + word[5:]
    at = search(check(new_app().run()), f"{typo} models", mode="keyword", sort="date")
    info = [m.value for m in at.info if "Did you mean" in m.value]
    assert info and f"**{word} models**" in info[0], (texts(at.info), typo)
    at = check(at.button(key="did_you_mean").click().run())
    done = at.session_state["search_state"]["params"]
    assert (done["query"], done["mode"], done["sort"]) == (f"{word} models", "keyword", "date")
    assert at.text_input(key="q").value == f"{word} models"
    assert not [m for m in at.info if "Did you mean" in m.value]


def test_a_misspelt_query_is_not_followed_silently(app_home):
    """A blind walkthrough followed "speculatve decoding" from the app, and added "speculatve decodng" from the
    CLI, without a word: their digests found nothing. The app offers Follow on the corrected search's page only;
    the CLI saves the query as given and says what it likely meant."""
    from trendscope.ingest.store import open_database

    db = open_database(app_home / "trendscope.db")
    vocab = title_vocabulary(t for (t,) in db.execute("SELECT title FROM papers"))
    word = next(w for w, n in vocab.most_common() if len(w) >= 7 and w.isalpha() and n >= 5)
    typo = word[:3] + word[4] + word[3] + word[5:]
    at = search(check(new_app().run()), f"{typo} models")
    assert not [b for b in at.button if b.key == "follow_search"]
    assert any("follow the corrected search" in c and f"no stored paper holds {typo}" in c
               for c in texts(at.caption)), texts(at.caption)
    at = search(check(new_app().run()), f"{word} models")
    assert [b for b in at.button if b.key == "follow_search"]
    out = CliRunner().invoke(main, ["--home", str(app_home), "subscriptions", "add", "t", "--query", f"{typo} models"])
    assert out.exit_code == 0 and f"note: did you mean {word} models?" in out.stderr
    out = CliRunner().invoke(main, ["--home", str(app_home), "subscriptions", "add", "u", "--query", f"{word} models"])
    assert out.exit_code == 0 and "did you mean" not in out.stderr


def test_a_rare_word_corrected_is_not_called_a_word_no_paper_holds():
    """A search walkthrough: "renal" (2 papers) got "did you mean real?", and the app refused to follow it as having
    "a word no stored paper holds", while its first results held "renal"."""
    from trendscope.index.spelling import held_nowhere

    counts = {'"renal"': 2, '"speculatve"': 0, '"imaging"': 40}
    assert held_nowhere("renal imaging", "real imaging", lambda fts: counts[fts]) == []
    assert held_nowhere("speculatve imaging", "speculative imaging", lambda fts: counts[fts]) == ["speculatve"]

