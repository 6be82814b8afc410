"""Shared pytest set-up: the `browser` marker (tests that drive JupyterLab in headless Chromium)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "browser: drives JupyterLab in headless Chromium (needs `playwright` and a chromium binary; "
        "skipped without them unless NOSSL_REQUIRE_BROWSER=1, as in CI; deselect with -m 'not browser')",
    )
