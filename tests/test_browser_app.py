"""A real headless Chromium against a real `trendscope serve` over the seeded data home: every page loads
without an exception, search -> paper -> add to list works by clicking, and screenshots are saved.
(Warm search latency in the browser is a benchmark: bench/bench_app_search.py.)"""
from __future__ import annotations

import shutil

import pytest
from app_seed import LIST_NAME
from browser_harness import (
    body_text,
    browser_missing,
    chromium,
    click_button,
    dialogs,
    exceptions_on_page,
    full_screenshot,
    load,
    page_text,
    serve,
    timed_search,
    wait_idle,
    wait_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "")]

PAGES = {"": "Search", "trends": "Trends", "digests": "Digests", "lists": "Reading lists", "status": "Status"}


@pytest.fixture(scope="module")
def app_url(seed, tmp_path_factory):
    home = tmp_path_factory.mktemp("browser") / "home"
    shutil.copytree(seed.home, home)
    with serve(home, log_path=home.parent / "serve.log") as url:
        yield url


@pytest.fixture(scope="module")
def driver():
    with chromium() as d:
        yield d


def test_every_page_loads_without_an_exception(app_url, driver, seed, tmp_path):
    for path, title in PAGES.items():
        load(driver, f"{app_url}/{path}")
        wait_text(driver, title)
        assert not exceptions_on_page(driver), (path, exceptions_on_page(driver))
        assert "Internal error" not in page_text(driver), path
        assert not dialogs(driver), (path, dialogs(driver))
        outside = [u for u in driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
            if not u.startswith((app_url, "data:", "blob:"))]
        assert not outside, (path, outside)  # icons, fonts and scripts all come from the app itself
        # the page's title near the top (Streamlit's padding left about 150 px blank above it: a blind walkthrough)
        top = driver.execute_script("const h = document.querySelector('[data-testid=stMain] h1');"
                                    "return h ? h.getBoundingClientRect().top : null;")
        # below the header (60 px high: at 48 a phone's first line was under it, an accessibility walkthrough)
        assert top is not None and 60 <= top < 90, (path, top)  # 96 before
        # the page in the tab's title ("Trendscope" on every page: an accessibility walkthrough)
        assert driver.title.endswith(" · Trendscope"), (path, driver.title)
        full_screenshot(driver, tmp_path / f"{path or 'search'}.png")
    load(driver, f"{app_url}/paper?id={seed.math_id}")
    wait_text(driver, "Abstract")
    assert driver.find_elements("css selector", ".katex"), "LaTeX in the abstract is rendered by KaTeX"
    assert driver.title.endswith(" · Trendscope") and driver.title.split()[0] in seed.titles[seed.math_id]
    assert not exceptions_on_page(driver)
    assert not [u for u in driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
                if not u.startswith((app_url, "data:", "blob:"))]  # KaTeX's fonts too
    full_screenshot(driver, tmp_path / "paper.png")
    assert all((tmp_path / f"{p}.png").stat().st_size > 10_000
               for p in ["search", "trends", "digests", "lists", "status", "paper"])


def test_search_open_paper_add_to_list(app_url, driver, seed, tmp_path):
    load(driver, f"{app_url}/")
    result = timed_search(driver, "low-rank adaptation")
    assert result["done"] is not None, result
    text = page_text(driver)
    assert "results for “low-rank adaptation”" in text
    # a result's title (a link into the reader) reads as a title: larger than its byline, wrapped when long
    title_px, byline_px, wraps = driver.execute_script("""
        const p = document.querySelector('[data-testid="stMain"] a[href*="paper?id="] p');
        const byline = p.closest('[data-testid="stVerticalBlock"]')
            .querySelector('[data-testid="stCaptionContainer"], [data-testid="stMarkdownContainer"]:not(a *)');
        return [parseFloat(getComputedStyle(p).fontSize), parseFloat(getComputedStyle(byline).fontSize),
                getComputedStyle(p).whiteSpace];""")
    assert title_px > byline_px and wraps == "normal", (title_px, byline_px, wraps)
    # focused from the keyboard, a title shows it (the app's own style took the only cue: an accessibility walkthrough)
    outline = driver.execute_script("""
        const a = document.querySelector('[data-testid="stMain"] a[href*="paper?id="]');
        a.focus({focusVisible: true});
        return [a.matches(':focus-visible'), getComputedStyle(a).outlineStyle];""")
    assert outline == [True, "solid"], outline
    # a thumb's words are its name for screen readers, not shown (an icon button, as before)
    words, width = driver.execute_script("""
        const b = document.querySelector('[class*="st-key-iconbtn_"] button');
        const words = b.querySelector('[data-testid="stMarkdownContainer"]');
        return [b.textContent.trim(), words.getBoundingClientRect().width];""")
    assert words.endswith("More like this") and width <= 1, (words, width)
    full_screenshot(driver, tmp_path / "search.png")
    click_button(driver, "Open")
    wait_text(driver, "Abstract")
    wait_idle(driver)
    assert "/paper?id=" in driver.current_url
    opened = driver.current_url.split("id=")[1]
    click_button(driver, "Add to list")
    click_button(driver, "Add")
    wait_text(driver, f"Added {opened} to the list “{LIST_NAME}”")
    assert not exceptions_on_page(driver)
    # the list page shows it
    load(driver, f"{app_url}/lists")
    wait_text(driver, seed.titles[opened][:30])
    assert not exceptions_on_page(driver)


def test_adding_a_subscription_empties_the_form(app_url, driver):
    """After a successful add the form is ready for the next subscription (a new user saw their last name and
    query still in the fields, and could not tell whether the add had happened)."""
    from selenium.webdriver.common.by import By

    load(driver, f"{app_url}/digests")
    wait_text(driver, "Add subscription")
    wait_idle(driver)

    def field(label: str):
        return driver.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]')

    field("Name").send_keys("spec decoding")
    field("Saved search query (optional)").send_keys("speculative decoding")
    click_button(driver, "Add subscription")
    wait_text(driver, "Added subscription")
    wait_idle(driver)
    assert field("Name").get_attribute("value") == ""
    assert field("Saved search query (optional)").get_attribute("value") == ""
    assert not exceptions_on_page(driver) and "Session State API" not in body_text(driver)
