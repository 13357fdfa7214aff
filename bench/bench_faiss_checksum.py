"""What checking the FAISS file's sha256 costs on load: synthetic indexes of the kind `trendscope index` builds
(IVF-SQ8 above 100,000 vectors, 384 dimensions), saved with `save_index` under /tmp, then loaded with
`load_index` without and with the sha256 check. Also timed: a sampled check instead (size + 64 blocks of 64 KiB
at fixed offsets, then `faiss.read_index`), the sha256 alone and, with --flat, exact (flat) indexes of the same
sizes. "cold" drops the file from the page cache first (posix_fadvise), as after a
reboot; "warm" is the usual case (the file was just written or read).

    .venv/bin/python bench/bench_faiss_checksum.py                    # 162,000 and 1,000,000 vectors
    .venv/bin/python bench/bench_faiss_checksum.py --sizes 162000 --flat
"""
from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def synthetic(n: int, dim: int, seed: int = 0, chunk: int = 100_000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(256, dim)).astype(np.float32)
    out = np.empty((n, dim), np.float32)
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        x = centers[rng.integers(0, len(centers), m)] + rng.normal(size=(m, dim)).astype(np.float32)
        out[s : s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def build(n: int, dim: int, kind: str, out: Path) -> Path:
    """An index of n vectors saved with save_index (IVF-SQ8 trained quickly: the load cost depends on the file,
    not on how well the quantiser was trained)."""
    import faiss

    from trendscope.index.faiss_index import IndexMeta, VectorIndex, save_index

    d = out / f"{kind}-{n}"
    if (d / "papers.faiss.json").exists():
        return d
    vecs = synthetic(n, dim)
    pks = np.arange(1, n + 1, dtype=np.int64)
    t0 = time.perf_counter()
    if kind == "flat":
        index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        meta = IndexMeta(model="bench", dim=dim, count=n, max_pk=n, digest="bench", kind="flat")
    else:
        nlist = int(max(16, min(16_384, 4 * np.sqrt(n))))
        index = faiss.index_factory(dim, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = 4
        index.cp.min_points_per_centroid = 1
        rng = np.random.default_rng(1)
        index.train(vecs[rng.choice(n, size=min(n, 8 * nlist), replace=False)])
        meta = IndexMeta(model="bench", dim=dim, count=n, max_pk=n, digest="bench", kind="ivf-sq8", nlist=nlist,
                         nprobe=32)
    index.add_with_ids(vecs, pks)
    save_index(VectorIndex(index, meta), d)
    mb = (d / "papers.faiss").stat().st_size / 1e6
    print(f"built {kind} n={n:,} in {time.perf_counter() - t0:.1f}s: {mb:.0f} MB", flush=True)
    return d


def drop_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def sampled_digest(path: Path, blocks: int = 64, block: int = 1 << 16) -> str:
    size = path.stat().st_size
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        for i in range(blocks):
            fh.seek(max(0, (size - block) * i // max(1, blocks - 1)))
            h.update(fh.read(block))
    return h.hexdigest()


def timed(fn, path: Path, cold: bool, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        if cold:
            drop_cache(path)
        else:
            fn()  # warm the cache
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[162_000, 1_000_000])
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/ts-bench-faiss-checksum"))
    ap.add_argument("--flat", action="store_true", help="also exact (flat) indexes of the same sizes")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import faiss

    from trendscope.foundation.hashing import file_fingerprint
    from trendscope.index.faiss_index import load_index

    kinds = ["ivf-sq8", "flat"] if args.flat else ["ivf-sq8"]
    rows = []
    for kind in kinds:
        for n in args.sizes:
            d = build(n, args.dim, kind, args.dir)
            ipath = d / "papers.faiss"
            mb = ipath.stat().st_size / 1e6
            ways = {
                "no check": lambda d=d: load_index(d, verify_checksum=False),
                "load_index (sha256 checked)": lambda d=d: load_index(d, verify_checksum=True),
                                "sampled + read": lambda p=ipath: (sampled_digest(p), faiss.read_index(str(p))),
                "sha256 only": lambda p=ipath: file_fingerprint(p),
            }
            for cache in ("warm", "cold"):
                res = {name: timed(fn, ipath, cache == "cold", args.repeat) for name, fn in ways.items()}
                rows.append((kind, n, mb, cache, res))
                print(f"{kind:8s} n={n:>9,} {mb:6.0f} MB {cache}: " + "  ".join(
                    f"{name} {t:.3f}s" for name, t in res.items()), flush=True)
    print("\n| index | vectors | file | cache | load, no check | load, sha256 checked | extra | "
          "sampled check + load | sha256 alone |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, n, mb, cache, r in rows:
        extra = r["load_index (sha256 checked)"] - r["no check"]
        print(f"| {kind} | {n:,} | {mb:.0f} MB | {cache} | {r['no check']:.3f} s | "
              f"{r['load_index (sha256 checked)']:.3f} s | {extra:+.3f} s | {r['sampled + read']:.3f} s | "
              f"{r['sha256 only']:.3f} s |")


if __name__ == "__main__":
    main()
