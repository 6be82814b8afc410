"""How much the method's discrete part costs on a training step.

Times the whole part between the encoders and the optimiser (cosine maps, AVC loss, IOI, grouping,
OSC loss; forward + backward) three ways, or four, on identical inputs, interleaved in one run (best of a few runs
each):
- batched: `osc.method_losses` (the library);
- per-clip loop: a Python loop over clips calling the one-clip reference functions (`ioi_reference`,
  `group_seeds`, `osc_reference`); it must give the same loss and the same objects;
- a re-implementation of the official code's operations for the same step (VisualAIKHU/NoPrior_MultiSSL,
  `model_base.py`: `lvs_loss` with `train=True`, `lvs`, `object_loss`), written here: the same tensor operations in
  the same order, the unused ones included; every clip goes through every IOI iteration with a per-clip Python
  check, the object bank grows by one `torch.cat` an iteration, the clustering is a per-clip loop over seed pairs
  with union-find, the object loss a loop over clips and objects;
- with `--official-repo DIR` (a checkout of that repository; its `model_base.py` imports cv2, numpy and
  torchvision): the official code itself, its `lvs_loss` imported and run unchanged; the run checks it gives the
  re-implementation's loss and prints how their times compare.

What is checked against the official code, and where the definitions differ:
- equal: the AVC loss (LVS's form with the trimap), the object bank (seed vectors, in order; a clip that has
  ended contributes zero vectors in both), and the objects (which seeds form each object, clip by clip);
- objects may differ where the official code lets a seed dropped as background (cosine with E_n > τ1) link
  two kept seeds into one object (ours, like §3.4, drops it first). Such clips are counted and left out of the
  comparison; the toy batches below have none;
- the OSC loss differs by definition, so only its time is compared: the official anchor is the union-find root,
  which is an object's *last* seed (ours: its first, the strongest cell); its negative averages over all N bank
  slots outside the object, the zero vectors of clips that ended early included (ours: the clip's valid seeds);
  so an object is scored whenever such slots exist; and it sums over objects (ours: Eq. 4's mean per clip).
And against the two ResNet-18 backbones' forward + backward at the same batch.
Also timed: what the batched step and the loop share (the cosine maps of every image with every audio and the AVC
loss), the bound that leaves on the ratio over the loop, and the ratio of the discrete parts alone.
Last line, at B, 7×14: `speed-up: ×<over the re-implementation> over a re-implementation of the official code's
operations, ×<over the loop> over the per-clip loop (method_ms <batched ms>)`; with `--official-repo`,
`speed-up: ×<over the official code> over the official code itself, ×<…> over its re-implementation, ×<…> over the
per-clip loop (method_ms <…>)`.
"""
import argparse, importlib.util, time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from nossl_nb.avc import TEMPERATURE, avc_loss
from nossl_nb.cli import keep_freed_memory
from nossl_nb.clustering import TAU1, TAU2, group_seeds
from nossl_nb.ioi import EPS, ioi_reference
from nossl_nb.method import method_losses
from nossl_nb.model import ALPHA, MARGIN, NoSSLNet, OMEGA, sound_map_all
from nossl_nb.course import toy_batch
from nossl_nb.osc import osc_reference


def batched(F_v, l_a):
    out = method_losses(F_v, l_a)
    out['loss'].backward()
    return dict(loss=out['loss'].detach(), avc=out['avc'].detach(), labels=out['labels'],
                seeds=out['ioi'].seeds.detach(), valid=out['ioi'].valid, E_n=out['ioi'].E_n.detach())


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


def shared(F_v, l_a):
    "What the batched step and the loop compute alike: every image's cosine maps with every audio, and the AVC loss."
    loss = avc_loss(sound_map_all(F_v, l_a))
    loss.backward()
    return loss.detach()


def _find(parent, x):
    "Union-find root with path compression, recursive, as the official `find`."
    if parent[x] != x: parent[x] = _find(parent, parent[x])
    return parent[x]


