"""A live server for the browser tests, and Debian's chromium driven by Playwright."""

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Playwright waits for every condition (auto-waiting actions, expect()) up to a deadline: a
# generous one, so a loaded machine only makes a test slower, and only a real hang fails it.
WAIT_MS = 60_000
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real browser (chromium via Playwright)")


@pytest.fixture
def live_server(app):
    """The app served on a loopback port from a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(live_server):
    """A fresh chromium page; skipped cleanly when chromium or Playwright is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=WAIT_MS)  # expect()'s own default is only 5 s
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(base_url=live_server, viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        yield page
        context.close()
        browser.close()


def shot(page, name: str):
    """Save a screenshot of the whole page under tests/browser/artifacts/."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


NODE = Path(__file__).resolve().parent / ".node"
AXE = NODE / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's script, installed from the npm registry into tests/browser/.node once."""
    if not AXE.exists():
        import shutil
        import subprocess

        if shutil.which("npm") is None:
            pytest.skip("npm is not installed, so axe-core cannot be installed")
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NODE), "axe-core"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def browser(live_server):
    """Chromium, for tests that open pages of several sizes."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    sync_api.expect.set_options(timeout=WAIT_MS)  # expect()'s own default is only 5 s
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(viewport) -> a new page of that size on the live server."""
    contexts = []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(base_url=live_server, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        return page

    yield open_page
    for context in contexts:
        context.close()


def no_serious_violations(page, axe_source, name: str):
    """Run axe-core on the page; fail on any serious or critical violation, with the details."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # through DevTools: the app's CSP forbids inline scripts
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in bad
    ]
    assert not bad, f"{name}: " + "; ".join(details)
