"""How much the method's discrete part costs on a training step.

Times the whole part between the encoders and the optimiser (cosine maps, AVC loss, IOI, grouping,
OSC loss; forward + backward) batched, against a per-clip Python loop over the reference functions
(asserting both give the same loss and the same objects), and against the two ResNet-18 backbones'
forward + backward at the same batch. Ratios are measured in the same run.
Last line: `speed-up: ×<batched over per-clip loop at B, 7×14> (method_ms <ms>)`.
"""
import argparse, time

import torch

from nossl_nb.avc import avc_loss
from nossl_nb.clustering import group_seeds
from nossl_nb.ioi import ioi_reference
from nossl_nb.model import NoSSLNet, sound_map_all, toy_batch
from nossl_nb.method import method_losses
from nossl_nb.osc import osc_reference


def batched(F_v, l_a):
    out = method_losses(F_v, l_a)
    out['loss'].backward()
    return out['loss'].detach(), out['labels']


def looped(F_v, l_a):
    "The same computation with a Python loop over clips and the one-clip reference functions."
    S_all = sound_map_all(F_v, l_a)
    S_v = S_all.diagonal(dim1=0, dim2=1).permute(2, 0, 1)
    osc, labels = [], []
    for b in range(F_v.shape[0]):
        r = ioi_reference(S_v[b], F_v[b])
        lab = group_seeds(r.seeds, r.valid, r.E_n)
        osc.append(osc_reference(r.seeds, r.valid, lab, r.E_n)); labels.append(lab)
    loss = avc_loss(S_all) + torch.stack(osc).sum() / F_v.shape[0]
    loss.backward()
    return loss.detach(), labels


def timed(fn, *args, reps=5):
    "Median wall time in ms over `reps` runs (after one warm-up) and the last result."
    times = []
    for i in range(reps + 1):
        for a in args:
            if isinstance(a, torch.Tensor) and a.grad is not None: a.grad = None
        t0 = time.perf_counter(); res = fn(*args); dt = time.perf_counter() - t0
        if i: times.append(dt * 1e3)
    return sorted(times)[len(times) // 2], res


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--reps', type=int, default=5)
    p.add_argument('--backbone-reps', type=int, default=1)
    p.add_argument('--quick', action='store_true', help='a smoke run: batch 8, one rep, small frames for the backbones')
    a = p.parse_args()
    if a.quick: a.batch, a.reps = 8, 1
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {a.batch}, c = 512")
    method_ms = None
    for h, w in [(7, 7), (7, 14)]:
        F_v, l_a, n = toy_batch(a.batch, h=h, w=w, noise=0.7, seed=0)  # 1–3 objects per clip
        F_v.requires_grad_()
        t_fast, (loss_f, lab_f) = timed(batched, F_v, l_a, reps=a.reps)
        t_loop, (loss_l, lab_l) = timed(looped, F_v, l_a, reps=max(1, a.reps // 2))
        assert torch.allclose(loss_f, loss_l, atol=1e-4), (loss_f, loss_l)
        assert all(torch.equal(lab_f[b, :len(l)], l) for b, l in enumerate(lab_l)), "labels differ"
        print(f"{h}×{w}: batched {t_fast:8.1f} ms   per-clip loop {t_loop:8.1f} ms   speed-up ×{t_loop / t_fast:.1f}")
        method_ms, speedup = t_fast, t_loop / t_fast
    net = NoSSLNet().train()
    H, W = (64, 128) if a.quick else (224, 448)
    frames, specs = torch.randn(a.batch, 3, H, W), torch.randn(a.batch, 1, 257, 202)
    def backbones():
        F_v, l_a = net(frames, specs)
        (F_v.sum() + l_a.sum()).backward()
    t_bb, _ = timed(backbones, reps=a.backbone_reps)
    net.zero_grad(set_to_none=True)
    print(f"backbones ({H}×{W} frames, 257×202 spectrograms) forward + backward: {t_bb:.0f} ms")
    print(f"method share of a step (7×14): {method_ms / (method_ms + t_bb):.1%}")
    print(f"speed-up: ×{speedup:.1f} (method_ms {method_ms:.1f})")


if __name__ == '__main__':
    main()