def _union(parent, x, y):
    "Join y's set to x's, as the official `union`: the root of x's set becomes the root of both."
    rx, ry = _find(parent, x), _find(parent, y)
    if rx != ry: parent[ry] = rx


_sigmoid, _dist = nn.Sigmoid(), nn.PairwiseDistance(p=2)  # the official model's `self.m` and `self.dist`


def official(F_v, l_a, *, alpha=ALPHA, omega=OMEGA, margin=MARGIN, temperature=TEMPERATURE, eps=EPS, tau1=TAU1,
             tau2=TAU2):
    """A re-implementation of the official code's operations for the same step (`model_base.py`: `lvs_loss` with
    `train=True`, which calls `lvs` and `object_loss`), written here, not copied: the same tensor operations in the
    same order, those whose results the step does not use included (the unused threshold `thr`, the localisation maps
    kept each IOI iteration, the trimap's negative computed twice), the object bank grown by one `torch.cat` per
    iteration, the IOI loop with a per-clip Python check each iteration, the clustering with a per-clip, per-pair loop
    of cosine similarities and union-find, the object loss a loop over clips and objects. The features are normalised
    first, as the official `forward` does before it calls `lvs_loss`."""
    img, aud = F.normalize(F_v, dim=1), F.normalize(l_a, dim=1)
    B, c, h, w = img.shape
    mask = 1 - 100 * torch.eye(B, B)
    S_v = torch.einsum('ncqa,nchw->nqa', [img, aud.unsqueeze(2).unsqueeze(3)]).unsqueeze(1)  # B×1×h×w (`PosLogits`)
    S_all = torch.einsum('ncqa,ckhw->nkqa', [img, aud.T.unsqueeze(2).unsqueeze(3)])  # B×B×h×w (`Alllogits`)
    Neg = 1 - _sigmoid((S_v - (alpha - margin)) / omega)
    (S_v * Neg).max() + 0.1  # `thr`, which the code computes and does not use
    F_hat = img.view(B, c, -1) * S_v.view(B, 1, -1)  # B×c×hw (`logit`)
    left = S_v.clone().view(B, -1)  # B×hw (`positive`)
    E_n = (F_hat * Neg.view(B, 1, -1)).mean(dim=2)  # B×c (`neg_val`)
    ended, claimed = torch.zeros(B, dtype=torch.bool), torch.zeros_like(left, dtype=torch.bool)
    bank, groups, maps = torch.Tensor([]), [{} for _ in range(B)], []  # N×B×c (`object_arr`), `object_dict`
    while True:  # Alg. 1, every clip each iteration; a clip that has ended adds zero vectors
        idx = left.argmax(dim=1).detach()
        E_p = F_hat[torch.arange(B), :, idx].view(B, c, 1)
        bank = torch.cat((bank, (E_p.squeeze(2) * ~ended.unsqueeze(1)).unsqueeze(0)), dim=0)
        d_p = _dist(F_hat.permute(0, 2, 1), E_p.permute(0, 2, 1))  # B×hw, with grad as in the code
        maps.append(-1 * d_p.detach())  # the localisation maps, used only at inference there
        d_n = _dist(F_hat.permute(0, 2, 1), E_n.unsqueeze(1))
        new = d_p < d_n
        new = new * ~claimed
        claimed = claimed + new
        left = left * (1 - new.float())
        for b in range(B):
            if new[b].sum() == 0 or left[b].max() < eps: ended[b] = True
        if ended.sum() == B: break
    N = bank.shape[0]
    for b in range(B):  # §3.4, one clip at a time
        parent, seeds = list(range(N)), bank[:, b]
        neg_sim = F.cosine_similarity(E_n[b].unsqueeze(0), seeds)
        for j in range(N):
            if neg_sim[j] > tau1:
                groups[b].setdefault(-1, []).append(j)
                continue
            for k in range(j):
                if F.cosine_similarity(seeds[j].unsqueeze(0), seeds[k].unsqueeze(0)) > tau2: _union(parent, j, k)
        for j in range(N):
            if neg_sim[j] > tau1: continue
            groups[b].setdefault(_find(parent, j), []).append(j)
    Pos = _sigmoid((S_v - alpha) / omega)
    # `lvs`: LVS's loss with the trimap's hard negative, which it computes again
    Neg = 1 - _sigmoid((S_v - (alpha - margin)) / omega)
    PosAll = _sigmoid((S_all - alpha) / omega)
    sim1 = (Pos * S_v).view(*S_v.shape[:2], -1).sum(-1) / Pos.view(*Pos.shape[:2], -1).sum(-1)
    sim = (PosAll * S_all).view(*S_all.shape[:2], -1).sum(-1) / PosAll.view(*PosAll.shape[:2], -1).sum(-1) * mask
    sim2 = (Neg * S_v).view(*S_v.shape[:2], -1).sum(-1) / Neg.view(*Neg.shape[:2], -1).sum(-1)
    L_avc = F.cross_entropy(torch.cat((sim1, sim, sim2), 1) / temperature, torch.zeros(B, dtype=torch.long))
    L_osc, objs = 0., bank.transpose(0, 1)  # `object_loss`: B×N×c
    for b in range(len(groups)):
        for root in groups[b]:
            if root == -1: continue
            anchor = objs[b, root]
            if anchor.sum() == 0: continue  # a slot after the clip ended
            members = groups[b][root]
            positive = objs[b, members].mean(dim=0)
            negative = objs[b, list(set(range(objs.shape[1])) - set(members))].mean(dim=0) + E_n[b]
            if negative.sum() == 0 or torch.isnan(negative).sum() > 0: continue
            anchor, positive, negative = F.normalize(anchor, dim=0), F.normalize(positive, dim=0), \
                F.normalize(negative, dim=0)
            pos_total, neg_total = torch.matmul(anchor, positive.t()), torch.matmul(anchor, negative.t())
            L_osc += (1. - pos_total) + neg_total
    L_osc = L_osc / len(groups)
    loss = L_avc + L_osc
    loss.backward()
    return dict(loss=loss.detach(), avc=L_avc.detach(), bank=bank.detach().transpose(0, 1), groups=groups)


