"""Run the course's notebooks top to bottom and store their outputs, so that they read with their figures on GitHub.

    python .ci/execute_notebooks.py              # every notebook in nbs/
    python .ci/execute_notebooks.py 03 06        # the notebooks whose names start with these numbers

Each notebook is executed in a fresh kernel (execnb, as `nbdev_test` does) from inside `nbs/`, with the shipped
model of `data_samples/`. Figures are stored as PNG with an adaptive palette (or JPEG where that is smaller);
warnings and other stderr text are dropped; then `nbdev_clean` removes their execution counts and metadata. The outputs
are a picture of one run, not a test: `nbdev_test` (CI) checks that the notebooks still execute.
"""
import base64
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
LIMIT_MB = 6  # all notebooks together
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\r")  # terminal control sequences and carriage returns


def small_png(data: str) -> tuple:
    "A base64 PNG re-encoded with 256 adaptive colours, or as JPEG (then the caller changes the MIME type)."
    im = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
    png, jpg = io.BytesIO(), io.BytesIO()
    im.quantize(256, method=Image.Quantize.MEDIANCUT).save(png, "PNG", optimize=True)
    im.save(jpg, "JPEG", quality=80, optimize=True)
    best = min((png, "image/png"), (jpg, "image/jpeg"), key=lambda b: b[0].tell())
    return best[1], base64.b64encode(best[0].getvalue()).decode()


def tidy(nb):
    """Compress figures, drop stderr streams (warnings, progress bars), terminal control codes and widget views that
    GitHub cannot show (with their text stand-in, `interactive(children=…)`: the picture a widget drew first stays, so a
    reader without a kernel sees the sliders' first state)."""
    for cell in nb.cells:
        if cell.cell_type != "code": continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr": continue
            if out.get("output_type") == "stream":  # a widget's redraws leave terminal line-erase codes behind
                text = ANSI.sub("", "".join(out["text"]) if isinstance(out["text"], list) else out["text"])
                if not text.strip(): continue
                out["text"] = text.splitlines(keepends=True)  # one string a line, as nbformat writes it
            data = out.get("data")
            if data is not None:
                if data.pop("application/vnd.jupyter.widget-view+json", None) is not None: continue
                if "image/png" in data:
                    kind, encoded = small_png(data.pop("image/png"))
                    data[kind] = encoded
                if not data: continue
            kept.append(out)
        cell["outputs"] = kept


def no_eval(cell) -> bool:
    "Skip what `nbdev_test` skips: markdown, and cells marked `#| eval: false` (the command-line entry points)."
    return cell.cell_type != "code" or re.search(r"^#\|\s*eval:\s*false", cell.source, re.M | re.I) is not None


def execute(path: Path):
    t0 = time.time()
    nb = read_nb(path)
    shell = CaptureShell(mpl_format="png")
    shell.set_path(path.parent.resolve())
    for cell in nb.cells:  # execnb replaces a cell's outputs only when it prints: a quiet cell must not keep old ones
        if cell.cell_type == "code" and not no_eval(cell): cell.outputs = []
    shell.run_all(nb, exc_stop=True, preproc=no_eval)
    tidy(nb)
    write_nb(nb, path)
    print(f"{path.name}: executed in {time.time() - t0:.0f} s, {path.stat().st_size / 2**20:.2f} MB")


def main(prefixes):
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebooks = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not prefixes or p.name.startswith(tuple(prefixes)))
    if not notebooks: sys.exit(f"no notebook in nbs/ starts with {', '.join(prefixes)}")
    os.chdir(ROOT / "nbs")  # as nbdev_test runs them
    for p in notebooks: execute(p)
    for p in notebooks: subprocess.run(["nbdev_clean", "--fname", str(p)], cwd=ROOT, check=True)  # only these
    total = sum(p.stat().st_size for p in (ROOT / "nbs").glob("*.ipynb")) / 2**20
    print(f"all notebooks: {total:.1f} MB (limit {LIMIT_MB} MB)")
    if total > LIMIT_MB: sys.exit(f"the notebooks hold {total:.1f} MB of outputs, over {LIMIT_MB} MB: make the figures smaller")


if __name__ == "__main__":
    main(sys.argv[1:])
