"""The localize command end to end: a generated video → PNG + JSON, an image + a sound, --every → an MP4 that PyAV
reads back, a folder that keeps going past a broken file, and one line naming the file and the fix for each bad input.
Two runs go through `python -m nossl_nb.localize` in a fresh interpreter; the others call `main`, what the command
runs."""
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest
import soundfile as sf
import torch
from PIL import Image

import nossl_nb.localize as localize
from nossl_nb.train import untrained_checkpoint
from nossl_nb.data import SR, denormalize
from nossl_nb.media import write_video
from nossl_nb.samples import SceneDataset
from nossl_nb.train import resolve_config

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args):
    "`python -m nossl_nb.localize ARGS` in a fresh interpreter, as a user runs it."
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "nossl_nb.localize", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    "A stand-in checkpoint (untrained, the samples preset's format) and the input files, made once."
    d = tmp_path_factory.mktemp("localize")
    cfg = resolve_config("samples")
    untrained_checkpoint(d / "standin.pt", seed=0)
    torch.save(torch.nn.Linear(4, 2).state_dict(), d / "other_model.pt")
    s = SceneDataset(3, "duet", frame_size=cfg.frame_size, seed=1000)
    write_video(s[0], d / "duet.mp4")  # 3 s
    write_video([s[0], s[1], {**s[2], "audio": s[2]["audio"][:SR]}], d / "seven.mp4")  # 3 + 3 + 1 s
    write_video(s[0], d / "silent.mp4", sound=False)
    write_video({**s[0], "audio": s[0]["audio"][:2 * SR]}, d / "short.mp4")
    (d / "broken.mp4").write_bytes(b"\x00 this is not a video \x00" * 64)
    Image.fromarray((denormalize(s[1]["frame"]) * 255).byte().numpy()).save(d / "photo.jpg")
    sf.write(d / "sound.wav", s[1]["audio"].numpy(), SR)
    return d


def test_video(d, capsys):
    # in this process (`main` is what the command runs): a fresh interpreter costs ~10 s of imports
    out = d / "out_video"
    localize.main(str(d / "duet.mp4"), checkpoint=str(d / "standin.pt"), out=str(out), tau1=1.0, tau2=-1.0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("duet.mp4 0.00–3.00 s: 2 objects: #0 score"), lines
    rec = json.loads((out / "duet_localized.json").read_text())
    fs = resolve_config("samples").frame_size  # the stand-in's tile, the preset's
    assert ((rec["n_objects"], rec["tau1"], rec["tau2"], rec["tiles"], rec["size"])
            == (2, 1.0, -1.0, [1, 2], [fs, 2 * fs]))
    # τ1 = 1 keeps every seed, τ2 = −1 links every two that touch: one object a tile (no region counts across the seam)
    for o in rec["objects"]:
        x1, y1, x2, y2 = o["box"]
        assert 0 <= x1 < x2 <= 2 * fs and 0 <= y1 < y2 <= fs and -1 <= o["score"] <= 1
    assert sorted(o["tile"] for o in rec["objects"]) == [0, 1]
    assert Image.open(out / "duet_localized.png").size[0] > 400


def test_the_shipped_model_finds_both_sources_of_a_duet(d, capsys):
    """The shipped checkpoint on the fixed held-out duet: two
    objects, one on each sounding tile, each box on its true box."""
    from torchvision.ops import box_iou
    # the default checkpoint: data_samples/nossl_samples.pt
    rec = localize.main(str(d / "duet.mp4"), out=str(d / "out_shipped"))
    assert rec["checkpoint"] == str(localize.DEFAULT_CHECKPOINT) and rec["n_objects"] == 2, rec
    assert sorted(o["tile"] for o in rec["objects"]) == [0, 1]
    # duet.mp4's scene
    true = SceneDataset(3, "duet", frame_size=resolve_config("samples").frame_size, seed=1000)[0]["boxes"]
    for o in rec["objects"]:
        assert box_iou(torch.tensor([o["box"]]), true[o["tile"]]).max() > 0.3, (o["box"], true[o["tile"]])
    assert "2 objects" in capsys.readouterr().out


def test_image_and_sound(d, capsys):
    # in this process (`main` is what the command runs): a fresh interpreter costs ~10 s of imports
    out = d / "out_pair"
    rec = localize.main(str(d / "photo.jpg"), audio=str(d / "sound.wav"), checkpoint=str(d / "standin.pt"),
                        out=str(out))
    assert capsys.readouterr().out.startswith("photo.jpg 0.00–3.00 s: ")
    saved = json.loads((out / "photo_localized.json").read_text())
    assert saved["objects"] == rec["objects"]
    assert saved["audio"] == str(d / "sound.wav") and saved["n_objects"] == len(saved["objects"])
    assert (out / "photo_localized.png").is_file()


def test_every_writes_a_video(d, capsys):
    out = d / "out_every"
    localize.main(str(d / "seven.mp4"), every=2.0, checkpoint=str(d / "standin.pt"), out=str(out))
    captured = capsys.readouterr()
    assert captured.out.startswith("seven.mp4: 3 windows of 3 s every 2 s"), captured.out
    assert "localize seven.mp4" in captured.err  # the progress bar
    windows = [json.loads(p.read_text()) for p in sorted((out / "seven_windows").glob("*.json"))]
    assert [w["start"] for w in windows] == [0.0, 2.0, 4.0]
    with av.open(str(out / "seven_localized.mp4")) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]
        fs = resolve_config("samples").frame_size  # the frames the stand-in sees: two tiles of the preset's size
        assert (c.streams.video[0].width, c.streams.video[0].height) == (2 * fs, fs)
        assert sum(1 for _ in c.decode(video=0)) == 84  # 7 s at 12 frames a second, every one rewritten


