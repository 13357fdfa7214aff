""""New for you" on the landing page: the latest papers ranked by what the reader keeps, each with its reason;
thumbs up/down stored and used at once; the newest papers when nothing is kept yet."""
from __future__ import annotations

from app_harness import check, new_app, texts

from trendscope.ingest.store import open_database
from trendscope.reading.lists import ReadingLists


def _picks(at) -> list[str]:
    return [c.key.removeprefix("foryou_") for c in at.get("flex_container") if (c.key or "").startswith("foryou_")]


def test_landing_page_ranks_the_latest_papers_by_what_the_reader_keeps(app_home, seed):
    at = check(new_app().run())
    assert "New for you" in texts(at.subheader)
    picks = _picks(at)
    assert len(picks) == 10
    kept = set(seed.list_ids)
    assert not kept & set(picks)  # never what is already kept
    captions = texts(at.caption)
    assert any("ranked by the" in c and "you keep" in c for c in captions), captions
    assert sum(c.startswith("close to “") for c in captions) == 10  # each pick says why
    # thumbs down: gone at once, and stays gone
    at.button(key=f"fyvote_down_{picks[0]}").click()
    at = check(at.run())
    assert picks[0] not in _picks(at) and len(_picks(at)) == 10
    # thumbs up: the paper counts as kept from now on
    up = _picks(at)[0]
    at.button(key=f"fyvote_up_{up}").click()
    at = check(at.run())
    assert up not in _picks(at)
    rl = ReadingLists(open_database(app_home / "trendscope.db"))
    assert rl.feedback() == {picks[0]: -1, up: 1}
    n = len(kept | {up})
    assert any(f"ranked by the {n} papers you keep" in c for c in texts(at.caption)), texts(at.caption)


def test_with_nothing_kept_the_newest_papers_come_with_a_hint(app_home, seed):
    rl = ReadingLists(open_database(app_home / "trendscope.db"))
    for summary in rl.lists():
        rl.delete(summary.name)
    at = check(new_app().run())
    picks = _picks(at)
    assert picks
    captions = texts(at.caption)
    assert any("You keep no papers yet" in c and "new in " in c for c in captions)
    assert not [c for c in captions if c.startswith(("new in", "close to"))]  # said once, not on every card
    db = open_database(app_home / "trendscope.db")
    dates = [db.execute("SELECT published FROM papers WHERE id = ?", [p]).fetchone()[0] for p in picks]
    assert dates == sorted(dates, reverse=True)


def test_search_cards_take_thumbs_too(app_home, seed):
    from app_harness import search

    at = search(check(new_app().run()), "transformer")
    first = next(b.key[5:] for b in at.button if b.key and b.key.startswith("open_"))
    at.button(key=f"hitvote_up_{first}").click()
    at = check(at.run())
    assert ReadingLists(open_database(app_home / "trendscope.db")).feedback() == {first: 1}
    assert any("Noted: more like this" in s for s in texts(at.success))
    assert [s.icon for s in at.success if "Noted:" in s.value] == [":material/thumb_up:"]  # not a bookmark


def test_newest_fallback_outside_the_default_categories(tmp_path):
    from trendscope.foundation.home import Home
    from trendscope.index.vector_store import VectorStore
    from trendscope.ingest.records import Paper
    from trendscope.ingest.store import PaperStore
    from trendscope.schema import open_home_database

    db = open_home_database(Home(tmp_path / "home"))
    PaperStore(db).upsert([Paper(id=f"2601.0000{i}", version=1, title=f"Neural coding {i}", abstract="Spikes.",
                                 authors=["A. B"], categories=["q-bio.NC"], published=f"2026-01-0{i}")
                           for i in range(1, 6)])
    res = ReadingLists(db).for_you(VectorStore(db), limit=3, categories=("cs.LG", "cs.CL"))
    assert res.mode == "newest" and [p.arxiv_id for p in res.picks] == ["2601.00005", "2601.00004", "2601.00003"]
    assert all(p.reason.startswith("new in your corpus") for p in res.picks)
