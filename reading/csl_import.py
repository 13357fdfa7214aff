"""CSL JSON items (Zotero's and Mendeley's "CSL JSON" export) as the record fields a JSON import reads: a CSL item
names its paper by `URL`, `DOI`, `number` or a `note` saying "arXiv: X" (Zotero's Extra field), its `id` and
`status` are the reference manager's own (an id "http://zotero.org/..." was reported as no arXiv id, a numeric id
refused, a `status` of "forthcoming" taken for a reading status: a blind walkthrough and a review), and its
authors are objects (`given`/`family`, or `literal`)."""
from __future__ import annotations

CSL_FIELDS = frozenset({"issued", "container-title", "citation-key"})  # fields only CSL items have


def is_csl(rec: dict) -> bool:
    """Whether a JSON object is a CSL JSON item: a `type` and CSL's own fields or author objects."""
    authors = rec.get("author")
    if "arxiv_id" in rec:  # Trendscope's own record (it has no CSL `type`, but another tool's may add one)
        return False
    return isinstance(rec.get("type"), str) and bool(
        rec.keys() & CSL_FIELDS or (isinstance(authors, list) and any(isinstance(a, dict) for a in authors)))


def csl_record(rec: dict) -> dict:
    """The item as the fields `importers._item_from_record` reads: `url`, `doi`, `number`, `extra_note` (searched for
    an id, never the reader's note), `title`, `authors` (text), `year`, `citation_key`; `csl` marks it."""
    r = {str(k).lower(): v for k, v in rec.items()}
    names = []
    for a in r.get("author") if isinstance(r.get("author"), list) else []:
        if isinstance(a, dict):
            name = " ".join(p for p in (a.get("given"), a.get("family")) if isinstance(p, str)).strip()
            name = name or (a["literal"] if isinstance(a.get("literal"), str) else "")
        else:
            name = a if isinstance(a, str) else ""
        if name.strip():
            names.append(name)
    issued = r.get("issued")
    parts = issued.get("date-parts") if isinstance(issued, dict) else None
    year = (str(parts[0][0])[:4] if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]
            and isinstance(parts[0][0], (int, str)) else "")
    out = {"csl": True, "authors": names, "year": year}
    for key, field in (("url", "url"), ("doi", "doi"), ("number", "number"), ("extra_note", "note"),
                       ("title", "title"), ("citation_key", "citation-key"), ("archive_location", "archive_location"),
                       ("archive", "archive")):
        if isinstance(r.get(field), str):
            out[key] = r[field]
    if isinstance(r.get("id"), str):  # an item some tool keys by its arXiv id ("2106.09685"): read as one (a review)
        out["id"] = r["id"]
    return out
