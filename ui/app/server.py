"""The app server process: `trendscope serve` execs `python -m trendscope.ui.app.server <streamlit run args>`.

It starts the warm-up of the data home (`TRENDSCOPE_HOME`: the model and the FAISS index load in a background
thread) and then hands the process to Streamlit's own command line, so the model is loading while the server
boots and before the first browser connects.
"""
from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    from trendscope.foundation.home import Home
    from trendscope.ui.app import warmup

    if os.environ.get("TRENDSCOPE_HOME"):
        warmup.start(str(Home.resolve(os.environ["TRENDSCOPE_HOME"]).root))
    from streamlit.web import cli as streamlit_cli

    from trendscope.ui.app import host_check

    host_check.install()  # a browser at a refused address gets a page saying why, not a blank one

    sys.argv = ["streamlit", "run", *(sys.argv[1:] if argv is None else argv)]
    streamlit_cli.main()


if __name__ == "__main__":
    main()
