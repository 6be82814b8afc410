"""The widgets render and respond in the real front end: JupyterLab in headless Chromium runs
`06_clustering.ipynb` top to bottom, then the τ2 slider is moved and the printed number of objects
and the figure must follow. Screenshots go to `artifacts/browser/` (or `$NOSSL_ARTIFACTS`).

Needs the `playwright` Python package (no `playwright install`: it drives the system's chromium, e.g.
Debian's `chromium` package). Without them the test is skipped, unless `NOSSL_REQUIRE_BROWSER=1`
(set by `.ci/run`), where a missing browser is a failure."""
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import chromium_path as _chromium, need_browser as _need

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "06_clustering.ipynb"
TIMEOUT_MS = 120_000  # generous per-step limit: 2 shared cores, a cold kernel, torch imports

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    try: import playwright.sync_api  # noqa: F401
    except ImportError: _need("the `playwright` Python package is not installed (pip install playwright)")
    exe = _chromium()
    if exe is None: _need("no chromium binary (apt-get install chromium, or set NOSSL_CHROMIUM)")
    return exe


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat(pid):
    "(parent pid, start time, state) of a live process from /proc, or None."
    try: f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError): return None
    return int(f[1]), f[19], f[0]


def _descendants(pid):
    """Every process below `pid`, as (pid, start time) so that a reused pid is never taken for it (kernels run in
    their own session, so a process-group kill misses them)."""
    stats = {int(p.name): _stat(p.name) for p in Path("/proc").glob("[0-9]*")}
    children = {}
    for c, st in stats.items():
        if st: children.setdefault(st[0], []).append((c, st[1]))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []): out.append(c); todo.append(c[0])
    return out


def _kill_if_same(pid, start):
    st = _stat(pid)
    if st and st[1] == start and st[2] != "Z":
        try: os.kill(pid, signal.SIGKILL)
        except ProcessLookupError: pass


