"""The reader in a real headless Chromium against a real `trendscope serve`: fetch a paper's PDF from the local
fake arXiv, read a section, leave a note on a passage, find the passage by searching inside papers and jump to it,
and see the note on the reading-list page."""
from __future__ import annotations

import re
import shutil
import time

import pytest
from arxiv_server import FakeArxiv
from browser_harness import (
    body_text,
    browser_missing,
    chromium,
    click_button,
    exceptions_on_page,
    load,
    page_text,
    serve,
    type_query,
    wait_idle,
    wait_text,
)

pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "")]

NOTE = "Readers lose track of the papers they cited before"


def _visible(driver, css: str):
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
        if found:
            return found
        time.sleep(0.1)
    raise TimeoutError(f"nothing visible matches {css}")


def test_fetch_read_note_search_inside_in_a_real_browser(seed, shared_dir, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(seed.home, home)
    pid = seed.list_ids[0]
    pdf = (shared_dir / "data" / "fixtures" / "pdf" / "2302.07302v1.pdf").read_bytes()
    with FakeArxiv([], pdfs={pid: pdf}) as arxiv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_PDF_URL", arxiv.pdf_url)
        with serve(home, log_path=tmp_path / "serve.log") as url, chromium() as d:
            load(d, f"{url}/paper?id={pid}")
            wait_text(d, "Full text")
            click_button(d, "Fetch full text")
            wait_text(d, "Download PDF", timeout=60)
            wait_idle(d)
            assert "references (" in body_text(d).lower() and not exceptions_on_page(d)
            # read on to the introduction, section by section
            for _ in range(8):
                reader = _visible(d, '[class*="st-key-reader_text"]')[0].text
                if reader.startswith("1 INTRODUCTION"):
                    break
                click_button(d, "Next section")
                wait_idle(d)
            assert _visible(d, '[class*="st-key-reader_text"]')[0].text.startswith("1 INTRODUCTION")
            # both buttons show their whole label (in narrow columns they read "Pr…" and "N…": a walkthrough)
            for label in ("Previous section", "Next section"):
                button = next(b for b in _visible(d, '[data-testid="stMain"] button') if label in b.text)
                assert d.execute_script(
                    "const els = [arguments[0], ...arguments[0].querySelectorAll('*')];"
                    "return els.every(e => e.scrollWidth <= e.clientWidth + 1);", button), label
            # a note on the first paragraph of the section
            click_button(d, "Note")
            area = _visible(d, '[data-testid="stPopoverBody"] textarea')[0]
            area.send_keys(NOTE)
            click_button(d, "Save note")
            wait_text(d, "Note saved on passage")
            wait_idle(d)
            assert NOTE in body_text(d)
            # search inside papers and jump to the passage
            load(d, f"{url}/")
            click_button(d, "Inside papers")
            type_query(d, "personalized citation context")
            click_button(d, "Search")
            wait_text(d, "inside 1 fetched paper")
            click_button(d, "Open at this passage")
            deadline = time.monotonic() + 30
            while "passage=" not in d.current_url and time.monotonic() < deadline:
                time.sleep(0.1)
            assert f"id={pid}" in d.current_url and "passage=" in d.current_url
            wait_text(d, "Full text")
            wait_idle(d)
            assert not exceptions_on_page(d)
            # the passage is scrolled into view (it stayed below the title and buttons: a blind walkthrough)
            seq = re.search(r"passage=(\d+)", d.current_url).group(1)
            passage = _visible(d, f".st-key-passage_{seq}")[0]
            deadline, top = time.monotonic() + 10, None
            while time.monotonic() < deadline:
                top = d.execute_script("return arguments[0].getBoundingClientRect().top;", passage)
                if 0 <= top < d.execute_script("return window.innerHeight;") * 0.6:
                    break
                time.sleep(0.2)
            assert 0 <= top < d.execute_script("return window.innerHeight;") * 0.6, top
            # the reading list shows the note
            load(d, f"{url}/lists")
            wait_text(d, NOTE)  # under the paper, in the list (the seeded list holds it)
            assert "Internal error" not in page_text(d)
    assert [e.status for e in arxiv.log] == [200]  # one download


def test_a_pdf_the_reader_has_is_uploaded_and_read(seed, shared_dir, tmp_path):
    """Offline, "Or read a PDF you have" takes the file (no way to read one existed: a blind walkthrough)."""
    from selenium.webdriver.common.by import By

    from trendscope.ingest.records import Paper
    from trendscope.ingest.store import PaperStore, open_database

    home = tmp_path / "home"
    shutil.copytree(seed.home, home)
    db = open_database(home / "trendscope.db")
    PaperStore(db).upsert([Paper(id="2304.02623", version=1, title="Large language models and expository writing",
                                 abstract="A paper whose PDF the reader has.", published="2023-04-05")])
    db.conn.close()
    pdf = shared_dir / "data" / "fixtures" / "pdf" / "2304.02623v1.pdf"
    with serve(home, log_path=tmp_path / "serve.log") as url, chromium() as d:
        # another paper's PDF is refused, saying whose it is (it became a paper's text: a blind walkthrough)
        load(d, f"{url}/paper?id={seed.list_ids[1]}")
        wait_text(d, "Or read a PDF you have")
        d.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(pdf))
        wait_text(d, "is arXiv 2304.02623 (its first page says so)", timeout=60)
        # its own PDF is read
        load(d, f"{url}/paper?id=2304.02623")
        wait_text(d, "Or read a PDF you have")
        d.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(pdf))
        wait_text(d, "Download PDF", timeout=60)
        wait_idle(d)
        assert _visible(d, '[class*="st-key-reader_text"]') and not exceptions_on_page(d)
        # a paper not in the corpus: offline its "Add from arXiv" fails, and its page had no way to read the PDF
        load(d, f"{url}/paper?id=2302.07302")
        wait_text(d, "arXiv 2302.07302")
        wait_text(d, "Or read a PDF you have")
        d.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(pdf.with_name("2302.07302v1.pdf")))
        wait_text(d, "Download PDF", timeout=60)
        wait_idle(d)
        assert _visible(d, '[class*="st-key-reader_text"]') and not exceptions_on_page(d)
