"""Why a checkpoint miscounts: each wrongly counted generated scene sorted by which step of the method went wrong.

    python benchmarks/count_errors.py [--checkpoint CKPT] [--n 150] [--seed 777]

On generated duets and trios (default: 150 of each at seed 777, the validation scenes of `docs/experiments.md`,
not the test seed), at the checkpoint's own method settings. Each source sits on a tile of its own, so the tile of
every IOI seed says which source it found. A scene counted too low is put under every cause that holds:
- a tile without any seed: Alg. 1 stopped (ε, or nothing left to claim) before it reached that source;
- a tile whose seeds were all dropped by τ1 (too like the background E_n);
- two tiles in one object: τ2 linked seeds of two sources;
and a scene counted too high under "a tile split into 2+ objects" (τ2 did not link one source's seeds).
About a minute on 2 cores.
"""
import argparse
from collections import Counter

from nossl_nb.data import LogSpectrogram
from nossl_nb.datasets import VALIDATION_SEED
from nossl_nb.scoring import same_size_batches
from nossl_nb.geometry import cell_tile
from nossl_nb.method import MethodSettings, predict
from nossl_nb.model import load_network
from nossl_nb.course import SHIPPED
from nossl_nb.samples import SceneDataset


def causes(p, j, k):
    "The causes that hold for scene j of a `Prediction` `p` of side-by-side scenes with k tiles (empty: none)."
    v, lab, tile = p.ioi.valid[j], p.labels[j], cell_tile(p.ioi.cells[j], p.S_v.shape[-1], k)  # T, T, T
    seeded, kept = set(tile[v].tolist()), set(tile[v & (lab >= 0)].tolist())
    objects = set(lab[v & (lab >= 0)].tolist())
    split = any(len(set(lab[v & (lab >= 0) & (tile == q)].tolist())) > 1 for q in range(k))
    return [c for c, holds in (("a tile without any seed", len(seeded) < k),
                               ("a tile's seeds all dropped by τ1", len(kept) < len(seeded)),
                               ("two tiles in one object (τ2)", len(objects) < len(kept)),
                               ("a tile split into 2+ objects (τ2)", split)) if holds]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=str(SHIPPED), help="a checkpoint of nossl_nb.train (default: the shipped)")
    ap.add_argument("--n", type=int, default=150, help="scenes of each size (default: 150)")
    ap.add_argument("--seed", type=int, default=VALIDATION_SEED,
                    help=f"seed of the scenes (default: {VALIDATION_SEED}, validation)")
    a = ap.parse_args()
    net, ck = load_network(a.checkpoint)
    cfg, frontend = ck["config"], LogSpectrogram()
    settings = MethodSettings.from_config(cfg)
    print(f"{a.checkpoint}: {settings}")
    for sources, k in (("duet", 2), ("trio", 3)):
        ds, tally = SceneDataset(a.n, sources, frame_size=cfg["frame_size"], seed=a.seed), Counter()
        for b in same_size_batches(ds, 30, 0):
            p = predict(net, b["frame"], frontend(b["audio"]), settings=settings)
            for j, K in enumerate(p.K.tolist()):
                if K == k: tally["counted right"] += 1; continue
                for c in causes(p, j, k) or ["none of these"]: tally[("too few: " if K < k else "too many: ") + c] += 1
        print(f"{sources}s ({a.n}):")
        for c, m in tally.most_common(): print(f"  {100 * m / a.n:5.1f} %  {c}")


if __name__ == "__main__":
    main()
