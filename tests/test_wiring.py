"""Every setting reaches the code that uses it: λ1 and λ2 and the AVC temperature reach the training step's loss,
`prepare` clears a killed run's `.part` files, `predict` leaves the network's mode and BatchNorm statistics alone."""
import math

import pytest
import torch

from nossl_nb.avc import TEMPERATURE, avc_loss, avc_terms
from nossl_nb.course import toy_batch, write_download
from nossl_nb.data import LogSpectrogram, collate
from nossl_nb.method import MethodSettings, method_losses, predict
from nossl_nb.model import NoSSLNet, sound_map, sound_map_all
from nossl_nb.prepare import prepare
from nossl_nb.samples import SceneDataset
from nossl_nb.train import build_network, forward_batch, parse_overrides, resolve_config

# a narrow network on small frames, α − margin above 0 (as tests/test_train.py's TINY)
TINY = dict(train_set="samples-mixed", train_size=12, batch_size=4, frame_size=64, width=0.125, num_workers=0,
            eval_sets="", alpha=0.3, margin=0.25, eps=0.05, device="cpu", channels_last=False, count_steps=2)
CPU = torch.device("cpu")


def config(**kw):
    return resolve_config("samples", **TINY, **kw)


@pytest.fixture(scope="module")
def step():
    """(net, frontend, batch): an untrained network in train mode and duets on which its seeds
    already form objects, so L_osc > 0 and λ2 matters."""
    torch.manual_seed(0)
    net, frontend = build_network(config(), CPU).train(), LogSpectrogram()
    batch = collate([SceneDataset(4, "duet", frame_size=TINY["frame_size"], seed=2)[i] for i in range(4)])
    return net, frontend, batch


def recorded(net):
    "`net`, and the list its outputs are appended to: the step's features, to recompute the loss from."
    seen = []
    return (lambda *a: seen.append(net(*a)) or seen[-1]), seen


def test_lambdas_reach_the_training_step_loss(step):
    "Eq. 5 as configured: loss = λ1·L_avc + λ2·L_osc, from `TrainConfig` (and `--lambda-osc`) to the step's loss."
    net, frontend, batch = step
    parts = None
    for l1, l2 in [(1.0, 1.0), (0.3, 2.5), (0.0, 0.5), (2.0, 0.0)]:
        cfg = config(lambda_avc=l1, lambda_osc=l2)
        o = forward_batch(net, frontend, batch, cfg, CPU)
        assert o["osc"] > 0 and o["avc"] > 0, "L_osc must be non-zero here, or λ2 would not show"
        if parts is None: parts = (o["avc"].item(), o["osc"].item())  # λ weights the terms, it does not change them
        assert math.isclose(o["avc"].item(), parts[0], rel_tol=1e-5)
        assert math.isclose(o["osc"].item(), parts[1], rel_tol=1e-5)
        assert math.isclose(o["loss"].item(), l1 * parts[0] + l2 * parts[1], rel_tol=1e-5, abs_tol=1e-6), (l1, l2)
    # Table 3's rows from the command line: "L_avc only" (--lambda-osc 0) and "L_osc only" (--lambda-avc 0)
    only_avc = forward_batch(net, frontend, batch, config(**parse_overrides(["--lambda-osc", "0"])), CPU)
    assert math.isclose(only_avc["loss"].item(), only_avc["avc"].item(), rel_tol=1e-6)
    only_osc = forward_batch(net, frontend, batch, config(**parse_overrides(["--lambda-avc=0"])), CPU)
    assert math.isclose(only_osc["loss"].item(), only_osc["osc"].item(), rel_tol=1e-6)


def test_a_rerun_of_prepare_leaves_no_part_file(tmp_path):
    "What a killed run was writing (`.<clip>.<ext>.part`, of done, failed and unlisted clips) is gone after a rerun."
    dl, out = write_download(tmp_path / "dl", n=1), tmp_path / "out"
    first = prepare(dl, out, progress=False)
    assert first["written"] == 2 and not list(out.glob("*/.*.part"))
    planted = [out / "frames" / ".dl000clip00_000000.jpg.part", out / "audio" / ".dl000clip00_000000.wav.part",
               out / "audio" / ".dl000noaud0_000000.wav.part", out / "frames" / ".dl000trunc0_000000.jpg.part",
               out / "frames" / ".gonegonegon_000040.jpg.part"]
    for p in planted: p.write_bytes(b"half a file")
    again = prepare(dl, out, progress=False)
    assert again["done"] == 2 and again["written"] == 0  # nothing is cut again: only a cleanup can remove them
    assert [p.name for p in planted if p.exists()] == [] and not list(out.glob("*/.*.part"))


