"""The `trendscope` command line: one click group (`main`), one module per stage's commands."""
from .main import main

__all__ = ["main"]
