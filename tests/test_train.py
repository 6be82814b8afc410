"""The training script end to end on CPU: resume exactness, DDP with gloo, presets, clear errors."""
import os, subprocess, sys

import pytest
import torch

from nossl_nb.geometry import working_size
from nossl_nb.samples import ASPECTS
from nossl_nb.train import PRESETS, load_checkpoint, resolve_config, train, train_buckets

TINY = dict(train_set="samples-mixed", train_size=12, stage_size=0, batch_size=4, frame_size=64, width=0.125,
            num_workers=0, eval_sets="", lr=1e-3, alpha=0.3, margin=0.25,
            eps=0.05, count_steps=2)  # a background line α − margin above 0; a counter of 2 steps


def weights(path):
    return load_checkpoint(path)["model"]


def initial_network(cfg):
    "The network `train` starts from: same seed, same config."
    from nossl_nb.train import build_network
    torch.manual_seed(cfg.seed)
    return build_network(cfg, torch.device("cpu"))


def test_the_samples_preset_one_epoch_smoke(tmp_path):
    "The README's preset itself (frozen Lite0 trunk, augmented tiles and stage scenes), one short epoch, end to end."
    from nossl_nb.model import load_network
    cfg = resolve_config("samples", epochs=1, train_size=64, stage_size=96, eval_size=8, num_workers=0,
                         count_steps=20, out_dir=str(tmp_path))  # a counter of 20 steps: the pool and its loop run
    s = train(cfg, quiet=True)
    # two batches of tiles, one of stage scenes for each aspect ratio
    assert torch.isfinite(torch.tensor(s["history"][0]["loss"])) and s["history"][0]["steps"] == 5
    assert {"samples-mixed", "samples-stage-mixed"} == set(s["eval"])
    assert "count_acc" in s["eval"]["samples-stage-mixed"]
    net, ck = load_network(s["model"])
    assert net.visual_from_package and ck["config"]["backbone"] == "efficientnet_lite0"
    assert (tmp_path / "model.pt").stat().st_size < 12 * 2**20


def test_stage_scenes_come_in_one_bucket_per_aspect_ratio():
    "`stage_size` adds one-frame scenes beside the tiles, one bucket per aspect ratio (a batch holds one frame size)."
    cfg = resolve_config("samples", train_size=8, stage_size=6, stage_sources="duet", frame_size=64)
    buckets = train_buckets(cfg, epoch=1)
    shapes = [tuple(b[0]["frame"].shape) for b in buckets]
    stage = sorted((3, *working_size(h, w, 64)) for w, h in ASPECTS)  # e.g. 96×96, 96×128, 96×160
    assert shapes[0] == (3, 64, 64) and sorted(shapes[1:]) == stage, shapes
    assert all(len(b) == 2 and b[0]["n_sources"] == 2 for b in buckets[1:])
    assert not torch.equal(train_buckets(cfg, epoch=2)[1][0]["frame"], buckets[1][0]["frame"])  # a new set each epoch


def test_cache_trunk_resumes_exactly(tmp_path):
    "The trunk's features, kept (`cache_trunk`), are rebuilt from the same pictures by a resumed run."
    kept = dict(epochs=2, train_size=8, stage_size=12, batch_size=4, frame_size=64, num_workers=0, eval_sets="",
                osc_start_epoch=1, device="cpu", cache_trunk="all", count_steps=2)
    full = train(resolve_config("samples", **kept, out_dir=str(tmp_path / "full")), quiet=True)
    train(resolve_config("samples", **kept | {"epochs": 1}, out_dir=str(tmp_path / "part")), quiet=True)
    resumed = train(resolve_config("samples", **kept, out_dir=str(tmp_path / "part"), resume=True), quiet=True)
    a, b = weights(full["checkpoint"]), weights(resumed["checkpoint"])
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ from the uninterrupted run"
    assert [h["steps"] for h in full["history"]] == [5, 5]  # two batches of tiles, one of stage frames an aspect ratio


def test_resume_after_a_checkpoint_matches_an_uninterrupted_run(tmp_path):
    "Resumed across the OSC switch (AVC alone in epoch 1, both losses in epoch 2), on the CPU."
    switch = dict(TINY, osc_start_epoch=1, device="cpu")
    full = train(resolve_config("samples", **switch, epochs=2, out_dir=str(tmp_path / "full")), quiet=True)
    part = resolve_config("samples", **switch, epochs=1, out_dir=str(tmp_path / "part"))
    train(part, quiet=True)  # "killed" after the first epoch's checkpoint
    resumed = train(resolve_config("samples", **switch, epochs=2, out_dir=str(tmp_path / "part"), resume=True),
                    quiet=True)
    assert full["history"][0]["osc"] >= 0 and full["history"][1]["osc"] > 0  # OSC is on in the second epoch
    a, b = weights(full["checkpoint"]), weights(resumed["checkpoint"])
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), "resumed weights differ from the uninterrupted run"
    assert [h["loss"] for h in full["history"]] == [h["loss"] for h in resumed["history"]]


