"""The Trendscope Streamlit app: `trendscope serve` runs `streamlit run ui/app.py` with TRENDSCOPE_HOME set.

This entry file is the router: page config, navigation and the per-run scope (one database connection per
script run, closed when the run ends). Each page lives in `ui/pages/<name>.py`.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import app_state

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Trendscope", page_icon=":material/insights:", layout="wide")

PAGES = [
    st.Page(HERE / "pages" / "search.py", title="Search", icon=":material/search:", url_path="search", default=True),
    st.Page(HERE / "pages" / "paper.py", title="Paper", icon=":material/article:", url_path="paper"),
    st.Page(HERE / "pages" / "trends.py", title="Trends", icon=":material/trending_up:", url_path="trends"),
    st.Page(HERE / "pages" / "digests.py", title="Digests", icon=":material/mail:", url_path="digests"),
    st.Page(HERE / "pages" / "reading_lists.py", title="Reading lists", icon=":material/bookmarks:",
            url_path="lists"),
    st.Page(HERE / "pages" / "status.py", title="Status", icon=":material/monitor_heart:", url_path="status"),
]

page = st.navigation(PAGES)
with app_state.run_scope():
    page.run()
