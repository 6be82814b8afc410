"""Slower end-to-end checks of the method modules (the quick ones live under each notebook example)."""
import subprocess, sys
from pathlib import Path

import pytest
import torch

from nossl_nb.avc import avc_loss
from nossl_nb.clustering import group_batch, group_seeds, n_objects
from nossl_nb.ioi import ioi, ioi_reference
from nossl_nb.model import NoSSLNet, sound_map
from nossl_nb.course import toy_batch
from nossl_nb.method import method_losses
from nossl_nb.osc import osc_loss, osc_reference

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


def _unclaimed_peak(S_v, r):
    "B: the largest S_v on cells no seed claimed, after the run."
    return (S_v * ~r.regions.any(1)).flatten(1).amax(1)


def test_ioi_stops_for_a_reason_and_never_nans():
    "Every clip ends because no unclaimed cell is above ε, or its last region was empty (Alg. 1's loop condition)."
    g = torch.Generator().manual_seed(1)
    for _ in range(20):
        S_v = torch.rand(4, 5, 6, generator=g) * 2 - 0.5
        F_v = torch.randn(4, 16, 5, 6, generator=g) * (torch.rand(4, 1, 5, 6, generator=g) > 0.3)  # some zero vectors
        for region in ("l2", "inner"):
            r = ioi(S_v, F_v, region=region)
            assert all(torch.isfinite(x.float()).all() for x in r)
            T = r.valid.sum(1)  # B
            last_empty = torch.stack([~r.regions[b, T[b] - 1].any() if T[b] else torch.tensor(True) for b in range(4)])
            assert ((_unclaimed_peak(S_v, r) <= 0.1) | last_empty).all()


def _one_object_scene(noise_seed=0):
    "A 4×4 grid: one object (the top-left 2×2 cells, S_v 0.9) on a background at S_v 0.3 or 0.05."
    g = torch.Generator().manual_seed(noise_seed)
    e1 = torch.eye(8)[1][None, :, None, None]
    F_v = torch.nn.functional.normalize(torch.randn(1, 8, 4, 4, generator=g) * 0.05 + e1, dim=1)
    F_v[0, :, :2, :2] = torch.eye(8)[0][:, None, None]
    S_v = torch.full((1, 4, 4), 0.3); S_v[0, :2, :2] = 0.9
    return S_v, F_v


def test_ioi_stops_on_epsilon():
    S_v, F_v = _one_object_scene()
    for eps in (0.1, 0.5):
        for r in (ioi(S_v, F_v, eps=eps), ioi_reference(S_v[0], F_v[0], eps=eps)):
            if eps == 0.5:  # the object's seed claims it; the background (0.3) is under ε: the loop stops there
                assert len(r.cells.flatten()[r.cells.flatten() >= 0]) == 1
                assert r.regions.flatten(-2)[..., [0, 1, 4, 5]].all()
            else:  # the background is above ε: more seeds
                assert len(r.cells.flatten()[r.cells.flatten() >= 0]) > 1
    r = ioi(S_v, F_v, eps=0.5)
    assert _unclaimed_peak(S_v, r).item() <= 0.5 < S_v.max()


def test_ioi_stops_on_an_empty_region():
    """With the inner product, a seed weaker than the background vector claims nothing:
    the loop ends though max S_v > ε."""
    u = torch.eye(4)[0][:, None, None]
    F_v = (-u).expand(4, 3, 3).clone()[None]  # background cells point to −u and have S_v = −0.9: F̂ = 0.9·u
    F_v[0, :, 1, 1] = u[:, 0, 0]
    S_v = torch.full((1, 3, 3), -0.9); S_v[0, 1, 1] = 0.5
    for r in (ioi(S_v, F_v, region="inner"), ioi_reference(S_v[0], F_v[0], region="inner")):
        assert r.cells.flatten().tolist()[:1] == [4] and len(r.cells.flatten()) == 1
        assert not r.regions.any()
    # above ε = 0.1: the empty region stopped it
    assert _unclaimed_peak(S_v, ioi(S_v, F_v, region="inner")).item() == 0.5


def test_ioi_cap():
    F_v, l_a, _ = toy_batch(8, h=7, w=14, noise=0.9, seed=2)
    S_v = sound_map(F_v, l_a)
    free, capped = ioi(S_v, F_v, eps=0.0), ioi(S_v, F_v, eps=0.0, t_max=2)
    assert capped.valid.sum(1).max() <= 2 and free.valid.sum(1).max() > 2
    assert torch.equal(capped.cells, free.cells[:, :2])  # the cap cuts the same run short


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


def test_osc_reductions_against_their_formulas():
    "A hand-built bank: clip 0 has two objects, clip 1 one object and a dropped seed (its negative)."
    import torch.nn.functional as F
    g = torch.Generator().manual_seed(0)
    seeds = torch.randn(2, 3, 6, generator=g)  # B×T×c
    valid = torch.tensor([[True, True, True], [True, True, False]])
    labels = torch.tensor([[0, 1, 0], [0, -1, -1]])
    E_n = torch.randn(2, 6, generator=g)
    cos = lambda a, b: F.cosine_similarity(a, b, dim=0)
    def L(b, members, others):
        A, P, N = seeds[b, members[0]], seeds[b, members].mean(0), seeds[b, others].mean(0) + E_n[b]
        return (1 - cos(A, P)) + cos(A, N)
    L00, L01, L10 = L(0, [0, 2], [1]), L(0, [1], [0, 2]), L(1, [0], [1])
    assert torch.allclose(osc_loss(seeds, valid, labels, E_n, reduction="paper"), ((L00 + L01) / 2 + L10) / 2,
                          atol=1e-6)
    assert torch.allclose(osc_loss(seeds, valid, labels, E_n, reduction="official"), (L00 + L01 + L10) / 2, atol=1e-6)
    with pytest.raises(ValueError, match="reduction"): osc_loss(seeds, valid, labels, E_n, reduction="sum")


def test_avc_in_bf16_is_close_to_float32():
    g = torch.Generator().manual_seed(0)
    S = torch.rand(4, 4, 7, 7, generator=g) * 2 - 1
    for form in ("lvs", "eq3"):
        a, b = avc_loss(S, form=form), avc_loss(S.bfloat16(), form=form).float()
        assert torch.isfinite(b) and torch.allclose(a, b, rtol=0.05, atol=0.05), (form, a, b)


def test_avc_eq3_by_hand():
    "Eq. 3 with temperature 1 on a 2-clip batch of 1×2 maps whose mask is all or nothing (S = 0.9 or 0.1)."
    import math
    S = torch.tensor([[[[0.9, 0.1]], [[0.1, 0.1]]],
                      [[[0.9, 0.9]], [[0.1, 0.9]]]])  # S_all[n, m]: image n, audio m (B×B×1×2)
    pos = [0.9, 0.9]  # masked mean of each clip's own map S_v over its cells above α
    neg = [0.1 + (0.1 + 0.1) / 2,  # mean of S_v outside the mask + mean of the other clip's audio on this image
           0.1 + (0.9 + 0.9) / 2]
    want = sum(-math.log(math.exp(p) / (math.exp(p) + math.exp(n))) for p, n in zip(pos, neg)) / 2
    assert abs(avc_loss(S, temperature=1.0, form="eq3").item() - want) < 1e-4


def test_method_speed_benchmark_runs():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "method_speed.py"), "--quick"],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    last = out.strip().splitlines()[-1]
    # a ratio (never asserted on: timing)
    assert last.startswith("speed-up: ×") and float(last.split("×")[1].split()[0]) > 0, last
