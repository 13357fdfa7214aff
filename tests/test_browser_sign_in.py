"""Signing in, in a real headless Chromium against a real `trendscope serve`: with a built-in account
(password form) and with OpenID Connect (`st.login`) against a local provider (`oidc-provider-mock`). Each
user sees their own lists; signing out returns to the sign-in page. (The time from signing in to the
reading-lists page is a benchmark: bench/bench_sign_in.py.)"""
from __future__ import annotations

import logging
import shutil

import pytest
from browser_harness import (
    browser_missing,
    chromium,
    click_button,
    exceptions_on_page,
    free_port,
    load,
    page_text,
    serve,
    wait_idle,
    wait_text,
)

from trendscope.accounts.users import Accounts
from trendscope.foundation.actor import Actor
from trendscope.ingest.store import open_database
from trendscope.reading.lists import ReadingLists

pytestmark = [pytest.mark.browser, pytest.mark.skipif(bool(browser_missing()), reason=browser_missing() or "")]

PW = "correct horse battery"


def lab_home(seed, root, passwords: bool = True):
    """The seeded home (the owner's list) plus ana and bo, each with a list of their own."""
    home = root / "home"
    shutil.copytree(seed.home, home)
    db = open_database(home / "trendscope.db")
    acc = Accounts(db)
    for name in ("ana", "bo"):
        acc.add(name, email=f"{name}@lab.example", password=PW if passwords else None)
        rl = ReadingLists(db, user=Actor(name, admin=False))
        rl.create(f"{name.capitalize()} private")
        rl.add(f"{name.capitalize()} private", seed.list_ids[:1])
    db.conn.close()
    return home


def sign_in_with_password(driver, url: str, name: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    load(driver, url)
    wait_text(driver, "Sign in to Trendscope")
    driver.find_element(By.CSS_SELECTOR, 'input[aria-label="User name"]').send_keys(name)
    box = driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Password"]')
    box.send_keys(password)
    click_button(driver, "Sign in")
    wait_idle(driver)


def wait_url(driver, prefix: str, timeout: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not driver.current_url.startswith(prefix):
        if time.monotonic() > deadline:
            raise TimeoutError(f"never reached {prefix} (at {driver.current_url})")
        time.sleep(0.05)
    wait_text(driver, "")  # a body is there


def list_choices(driver, url: str) -> list[str]:
    """The lists the reading-lists page offers (its list picker's options, opened by a click)."""
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    load(driver, f"{url}/lists")
    wait_text(driver, "Reading lists")
    boxes = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
    if not boxes:
        return []
    boxes[0].find_element(By.CSS_SELECTOR, "input").click()
    deadline = time.monotonic() + 10
    options: list[str] = []
    while not options and time.monotonic() < deadline:
        options = [o.text.split(" · ")[0] for o in driver.find_elements(By.CSS_SELECTOR, '[role="option"]')]
        time.sleep(0.1)
    boxes[0].find_element(By.CSS_SELECTOR, "input").send_keys(Keys.ESCAPE)
    return options


def test_password_sign_in_shows_only_your_lists_and_sign_out_ends_the_session(seed, tmp_path):
    home = lab_home(seed, tmp_path)
    with serve(home, log_path=tmp_path / "serve.log") as url, chromium() as driver:
        load(driver, f"{url}/lists")
        assert "Sign in to Trendscope" in page_text(driver) and "private" not in page_text(driver)
        sign_in_with_password(driver, url, "ana", "not her password")
        wait_text(driver, "wrong user name or password")
        sign_in_with_password(driver, url, "ana", PW)
        wait_text(driver, "Signed in as ana")
        assert list_choices(driver, url) == ["Ana private"]  # a new page load: still signed in (cookie)
        click_button(driver, "Sign out")
        wait_text(driver, "Sign in to Trendscope")
        load(driver, f"{url}/lists")  # the cookie is gone and the session ended
        wait_text(driver, "Sign in to Trendscope")
        sign_in_with_password(driver, url, "bo", PW)
        wait_text(driver, "Signed in as bo")
        assert list_choices(driver, url) == ["Bo private"]
        assert not exceptions_on_page(driver)
    # the cookie is written without Streamlit's components.v1.html (deprecated since 2026-06-01: each sign-in
    # logged that it "will be removed", a blind walkthrough)
    assert "components.v1.html" not in (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")


def test_a_digest_link_to_a_paper_opens_it_after_the_password_sign_in(seed, tmp_path):
    """A digest mail links to `<app>/paper?id=...` ([app] url): signing in on the way keeps the paper."""
    from selenium.webdriver.common.by import By

    home = lab_home(seed, tmp_path)
    with serve(home, log_path=tmp_path / "serve.log") as url, chromium() as driver:
        load(driver, f"{url}/paper?id={seed.math_id}")
        wait_text(driver, "Sign in to Trendscope")
        driver.find_element(By.CSS_SELECTOR, 'input[aria-label="User name"]').send_keys("ana")
        driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Password"]').send_keys(PW)
        click_button(driver, "Sign in")
        wait_text(driver, "Abstract")
        wait_text(driver, "Signed in as ana")
        assert driver.current_url.endswith(f"/paper?id={seed.math_id}")
        assert not exceptions_on_page(driver)
        # a blind walkthrough: signed in on a page other than the start page, the session cookie was never
        # written (9 times in 10), and the next page load asked to sign in again
        assert list_choices(driver, url) == ["Ana private"]  # a new page load: still signed in
        wait_text(driver, "Signed in as ana")


def test_openid_connect_sign_in_against_a_local_provider(seed, tmp_path):
    from oidc_provider_mock import User, run_server_in_thread

    home = lab_home(seed, tmp_path, passwords=False)
    port = free_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    users = [User(sub="ana-sub", claims={"email": "ana@lab.example", "email_verified": True, "name": "Ana"}),
             User(sub="eve-sub", claims={"email": "eve@elsewhere.example", "email_verified": True})]
    with run_server_in_thread(port=0, user_claims=users) as idp:
        issuer = f"http://127.0.0.1:{idp.server_port}"
        (home / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a-cookie-secret-for-this-test-only"\n'
            'client_id = "trendscope"\nclient_secret = "test-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n')
        (home / "secrets.toml").chmod(0o600)
        with serve(home, port=port, log_path=tmp_path / "serve.log") as url, chromium() as driver:
            from selenium.webdriver.common.by import By

            load(driver, url)
            wait_text(driver, "Sign in to Trendscope")
            assert "Password" not in page_text(driver)  # no built-in account has a password here
            click_button(driver, "Sign in with your identity provider")
            wait_url(driver, f"{issuer}/oauth2/authorize")  # the provider's page
            click_button(driver, "ana-sub")
            wait_text(driver, "Signed in as ana", timeout=60)
            assert list_choices(driver, url) == ["Ana private"]
            click_button(driver, "Sign out")
            wait_url(driver, f"{issuer}/oauth2/end_session")
            click_button(driver, "End session")  # the provider asks before ending its own session
            wait_text(driver, "Sign in to Trendscope", timeout=60)
            # someone the provider knows but this lab does not: refused, with what an admin must do
            click_button(driver, "Sign in with your identity provider")
            wait_url(driver, f"{issuer}/oauth2/authorize")
            click_button(driver, "eve-sub")
            wait_text(driver, "has no Trendscope account here", timeout=60)
            assert "Reading lists" not in [e.text for e in driver.find_elements(By.TAG_NAME, "h1")]
