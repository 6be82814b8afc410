"""Shared pytest set-up: the `browser` marker (tests that drive JupyterLab in headless Chromium), and how the browser
tests find Chromium and what they do without it."""
import os
import shutil
from pathlib import Path

import pytest


def chromium_path():
    "The Chromium binary: $NOSSL_CHROMIUM, else the first of chromium, chromium-browser, google-chrome on PATH."
    for p in [os.environ.get("NOSSL_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
              shutil.which("google-chrome")]:
        if p and Path(p).exists(): return p
    return None


def need_browser(what):
    "Skip the test for lack of `what`, or fail it where NOSSL_REQUIRE_BROWSER=1 (CI)."
    if os.environ.get("NOSSL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (NOSSL_REQUIRE_BROWSER=1: the browser test must run here)")
    pytest.skip(what)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: drives JupyterLab in headless Chromium (needs `playwright` and a chromium binary; "
        "skipped without them unless NOSSL_REQUIRE_BROWSER=1, as in CI; deselect with -m 'not browser')",
    )
