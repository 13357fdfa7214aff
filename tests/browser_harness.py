"""A real `trendscope serve` and a real headless Chromium (Debian's chromium + chromedriver) driven by selenium.

Used by tests/test_browser_app.py, bench/bench_app_search.py and bench/screenshots.py.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("TRENDSCOPE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TRENDSCOPE_CHROMEDRIVER", "/usr/bin/chromedriver")
TRENDSCOPE = Path(sys.executable).with_name("trendscope")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is not installed (run `make browser`: apt-get install chromium chromium-driver)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(home: Path, port: int | None = None, timeout: float = 90.0, log_path: Path | None = None,
          extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """Run `trendscope --home HOME serve --port PORT [EXTRA_ARGS]` and yield its URL once the health check
    answers."""
    port = port or free_port()
    log = open(log_path or os.devnull, "wb")
    env = dict(os.environ, TRENDSCOPE_HOME=str(home))
    proc = subprocess.Popen(
        [str(TRENDSCOPE), "--home", str(home), "serve", "--port", str(port), "--host", "127.0.0.1", *extra_args],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"trendscope serve exited with {proc.returncode} (log: {log_path})")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"trendscope serve did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.25)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group (start_new_session)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A headless Chromium with a fresh profile, closed (profile deleted) afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="trendscope-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-extensions", "--disable-default-apps",
                 f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# -- page helpers -------------------------------------------------------------------------------------
IDLE_JS = """
const app = document.querySelector('[data-testid="stApp"]');
return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stSkeleton"]');
"""


def wait_idle(driver, timeout: float = 60.0, settle: float = 0.3) -> None:
    """Wait until the app finished its script run (and stays finished for `settle` seconds)."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        if driver.execute_script(IDLE_JS):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= settle:
                return
        else:
            idle_since = None
        time.sleep(0.05)
    raise TimeoutError("the app did not finish running")


def load(driver, url: str, timeout: float = 90.0) -> None:
    driver.get(url)
    wait_idle(driver, timeout)


def exceptions_on_page(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')]


def dialogs(driver) -> list[str]:
    """Texts of open dialogs (Streamlit's "Page not found" is one)."""
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stDialog"]')]


def page_text(driver) -> str:
    return driver.execute_script("return document.querySelector('[data-testid=\"stMain\"]')?.innerText || ''")


def full_screenshot(driver, path: Path) -> Path:
    """A screenshot of the whole main area (the window is grown to its height first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 1000;")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(int(height) + 120, 800), 4000))
    time.sleep(0.3)
    driver.save_screenshot(str(path))
    return path


SEARCH_JS = """
const [query, done] = [arguments[0], arguments[arguments.length - 1]];
const target = ' for \\u201c' + query + '\\u201d \\u00b7';  // "N results for …" or "1 result for …"
const noHits = 'No papers match \\u201c' + query + '\\u201d';
const app = document.querySelector('[data-testid="stApp"]');
const shown = () => {
  const main = document.querySelector('[data-testid="stMain"]');
  return main && (main.innerText.includes(target) || main.innerText.includes(noHits));
};
const button = [...document.querySelectorAll('[data-testid="stBaseButton-primaryFormSubmit"], button')]
  .find(b => b.innerText.trim().endsWith('Search'));
let firstShown = null;
const t0 = performance.now();
const tick = () => {
  const now = performance.now();
  if (firstShown === null && shown()) firstShown = now - t0;
  if (firstShown !== null && app.getAttribute('data-test-script-state') === 'notRunning') {
    done({first: firstShown, done: now - t0});
    return;
  }
  if (now - t0 > 30000) { done({first: firstShown, done: null}); return; }
  requestAnimationFrame(tick);
};
button.click();
requestAnimationFrame(tick);
"""


def type_query(driver, query: str) -> None:
    from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    deadline = time.monotonic() + 30
    while True:
        try:
            box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Query"]')
            box.click()
            box.send_keys(Keys.CONTROL, "a")
            box.send_keys(Keys.DELETE)
            box.send_keys(query)
            return
        except (ElementNotInteractableException, StaleElementReferenceException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def timed_search(driver, query: str) -> dict:
    """Type `query`, press Search, and measure in the browser (performance.now) until the results are shown
    (`first`: the results line is on screen; `done`: the run finished and every card is rendered), in ms."""
    type_query(driver, query)
    driver.set_script_timeout(40)
    return driver.execute_async_script(SEARCH_JS, query)


def click_button(driver, label: str, within=None, timeout: float = 30.0):
    """Click the first visible button whose text is `label` (looking again when the page changed under it, e.g.
    while a sign-in redirect is loading)."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By

    root = within or driver
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for b in root.find_elements(By.TAG_NAME, "button"):
                if b.is_displayed() and label in [line.strip() for line in b.text.split("\n")]:
                    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", b)
                    b.click()
                    return b
        except StaleElementReferenceException:
            pass
        except WebDriverException as exc:  # "Node ... does not belong to the document": a page replaced
            if "does not belong to the document" not in str(exc):
                raise
        time.sleep(0.1)
    raise TimeoutError(f"no button {label!r}")


def body_text(driver) -> str:
    """All visible text, popovers and dialogs (rendered outside the main area) included."""
    return driver.execute_script("return document.body.innerText || ''")


def wait_text(driver, text: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in body_text(driver):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{text!r} never appeared; page says: {page_text(driver)[:500]!r}")
