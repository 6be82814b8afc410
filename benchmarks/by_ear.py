"""How many scenes a checkpoint counts right with each `by_ear` (`07b_count`): the share of P(N ≥ j) that an object
needs from the counter to stay, or None (no counter: the paper's rule).

    python benchmarks/by_ear.py [--checkpoint CKPT] [--n 150] [--seed 777] [--assets /tmp/valassets]
                                [--by-ear 0.1 0.2 0.3 0.4 0.5]

On generated mixed scenes (1-3 sources) of both layouts, tiles and one-frame stages, at the validation seed by
default (never the test seed): with training's assets, and with `--assets` (a folder made by
`python data_samples/make_samples.py --validation FOLDER`) with those as well. The network and Alg. 1 run once a
scene; each share regroups the same seeds. Prints counting accuracy in %, with 1 / 2 / 3 sources in brackets.
About 15 s a row of 150 scenes on 2 cores.
"""
import argparse

import numpy as np

from nossl_nb.course import SHIPPED
from nossl_nb.data import LogSpectrogram, collate
from nossl_nb.datasets import VALIDATION_SEED
from nossl_nb.method import MethodSettings, group_objects, predict
from nossl_nb.model import load_network
from nossl_nb.samples import SceneDataset, StageDataset, load_assets

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=str(SHIPPED), help="a checkpoint with a counter (default: the shipped one)")
    ap.add_argument("--n", type=int, default=150, help="scenes of each layout")
    ap.add_argument("--seed", type=int, default=VALIDATION_SEED, help="scene seed (default: the validation seed)")
    ap.add_argument("--assets", default=None, help="a folder of other assets to score on as well")
    ap.add_argument("--by-ear", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.4, 0.5], help="the shares to try")
    a = ap.parse_args()
    net, ck = load_network(a.checkpoint)
    if net.counter is None: ap.error(f"{a.checkpoint} has no counter: train one with --count-width above 0")
    settings, fs, spec = MethodSettings.from_config(ck["config"]), ck["config"]["frame_size"], LogSpectrogram()
    shares = [None, *a.by_ear]
    print(f"{a.checkpoint}: its own by_ear = {settings.by_ear}; {a.n} mixed scenes of each layout at seed {a.seed}")
    for name, assets in [("training's assets", None)] + ([(a.assets, load_assets(a.assets))] if a.assets else []):
        for layout, make in [("tiles", SceneDataset), ("one frame", StageDataset)]:
            ds, rows = make(a.n, "mixed", frame_size=fs, seed=a.seed, assets=assets), []
            for i in range(len(ds)):
                b = collate([ds[i]])
                p = predict(net, b["frame"], spec(b["audio"]), settings=settings)
                rows.append([len(b["boxes"][0])] + [int(group_objects(p.S_v, p.ioi, heard=p.heard, settings=settings,
                                                                      by_ear=s).K[0]) for s in shares])
            r = np.array(rows)
            cells = [f"{s}: {100 * np.mean(r[:, j + 1] == r[:, 0]):.1f} ("
                     + " / ".join(f"{100 * np.mean(r[r[:, 0] == k, j + 1] == k):.0f}" for k in (1, 2, 3)) + ")"
                     for j, s in enumerate(shares)]
            print(f"{name}, {layout}: " + " | ".join(cells), flush=True)
