"""Helpers for driving the Streamlit app with `streamlit.testing.v1.AppTest`."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from trendscope.ui.app import navigation

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "ui" / "app" / "launch" / "trendscope_app.py"
PAGES = {p.key: f"../views/{p.file}" for p in navigation.PAGES}


def new_app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=120)


def check(at: AppTest) -> AppTest:
    """No exception element and no internal-error message on the page; paper text never rendered as HTML."""
    assert not at.exception, [e.value for e in at.exception]
    internal = [e.value for e in at.error if e.value.startswith("Internal error")]
    assert not internal, internal
    assert not [m for m in at.markdown if m.proto.allow_html], "markdown with unsafe_allow_html"
    # the one raw HTML element is the app's constant style sheet (no user text can reach it)
    assert [h.value for h in at.html] in ([], [navigation.STYLE]), "raw HTML element on the page"
    return at


def open_page(at: AppTest, page: str, **query) -> AppTest:
    at.query_params.clear()
    at.query_params.update(query)
    return check(at.switch_page(PAGES[page]).run())


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def all_markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def search(at: AppTest, query: str, **widgets) -> AppTest:
    """Type a query (plus any widget values by key) and press Search."""
    at.text_input(key="q").set_value(query)
    for key, value in widgets.items():
        for kind in (at.segmented_control, at.selectbox, at.multiselect, at.date_input):
            try:
                kind(key=key).set_value(value)
                break
            except KeyError:
                continue
        else:
            raise KeyError(key)
    at.button(key="FormSubmitter:search_form-Search").click()
    return check(at.run())
