"""Every command checks its input before any work: a value outside what an option allows is one line on stderr naming
the option, the value and what is allowed, exit status 2, and nothing written; a run folder that holds a run is not
overwritten; a silent sound has nothing to localise."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]

BAD = [  # (command, arguments, what its one line says), each with its output folder inside the test's folder
    ("train", ["--epochs", "-1", "--out-dir", "out"], "--epochs -1: at least 1"),
    ("train", ["--region", "cosine", "--out-dir", "out"], "--region 'cosine': one of l2, inner"),
    ("evaluate", ["--tau1", "0.7", "7", "--out", "out"], "--tau1 7: at least -1 and at most 1"),
    ("localize", ["clip.mp4", "--tau2", "-1.5", "--out", "out"], "--tau2 -1.5: at least -1 and at most 1"),
    ("localize", ["clip.mp4", "--every", "0", "--out", "out"], "--every 0: above 0"),
    ("reproduce", ["--table", "1", "--n", "0", "--root", "out"], "--n 0: at least 1"),
    ("prepare", ["videos", "--out", "out", "--workers", "0"], "--workers 0: at least 1"),
]


@pytest.mark.parametrize("command,args,says", BAD, ids=[f"{c} {a[0]} {a[1]}" for c, a, _ in BAD])
def test_a_value_outside_its_range_is_one_line_status_2_and_nothing_written(command, args, says, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    r = subprocess.run([sys.executable, "-m", f"nossl_nb.{command}", *args], capture_output=True, text=True,
                       env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines() == [f"error: {says}"], r.stderr
    assert list(tmp_path.iterdir()) == []  # not even the output folder


@pytest.mark.parametrize("held", ["model.pt", "last.pt"])
def test_a_run_folder_that_holds_a_run_is_refused(held, tmp_path, capsys):
    from nossl_nb.train import main
    out = tmp_path / "run"; out.mkdir()
    (out / held).write_bytes(b"an earlier run")
    with pytest.raises(SystemExit) as e: main(["--out-dir", str(out), "--epochs", "1", "--eval-sets", ""])
    assert e.value.code == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"error: {out} holds a") and "--out-dir" in line and "--resume" in line, line
    assert "--overwrite" in line and len(line.splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == [held] and (out / held).read_bytes() == b"an earlier run"


def test_a_silent_sound_finds_no_object_and_says_so(tmp_path, capsys):
    import torch
    from PIL import Image
    import nossl_nb.localize as localize
    from nossl_nb.data import SR
    from nossl_nb.train import untrained_checkpoint
    torch.manual_seed(0)
    Image.fromarray(np.full((96, 96, 3), 128, np.uint8)).save(tmp_path / "grey.png")
    sf.write(tmp_path / "hush.wav", np.zeros(4 * SR, np.float32), SR)
    sf.write(tmp_path / "hiss.wav", 1e-5 * np.random.default_rng(0).standard_normal(4 * SR).astype(np.float32), SR)
    untrained_checkpoint(tmp_path / "standin.pt")
    for sound in ("hush.wav", "hiss.wav"):  # digital silence (−inf dBFS) and a hiss at −100 dBFS
        # τ1 = 1 keeps every seed and τ2 = −1 links them all: with any sound this finds one object
        rec = localize.main(str(tmp_path / "grey.png"), audio=str(tmp_path / sound),
                            checkpoint=str(tmp_path / "standin.pt"), out=str(tmp_path / "out"), tau1=1.0, tau2=-1.0)
        assert (rec["n_objects"], rec["silent"]) == (0, True), rec
        assert "0 objects (silent:" in capsys.readouterr().out
