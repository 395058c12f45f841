"""Photograph the dashboard's event page and the HTML report for the README (``make screenshots``).

The store is the real nZEDb slice when one is given (``--store``) or its dumps are present (``--dumps``, ingested
once into ``--work``); otherwise the demo's simulated store. The event page is shot at 1,400 px, the report at
1,280 px, both full-page, in Debian's headless Chromium through Playwright; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("SCENEWATCH_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
RAID = "2020-08-25"
SCENEWATCH = [sys.executable, "-m", "scenewatch"]
WAIT_MS = 300_000  # a guard against a hang, not a timing target


def store_to_shoot(store: Path | None, dumps: Path, work: Path) -> tuple[Path, str]:
    """The store to photograph and what it is ("real slice" or "demo"), ingesting or simulating it when needed."""
    if store is not None:
        return store, "real slice"
    work.mkdir(parents=True, exist_ok=True)
    if dumps.is_dir():
        real = work / "nzedb.duckdb"
        if not real.exists():
            subprocess.run([*SCENEWATCH, "ingest", str(dumps), "--db", str(real), "-q"], check=True)
        return real, "real slice"
    demo = work / "demo"
    if not (demo / "demo.duckdb").exists():
        subprocess.run([*SCENEWATCH, "demo", "--dir", str(demo)], check=True, stdout=subprocess.DEVNULL)
    return demo / "demo.duckdb", "demo"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shoot(url: str, out: Path, width: int, ready: str) -> None:
    """Open ``url`` at ``width`` px, wait until ``ready`` (a JS expression) holds, save a full-page PNG to ``out``."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url.startswith(("http://127.0.0.1", "file://")) else route.abort())  # fmt: skip
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(url)
        page.wait_for_function(ready)
        page.wait_for_timeout(500)  # let Plotly finish its last relayout before the picture
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    print(f"wrote {out}")


def dashboard(store: Path, out: Path) -> None:
    """The event page (its default event: the raid on both stores) served by ``scenewatch serve``, read-only."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SCENEWATCH_TOKEN"}  # no token: read-only, nothing writes
    server = subprocess.Popen([*SCENEWATCH, "serve", "--db", str(store), "--port", str(port)], env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(base + "/api/events", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"scenewatch serve --db {store} did not come up")
            time.sleep(0.5)
        shoot(base + "/event", out, 1400, "() => document.body.dataset.ready === '1'")
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(store: Path, out: Path, work: Path) -> None:
    """The HTML report of the raid, written by ``scenewatch report`` and opened from disk."""
    html = work / "report.html"
    subprocess.run([*SCENEWATCH, "report", "--db", str(store), "--event", RAID, "--out", str(html)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    shoot(html.as_uri(), out, 1280, "() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")


def main() -> None:
    """Parse the arguments and write docs/dashboard.png and docs/report.png."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a store of the real slice to photograph (opened read-only)")
    parser.add_argument("--dumps", type=Path, default=ROOT.parent / "shared/data/predb-nzedb/dumps")
    parser.add_argument("--work", type=Path, default=ROOT / "build/screenshots")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    store, kind = store_to_shoot(args.store, args.dumps, args.work)
    print(f"photographing the {kind}: {store}")
    dashboard(store, args.out / "dashboard.png")
    report(store, args.out / "report.png", args.work)


if __name__ == "__main__":
    main()
