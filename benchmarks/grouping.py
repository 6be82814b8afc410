"""Would another grouping of IOI's seeds count better? Union-find (the paper's τ2 rule: single linkage) against average
and complete linkage (scipy), on the same seeds of a checkpoint, at its own τ1 or others.

    python benchmarks/grouping.py [--checkpoint CKPT] [--n 256] [--seed 777] [--linkages single average complete]
                                  [--tau1 T1 ...] [--tau2 T2 ...] [--set eps=0.2 ...] [--link touching]

On generated mixed scenes (1-3 sources) in both layouts: tiles and one-frame stages (default: 256 of each at seed 777,
the validation scenes of `docs/experiments.md`, not the test seed). Prints counting accuracy in %, with the share per
number of sources, for each linkage, τ1 (default: the checkpoint's own) and τ2. `--set` changes a test-time setting
of `MethodSettings` (e.g. IOI's ε) before the seeds are found. Union-find links two seeds whose cosine exceeds τ2 and
takes the connected groups, so a chain of seeds can join two instruments; average and complete linkage cut the
dendrogram of cosine distances at 1 - τ2 instead. `--link touching` lets union-find link only seeds whose Alg. 1
regions touch (`clustering.touching`, `MethodSettings.link`; single linkage only). About a minute on 2 cores.
"""
import argparse
import os
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from nossl_nb.clustering import LINKS, touching
from nossl_nb.course import SHIPPED
from nossl_nb.data import LogSpectrogram, collate
from nossl_nb.datasets import VALIDATION_SEED
from nossl_nb.method import MethodSettings, predict
from nossl_nb.model import load_network
from nossl_nb.samples import SceneDataset, StageDataset

LINKAGES = ("single", "average", "complete")  # "single" groups exactly as union-find over τ2 links does


def seeds_of(net, settings, ds):
    "Each scene's number of sources, its IOI seeds (unit length, k×c), their cosines with E_n (k), which touch (k×k)."
    spec, out = LogSpectrogram(), []
    for i in range(len(ds)):
        b = collate([ds[i]])
        with torch.no_grad(): r = predict(net, b["frame"], spec(b["audio"]), settings=settings).ioi
        s, e = F.normalize(r.seeds[0], dim=-1)[r.valid[0]], F.normalize(r.E_n[0], dim=-1)  # k×c, c
        near = touching(r.regions[0][r.valid[0]], cells=r.cells[0][r.valid[0]]).numpy()  # k×k, as the method asks
        out.append((len(b["boxes"][0]), s.double().numpy(), (s @ e).double().numpy(), near))
    return out


def setting(text):
    "KEY=VALUE → (key, value) of a `MethodSettings` field, the value a float where it reads as one."
    key, _, value = text.partition("=")
    try: return key, float(value)
    except ValueError: return key, value


def count(x, method, tau2, near=None):
    "Objects among seeds x (k×c, unit length) grouped by `method` linkage at cosine τ2 (`near`: k×k pairs that link)."
    if len(x) < 2: return len(x)
    if near is not None: return connected_components(csr_matrix((x @ x.T > tau2) & near), directed=False)[0]
    return len(set(fcluster(linkage(x, method=method, metric="cosine"), t=1 - tau2, criterion="distance")))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=str(SHIPPED), help="the checkpoint (default: the shipped one)")
    ap.add_argument("--n", type=int, default=256, help="scenes of each layout")
    ap.add_argument("--seed", type=int, default=VALIDATION_SEED, help="scene seed (default: the validation seed)")
    ap.add_argument("--tau2", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4, 0.5], help="τ2 values to try")
    ap.add_argument("--tau1", type=float, nargs="+", default=None, help="τ1 values to try (default: the checkpoint's)")
    ap.add_argument("--linkages", nargs="+", default=LINKAGES, choices=LINKAGES, help="the linkages to try")
    ap.add_argument("--set", type=setting, nargs="*", default=[], metavar="KEY=VALUE",
                    help="test-time settings that differ from the checkpoint's (MethodSettings fields, e.g. eps=0.2)")
    ap.add_argument("--link", choices=LINKS, default=None,
                    help="which seeds union-find may link (default: the checkpoint's; touching: single linkage only)")
    a = ap.parse_args()
    net, ck = load_network(a.checkpoint)
    settings, fs = MethodSettings.from_config(ck["config"]), ck["config"]["frame_size"]
    settings = replace(settings, **dict(a.set), **({"link": a.link} if a.link else {}))
    if settings.link == "touching" and set(a.linkages) != {"single"}:
        ap.error("--link touching groups with union-find: pass --linkages single")
    print(f"{os.path.relpath(a.checkpoint)}: τ1 = {settings.tau1} (its own), {dict(a.set) or 'its own settings'}, "
          f"link {settings.link}, {a.n} mixed scenes of each layout at seed {a.seed}")
    for layout, ds in [("tiles", SceneDataset(a.n, "mixed", frame_size=fs, seed=a.seed)),
                       ("stage", StageDataset(a.n, "mixed", frame_size=fs, seed=a.seed))]:
        scenes = seeds_of(net, settings, ds)
        for method in a.linkages:
            for tau1 in a.tau1 or [settings.tau1]:
                for tau2 in a.tau2:
                    right = {k: [] for k in (1, 2, 3)}
                    for n_true, x, c, near in scenes:
                        k = c <= tau1
                        right[n_true].append(count(x[k], method, tau2, near[k][:, k] if settings.link == "touching"
                                                   else None) == n_true)
                    total = np.mean([r for v in right.values() for r in v])
                    print(f"{layout} {method:8s} τ1 {tau1} τ2 {tau2}: counting {100 * total:.1f} "
                          f"({' / '.join(f'{100 * np.mean(v):.0f}' for v in right.values())})", flush=True)
