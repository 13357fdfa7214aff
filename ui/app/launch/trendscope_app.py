"""The Trendscope Streamlit app: `trendscope serve` runs `streamlit run` on this file with TRENDSCOPE_HOME set.

This entry file is the router: page config, the sign-in gate (who acts in this run), navigation and the
per-run scope (one database connection per script run, closed when the run ends). It sits alone in its folder:
Streamlit puts that folder on `sys.path`, and nothing else there becomes importable. The pages live in
`trendscope/ui/app/views/`.
"""
import streamlit as st

from trendscope.ui.app import auth_gate, navigation, state, warmup

st.set_page_config(page_title="Trendscope", page_icon=navigation.favicon(), layout="wide")
navigation.apply_style()
warmup.start(str(state.home().root))  # model + FAISS index load in the background from the first page view

with state.run_scope():
    state.set_actor(auth_gate.gate())  # the sign-in page, and a stop, when nobody is signed in
    page = st.navigation(navigation.streamlit_pages())
    auth_gate.resume_requested_page(page.url_path)  # a link followed before signing in: open what it named
    # the page in the tab's title ("Trendscope" on every page told tabs and history apart by nothing: an
    # accessibility walkthrough); the Paper page names its paper
    st.set_page_config(page_title=f"{page.title} · Trendscope")
    page.run()