def official_code(repo):
    """The official code's own step, from a checkout of VisualAIKHU/NoPrior_MultiSSL: its `model_base.py` imported as
    it is, and its `lvs_loss(img, aud, train=True)` (which calls `lvs` and `object_loss`) on the features normalised
    as its `forward` normalises them, then the backward pass. The model is made without its `__init__` (which builds
    three ResNet-18s and may download weights); only what `lvs_loss` reads is set: the training defaults of its
    `train.py` (trimap on, epsilon 0.65, epsilon_margin 0.25, tau 0.03, logit_temperature 0.07), ours too."""
    path = Path(repo) / 'model_base.py'
    if not path.is_file():
        raise SystemExit(f"--official-repo: no {path} (give a checkout of VisualAIKHU/NoPrior_MultiSSL)")
    spec = importlib.util.spec_from_file_location('model_base', path)
    mod = importlib.util.module_from_spec(spec)
    try: spec.loader.exec_module(mod)
    except ImportError as e:
        if e.name is None: raise SystemExit(f"--official-repo: importing {path} fails: {e}") from None
        pip = {'cv2': 'opencv-python-headless', 'PIL': 'pillow'}.get(e.name, e.name)
        raise SystemExit(f"--official-repo: {path} imports {e.name}, which is not installed here "
                         f"(pip install {pip})") from None
    model = mod.NoPriorVSSLModel.__new__(mod.NoPriorVSSLModel)
    nn.Module.__init__(model)
    model.trimap, model.tau, model.logit_temperature = 1, OMEGA, TEMPERATURE
    model.epsilon, model.epsilon2 = ALPHA, ALPHA - MARGIN
    model.m, model.dist = nn.Sigmoid(), nn.PairwiseDistance(p=2)

    def step(F_v, l_a):
        loss, _ = model.lvs_loss(F.normalize(F_v, dim=1), F.normalize(l_a, dim=1), train=True)
        loss.backward()
        return loss.detach()
    return step