def test_a_run_ends_with_the_evaluation_table(tmp_path, capsys):
    summary = train(resolve_config("samples", **{**TINY, "eval_sets": "samples-single,samples-duet"}, eval_size=4,
                                   epochs=1, out_dir=str(tmp_path)))
    assert set(summary["eval"]) == {"samples-single", "samples-duet"}
    assert {"AP", "IoU@0.5", "AUC", "pointing"} <= set(summary["eval"]["samples-single"])
    assert {"CAP", "PIAP", "CIoU@0.3", "AUC", "count_acc"} <= set(summary["eval"]["samples-duet"])
    out = capsys.readouterr().out
    assert "paper" in out and "train s/iter" in out
    assert (tmp_path / "eval.json").exists() and (tmp_path / "cost.json").exists()


def test_resume_refuses_another_config(tmp_path):
    train(resolve_config("samples", **TINY, epochs=1, out_dir=str(tmp_path)), quiet=True)
    with pytest.raises(ValueError, match="another config"):
        train(resolve_config("samples", **{**TINY, "batch_size": 6}, epochs=2, out_dir=str(tmp_path), resume=True),
              quiet=True)


DDP_RUN = """
import json, os, sys
import torch
import nossl_nb.train as T
rank, out, kw = int(os.environ["RANK"]), sys.argv[1], json.loads(sys.argv[2])
nets, writes, build, save = [], [], T.build_network, T.save_checkpoint
T.build_network = lambda *a, **k: nets.append(build(*a, **k)) or nets[-1]
T.save_checkpoint = lambda path, **state: writes.append(str(path)) or save(path, **state)
T.train(T.resolve_config("samples", **kw, out_dir=out), quiet=True)
# the counter is trained after the epochs, by rank 0 alone (`finish_run`): the two streams are what DDP shares
params = {k: p.detach() for k, p in nets[0].named_parameters() if not k.startswith("counter.")}
torch.save({"params": params, "writes": writes}, f"{out}/rank{rank}.pt")
"""


