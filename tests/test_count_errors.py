"""benchmarks/count_errors.py: the causes of a miscount, on a hand-built prediction and on the shipped model."""
import subprocess, sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from count_errors import causes  # noqa: E402


class _P:  # the fields of a `Prediction` that `causes` reads, for one 2×4 grid of two tiles
    def __init__(self, cells, labels):
        T = len(cells)
        self.S_v = torch.zeros(1, 2, 4)
        self.ioi = type("R", (), dict(valid=torch.ones(1, T, dtype=torch.bool), cells=torch.tensor([cells])))
        self.labels = torch.tensor([labels])


def test_each_cause_is_found():
    # cells 0–1 and 4–5 are the left tile, 2–3 and 6–7 the right one
    assert causes(_P([0, 2], [0, 1]), 0, 2) == []  # one object a tile: nothing wrong
    assert causes(_P([0, 4], [0, 0]), 0, 2) == ["a tile without any seed"]
    assert causes(_P([0, 2], [0, -1]), 0, 2) == ["a tile's seeds all dropped by τ1"]
    assert causes(_P([0, 2], [0, 0]), 0, 2) == ["two tiles in one object (τ2)"]
    assert causes(_P([0, 1, 2], [0, 1, 2]), 0, 2) == ["a tile split into 2+ objects (τ2)"]


def test_the_script_runs_on_the_shipped_model():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "count_errors.py"), "--n", "4"], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "duets (4):" in r.stdout and "trios (4):" in r.stdout, r.stdout
