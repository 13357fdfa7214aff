"""Search results as shown: each ranked paper's stored row, its snippet (the query's words marked, from porter's
FTS5 index) and the query's words it lacks ("missing: ..."), in ranked order; a paper whose row is gone (an index
older than the database) is left out.
"""
from __future__ import annotations

from .fts_query import ParsedQuery
from .search_request import SearchHit
from .search_store import HitRow, SearchStore


def search_hits(store: SearchStore, ranked: list[tuple[int, float]], pq: ParsedQuery | None) -> list[SearchHit]:
    pks = [pk for pk, _ in ranked]
    rows = store.rows(pks)
    snips = store.snippets(pq.match, pks) if pq is not None and pq.match else {}
    missing: dict[int, list[str]] = {}
    if pq is not None and pq.groups:  # one word too: a paper found by meaning alone says so
        for g in pq.optional:
            found = store.matching(g.fts(), pks)
            for pk in pks:
                # once each: a pasted abstract's repeated words were listed as often as written (a docs audit)
                if pk not in found and g.label not in missing.get(pk, []):
                    missing.setdefault(pk, []).append(g.label)
    hits = []
    for pk, score in ranked:
        r: HitRow | None = rows.get(pk)
        if r is None:  # vector of a paper that is gone (index older than the database)
            continue
        snippet = snips.get(pk) or (r.abstract[:240] + ("…" if len(r.abstract) > 240 else ""))
        hits.append(SearchHit(pk=pk, id=r.id, title=r.title, score=round(float(score), 6),
                              published=r.published, categories=r.categories, authors=r.authors,
                              abstract=r.abstract, snippet=snippet, missing=missing.get(pk, []),
                              withdrawn=r.withdrawn))
    return hits