def same_objects(ours, off, tau1=TAU1, tau2=TAU2):
    "Compare the objects clip by clip: (clips compared, clips left out because a dropped seed bridges two objects)."
    compared = bridged = 0
    for b, lab in enumerate(ours['labels']):
        T = int(ours['valid'][b].sum())
        s = F.normalize(ours['seeds'][b, :T], dim=-1)
        dropped = ~(s @ F.normalize(ours['E_n'][b], dim=-1) <= tau1)
        links = s @ s.T > tau2
        # the official code links a seed only to earlier ones
        later = torch.arange(T)[None, :] > torch.arange(T)[:, None]
        kept = lab[:T] >= 0
        joined = (len(set(lab[:T][links[d] & later[d] & kept].tolist())) for d in torch.nonzero(dropped).flatten())
        if any(n > 1 for n in joined):
            bridged += 1; continue
        mine = {frozenset(torch.nonzero(lab == k).flatten().tolist()) for k in range(int(lab.max()) + 1)}
        # roots ≥ T: ended slots
        theirs = {frozenset(m) for root, m in off['groups'][b].items() if root != -1 and root < T}
        assert mine == theirs, (b, mine, theirs)
        compared += 1
    return compared, bridged


def timed(fns, args, reps, warm_up):
    """Best wall time in ms of each function over `reps[name]` runs, the functions run in turn (interleaved), and the
    last results. The best, as `timeit` reports: a machine shared with other work only ever adds time."""
    times, res = {k: [] for k in fns}, {}
    for i in range(-1, max(reps.values())):
        for k, fn in fns.items():
            if i >= reps[k] or (i < 0 and k not in warm_up): continue
            for a in args:
                if a.grad is not None: a.grad = None
            t0 = time.perf_counter(); res[k] = fn(*args); dt = time.perf_counter() - t0
            if i >= 0: times[k].append(dt * 1e3)
    return {k: min(v) for k, v in times.items()}, res


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--reps', type=int, default=5, help='runs of the batched step')
    p.add_argument('--slow-reps', type=int, default=3,
                   help="runs of the per-clip loop, of the re-implementation of the official code's operations and of "
                        "the official code itself (no warm-up for the latter two: one run takes seconds)")
    p.add_argument('--backbone-reps', type=int, default=1)
    p.add_argument('--threads', type=int, default=None, help="torch's intra-op threads (default: torch's choice)")
    p.add_argument('--quick', action='store_true', help='a smoke run: batch 8, one rep, small frames for the backbones')
    p.add_argument('--glibc-defaults', action='store_true',
                   help="leave glibc's malloc as it is (default: keep freed memory, as the commands do)")
    p.add_argument('--official-repo', metavar='DIR', default=None,
                   help="a checkout of VisualAIKHU/NoPrior_MultiSSL: also time its own `model_base.py` `lvs_loss`, "
                        "unchanged, on the same features in the same run, beside its re-implementation here")
    a = p.parse_args()
    if a.quick: a.batch, a.reps, a.slow_reps = 8, 1, 1
    if a.threads: torch.set_num_threads(a.threads)
    fns = dict(batched=batched, loop=looped, official=official, shared=shared)
    reps = dict(batched=a.reps, loop=a.slow_reps, official=a.slow_reps, shared=a.reps)
    if a.official_repo:
        fns['code'], reps['code'] = official_code(a.official_repo), a.slow_reps
    kept = not a.glibc_defaults and keep_freed_memory()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {a.batch}, c = 512, "
          f"freed memory kept: {kept}")
    reimpl = "a re-implementation of the official code's operations"
    for h, w in [(7, 7), (7, 14)]:
        F_v, l_a, n = toy_batch(a.batch, h=h, w=w, noise=0.7, seed=0)  # 1–3 objects per clip
        F_v.requires_grad_()
        t, res = timed(fns, (F_v, l_a), reps, warm_up={'batched', 'loop', 'shared'})
        fast, (loss_l, lab_l), off = res['batched'], res['loop'], res['official']
        assert torch.allclose(fast['loss'], loss_l, atol=1e-4), (fast['loss'], loss_l)
        assert all(torch.equal(fast['labels'][b, :len(l)], l) for b, l in enumerate(lab_l)), "labels differ"
        assert torch.allclose(fast['avc'], off['avc'], atol=1e-5), (fast['avc'], off['avc'])
        same_bank = off['bank'].shape == fast['seeds'].shape and torch.allclose(off['bank'], fast['seeds'], atol=1e-5)
        assert same_bank, "object banks differ"
        compared, bridged = same_objects(fast, off)
        print(f"{h}×{w}: batched {t['batched']:.1f} ms   "
              f"per-clip loop {t['loop']:.1f} ms (×{t['loop'] / t['batched']:.1f})")
        print(f"      {reimpl} {t['official']:.1f} ms (×{t['official'] / t['batched']:.1f}; "
              f"same objects as the official code in {compared} clips, {bridged} left out)")
        if 'code' in fns:
            assert torch.allclose(res['code'], off['loss'], atol=1e-5), (res['code'], off['loss'])
            print(f"      the official code itself (model_base.py's lvs_loss, unchanged) {t['code']:.1f} ms "
                  f"(×{t['code'] / t['batched']:.1f}; same loss): the re-implementation takes "
                  f"×{t['official'] / t['code']:.2f} its time")
        # Amdahl: however fast the discrete part, the loop can be no more than loop / shared times slower
        discrete = t['batched'] - t['shared']  # under load the shared part can time as long as the whole step
        alone = f"×{(t['loop'] - t['shared']) / discrete:.1f}" if discrete > 0.05 * t['batched'] else "– (too small)"
        print(f"      of which the cosine maps and AVC loss {t['shared']:.1f} ms: the discrete part alone "
              f"{alone} the loop's; a discrete part that cost nothing would be ×{t['loop'] / t['shared']:.1f} the loop")
        method_ms, over_loop, over_reimpl = t['batched'], t['loop'] / t['batched'], t['official'] / t['batched']
        over_code = t['code'] / t['batched'] if 'code' in fns else None
    net = NoSSLNet().train()
    H, W = (64, 128) if a.quick else (224, 448)
    frames, specs = torch.randn(a.batch, 3, H, W), torch.randn(a.batch, 1, 257, 202)
    def backbones():
        F_v, l_a = net(frames, specs)
        (F_v.sum() + l_a.sum()).backward()
    t_bb = timed(dict(bb=backbones), (), dict(bb=a.backbone_reps), warm_up={'bb'})[0]['bb']
    net.zero_grad(set_to_none=True)
    print(f"backbones ({H}×{W} frames, 257×202 spectrograms) forward + backward: {t_bb:.0f} ms")
    print(f"method share of a step (7×14): {method_ms / (method_ms + t_bb):.1%}")
    if over_code is None:
        print(f"speed-up: ×{over_reimpl:.1f} over {reimpl}, ×{over_loop:.1f} over the per-clip loop "
              f"(method_ms {method_ms:.1f})")
    else:
        print(f"speed-up: ×{over_code:.1f} over the official code itself, "
              f"×{over_reimpl:.1f} over its re-implementation, ×{over_loop:.1f} over the per-clip loop "
              f"(method_ms {method_ms:.1f})")


if __name__ == '__main__':
    main()
