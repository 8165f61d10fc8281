"""The built book in a real browser: every page renders its math and figures offline.

Builds the ci-scale book from the chapters the execution test ran (``_build/ci``; a chapter
missing there is run first), serves its HTML on 127.0.0.1 and opens every page in headless
Chromium (Debian's ``chromium`` and ``chromium-driver``, installed with apt if missing). A
screenshot of each page goes to ``_build/ci/screenshots/``. The same build at paper scale is
``make book``, which CI runs after the tests.
"""

import functools
import http.server
import re
import threading
from urllib.parse import urlparse

import pytest

from conftest import CI_BOOK, apt_install, build_ci_book
from samutils.build import catalog

HTML = CI_BOOK / "_build" / "html"
SHOTS = CI_BOOK / "screenshots"
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1600",
)

# Text of the page outside code blocks; waits for MathJax and for every image (lazy ones made
# eager). It answers within STAGE_LIMIT seconds in any case, naming the stage it was waiting in,
# so a page that never finishes rendering is reported by name instead of timing the test out.
STAGE_LIMIT = 45
RENDERED = """
const done = arguments[arguments.length - 1];
let stage = "MathJax loading";
const timer = setTimeout(() => done({stuck: stage}), arguments[0] * 1000);
const finish = state => { clearTimeout(timer); done(state); };
// MathJax may still be loading (window.MathJax is then only its configuration): wait for it on a
// page with math, then for its typesetting.
const loaded = () => !document.querySelector(".math") || (window.MathJax && MathJax.startup
    && MathJax.startup.promise);
const ready = new Promise(r => {
    const poll = () => loaded() ? r() : setTimeout(poll, 50);
    poll();
});
ready.then(() => {
    stage = "MathJax typesetting";
    return window.MathJax && MathJax.startup ? MathJax.startup.promise : null;
}).then(() => {
    stage = "images loading";
    return Promise.all(Array.from(document.images).map(img => {
        img.loading = "eager";
        return img.complete ? null : new Promise(r => { img.onload = img.onerror = r; });
    }));
}).then(() => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll("pre, code, .highlight, script, style, mjx-assistive-mml")
        .forEach(e => e.remove());
    finish({text: body.innerText,
            broken: Array.from(document.images).filter(i => i.naturalWidth === 0).map(i => i.src),
            math: document.querySelectorAll("mjx-container").length,
            explorers: Array.from(document.querySelectorAll(".samutils-atlas"))
                .map(e => e.dataset.drawn)});
}).catch(error => finish({stuck: `${stage}: ${error}`}));
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    apt_install(["chromium", "chromium-driver"], [CHROMIUM, DRIVER])
    build_ci_book("--warningiserror", "--keep-going")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(STAGE_LIMIT + 30)
    yield driver
    driver.quit()


def _pages():
    skip = {"_static", "_sources", "_images", "claims"}  # claims/: redirects, tested on their own
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if not skip & set(p.relative_to(HTML).parts)
    )


def _render(driver, url: str) -> dict:
    """The page's rendered state; a page that gets stuck once (a busy machine) is loaded again."""
    for _ in range(2):
        driver.get(url)
        state = driver.execute_async_script(RENDERED, STAGE_LIMIT)
        if "stuck" not in state:
            break
    return state


def _requested_hosts(driver) -> set[str]:
    import json

    hosts = set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = urlparse(message["params"]["request"]["url"])
            if url.scheme in ("http", "https"):
                hosts.add(url.hostname)
    return hosts


@pytest.mark.browser
def test_every_page_renders_offline_and_the_ledger_is_complete(site, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    pages = _pages()
    assert "book/ledger.html" in pages and len(pages) >= 5
    problems, math_pages, text_of, explorers, pdf_menus = [], 0, {}, 0, 0
    for page in pages:
        state = _render(browser, f"{site}/{page}")
        if "stuck" in state:
            problems.append(f"{page}: not rendered within {STAGE_LIMIT} s ({state['stuck']})")
            continue
        browser.save_screenshot(
            str(SHOTS / (page.replace("/", "_").removesuffix(".html") + ".png"))
        )
        text_of[page], math_pages = state["text"], math_pages + (state["math"] > 0)
        if "\\(" in state["text"] or "$$" in state["text"]:
            problems.append(f"{page}: raw TeX left in the text")
        if any(drawn != "1" for drawn in state["explorers"]):
            problems.append(f"{page}: an interactive explorer did not draw")
        explorers += len(state["explorers"])
        menu = browser.find_elements("css selector", ".dropdown-download-buttons")
        pdf = browser.find_elements("css selector", "a.btn-download-book-pdf-button")
        if menu and not [a for a in pdf if a.get_attribute("href").endswith("/sam-dynamics.pdf")]:
            problems.append(f"{page}: the download menu does not offer the book's PDF")
        pdf_menus += bool(menu)
        if state["broken"]:
            problems.append(f"{page}: images not loaded: {state['broken']}")
        errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        if errors:
            problems.append(f"{page}: console errors: {errors}")
        outside = _requested_hosts(browser) - {"127.0.0.1"}
        if outside:
            problems.append(f"{page}: requests leave the machine: {sorted(outside)}")
    missing = [
        cid
        for ch in catalog.chapter_files()
        for cid in ch.claims
        if cid not in text_of.get("book/ledger.html", "")
    ]
    if missing:
        problems.append(f"claims missing from the ledger page: {missing}")
    assert not problems, "\n".join(problems)
    assert math_pages >= len(catalog.chapter_files())  # MathJax typeset the chapters
    assert explorers >= 1  # the stability atlas's explorer is on its page and drew
    assert pdf_menus >= len(catalog.chapter_files())  # every chapter offers the book's PDF


@pytest.mark.browser
def test_every_claim_has_a_stable_address_and_its_bibtex(site):
    claims = [cid for ch in catalog.chapter_files() for cid in ch.claims]
    bib = (HTML / "citations.bib").read_text()
    problems = []
    for cid in claims:
        page = HTML / "claims" / f"{cid.lower()}.html"
        if not page.exists() or f"@misc{{samdynamics-{cid.lower()}," not in bib:
            problems.append(f"{cid}: no stable page or no entry in citations.bib")
            continue
        target = re.search(r'url=\.\./([^"#]+)#([^"]+)"', page.read_text())
        html = HTML / target.group(1)
        if not html.exists() or f'id="{target.group(2)}"' not in html.read_text():
            problems.append(
                f"{cid}: {target.group(0)} does not lead to an anchor of the built book"
            )
    assert not problems, "\n".join(problems)
