"""Slower end-to-end checks of the method modules (the quick ones live under each notebook example)."""
import subprocess, sys
from pathlib import Path

import pytest
import torch

from nossl_nb.avc import avc_loss
from nossl_nb.clustering import group_batch, group_seeds, n_objects
from nossl_nb.ioi import ioi, ioi_reference
from nossl_nb.model import NoSSLNet, sound_map, toy_batch
from nossl_nb.osc import method_losses, osc_loss, osc_reference

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("region", ["l2", "inner"])
@pytest.mark.parametrize("seed", range(4))
def test_ioi_matches_reference_on_many_batches(region, seed):
    F_v, l_a, _ = toy_batch(12, h=7, w=14, noise=0.4 + 0.2 * seed, seed=seed)
    S_v, F_v = sound_map(F_v, l_a).double(), F_v.double()
    r = ioi(S_v, F_v, region=region)
    for b in range(12):
        ref = ioi_reference(S_v[b], F_v[b], region=region)
        T = len(ref.cells)
        assert torch.equal(r.cells[b, :T], ref.cells) and not r.valid[b, T:].any()
        assert torch.equal(r.regions[b, :T], ref.regions)
        assert torch.allclose(r.seeds[b, :T], ref.seeds, atol=1e-9)
        lab = group_seeds(ref.seeds, ref.valid, ref.E_n)
        assert torch.equal(group_batch(r.seeds, r.valid, r.E_n)[b, :T], lab)
        assert torch.allclose(osc_reference(r.seeds[b], r.valid[b], group_batch(r.seeds, r.valid, r.E_n)[b], r.E_n[b]),
                              osc_reference(ref.seeds, ref.valid, lab, ref.E_n), atol=1e-9)


def test_ioi_always_ends_and_never_nans():
    g = torch.Generator().manual_seed(1)
    for _ in range(20):
        S_v = torch.rand(4, 5, 6, generator=g) * 2 - 0.5
        F_v = torch.randn(4, 16, 5, 6, generator=g) * (torch.rand(4, 1, 5, 6, generator=g) > 0.3)  # some zero vectors
        for region in ("l2", "inner"):
            r = ioi(S_v, F_v, region=region)
            assert r.seeds.shape[1] <= 30
            assert all(torch.isfinite(x.float()).all() for x in r)


def test_network_to_losses_end_to_end():
    "Real encoders on a duet-shaped batch: the losses are finite and every trainable parameter gets a finite gradient."
    torch.manual_seed(0)
    net = NoSSLNet().train()
    F_v, l_a = net(torch.randn(4, 3, 128, 256), torch.randn(4, 1, 257, 202))
    out = method_losses(F_v, l_a, alpha=0.2, eps=0.0)  # an untrained map sits near 0: lower α, ε so IOI runs
    out["loss"].backward()
    assert torch.isfinite(out["loss"])
    grads = [p.grad for p in net.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert n_objects(out["labels"]).shape == (4,)


def test_osc_official_reduction_sums_objects():
    F_v, l_a, _ = toy_batch(16, noise=0.7, seed=3)
    r = ioi(sound_map(F_v, l_a), F_v)
    lab = group_batch(r.seeds, r.valid, r.E_n)
    per_obj = osc_loss(r.seeds, r.valid, lab, r.E_n, reduction="official")
    assert per_obj >= osc_loss(r.seeds, r.valid, lab, r.E_n) - 1e-6


def test_avc_handles_bf16():
    S = torch.rand(4, 4, 7, 7, dtype=torch.bfloat16) * 2 - 1
    for form in ("lvs", "eq3"):
        assert torch.isfinite(avc_loss(S, form=form).float())


def test_method_speed_benchmark_runs():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "method_speed.py"), "--quick"],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    assert out.strip().splitlines()[-1].startswith("method_ms: ")
