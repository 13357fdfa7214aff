"""The app server process: `trendscope serve` execs `python -m trendscope.ui.app.server <streamlit run args>`.

It starts the warm-up of the data home (`TRENDSCOPE_HOME`: the model and the FAISS index load in a background
thread) and then hands the process to Streamlit's own command line, so the model is loading while the server
boots and before the first browser connects.
"""
from __future__ import annotations

import os
import sys


def log_lines_with_time() -> None:
    """Trendscope's own log lines in the server's output carry the time (UTC), level and source: "failed sign-in
    for 'carla'" came bare, no use to fail2ban-style monitoring (a blind lab-admin walkthrough)."""
    import logging
    import time

    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logger = logging.getLogger("trendscope")
    if not any(getattr(h, "trendscope_server", False) for h in logger.handlers):
        handler.trendscope_server = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


def main(argv: list[str] | None = None) -> None:
    from trendscope.foundation.home import Home
    from trendscope.ui.app import warmup

    log_lines_with_time()

    if os.environ.get("TRENDSCOPE_HOME"):
        warmup.start(str(Home.resolve(os.environ["TRENDSCOPE_HOME"]).root))
    from streamlit.web import cli as streamlit_cli

    from trendscope.ui.app import host_check

    host_check.install()  # a browser at a refused address gets a page saying why, not a blank one

    sys.argv = ["streamlit", "run", *(sys.argv[1:] if argv is None else argv)]
    streamlit_cli.main()


if __name__ == "__main__":
    main()
