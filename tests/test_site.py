"""The course as a website: `.ci/site` builds it from the committed notebooks (into a temporary folder, never the
user's `_site/`), then headless Chromium opens the index and a method notebook's page over http and checks that every
image loads, that the equations are typeset by the site's own MathJax (no internet here), and that nothing the pages
ask for is missing. Screenshots go to `artifacts/browser/` (or `$NOSSL_ARTIFACTS`).

The browser part follows tests/test_browser.py: the `playwright` Python package driving the system's chromium; without
them it is skipped, unless `NOSSL_REQUIRE_BROWSER=1` (set by `.ci/run`), where a missing browser is a failure.
One test, so that pytest-xdist never builds the site twice."""
import functools
import html.parser
import http.server
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path


from conftest import chromium_path as _chromium, need_browser as _need

ROOT = Path(__file__).resolve().parents[1]
# the landing page, and two method notebooks with figures and equations (03: displayed ones, 05: Alg. 1's)
PAGES = ["index.html", "03_sound_map.html", "05_ioi.html"]
TIMEOUT_MS = 60_000


def _favicon(url):
    "The browser asks every site for /favicon.ico by itself; the site has none, and no page asks for it."
    return url.endswith("/favicon.ico")


class _Links(html.parser.HTMLParser):
    "The site's own files a page refers to: images, scripts, style sheets and links."
    def __init__(self):
        super().__init__(); self.refs = set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        ref = a.get("src") if tag in ("img", "script") else a.get("href") if tag in ("a", "link") else None
        if ref and not urllib.parse.urlsplit(ref).scheme and not ref.startswith(("#", "//", "mailto:")):
            self.refs.add(urllib.parse.unquote(urllib.parse.urlsplit(ref).path))


def _dangling(out):
    "(page, reference) for every reference of every page to a file the site does not have."
    bad = []
    for page in sorted(out.glob("*.html")):  # (_static/ holds the themes' Jinja macros, not pages)
        links = _Links(); links.feed(page.read_text(encoding="utf-8"))
        bad += [(page.name, r) for r in sorted(links.refs) if r and not (page.parent / r).exists()]
    return bad


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass


def _serve(folder):
    "An http server for `folder` on a free loopback port, in a thread: (server, base url)."
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


# In the page, once MathJax has typeset it: what the test checks.
_MATH_DONE = "() => window.MathJax?.startup?.promise ? MathJax.startup.promise.then(() => true) : false"
_STATE = """async () => {
  const imgs = [...document.querySelectorAll('img')];
  await Promise.all(imgs.map(i => i.decode().catch(() => null)));
  // prose outside code cells, code and outputs: where a $...$ or \\(...\\) left there means untypeset math
  const prose = document.querySelector('main').cloneNode(true);
  prose.querySelectorAll('div.cell, pre, code, script, mjx-container').forEach(e => e.remove());
  return {
    images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    mjx: document.querySelectorAll('mjx-container').length,
    untypeset: [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container'))
                 .map(e => e.textContent.slice(0, 60)),
    raw_tex: (prose.textContent.match(/\\$[^$\\s][^$\\n]{0,80}\\$|\\\\\\(|\\\\\\[/g) || []).slice(0, 5),
    title: document.title,
  };
}"""


def test_site_builds_and_renders(tmp_path):
    out = tmp_path / "site"
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, str(ROOT / ".ci" / "site"), str(out)], cwd=ROOT, capture_output=True,
                       text=True, stdin=subprocess.DEVNULL)
    build_s = time.monotonic() - t0
    assert r.returncode == 0, f".ci/site failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
    print(f"site built in {build_s:.0f} s")

    # every notebook has its page, in the reading order; the lab log is in; MathJax is served from the site
    pages = {p.stem for p in out.glob("*.html")}
    missing = {nb.stem for nb in (ROOT / "nbs").glob("*.ipynb")} - pages
    assert not missing, f"notebooks without a page: {sorted(missing)}"
    assert {"index", "experiments"} <= pages
    assert (out / "_static" / "mathjax" / "tex-chtml.js").exists()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Experiments (lab log)" in index
    order = [index.find(f'href="{nb.stem}.html"') for nb in sorted((ROOT / "nbs").glob("*.ipynb"))[1:]]
    assert -1 not in order and order == sorted(order), "the sidebar does not list the notebooks in file-name order"
    assert not _dangling(out), f"pages refer to files the site does not have: {_dangling(out)[:10]}"
    assert "cdn." not in (out / "05_ioi.html").read_text(encoding="utf-8"), "a page loads something from a CDN"

    # the browser: each page over http, as a reader opens it
    try: from playwright.sync_api import sync_playwright
    except ImportError: _need("the `playwright` Python package is not installed (pip install playwright)")
    exe = _chromium()
    if exe is None: _need("no chromium binary (apt-get install chromium, or set NOSSL_CHROMIUM)")
    shots = Path(os.environ.get("NOSSL_ARTIFACTS") or ROOT / "artifacts" / "browser")
    shots.mkdir(parents=True, exist_ok=True)
    server, url = _serve(out)
    t1 = time.monotonic()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            try:
                for name in PAGES:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    page.set_default_timeout(TIMEOUT_MS)
                    problems = []
                    page.on("console", lambda m: m.type == "error" and not _favicon(m.location.get("url", ""))
                            and problems.append(f"console: {m.text} ({m.location.get('url')})"))
                    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
                    page.on("requestfailed", lambda q: problems.append(f"failed: {q.url} ({q.failure})"))
                    page.on("response", lambda s: s.status >= 400 and not _favicon(s.url)
                            and problems.append(f"{s.status}: {s.url}"))
                    page.goto(f"{url}/{name}", wait_until="load")
                    page.wait_for_function(_MATH_DONE)
                    state = page.evaluate(_STATE)
                    page.screenshot(path=str(shots / f"site-{Path(name).stem}.png"))
                    assert state["images"] > 0 and not state["broken"], f"{name}: images that did not load: {state}"
                    assert state["mjx"] > 0 and not state["untypeset"], f"{name}: math not typeset: {state}"
                    assert not state["raw_tex"], f"{name}: TeX left as text: {state['raw_tex']}"
                    assert not problems, f"{name}: " + "\n".join(problems)
                    page.close()
            finally:
                browser.close()
    finally:
        server.shutdown(); server.server_close()
    print(f"site in the browser: {time.monotonic() - t1:.1f} s; screenshots in {shots}")
