"""benchmarks/counter_real.py: the shipped counter on mixes of recordings from a folder, here recordings the test
makes (tones and noise bursts of several lengths, standing in for the validation folder's real ones)."""
import subprocess, sys
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "counter_real.py"


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_counts_mixes_of_a_folder_of_recordings(tmp_path):
    rng = np.random.default_rng(0)
    for k in range(6):  # 0.6-2.1 s at 22.05 kHz, stereo: the script resamples, averages and loops them
        sr, n = 22050, int(22050 * (0.6 + 0.3 * k))
        t = np.arange(n) / sr
        tone = 0.3 * np.sin(2 * np.pi * 110 * (k + 1) * t) * (1 + np.sin(2 * np.pi * (k + 1) * t)) / 2
        sf.write(tmp_path / f"thing_{k}.flac", np.stack([tone, tone + 0.01 * rng.standard_normal(n)], 1), sr)
    r = _run(tmp_path, "--n", 30, "--by-ear", 0.05, 0.5)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"6 recordings in {tmp_path}; 30 mixes" in r.stdout, r.stdout
    lines = [line for line in r.stdout.splitlines() if "share" in line]
    assert len(lines) == 2 and all("heard as fewer 0 / " in line for line in lines), r.stdout  # one source: never fewer


def test_an_empty_folder_says_how_to_make_one(tmp_path):
    r = _run(tmp_path)
    assert r.returncode != 0 and "make_samples.py --validation DIR" in r.stderr, r.stderr
