"""One-frame (stage) scenes end to end: `evaluate` scores a stage set beside a centred and a random map, a wide frame
keeps its aspect ratio in `evaluate` and in `localize`, and the shipped model, on the course's stage of photographs,
finds both instruments of a duet and, heard alone, each one and not the silent ones beside it (the ear, `--by-ear`,
drops the silent violin that the trumpet's sound lights too); `localize --link` regroups with the paper's rule; and
the benchmark that hears a stage duet as its mix and as each source alone runs."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image

from nossl_nb import localize
from nossl_nb.course import photo_stage
from nossl_nb.data import SR, denormalize
from nossl_nb.evaluate import main as evaluate_main
from nossl_nb.method import MethodSettings
from nossl_nb.model import NoSSLNet
from nossl_nb.samples import StageDataset
from nossl_nb.scoring import run_scenes


def test_evaluate_prints_the_reference_rows_of_a_stage_set(tmp_path, capsys):
    evaluate_main(dataset="samples-stage-duet", n=4, batch_size=4, n_figures=1, quiet=True, out=str(tmp_path))
    lines = capsys.readouterr().out.strip().splitlines()
    assert any("generated one-frame duets" in line for line in lines)
    assert any(line.startswith("paper on MUSIC-Duet") for line in lines)  # MUSIC-Duet is one frame too
    assert any(line.startswith("centre prior") for line in lines) and any(line.startswith("random") for line in lines)
    assert json.loads(lines[-1])["count_acc"] >= 0
    assert (tmp_path / "figures" / "scene_000.png").is_file()


def test_a_wide_frame_gives_a_wide_grid_in_evaluate():
    torch.manual_seed(0)
    wide = StageDataset(2, "duet", frame_size=64, seed=0, aspects=[(16, 9)])
    scenes, _ = run_scenes(NoSSLNet(width=0.25), wide, [(0.7, 0.6)], MethodSettings(), progress=False)
    for s in scenes:
        h, w = s["grid"]
        assert w > h and s["tiles"] == 1, s["grid"]


def _stage_files(folder, frame_size, heard):
    "The course's stage as a user brings it: a 1280×720 JPEG, and a WAV of what is heard; every instrument's box."
    stage = photo_stage(frame_size, heard)
    H, W = stage["frame"].shape[1:]
    picture = Image.fromarray((denormalize(stage["frame"]) * 255).round().byte().numpy()).resize((1280, 720))
    picture.save(folder / "stage.jpg", quality=92)
    sf.write(folder / "mix.wav", stage["audio"].numpy(), SR)
    scale = torch.tensor([1280 / W, 720 / H] * 2)
    return {c: torch.tensor(b, dtype=torch.float32) * scale for c, b in stage["layout"].items()}


def _peaks(tmp_path, heard):
    "The shipped model on the course's stage (a 1280×720 JPEG), `heard` playing: the instrument under each peak."
    net, config = localize.load_model()
    boxes = _stage_files(tmp_path, config["frame_size"], heard)
    loc = localize.localize(net, config, localize.read_window(tmp_path / "stage.jpg", audio=tmp_path / "mix.wav"))
    h, w = loc.pred.S_v.shape[-2:]
    assert w > h  # the 16:9 frame is seen as it is
    found = []
    for o in localize.find_objects(loc):  # each object's peak cell, in the user's 1280×720 frame
        y, x = np.unravel_index(int(torch.as_tensor(o["map"]).argmax()), (h, w))
        px, py = (x + 0.5) * 1280 / w, (y + 0.5) * 720 / h
        found.append(next((c for c, b in boxes.items() if b[0] <= px <= b[2] and b[1] <= py <= b[3]), "floor"))
    return found


@pytest.mark.parametrize("heard", ["violin", "trumpet"])
def test_the_shipped_model_finds_the_one_instrument_that_sounds(tmp_path, heard):
    "One instrument heard: one object, on it, and not on the silent instruments beside it."
    assert _peaks(tmp_path, (heard,)) == [heard]


def test_localize_by_ear_is_the_switch_that_drops_the_silent_violin(tmp_path):
    "The trumpet heard alone: the ear (the checkpoint's `by_ear`) keeps one object; `--by-ear 0` (off) keeps two."
    _stage_files(tmp_path, localize.load_model()[1]["frame_size"], ("trumpet",))
    found = {}
    for by_ear in (None, 0.):
        rec = localize.main(str(tmp_path / "stage.jpg"), audio=str(tmp_path / "mix.wav"), by_ear=by_ear,
                            out=str(tmp_path / str(by_ear)), quiet=True)
        found[by_ear] = rec["n_objects"]
    assert found == {None: 1, 0.: 2}, found


def test_the_shipped_model_finds_both_instruments_of_a_stage_duet(tmp_path):
    "Both heard: two objects, one on each instrument that sounds, none on the silent cello."
    assert sorted(_peaks(tmp_path, ("violin", "trumpet"))) == ["trumpet", "violin"]


def test_mix_sources_hears_a_stage_duet_as_the_mix_and_as_each_source():
    "`benchmarks/mix_sources.py` (docs/experiments.md) runs on a stage scene's `sources` and prints its rows."
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "mix_sources.py"
    out = subprocess.run([sys.executable, str(script), "--n", "2"], capture_output=True, text=True, check=True).stdout
    assert "heard as the mix" in out and "heard as source 2 alone" in out and "duets whose dimmer source" in out
    assert "objects found at" in out and out.count("; on both") == 3  # where the objects fall, one line per hearing


def test_localize_link_regroups_with_the_papers_rule(tmp_path):
    "`--link cosine` groups with §3.4's rule, recorded in the JSON; the regions-touch rule only removes links."
    _stage_files(tmp_path, localize.load_model()[1]["frame_size"], ("violin", "trumpet"))
    found = {}
    for link in ("cosine", "touching"):
        rec = localize.main(str(tmp_path / "stage.jpg"), audio=str(tmp_path / "mix.wav"), link=link,
                            out=str(tmp_path / link), quiet=True)
        saved = json.loads((tmp_path / link / "stage_localized.json").read_text())
        assert saved["link"] == link and saved["n_objects"] == rec["n_objects"]
        found[link] = rec["n_objects"]
    assert found["touching"] >= found["cosine"] >= 1, found
