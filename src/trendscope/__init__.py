"""Trendscope: a self-hosted research-trend tracker and paper reader for arXiv.

One import package. The stages live in `trendscope.ingest`, `trendscope.index`, `trendscope.digest`,
`trendscope.reading` and `trendscope.ui` (mapped from the repository's top-level folders); the helpers every
stage shares live in `trendscope.foundation`. Data flows one way: ingest <- index <- digest/reading <- ui.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trendscope")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"
