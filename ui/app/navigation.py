"""The app's pages: one table, used by the entry script (`st.navigation`) and by links between pages.

The page scripts live in `views/`, a folder Streamlit does not auto-discover (only `pages/` next to the entry
script is), so the first paint already shows this navigation.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VIEWS = Path(__file__).resolve().parent / "views"


@dataclass(frozen=True)
class PageSpec:
    key: str  # also the URL path
    file: str
    title: str
    icon: str


PAGES: tuple[PageSpec, ...] = (
    PageSpec("search", "search.py", "Search", ":material/search:"),
    PageSpec("paper", "paper.py", "Paper", ":material/article:"),
    PageSpec("trends", "trends.py", "Trends", ":material/trending_up:"),
    PageSpec("digests", "digests.py", "Digests", ":material/mail:"),
    PageSpec("lists", "reading_lists.py", "Reading lists", ":material/bookmarks:"),
    PageSpec("status", "status.py", "Status", ":material/monitor_heart:"),
)
DEFAULT_PAGE = "search"


def favicon():
    """The tab icon, drawn here (a rising line on blue), so the page asks no outside server for it (a
    `:material/...:` page icon is fetched from fonts.gstatic.com)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((0, 0, 63, 63), radius=14, fill=(0, 114, 178, 255))
    draw.line([(10, 48), (24, 34), (34, 42), (54, 16)], fill=(255, 255, 255, 255), width=7, joint="curve")
    return img


# One constant style sheet (no user text in it). A paper's title in a list of papers is a link into the reader
# (`widgets.title_link`, an `st.page_link`), which Streamlit draws at the size of a sidebar link: smaller than the
# authors' line under it, on one line cut at the edge. Links to the Paper page read as titles, wrapped when long;
# other page links keep Streamlit's look.
STYLE = """<style>
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"][href*="paper?id="] p {
  font-size: 1.1rem; font-weight: 500; line-height: 1.4;
}
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"][href*="paper?id="],
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"][href*="paper?id="] * {
  white-space: normal; overflow: visible; text-overflow: clip; height: auto;
}
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"][href*="paper?id="]:not(:hover) {
  background-color: transparent;  /* on the Paper page itself Streamlit marks them as the current page */
}
[data-testid="stMain"] a[data-testid="stPageLink-NavLink"][href*="paper?id="]:focus-visible {
  outline: 2px solid #0072B2; outline-offset: 2px;  /* the rule above took the only focus cue (a walkthrough) */
}
[class*="st-key-iconbtn_"] button [data-testid="stMarkdownContainer"] {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0;  /* an icon button's words, for screen readers only */
}
[data-testid="stMainBlockContainer"] {
  padding-top: 4rem;  /* Streamlit's 6rem left about 150 px blank above every page's title (a blind walkthrough); the
                         header is 3.75rem high: at 3rem it covered a page's first line on a phone */
}
@media (max-width: 640px) {
  [data-testid="stMain"] h1 { font-size: 1.75rem; line-height: 1.25; }  /* a 205-character paper title filled more
                                                                           than a phone's screen (a walkthrough) */
}
</style>"""


def apply_style() -> None:
    """Add `STYLE` to the page (a style-only `st.html` takes no room on it)."""
    import streamlit as st

    st.html(STYLE)


def page_path(key: str) -> Path:
    """Absolute path of a page script (what `st.switch_page` takes)."""
    return VIEWS / next(p.file for p in PAGES if p.key == key)


def streamlit_pages() -> list:
    import streamlit as st

    return [st.Page(VIEWS / p.file, title=p.title, icon=p.icon, url_path=p.key, default=p.key == DEFAULT_PAGE)
            for p in PAGES]
