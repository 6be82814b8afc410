"""The evaluation command end to end: every samples set prints a table and a JSON last line, τ grids come from one
pass, real layouts go through the real readers, missing data fails in one line."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nossl_nb.datasets import DATASETS, PAPER
from nossl_nb.evaluate import main
from nossl_nb.scoring import evaluate
from nossl_nb.model import NoSSLNet
from nossl_nb.layouts import write_music, write_vggsound
from nossl_nb.samples import SceneDataset

ROOT = Path(__file__).resolve().parents[1]
MULTI = ["CAP", "PIAP", "CIoU@0.3", "AUC", "count_acc", "pointing"]
SINGLE = ["AP", "IoU@0.5", "AUC", "count_acc", "pointing"]


def run_cli(*args):
    "`python -m nossl_nb.evaluate ARGS` in a fresh interpreter, as CI runs it."
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "nossl_nb.evaluate", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def check_output(out, dataset, tmp_path):
    "The table has the dataset's columns and the chance rows; the last line is the metrics as JSON, also saved."
    lines = out.strip().splitlines()
    assert "UNTRAINED" in lines[0]
    cols = SINGLE if dataset == "samples-single" else MULTI
    assert any(l.split() == ["method", *cols] for l in lines), out
    assert any(l.startswith("centre prior") for l in lines) and any(l.startswith("random") for l in lines)
    last = json.loads(lines[-1])
    assert set(cols) <= set(last) and all(isinstance(v, float) for v in last.values())
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["n_scenes"] == 6 and saved["metrics"].keys() == last.keys()
    assert (tmp_path / "figures" / "scene_000.png").is_file()


def test_cli_as_ci_runs_it(tmp_path):
    r = run_cli("--dataset", "samples-mixed", "--n", "6", "--batch-size", "6", "--n-figures", "1", "--quiet",
                "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    check_output(r.stdout, "samples-mixed", tmp_path)


@pytest.mark.parametrize("dataset", ["samples-single", "samples-duet", "samples-trio"])
def test_cli_every_samples_set(dataset, tmp_path, capsys):
    main(dataset=dataset, n=6, batch_size=6, n_figures=1, quiet=True, out=str(tmp_path))  # what the command runs
    check_output(capsys.readouterr().out, dataset, tmp_path)


class CountingNet(NoSSLNet):
    "A network that counts its forward passes."
    calls = 0

    def forward(self, *args):
        CountingNet.calls += 1
        return super().forward(*args)


def test_tau_grid_is_one_pass():
    torch.manual_seed(0)
    net, taus = CountingNet(width=0.25), [(t1, t2) for t1 in (0.6, 0.7) for t2 in (0.6, 0.7, 0.8)]
    res = evaluate(net, SceneDataset(6, "duet", frame_size=64, seed=5), batch_size=3, taus=taus, progress=False)
    assert CountingNet.calls == 2  # two batches of three scenes, whatever the size of the grid
    assert [(c["tau1"], c["tau2"]) for c in res["grid"]] == taus
    assert all(set(MULTI) <= set(c["metrics"]) for c in res["grid"])
    # looser thresholds can only keep (τ1 up) or merge (τ2 down) seeds: never more objects at τ2 = 0.6 than at 0.8
    found = {(c["tau1"], c["tau2"]): sum(k * n for row in c["confusion"] for k, n in enumerate(row))
             for c in res["grid"]}
    assert found[(0.7, 0.6)] <= found[(0.7, 0.8)]


def test_every_tau_cell_equals_its_own_evaluation():
    "With the shipped model, which finds objects: each cell of a one-pass grid equals a separate single-τ evaluation."
    from nossl_nb.method import MethodSettings
    from nossl_nb.model import load_network
    net, ck = load_network(ROOT / "data_samples" / "nossl_samples.pt")
    s = MethodSettings.from_config(ck["config"])
    ds = SceneDataset(12, "mixed", frame_size=ck["config"]["frame_size"], seed=5)
    taus = [(s.tau1, s.tau2), (s.tau1, 0.6), (0.8, s.tau2)]
    grid = evaluate(net, ds, taus=taus, progress=False, settings=s)["grid"]
    for cell in grid:
        alone = evaluate(net, ds, taus=[(cell["tau1"], cell["tau2"])], progress=False, settings=s)["grid"][0]
        assert alone["confusion"] == cell["confusion"] and alone["metrics"] == cell["metrics"], \
            (cell["tau1"], cell["tau2"])
    found = [sum(k * n for row in c["confusion"] for k, n in enumerate(row)) for c in grid]
    assert found[0] > 0 and found[0] < found[1]  # objects are found, and a higher τ2 splits them into more


def checkpoint(path, frame_size=64):
    "A checkpoint in the training script's format (an untrained narrow network)."
    torch.manual_seed(0)
    net = NoSSLNet(width=0.25)
    torch.save({"model": net.state_dict(), "model_args": net.args,
                "config": {"alpha": 0.65, "omega": 0.03, "eps": 0.1, "region": "l2", "tau1": 0.7, "tau2": 0.6,
                           "frame_size": frame_size, "width": 0.25}}, path)
    return str(path)


@pytest.mark.parametrize("dataset", ["music-solo", "music-duet", "vggss", "vggsound-duet", "vggsound-mixed"])
def test_real_layout_through_the_reader(dataset, tmp_path, capsys):
    root = tmp_path / "data"
    if dataset.startswith("music"): write_music(root, n_solo=3, n_duet=3, frame_size=64)
    else: write_vggsound(root, n=6, n_mix=3, frame_size=64)
    res = main(dataset=dataset, checkpoint=checkpoint(tmp_path / "ckpt.pt"), data_root=str(root), batch_size=4,
               n_figures=0, quiet=True, out=str(tmp_path / "out"))
    lines = capsys.readouterr().out.strip().splitlines()
    assert res["n_scenes"] == (6 if dataset == "vggss" else 3)
    assert res["kind"] == ("single" if dataset in ("music-solo", "vggss") else "multi")
    paper = PAPER[DATASETS[dataset][1]]
    assert lines[2].startswith("paper") and f"{paper['AUC']:.1f}" in lines[2]  # the paper's row of that table
    assert json.loads(lines[-1]).keys() == res["metrics"].keys()


def test_missing_root_fails_in_one_line(tmp_path):
    r = run_cli("--dataset", "vggsound-duet", "--checkpoint", checkpoint(tmp_path / "x.pt"))
    assert r.returncode == 1 and r.stderr.startswith("error:") and len(r.stderr.strip().splitlines()) == 1
    assert "needs --data-root DIR" in r.stderr and "frames/" in r.stderr and "vggsound_duet_test.csv" in r.stderr


def fails(**kwargs):
    "The one-line message `main` exits with."
    with pytest.raises(SystemExit) as e: main(quiet=True, n_figures=0, **kwargs)
    assert isinstance(e.value.code, str) and "\n" not in e.value.code
    return e.value.code


def test_bad_data_fails_in_one_line(tmp_path):
    ckpt = checkpoint(tmp_path / "x.pt")
    assert "no such folder" in fails(dataset="music-solo", checkpoint=ckpt, data_root="/no/such/folder")
    assert "needs --checkpoint" in fails(dataset="vggss")
    assert "no such checkpoint" in fails(dataset="samples-duet", checkpoint=str(tmp_path / "none.pt"))
    root = write_vggsound(tmp_path / "data", n=4, n_mix=2, frame_size=64)
    (root / "vggsound_trio_test.csv").unlink()
    assert "vggsound_trio_test.csv" in fails(dataset="vggsound-trio", checkpoint=ckpt, data_root=str(root))