def test_torchrun_two_processes_gloo(tmp_path):
    """Two processes, gloo: gradients are all-reduced (equal weights on
    both ranks, moved from the start); rank 0 alone writes."""
    import json
    script = tmp_path / "ddp_run.py"
    script.write_text(DDP_RUN)
    kw = dict(TINY, train_size=24, epochs=1, max_steps=2, device="cpu")  # 6 batches of 4: 3 per process, 2 taken
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                        str(script), str(tmp_path), json.dumps(kw)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    r0, r1 = (torch.load(tmp_path / f"rank{i}.pt") for i in (0, 1))
    assert r0["writes"] == [str(tmp_path / n) for n in ("last.pt", "model.pt")] and r1["writes"] == [], \
        "only rank 0 writes checkpoints"
    start = initial_network(resolve_config("samples", **kw)).state_dict()
    # BatchNorm's running statistics stay per rank (DDP sends rank 0's each forward)
    p0, p1 = r0["params"], r1["params"]
    assert all(torch.equal(p0[k], p1[k]) for k in p0), \
        "the two ranks' parameters differ: gradients were not all-reduced"
    assert any(not torch.equal(p0[k], start[k]) for k in p0 if k.startswith("audio.")), "DDP trained nothing"
    ck = load_checkpoint(tmp_path / "last.pt")
    assert ck["history"][0]["steps"] == 2 and all(torch.equal(ck["model"][k], p0[k]) for k in p0 if k in ck["model"])
    written = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pt")
    assert written == ["last.pt", "model.pt", "rank0.pt", "rank1.pt"]


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "samples"])
def test_every_real_preset_resolves_and_fails_clearly_without_data(preset, tmp_path):
    cfg = resolve_config(preset, data_root=str(tmp_path / "missing"))
    assert cfg.lr == 1e-4 and cfg.batch_size == 128 and cfg.epochs == 50
    with pytest.raises(FileNotFoundError, match="--preset samples"):
        train_buckets(cfg)
    r = subprocess.run([sys.executable, "-m", "nossl_nb.train", "--preset", preset,
                        "--data-root", str(tmp_path / "missing"), "--out-dir", str(tmp_path / "run")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "--preset samples" in r.stderr and "Traceback" not in r.stderr


def test_cli_rejects_unknown_options():
    r = subprocess.run([sys.executable, "-m", "nossl_nb.train", "--taus", "0.5"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode != 0 and "unknown option --taus" in r.stderr


def test_help_lists_every_field_with_its_meaning():
    "Run as a user runs it (the module is __main__ then): every TrainConfig field, its comment and its defaults."
    from dataclasses import fields
    from nossl_nb.train import TrainConfig
    r = subprocess.run([sys.executable, "-m", "nossl_nb.train", "--help"], capture_output=True, text=True, timeout=300)
    text = " ".join(r.stdout.split())
    assert r.returncode == 0 and all(f"--{f.name.replace('_', '-')} " in text for f in fields(TrainConfig))
    assert ("--tau1 FLOAT §3.4 background threshold (default: 0.7; at least -1 and at most 1; the samples preset: 0.5)"
            in text)


def test_a_killed_checkpoint_write_leaves_the_old_file(tmp_path, monkeypatch):
    from nossl_nb import train as T
    path = tmp_path / "last.pt"
    T.save_checkpoint(path, epoch=1)
    def dies_mid_write(obj, f):
        open(f, "wb").write(b"half a checkpoint")
        raise KeyboardInterrupt  # killed while writing
    monkeypatch.setattr(T.torch, "save", dies_mid_write)
    with pytest.raises(KeyboardInterrupt): T.save_checkpoint(path, epoch=2)
    monkeypatch.undo()
    assert torch.load(path, weights_only=True)["epoch"] == 1


def test_a_non_finite_loss_stops_the_run_with_what_to_do(tmp_path, monkeypatch):
    from nossl_nb import train as T
    real = T.forward_batch
    def nan_loss(*a, **k):
        o = real(*a, **k)
        return o | {"loss": o["loss"] * float("nan")}
    monkeypatch.setattr(T, "forward_batch", nan_loss)
    with pytest.raises(FloatingPointError, match="lower --lr"):
        train(resolve_config("samples", **TINY, epochs=1, out_dir=str(tmp_path)), quiet=True)
    assert not (tmp_path / "last.pt").exists()  # no step was taken on a NaN loss, nothing was saved


def test_random_mixtures_never_pair_a_clip_with_itself():
    from nossl_nb.data import RandomMixtures
    from nossl_nb.samples import SceneDataset
    base = SceneDataset(4, "single", frame_size=32, seed=5)
    torch.manual_seed(0)
    for n in (2, 3, 4):
        mixes = RandomMixtures(base, n)
        for i in range(len(base)):
            for _ in range(3):
                parts = mixes[i]["id"].split("+")
                assert len(parts) == n and len(set(parts)) == n and parts[0] == base[i]["id"], parts


@pytest.mark.parametrize("option", [dict(audio_pool="avg"), dict(amp="bf16"), dict(channels_last=False),
                                    dict(backbone="efficientnet_lite0", visual_weights="imagenet", head="relu")])
def test_options_train_a_step(option, tmp_path):
    "Each option trains: a finite loss, and the trainable weights move."
    cfg = resolve_config("samples", **{**TINY, **option}, epochs=1, max_steps=1, out_dir=str(tmp_path))
    start = {k: v.clone() for k, v in initial_network(cfg).state_dict().items()}
    s = train(cfg, quiet=True)
    assert torch.isfinite(torch.tensor(s["history"][0]["loss"]))
    after = load_checkpoint(s["checkpoint"])["model"]
    moved = [k for k in after if after[k].is_floating_point() and k in start and not torch.equal(after[k], start[k])]
    assert any(k.startswith("audio.") for k in moved)
    if "backbone" in option:
        # frozen trunk
        assert any(k.startswith("head.") for k in moved) and not any(k.startswith("visual.") for k in moved)



def test_osc_gradients_reach_the_encoders_only_after_the_switch(tmp_path, monkeypatch):
    "Before osc_start_epoch the step's loss is L_avc alone (λ2 = 0); from it on, L_osc's gradients reach the network."
    import nossl_nb.train as T
    from nossl_nb.data import LogSpectrogram, collate
    from nossl_nb.samples import SceneDataset
    cfg = resolve_config("samples", **TINY, device="cpu", channels_last=False)
    net, frontend = initial_network(cfg), LogSpectrogram()
    # duets on which the untrained network's seeds already form objects (L_osc > 0; at some seeds it is 0)
    batch = collate([SceneDataset(4, "duet", frame_size=cfg.frame_size, seed=2)[i] for i in range(4)])
    def audio_grads(loss):
        net.zero_grad(); loss.backward()
        return torch.cat([p.grad.flatten() for n, p in net.named_parameters()
                          if n.startswith("audio.") and p.grad is not None])
    off = T.forward_batch(net, frontend, batch, cfg, torch.device("cpu"), osc_on=False)
    assert torch.equal(off["loss"], off["avc"]) and off["osc"] > 0  # L_osc is computed, and weighted 0
    g_off = audio_grads(off["loss"])
    on = T.forward_batch(net, frontend, batch, cfg, torch.device("cpu"), osc_on=True)
    g_avc = audio_grads(T.forward_batch(net, frontend, batch, cfg, torch.device("cpu"), osc_on=False)["loss"])
    assert torch.allclose(g_off, g_avc) and not torch.allclose(audio_grads(on["loss"]), g_avc, atol=1e-6)
    seen = []  # and train() switches at the epoch it is told
    real = T.forward_batch
    monkeypatch.setattr(T, "forward_batch", lambda *a, osc_on, **k: seen.append(osc_on) or real(*a, osc_on=osc_on, **k))
    train(resolve_config("samples", **TINY, epochs=2, max_steps=1, osc_start_epoch=1, device="cpu",
                         out_dir=str(tmp_path)), quiet=True)
    assert seen == [False, True]
