"""The committed notebooks as a reader meets them: outputs without terminal codes, temporary or absolute paths, or
a figure shown twice; every teaching notebook ending with what it showed and exercises with their answers."""
import base64, hashlib, json, re
from pathlib import Path

import pytest

NBS = Path(__file__).resolve().parents[1] / "nbs"
NOTEBOOKS = sorted(NBS.glob("*.ipynb"))
# The teaching notebooks, 03 to 13 in reading order: each ends with "What you saw" and exercises.
TEACHING = [p for p in NOTEBOOKS if "03" <= p.name[:2] <= "13"]

ESCAPE = re.compile(r"\x1b\[|\x1b\]|\[\d*[ABCDJK]\b|\[\d+(;\d+)*m")
# A path from the machine that ran the notebook: /tmp/…, /home/…, /work/…, a venv's site-packages, a Windows drive.
ABSOLUTE = re.compile(r"(?<![\w.:/~-])/(?:tmp|home|root|work|Users|private|var/folders|usr|opt|mnt)/|site-packages|"
                      r"\b[A-Z]:\\\\")


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _text(out):
    "Every text a reader sees in one output (figures and widget state excluded)."
    data = out.get("data", {})
    parts = [out.get("text", "")] + [data.get(k, "") for k in ("text/plain", "text/markdown", "text/html")]
    parts += out.get("traceback", [])
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_clean(path):
    "No escape codes, no temporary or absolute paths, no figure shown twice in one cell."
    for i, cell in enumerate(_cells(path)):
        seen = set()
        for out in cell.get("outputs", []):
            text = _text(out)
            assert not ESCAPE.search(text), f"{path.name} cell {i}: a terminal control code: {text[:200]!r}"
            m = ABSOLUTE.search(text)
            around = m and text[max(0, m.start() - 60):m.end() + 60]
            assert not m, f"{path.name} cell {i}: a path of the machine that ran it: …{around!r}…"
            for kind in ("image/png", "image/jpeg"):
                if kind in out.get("data", {}):
                    h = hashlib.sha1(base64.b64decode("".join(out["data"][kind]))).hexdigest()
                    assert h not in seen, f"{path.name} cell {i}: the same figure is shown twice"
                    seen.add(h)


def _ending(path):
    "The markdown after the last code cell a reader sees (a final `#| hide` cell may follow it)."
    cells = _cells(path)
    shown = [i for i, c in enumerate(cells)
             if c["cell_type"] == "code" and not "".join(c["source"]).startswith("#| hide")]
    return ["".join(c["source"]) for c in cells[shown[-1] + 1:] if c["cell_type"] == "markdown"]


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.stem)
def test_ends_with_summary_and_exercises(path):
    "Each teaching notebook ends with '## What you saw' (3-5 points), '## Exercises' (2-4) and their answers folded."
    ending = _ending(path)
    summary = [s for s in ending if s.startswith("## What you saw")]
    assert summary, f"{path.name}: no '## What you saw' after its last code cell"
    points = [l for l in summary[0].splitlines() if re.match(r"\s*[-*] ", l)]
    assert 3 <= len(points) <= 5, f"{path.name}: 'What you saw' has {len(points)} points, 3 to 5 wanted"
    exercises = [s for s in ending if s.startswith("## Exercises")]
    assert exercises, f"{path.name}: no '## Exercises' after its last code cell"
    items = [l for l in exercises[0].splitlines() if re.match(r"\d+\. ", l)]
    assert 2 <= len(items) <= 4, f"{path.name}: {len(items)} exercises, 2 to 4 wanted"
    answers = [s for s in ending if "<details>" in s and "<summary>Answers</summary>" in s]
    assert answers, f"{path.name}: the answers are not in a folded <details> cell"
    assert len(re.findall(r"^\d+\. ", answers[0], re.M)) == len(items), f"{path.name}: one answer per exercise"
