"""The browser tests' tools: a live server on 127.0.0.1, Debian's Chromium driven by
Playwright, and axe-core's accessibility check at 1280 px and at 390 px.

Without Chromium (or without axe-core, installed by `make test` with npm) the browser
tests are skipped with a message saying so; CI (`.ci/run`) installs both and sets
DATASTORE_TEST_REQUIRE_BROWSER=1, which turns a skip into a failure.
"""

from __future__ import annotations

import atexit
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("DATASTORE_TEST_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE = os.environ.get("DATASTORE_TEST_REQUIRE_BROWSER") == "1"
WIDTHS = (1280, 390)


def need_browser() -> None:
    """Skip (or, in CI, fail) when Chromium or axe-core is not here."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install -y chromium)")
    if not AXE.exists():
        missing.append(f"axe-core at {AXE} (npm ci --prefix tests/browser)")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)


class LiveServer:
    """The app served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def live_server(app: Any) -> Iterator[LiveServer]:
    server = LiveServer(app)
    try:
        yield server
    finally:
        server.close()


_CHROMIUM: dict[str, Any] = {}  # this process's Playwright and Chromium, started once


def chromium() -> Any:
    """This test process's one headless Chromium (started on first use, stopped when the
    process ends): starting one costs about two seconds, so each test gets a fresh context
    (its own cookies and storage) in the same browser instead of a browser of its own."""
    browser = _CHROMIUM.get("browser")
    if browser is not None and browser.is_connected():
        return browser
    from playwright.sync_api import sync_playwright

    if "playwright" not in _CHROMIUM:
        _CHROMIUM["playwright"] = sync_playwright().start()
        atexit.register(_stop_chromium)
    browser = _CHROMIUM["playwright"].chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
    )
    _CHROMIUM["browser"] = browser
    return browser


def _stop_chromium() -> None:
    browser = _CHROMIUM.pop("browser", None)
    if browser is not None and browser.is_connected():
        browser.close()
    _CHROMIUM.pop("playwright").stop()


def browser_page() -> Iterator[Any]:
    """A fresh Chromium page (headless) in a context of its own, closed afterwards."""
    need_browser()
    context = chromium().new_context(viewport={"width": 1280, "height": 900})
    try:
        # axe-core in every page, as the browser's own script (the pages' CSP allows no
        # inline script, rightly); what the CSP refused is kept for check_page.
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.refused = []
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and page.refused.append(message.text)
            ),
        )
        page.set_default_timeout(30_000)
        yield page
    finally:
        context.close()


def check_page(page: Any, shots: Path | None = None, name: str = "page") -> None:
    """axe-core finds no violation at 1280 px and at 390 px, at 390 px nothing scrolls
    sideways, and the page's Content-Security-Policy refused nothing. With `shots`, a
    screenshot at each width is saved there."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        result = page.evaluate("async () => await axe.run(document)")
        for violation in result["violations"]:
            targets = [", ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            problems.append(f"{width}px {violation['id']}: {violation['help']} at {targets}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if width < 1000 and overflow > 0:
            problems.append(f"{width}px: the page scrolls sideways by {overflow}px")
        if shots is not None:
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    problems += [f"the Content-Security-Policy refused: {text}" for text in page.refused]
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


# The fixtures of the browser tests, imported by name by each test_browser_* module.


@pytest.fixture
def database_url() -> str:
    """The browser tests test pages, not databases: they run once, on SQLite (the database
    tests run on both)."""
    return ""


@pytest.fixture
def server(app: Any) -> Iterator[Any]:
    yield from live_server(app)


@pytest.fixture
def page() -> Iterator[Any]:
    yield from browser_page()


@pytest.fixture
def shots(request: Any) -> Path | None:
    """Where check_page saves a screenshot of each page at each width: a folder per test
    under DATASTORE_TEST_SCREENSHOTS, when it is set (to look at them); by default none are
    taken, which keeps the suite quicker."""
    root = os.environ.get("DATASTORE_TEST_SCREENSHOTS")
    if not root:
        return None
    folder = Path(root) / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
