"""The topics of a reading list: groups of its papers, and recommendation places shared out between them.

A list often holds more than one subject ("to read": three papers on speech LLMs, three on jailbreaks). Ranked
against the centroid of the whole list, the larger or tighter subject took nearly every place: on two-topic lists
made from the blind search dev set, the smaller topic got 1.7 of 10 places when the list held it 4 + 2
(bench/list_recs_eval.py --mixed; docs/performance.md). Here a list's topics are average-linkage clusters of its
papers' vectors (cosine), cut where a cluster's papers are on average less similar than `similarity`; a cluster
of fewer than MIN_TOPIC_PAPERS papers is not a topic (one stray paper does not get places of its own), and its
papers point to the whole list's centroid. Each topic then gets places in proportion to its papers.
Deterministic: the same papers give the same topics.
"""
from __future__ import annotations

import numpy as np

TOPIC_SIMILARITY = 0.5  # a topic's papers are on average at least this similar (cosine)
MIN_TOPIC_PAPERS = 2  # a smaller group is not a topic: its papers use the whole list's centroid
_BLOCK = 8192  # candidate rows scored at once (bounds memory)


def centroid_of(q: np.ndarray) -> np.ndarray:
    """The normalised mean of some papers' vectors."""
    centroid = q.mean(axis=0)
    return (centroid / (np.linalg.norm(centroid) or 1.0)).astype(np.float32)


def list_topics(q: np.ndarray, similarity: float | None = TOPIC_SIMILARITY) -> tuple[np.ndarray, np.ndarray]:
    """(centroids [t, d], each list paper's topic [n], an index into centroids); the last centroid is the whole
    list's, used by papers in no topic. One topic (the whole list) when fewer than two groups qualify or
    `similarity` is None."""
    whole = centroid_of(q)
    one = (whole[None, :], np.zeros(len(q), dtype=np.int64))
    if similarity is None or len(q) < 2 * MIN_TOPIC_PAPERS:
        return one
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    dist = np.clip(pdist(q.astype(np.float64), "cosine"), 0.0, 2.0)
    labels = fcluster(linkage(dist, method="average"), t=1.0 - similarity, criterion="distance").tolist()
    groups = [np.flatnonzero(np.asarray(labels) == lab) for lab in dict.fromkeys(labels)]  # in list order
    topics = [g for g in groups if len(g) >= MIN_TOPIC_PAPERS]
    if len(topics) <= 1:
        return one
    of_paper = np.full(len(q), len(topics), dtype=np.int64)  # the whole list's centroid, last
    for t, members in enumerate(topics):
        of_paper[members] = t
    return np.vstack([centroid_of(q[members]) for members in topics] + [whole[None, :]]), of_paper


def topic_similarity(c: np.ndarray, which: np.ndarray, centroids: np.ndarray, of_paper: np.ndarray) -> np.ndarray:
    """Each candidate's cosine to the centroid of the topic of its best-matching list paper (`which`)."""
    out = np.empty(len(c), dtype=np.float32)
    topic = of_paper[which]
    for start in range(0, len(c), _BLOCK):
        sims = c[start : start + _BLOCK] @ centroids.T
        out[start : start + _BLOCK] = np.take_along_axis(sims, topic[start : start + _BLOCK, None], axis=1)[:, 0]
    return out


def topic_places(of_paper: np.ndarray, n_topics: int, limit: int) -> np.ndarray:
    """Places per topic (index as the centroids), in proportion to its list papers; largest remainders."""
    sizes = np.bincount(of_paper, minlength=n_topics).astype(np.float64)
    share = limit * sizes / sizes.sum()
    places = np.floor(share).astype(np.int64)
    for t in np.argsort(-(share - places), kind="stable")[: limit - int(places.sum())]:
        places[t] += 1
    return places


def shared_out(order: np.ndarray, topic_of: np.ndarray, places: np.ndarray, limit: int) -> list[int]:
    """The first `limit` of `order` (candidates, best first) with each topic (`topic_of` per candidate) taking at
    most its places; places a topic cannot fill go to the best of the rest. Kept in `order`."""
    left = places.copy()
    taken: list[tuple[int, int]] = []  # (place in `order`, candidate)
    rest: list[tuple[int, int]] = []
    for pos, i in enumerate(order.tolist()):
        t = int(topic_of[i])
        if left[t] > 0:
            left[t] -= 1
            taken.append((pos, i))
        elif len(rest) < limit:
            rest.append((pos, i))
        if len(taken) == limit:
            break
    return [i for _, i in sorted(taken + rest[: limit - len(taken)])]


def holds_every_topics_best(scores: np.ndarray, topic_of: np.ndarray, places: np.ndarray, bounds: np.ndarray,
                            limit: int, bound: float) -> bool:
    """Whether candidates found so far provably hold what `shared_out` would pick from all papers: a paper not
    found scores at most `bounds[t]` if its best match is in topic t (-inf: none is left), at most `bound` whatever
    its topic. Each topic's places-th best must reach its bound; where a topic has run out of papers, its places go
    to the best of the rest, so then the best 2 x `limit` overall must reach `bound` too."""
    short = False
    for t, need in enumerate(places.tolist()):
        if not need:
            continue
        mine = np.sort(scores[topic_of == t])
        if bounds[t] > -np.inf:
            if len(mine) < need or float(mine[-need]) < bounds[t]:
                return False
        elif len(mine) < need:
            short = True
    if not short:
        return True
    return len(scores) >= 2 * limit and float(np.sort(scores)[-2 * limit]) >= bound
