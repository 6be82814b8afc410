"""The held-out assets (`data_samples/heldout/`, made by `make_samples.py --heldout`) are what they claim to be."""
import hashlib
from pathlib import Path

from nossl_nb.scoring import evaluate
from nossl_nb.method import MethodSettings
from nossl_nb.model import load_network
from nossl_nb.course import SHIPPED
from nossl_nb.samples import SAMPLES_DIR, SceneDataset, load_assets

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "data_samples" / "heldout"


def digests(folder, subfolders=("audio", "pictures", "backgrounds")):
    "sha256 → file, for every file of `subfolders`."
    files = [p for d in subfolders for p in (folder / d).glob("*") if p.is_file()]
    return {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in files}


def test_heldout_covers_the_training_classes_and_is_small():
    held, train = load_assets(HELDOUT), load_assets(SAMPLES_DIR)
    assert held.classes == train.classes and len(held.classes) == 17
    for c in held.classes:
        # one or two drawings a class; the birds also have two photographs (an owl and a seagull)
        assert 1 <= len(held.sounds[c]) <= 2 and 1 <= len(held.pictures[c]) <= (4 if c == "bird" else 2), c
        assert held.sounds[c].shape[-1] == train.sounds[c].shape[-1] and held.sounds[c].abs().max() > 0.1, c
    assert sum(p.stat().st_size for p in HELDOUT.rglob("*") if p.is_file()) <= 1.5e6


def test_heldout_shares_no_file_with_training():
    common = digests(HELDOUT).keys() & digests(SAMPLES_DIR).keys()
    assert not common, [digests(HELDOUT)[h].name for h in common]


def test_a_heldout_scene_is_generated_and_scored():
    net, ckpt = load_network(SHIPPED)
    cfg = ckpt["config"]
    ds = SceneDataset(4, "mixed", frame_size=cfg["frame_size"], seed=1000, assets=load_assets(HELDOUT))
    r = evaluate(net, ds, progress=False, settings=MethodSettings.from_config(cfg))
    m = r["metrics"]
    assert r["n_scenes"] == 4 and 0 <= m["count_acc"] <= 100 and 0 <= m["CIoU@0.3"] <= 100 and 0 <= m["pointing"] <= 100


def test_an_asset_set_without_backgrounds_takes_the_bundled_ones(tmp_path):
    import shutil
    for d in ("audio", "pictures"): shutil.copytree(HELDOUT / d, tmp_path / d)
    a = load_assets(tmp_path)
    assert len(a.classes) == 17 and a.backgrounds.shape[0] == load_assets(SAMPLES_DIR).backgrounds.shape[0]


def test_the_validation_benchmark_runs_on_another_asset_folder():
    "benchmarks/validation.py scores every row (here with heldout/ standing in for a validation folder) and a τ grid."
    import subprocess, sys
    script = [sys.executable, str(ROOT / "benchmarks" / "validation.py"), "--assets", str(HELDOUT), "--n", "2"]
    for extra, want in (([], 6), (["--tau1", "0.5", "0.6", "--tau2", "0.3"], 11)):
        r = subprocess.run(script + extra, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-2000:]
        lines = r.stdout.strip().splitlines()
        assert len(lines) == 1 + want and lines[2].startswith("training's"), r.stdout
