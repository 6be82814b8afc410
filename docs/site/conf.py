"""Sphinx configuration of the course's website, built by `.ci/site` (see there): Sphinx + MyST-NB + the book theme
(the Jupyter Book 1 stack), from the committed notebooks and their stored outputs, never executed.

`.ci/site` stages the notebooks, `nbs/images` and `docs/experiments.md` into a temporary source folder and runs
`sphinx-build -c docs/site` on it, so this file is the configuration and the source folder is not here.
MathJax 3 is served from the site itself (the `sphinx-mathjax-offline` package ships it): the pages render their
equations without internet."""
import configparser
import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_ini = configparser.ConfigParser()
_ini.read(ROOT / "settings.ini")
_cfg = _ini["DEFAULT"]

project = _cfg.get("title", "nossl-nb")
author = _cfg.get("author", "")
copyright = _cfg.get("copyright", "")
release = _cfg.get("version", "")

root_doc = "00_index"  # `.ci/site` copies 00_index.html to index.html
extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx.ext.githubpages"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# The notebooks are shown as committed: their stored outputs, nothing executed.
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# A notebook's title is its `# Title`, then `## sections`: MyST's complaints about a `###` under a title, or a
# non-consecutive level inside printed Markdown, are style, not breakage.
suppress_warnings = ["myst.header"]

html_theme = "sphinx_book_theme"
html_title = project
html_baseurl = _cfg.get("doc_host", "") + _cfg.get("doc_baseurl", "") + "/"
html_theme_options = {
    "repository_url": _cfg.get("git_url", ""),
    "repository_branch": _cfg.get("branch", "main"),
    "path_to_docs": "nbs",
    "use_repository_button": True,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "navigation_with_keys": False,
}
html_context = {"default_mode": "light"}  # the figures are drawn on white; the reader can switch to dark
html_last_updated_fmt = None
html_show_sourcelink = False
# The page's download button offers its notebook: `.ci/site` puts the committed notebook there (with the cells that
# the site leaves out, which later cells may need), as `_sources/NAME.ipynb`.
html_copy_source = True
html_sourcelink_suffix = ""

# MathJax 3 from this site, not a CDN. The package ships all of MathJax 3.2.2 (24 MB); the site keeps the TeX-to-HTML
# component, the fonts and what it may load later (TeX extensions on first use, the menu, the accessibility tools).
mathjax_path = "mathjax/tex-chtml.js"
_MATHJAX_KEEP = ["tex-chtml.js", "startup.js", "core.js", "loader.js", "input", "output/chtml", "output/chtml.js",
                 "ui", "a11y", "sre", "adaptors"]


def _mathjax_dir():
    spec = importlib.util.find_spec("sphinx-mathjax-offline")  # its package folder has this name, hyphens and all
    d = spec and spec.submodule_search_locations and Path(list(spec.submodule_search_locations)[0]) / "static/mathjax"
    if not d or not (d / "tex-chtml.js").exists():
        raise RuntimeError("MathJax 3 for an offline site comes with the `sphinx-mathjax-offline` package: "
                           "pip install -e '.[dev]' (or pip install sphinx-mathjax-offline)")
    return d


def _copy_mathjax(app, exc):
    if exc is not None or app.builder.format != "html": return
    src, dst = _mathjax_dir(), Path(app.outdir) / "_static" / "mathjax"
    for name in _MATHJAX_KEEP:
        s, d = src / name, dst / name
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir(): shutil.copytree(s, d, dirs_exist_ok=True)
        else: shutil.copy2(s, d)


def setup(app):
    _mathjax_dir()  # fail at the start, not after the whole build, when MathJax is missing
    app.connect("build-finished", _copy_mathjax)
