"""Sign in, then open the reading-lists page, in a real browser: the issue-16 goal is under 2 s warm.

    .venv/bin/python bench/bench_sign_in.py --home /work/homes/search --runs 8
    .venv/bin/python bench/bench_sign_in.py --home /tmp/ts-app-shots --out sign_in.json

A copy of the home gets a user `bench` with a password and a 20-paper reading list (the home itself is not
changed). Against a running `trendscope serve`, headless Chromium shows the sign-in page, and the clock runs from
the click on "Sign in" until (a) the signed-in page is idle (`signed_in`) and (b) the reading-lists page is idle
with the list picker shown (`lists`). Two flows: `direct` opens /lists (a bookmark), signs in there and lands on
the list; `via_search` signs in on the landing page ("new for you" is computed for the user) and then clicks
"Reading lists" in the sidebar. Each run signs out at the end. The first run warms the server and is reported
apart.
Timing resolution is the 50 ms polling of the page's script state.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

PW = "bench password 2026"


def prepare(src: Path, dst: Path) -> int:
    from trendscope.accounts.users import Accounts
    from trendscope.foundation.actor import Actor
    from trendscope.ingest.paper_reads import PaperFilter, PaperReads
    from trendscope.ingest.store import open_database
    from trendscope.reading.lists import ReadingLists

    dst.mkdir(parents=True)
    shutil.copy2(src / "trendscope.db", dst / "trendscope.db")
    if (src / "index").is_dir():
        shutil.copytree(src / "index", dst / "index")
    db = open_database(dst / "trendscope.db")
    Accounts(db).add("bench", email="bench@lab.example", password=PW)
    rl = ReadingLists(db, user=Actor("bench", admin=False))
    rl.create("to read")
    rl.add("to read", [r.id for r in PaperReads(db).newest(PaperFilter(), 20)])
    papers = PaperReads(db).count_between("0000", "9999")
    db.conn.close()
    return papers


def run_once(driver, url: str, direct: bool) -> dict:
    from browser_harness import click_button, load, wait_idle, wait_text
    from selenium.webdriver.common.by import By

    load(driver, f"{url}/lists" if direct else url)
    wait_text(driver, "Sign in to Trendscope")
    driver.find_element(By.CSS_SELECTOR, 'input[aria-label="User name"]').send_keys("bench")
    driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Password"]').send_keys(PW)
    t0 = time.monotonic()
    click_button(driver, "Sign in")
    wait_text(driver, "Signed in as bench", timeout=60)
    wait_idle(driver, settle=0.05)
    t_in = time.monotonic()
    if not direct:
        driver.find_element(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a[href$="/lists"]').click()
    deadline = time.monotonic() + 60
    while not driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]'):
        if time.monotonic() > deadline:
            raise TimeoutError("the reading-lists page did not show its list picker")
        time.sleep(0.05)
    wait_idle(driver, settle=0.05)
    t_lists = time.monotonic()
    click_button(driver, "Sign out")
    wait_text(driver, "Sign in to Trendscope")
    return {"signed_in": round(t_in - t0, 3), "lists": round(t_lists - t0, 3)}


def main() -> None:
    from browser_harness import browser_missing, chromium, serve

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="a data home to copy (its database and FAISS index)")
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--out", help="write the measurements as JSON here")
    args = ap.parse_args()
    if browser_missing():
        raise SystemExit(browser_missing())
    with tempfile.TemporaryDirectory(prefix="ts-bench-sign-in-") as tmp:
        home = Path(tmp) / "home"
        papers = prepare(Path(args.home), home)
        with serve(home, log_path=Path(tmp) / "serve.log") as url, chromium() as driver:
            first = run_once(driver, url, direct=False)
            flows = {flow: [run_once(driver, url, direct=flow == "direct") for _ in range(args.runs)]
                     for flow in ("direct", "via_search")}
    result = {"home": args.home, "papers": papers, "first": first}
    for flow, runs in flows.items():
        result[flow] = {
            "lists_median_s": round(statistics.median(r["lists"] for r in runs), 3),
            "lists_max_s": max(r["lists"] for r in runs),
            "signed_in_median_s": round(statistics.median(r["signed_in"] for r in runs), 3),
            "runs": runs,
        }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