def test_cli_on_a_folder(d):
    """As a user runs it: a folder with a good video and a broken one;
    the good one is written, the failure reported at the end."""
    folder, out = d / "folder", d / "out_folder"
    folder.mkdir()
    (folder / "good.mp4").write_bytes((d / "duet.mp4").read_bytes())
    (folder / "bad.mkv").write_bytes((d / "broken.mp4").read_bytes())
    r = run_cli(str(folder), "--checkpoint", str(d / "standin.pt"), "--out", str(out), "--tau1", "1", "--tau2=-1")
    assert r.returncode == 1, r.stderr  # the exit status says that a file failed
    assert r.stdout.splitlines()[0].startswith("good.mp4 0.00–3.00 s: 2 objects: #0 score"), r.stdout
    assert r.stdout.splitlines()[-1] == f"1 of 2 videos localized -> {out}"
    assert f"localize {folder}/" in r.stderr  # the progress bar over the folder
    err = r.stderr.strip().splitlines()[-2:]
    assert err[0] == "error: 1 of 2 videos failed:"
    assert err[1].strip().startswith(f"{folder / 'bad.mkv'}: cannot read it as a video")
    rec = json.loads((out / "good_localized.json").read_text())
    assert rec["n_objects"] == 2 and all(len(o["box"]) == 4 for o in rec["objects"])
    assert (out / "good_localized.png").is_file()


@pytest.mark.parametrize("args, names, fix", [
    (dict(video="silent.mp4"), "silent.mp4",
     "use a clip with sound, or give the sound as a separate file with --audio SOUND"),
    (dict(video="short.mp4"), "short.mp4", "use a clip of at least 3 s"),
    (dict(video="broken.mp4"), "broken.mp4", "convert it: `ffmpeg -i"),
    (dict(video="duet.mp4", checkpoint="other_model.pt"), "other_model.pt",
     "pass a checkpoint written by `python -m nossl_nb.train`"),
    (dict(video="nowhere.mp4"), "nowhere.mp4", "pass a video (mp4, mkv, webm, mov), an image with --audio SOUND"),
    (dict(video="photo.jpg"), "photo.jpg", "pass its sound with --audio SOUND"),
    (dict(video="duet.mp4", start=1.0), "duet.mp4", "choose --start between 0 and 0.0"),
    (dict(video="photo.jpg", audio="sound.wav", every=1.0), "photo.jpg", "drop --every"),
])
def test_bad_input_is_one_line(d, args, names, fix):
    args = {"checkpoint": "standin.pt", **args}
    args = {k: str(d / v) if isinstance(v, str) else v for k, v in args.items()}
    with pytest.raises(SystemExit) as e: localize.main(**args, out=str(d / "out_bad"))
    msg = str(e.value.code)
    assert len(msg.splitlines()) == 1 and msg.startswith("error: "), msg
    assert str(d / names) in msg and fix in msg, msg


def test_missing_default_checkpoint(d, monkeypatch):
    monkeypatch.setattr(localize, "DEFAULT_CHECKPOINT", d / "nossl_samples.pt")
    with pytest.raises(SystemExit) as e: localize.main(str(d / "duet.mp4"))
    assert str(e.value.code) == (f"error: {d / 'nossl_samples.pt'}: no such checkpoint; pass --checkpoint CKPT, "
                                 "or train one with `python -m nossl_nb.train`")


def test_checkpoint_of_another_network(d):
    "A nossl-nb checkpoint whose weights do not fit its own model_args (another width) is refused too."
    ckpt = torch.load(d / "standin.pt", weights_only=True)
    torch.save({**ckpt, "model_args": {**ckpt["model_args"], "width": 0.25}}, d / "mismatch.pt")
    with pytest.raises(SystemExit) as e: localize.main(str(d / "duet.mp4"), checkpoint=str(d / "mismatch.pt"))
    msg = str(e.value.code)
    assert len(msg.splitlines()) == 1 and str(d / "mismatch.pt") in msg and "python -m nossl_nb.train" in msg