@pytest.mark.parametrize("mode", [True, False])
def test_predict_restores_the_mode_and_leaves_batchnorm_alone(mode):
    "A trainable trunk (BatchNorm that a train-mode forward updates): `predict` runs it in eval mode, then restores."
    torch.manual_seed(0)
    net = NoSSLNet(width=0.125, freeze_visual=False)
    frames, spec = torch.randn(2, 3, 64, 128), torch.randn(2, 1, 257, 64)
    bn = [m for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert any(n.startswith("visual.") for n, m in net.named_modules() if m in bn) and not net.freeze_visual
    with torch.no_grad(): net.eval()(frames, spec)
    want = sound_map(*net(frames, spec))  # with the running statistics
    net.train(mode)
    modes = {n: m.training for n, m in net.named_modules()}
    buffers = {n: b.clone() for n, b in net.named_buffers()}
    assert any(n.endswith("running_mean") for n in buffers) and any(n.endswith("num_batches_tracked") for n in buffers)
    p = predict(net, frames, spec)
    assert {n: m.training for n, m in net.named_modules()} == modes, "predict left the network in another mode"
    changed = [n for n, b in net.named_buffers() if not torch.equal(b, buffers[n])]
    assert changed == [], f"predict changed BatchNorm statistics: {changed[:4]}"
    assert torch.allclose(p.S_v, want, atol=1e-5), "predict did not use the running statistics"
    # and the check can fail: a train-mode forward would have moved them
    with torch.no_grad(): net.train()(frames, spec)
    assert any(not torch.equal(b, buffers[n]) for n, b in net.named_buffers())


def _by_hand(S_all, t, form="lvs", **masks):
    "Eq. 3 at temperature t: −log softmax of the positive over (pos, negatives), LVS's negatives or the equation's."
    k = avc_terms(S_all, **masks)
    B, total = S_all.shape[0], 0.0
    for n in range(B):
        neg = ([k["easy"][n, m].item() for m in range(B) if m != n] + [k["hard"][n].item()] if form == "lvs"
               else [k["neg_eq3"][n].item()])
        logits = [k["pos"][n].item(), *neg]
        total -= logits[0] / t - math.log(sum(math.exp(x / t) for x in logits))
    return total / B


def test_the_temperature_reaches_the_avc_loss(step):
    "`temperature` divides the logits: in `avc_loss`, in `method_losses`, and from `TrainConfig` to the step's L_avc."
    F_v, l_a, _ = toy_batch(4, h=5, w=6, noise=0.5, seed=0)
    S_all, losses = sound_map_all(F_v, l_a), {}
    for form in ("lvs", "eq3"):
        assert math.isclose(avc_loss(S_all, form=form).item(), _by_hand(S_all, TEMPERATURE, form), rel_tol=1e-4)
        for t in (TEMPERATURE, 0.2, 1.0):
            losses[form, t] = avc_loss(S_all, temperature=t, form=form).item()
            assert math.isclose(losses[form, t], _by_hand(S_all, t, form), rel_tol=1e-4), (form, t)
            out = method_losses(F_v, l_a, temperature=t, avc_form=form, settings=MethodSettings())
            assert math.isclose(out["avc"].item(), losses[form, t], rel_tol=1e-5), (form, t)
    assert len({round(v, 6) for v in losses.values()}) == len(losses), losses
    # the training step, configured by TrainConfig (and --temperature)
    net, frontend, batch = step
    for t in (TEMPERATURE, 0.5):
        rec, seen = recorded(net)
        cfg = config(**parse_overrides(["--temperature", str(t)]))
        assert cfg.temperature == t
        o = forward_batch(rec, frontend, batch, cfg, CPU)
        F_v, l_a = (x.float() for x in seen[-1])
        want = avc_loss(sound_map_all(F_v, l_a), temperature=t, alpha=cfg.alpha, omega=cfg.omega, margin=cfg.margin)
        assert math.isclose(o["avc"].item(), want.item(), rel_tol=1e-5), (t, o["avc"].item(), want.item())
        masks = dict(alpha=cfg.alpha, omega=cfg.omega, margin=cfg.margin)
        assert math.isclose(o["avc"].item(), _by_hand(sound_map_all(F_v, l_a).detach(), t, **masks), rel_tol=1e-4)