def _write_settings(d):
    """A fresh user-settings folder: no news toast, every cell kept in the DOM (no windowing). Widget comms stay on
    JupyterLab's default (`commsOverSubshells: perCommTarget`): the course's figures are made outside pyplot's registry
    (`plots.subplots`), so the matplotlib flush that a comm message on a subshell fires cannot draw them half-built."""
    for ext, name, settings in [
        ("@jupyterlab/apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False}),
        ("@jupyterlab/notebook-extension", "tracker", {"windowingMode": "none"}),
    ]:
        f = d / ext / f"{name}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(settings))


@pytest.fixture
def jupyter_lab(tmp_path, chromium):
    "JupyterLab on a free loopback port, serving a copy of the notebook; shut down on every path."
    work = tmp_path / "nbs"; work.mkdir()
    shutil.copy(ROOT / "nbs" / NOTEBOOK, work / NOTEBOOK)  # the repo's notebook is never opened, so never saved
    home = tmp_path / "jupyter"
    _write_settings(home / "settings")
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               IPYTHONDIR=str(home / "ipython"),
               PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    env.pop("MPLBACKEND", None)  # .ci/run sets Agg; the kernel must pick its inline backend to draw figures
    port, token = _free_port(), secrets.token_hex(16)
    log = open(tmp_path / "jupyterlab.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--ServerApp.terminals_enabled=False"]
        + (["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                log = (tmp_path / 'jupyterlab.log').read_text()[-3000:]
                raise RuntimeError(f"JupyterLab exited ({proc.returncode}):\n{log}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200: break
            except OSError: pass
            if time.monotonic() > deadline:
                log = (tmp_path / 'jupyterlab.log').read_text()[-3000:]
                raise RuntimeError(f"JupyterLab did not answer on {url} in 90 s:\n{log}")
            time.sleep(0.25)
        yield url, token, tmp_path / "jupyterlab.log"
    finally:
        kids = _descendants(proc.pid)
        if proc.poll() is None:
            try:  # graceful: the server shuts its kernels down
                req = urllib.request.Request(f"{url}/api/shutdown", method="POST",
                                             headers={"Authorization": f"token {token}"})
                urllib.request.urlopen(req, timeout=5).close()
            except OSError: pass
            try: proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)
                try: proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
        for k in kids: _kill_if_same(*k)  # whatever outlived the server (a kernel, normally none)
        log.close()


# JavaScript run in the page. The interact widget is the notebook's last `.widget-interact`; its output
# widget holds the printed line and the figure(s).
_STATE = """() => {
  const w = [...document.querySelectorAll('.widget-interact')].pop();
  const out = w && w.querySelector('.widget-output');
  const img = out && out.querySelector('img');
  const m = out && /objects found: (\\d+)/.exec(out.innerText);
  return {objects: m ? +m[1] : null, img: img ? img.src : null, n_img: out ? out.querySelectorAll('img').length : 0,
          tau2: w ? [...w.querySelectorAll('.widget-slider')]
                      .find(s => s.querySelector('.widget-label').innerText.trim() === 'tau2')
                      ?.querySelector('.widget-readout').innerText : null};
}"""
_RUN_FINISHED = """() => {
  const idle = /\\| Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '');
  const busy = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].some(p => p.innerText.includes('*'));
  const failed = [...document.querySelectorAll('.jp-OutputArea-output'
                                               + '[data-mime-type="application/vnd.jupyter.stderr"]')]
                 .some(o => /Traceback|Error/.test(o.innerText));
  const w = [...document.querySelectorAll('.widget-interact')].pop();
  const done = w && /objects found: \\d+/.test(w.querySelector('.widget-output')?.innerText || '');
  return idle && !busy && (failed || done);
}"""
# After a change the callback's outputs arrive over a second or more (the printed line, then each figure, each
# rendered to PNG in the kernel) and are rendered asynchronously. Settled: the kernel reads Idle, the widget's output
# has not changed for QUIET_MS and every figure is decoded; then two frames, so that a screenshot shows it all.
QUIET_MS = 1500
_SETTLE = """async ([quietMs, maxMs]) => {
  const w = [...document.querySelectorAll('.widget-interact')].pop(), out = w.querySelector('.widget-output');
  let last = performance.now();
  const mo = new MutationObserver(() => { last = performance.now(); });
  mo.observe(out, {subtree: true, childList: true, attributes: true, characterData: true});
  const t0 = performance.now(), sleep = ms => new Promise(r => setTimeout(r, ms));
  try {
    while (true) {
      const idle = /\\| Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '');
      const imgs = [...out.querySelectorAll('img')];
      const decoded = imgs.length && imgs.every(i => i.complete && i.naturalWidth > 0);
      if (idle && decoded && performance.now() - last >= quietMs) break;
      if (performance.now() - t0 > maxMs) throw new Error('the widget output did not settle');
      await sleep(100);
    }
    await Promise.all([...out.querySelectorAll('img')].map(i => i.decode()));
  } finally { mo.disconnect(); }
  w.scrollIntoView({block: 'start'});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""
# the widget printed a number of objects and shows a figure other than `old`
_NEW_FIGURE = f"""([old]) => {{ const s = ({_STATE})(); return s.objects !== null && s.img && s.img !== old; }}"""
_ERRORS = """() => [...document.querySelectorAll('.jp-OutputArea-output'
                                           + '[data-mime-type="application/vnd.jupyter.stderr"]')]
  .map(o => o.innerText).filter(t => /Traceback|^\\w*(Error|Exception)\\b/m.test(t))"""
_UNRUN = """() => [...document.querySelectorAll('.jp-CodeCell')]
  .map((c, i) => [i, c.querySelector('.jp-InputPrompt')?.innerText.trim()])
  .filter(([i, p]) => !/^\\[\\d+\\]:$/.test(p))"""


def _wait_for_change(page, before, want):
    "Wait until the widget prints `want(objects)` and shows a figure other than `before`'s; return the new state."
    page.wait_for_function(_NEW_FIGURE,
                           arg=[before["img"]])
    page.evaluate(_SETTLE, [QUIET_MS, TIMEOUT_MS])
    state = page.evaluate(_STATE)
    assert want(state["objects"]), (f"unexpected number of objects after the change: {state['objects']} "
                                    f"(before: {before['objects']})")
    assert state["objects"] != before["objects"], "the printed number of objects did not change"
    assert state["img"] != before["img"], "the figure did not change"
    return state


def test_clustering_widgets_respond(jupyter_lab, chromium):
    from playwright.sync_api import sync_playwright
    url, token, log = jupyter_lab
    out = Path(os.environ.get("NOSSL_ARTIFACTS") or ROOT / "artifacts" / "browser")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("06_clustering-*.png"): old.unlink()  # the folder shows this run only
    shots = []
    def shoot(page, name):
        "The interact widget (sliders, printed line, figure), and the whole window beside it."
        page.locator(".widget-interact").last.screenshot(path=str(out / f"{name}.png"))
        page.screenshot(path=str(out / f"{name}-window.png"))
        shots.extend([out / f"{name}.png", out / f"{name}-window.png"])

    t0 = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                           # screenshots: raster everything before a frame is drawn, no half-painted
                                           # figures
                                           "--run-all-compositor-stages-before-draw", "--disable-checker-imaging"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-CodeCell")
            page.wait_for_function("() => /\\| Idle/.test("
                                   "document.querySelector('#jp-main-statusbar')?.innerText || '')")

            # Run → Run All Cells, as a reader would, then wait for the kernel to finish (or fail).
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            page.wait_for_function(_RUN_FINISHED)
            errors = page.evaluate(_ERRORS)
            assert not errors, f"{NOTEBOOK} raised in the browser:\n" + "\n---\n".join(errors)
            unrun = page.evaluate(_UNRUN)
            assert not unrun, f"code cells not executed (index, prompt): {unrun}"
            interact = page.locator(".widget-interact").last
            state = page.evaluate(_STATE)
            assert state["objects"] is not None and state["img"], f"the widget shows no count or no figure: {state}"

            # The scene the notebook's own tests use: 3 objects at τ2 = 0.6.
            interact.locator(".widget-dropdown select").select_option("3 sounding + 1 silent")
            state = _wait_for_change(page, state, lambda k: k == 3)
            shoot(page, "06_clustering-1-tau2-0.60")

            # τ2 → 0 with the keyboard on the slider's handle: every kept seed links, one object.
            tau2 = interact.locator(".widget-slider", has=page.locator(".widget-label", has_text=re.compile(r"^tau2$")))
            tau2.locator(".noUi-handle").focus()
            page.keyboard.press("Home")
            state = _wait_for_change(page, state, lambda k: k == 1)
            assert state["tau2"] == "0.00", state["tau2"]
            shoot(page, "06_clustering-2-tau2-0.00")

            # τ2 → 0.8 through the slider's editable readout: more objects than the three sources.
            readout = tau2.locator(".widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("0.8")
            page.keyboard.press("Enter")
            state = _wait_for_change(page, state, lambda k: k > 3)
            assert state["tau2"] == "0.80", state["tau2"]
            shoot(page, "06_clustering-3-tau2-0.80")

            # The shipped model's generated duet: its seeds regroup the same way; τ2 → 0 links each tile's seeds into
            # one object, two in all (with link="touching", seeds on two tiles never link).
            interact.locator(".widget-dropdown select").select_option("trained model: generated duet")
            page.wait_for_function(_NEW_FIGURE,
                                   arg=[state["img"]])
            page.evaluate(_SETTLE, [QUIET_MS, TIMEOUT_MS])
            state = page.evaluate(_STATE)
            assert state["objects"] > 1, f"the trained duet at τ2 = 0.8 should split into several objects: {state}"
            shoot(page, "06_clustering-4-trained-tau2-0.80")
            tau2.locator(".noUi-handle").focus()
            page.keyboard.press("Home")
            state = _wait_for_change(page, state, lambda k: k == 2)
            shoot(page, "06_clustering-5-trained-tau2-0.00")
        except BaseException:
            try:
                page.screenshot(path=str(out / "06_clustering-failure.png"))
                shots.append(out / "06_clustering-failure.png")
            except Exception: pass
            print(f"JupyterLab log (tail):\n{log.read_text()[-4000:]}")
            raise
        finally:
            browser.close()
            print(f"browser test: {time.monotonic() - t0:.1f} s in the browser; screenshots:\n"
                  + "\n".join(map(str, shots)))
