"""A fake download through `python -m nossl_nb.prepare` end to end: the layout, exactly its three broken files
reported, resume after a kill, evaluation on the prepared folder with its missing count; the shipped lists parse with
the readers at their known sizes."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch

from nossl_nb.cli import command_line
from nossl_nb.data import SR, load_audio, load_frame
from nossl_nb.layouts import METADATA, _vggss_boxes, clip_list, music, vggss, vggsound_mix
from nossl_nb.evaluate import main as evaluate_main
from nossl_nb.model import NoSSLNet
from nossl_nb.prepare import check_folder, listed_scenes, prepare, summary
from nossl_nb.course import write_download
from nossl_nb.prepare import main as prepare_main

ROOT = Path(__file__).resolve().parents[1]
BROKEN = [("dl000noaud0_000000", "no audio stream"), ("dl000short0_000000", "too short"),
          ("dl000trunc0_000000", "undecodable")]


def cli(*args, **kw):
    "`python -m nossl_nb.prepare ARGS` in a fresh interpreter (Popen keyword arguments in `kw`)."
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "nossl_nb.prepare", *map(str, args)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture(scope="module")
def download(tmp_path_factory):
    return write_download(tmp_path_factory.mktemp("dl")/"download")


def readable(folder):
    "Every frame and audio file under its final name decodes; no temporary file is left."
    frames, audio = sorted((folder/"frames").glob("*.jpg")), sorted((folder/"audio").glob("*.wav"))
    for p in frames: load_frame(p)
    for p in audio: assert len(load_audio(p)) >= 3 * SR * 0.99
    return {p.stem for p in frames} & {p.stem for p in audio}


def test_prepare_writes_the_layout_and_reports_exactly_the_broken_files(download, tmp_path):
    r = prepare(download, tmp_path, workers=2, progress=False)  # no list: every video, whole, in a process pool
    assert sorted((f.clip, f.reason) for f in r["failures"]) == BROKEN
    rows = list(csv.DictReader(open(tmp_path/"prepare_report.csv")))
    assert sorted((x["clip"], x["reason"]) for x in rows) == BROKEN and all(x["source"].endswith(".mp4") for x in rows)
    assert (r["clips"], r["written"], r["done"]) == (7, 4, 0)
    assert readable(tmp_path) == {"dl000clip00_000000", "dl000clip01_000000", "dl000clip02_000000", "dl000full00"}
    assert not list(tmp_path.glob("*/.*.part"))


def test_list_missing_and_a_missing_clip_in_the_report(download, tmp_path):
    listed = json.loads((download/"vggss.json").read_text())
    (tmp_path/"vggss.json").write_text(json.dumps(listed + [{**listed[0], "file": "gonegonegon_000040"}]))
    r = prepare(download, tmp_path/"out", tmp_path/"vggss.json", progress=False)
    assert sorted((f.clip, f.reason) for f in r["failures"]) == sorted(BROKEN + [("gonegonegon_000040", "missing")])
    assert r["written"] == 4 and "dl000full00_000003" in readable(tmp_path/"out")  # cut from 3 s of the full video
    p = cli(download, "--list-missing", tmp_path/"vggss.json")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert out.splitlines() == ["clip,video,start,end", "gonegonegon_000040,gonegonegon,40,50"], err
    assert err.strip().endswith("1 clips of " + str(tmp_path/"vggss.json") + f" are not in {download}")


def test_resume_after_kill(tmp_path):
    dl = write_download(tmp_path/"dl", n=10)
    out = tmp_path/"out"
    p = cli(dl, "--out", out, "--workers", 1, "--quiet")
    deadline = time.time() + 120
    while not list((out/"frames").glob("*.jpg")) and time.time() < deadline and p.poll() is None: time.sleep(0.005)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=60)
    assert p.returncode == -signal.SIGKILL, "prepare finished before it could be killed"
    before = readable(out)  # whatever has its final name is complete
    assert 0 < len(before) < 11
    # what a kill in the middle of a write leaves
    (out/"frames"/".dl000clip00_000000.jpg.part").write_bytes(b"half a JPEG")
    r = prepare(dl, out, progress=False)
    want = f"14 clips: {11 - len(before)} written, {len(before)} already done, 3 failed"
    assert summary(r).startswith(want), summary(r)
    assert len(readable(out)) == 11 and not list(out.glob("*/.*.part"))
    assert sorted((x["clip"], x["reason"]) for x in csv.DictReader(open(out/"prepare_report.csv"))) == BROKEN


def checkpoint(path):
    "An untrained narrow network in the training script's checkpoint format."
    torch.manual_seed(0)
    net = NoSSLNet(width=0.25)
    torch.save({"model": net.state_dict(), "model_args": net.args, "config": {"frame_size": 64, "width": 0.25}}, path)
    return str(path)


def test_evaluate_on_the_prepared_folder_reports_the_missing(download, tmp_path, capsys):
    data = tmp_path/"data"
    prepare(download, data, download/"vggss.json", progress=False)
    # the list in VGG-SS's format, as a user's own list wins over the shipped one
    shutil.copy(download/"vggss.json", data)
    kw = dict(dataset="vggss", checkpoint=checkpoint(tmp_path/"x.pt"), data_root=str(data), n_figures=0, quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = evaluate_main(out=str(tmp_path/"ev"), **kw)
    header = capsys.readouterr().out.splitlines()[0]
    assert (res["n_scenes"], res["n_listed"], res["n_missing"], Path(res["list"])) == (4, 7, 3, data/"vggss.json")
    assert header.startswith("VGG-SS: 4 scenes of the 7 in vggss.json; PARTIAL: 3 missing"), header
    saved = json.loads((tmp_path/"ev"/"results.json").read_text())
    assert (saved["n_missing"], saved["n_scenes"]) == (3, 4)
    with pytest.raises(SystemExit) as e: evaluate_main(require_complete=True, **kw)
    assert "dl000noaud0_000000" in str(e.value.code) and "\n" not in str(e.value.code)
    (data/"vggss.json").unlink()  # now the shipped VGG-SS list: none of its clips is here
    with pytest.raises(SystemExit) as e: evaluate_main(**kw)
    assert "none of its 5158 scenes" in str(e.value.code) and "nossl_nb.prepare" in str(e.value.code)


def test_check_before_a_long_run(download, tmp_path, capsys):
    prepare(download, tmp_path, download/"vggss.json", progress=False)
    r = check_folder(tmp_path, download/"vggss.json", progress=False)
    assert ({k: r[k] for k in ("scenes", "complete", "present", "readable", "long_enough")}
            == dict(scenes=7, complete=4, present=4, readable=4, long_enough=4))
    (tmp_path/"audio"/"dl000clip00_000000.wav").write_bytes(b"RIFF")  # a clip whose audio is broken
    with pytest.raises(SystemExit) as e:  # the command's exit: status 1 with one line
        prepare_main(check=str(tmp_path), meta=str(download/"vggss.json"), require_complete=True, workers=1, quiet=True)
    assert capsys.readouterr().out.startswith("vggss.json: 3 of 7 scenes complete; of its 7 clips 4 present, 3 "
                                              "readable, 3 at least 3 s long")
    assert str(e.value.code).startswith("error: 4 of 7 scenes") and "\n" not in str(e.value.code)


def test_help_lists_every_option():
    out = command_line(prepare_main, "python -m nossl_nb.prepare").format_help()
    for opt in ("--out", "--dataset", "--meta", "--workers", "--audio-format", "--seconds", "--min-seconds",
                "--list-missing", "--check", "--require-complete", "--quiet", "VIDEOS"):
        assert opt in out, opt


# --- the shipped lists ---------------------------------------------------------------------------
SIZES = {"vggss.json": 5158, "vggsound_duet_test.csv": 5158, "vggsound_trio_test.csv": 5158,
         "vggsound_mixed_test.csv": 5158, "music_solo.json": 2124, "music_duet.json": 1020,
         "music_solo_test.csv": 2124, "music_duet_test.csv": 1020,
         "vggss_test.csv": 5158, "music_solo_train.txt": 44532, "music_duet_train.txt": 48348}


def test_shipped_lists_parse_with_the_readers_at_their_known_sizes(tmp_path):
    assert sorted(p.name for p in METADATA.iterdir()) == sorted([*SIZES, "LICENSE", "NOTICE.md"])
    assert "Apache License" in (METADATA/"LICENSE").read_text() and "stoneMo/AVGN" in (METADATA/"NOTICE.md").read_text()
    (tmp_path/"frames").mkdir()
    # a folder with no clip of the lists: every scene is counted as missing
    (tmp_path/"frames"/"x.jpg").write_bytes(b"")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read = {"vggss.json": vggss(tmp_path, skip_bad=True),
                "music_solo.json": music(tmp_path, "music_solo.json", skip_bad=True),
                "music_duet.json": music(tmp_path, "music_duet.json", skip_bad=True)}
        read |= {f: vggsound_mix(tmp_path, f, skip_bad=True) for f in SIZES if f.startswith("vggsound_")}
        read |= {f: clip_list(tmp_path, f, music_names=f.startswith("music"), skip_bad=True)
                 for f in SIZES if f.endswith(("_test.csv", ".txt")) and not f.startswith("vggsound_")}
    for f, n in SIZES.items():
        ds = read[f]
        assert (len(ds), ds.n_listed, ds.n_missing, Path(ds.listed_in)) == (0, n, n, METADATA/f), f
        assert len(listed_scenes(METADATA/f)) == n, f
    assert {len(s) for s in listed_scenes(METADATA/"vggsound_duet_test.csv")} == {2}
    # one in each of 12 records; no clip is dropped
    with pytest.warns(UserWarning, match="left out 12 boxes with a corrupt coordinate"):
        assert len(_vggss_boxes(METADATA, "vggss.json", skip_bad=False)[1]) == 5158
