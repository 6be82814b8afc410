"""How the shipped model does on pictures and sounds that training never saw (`data_samples/heldout/`).

    python benchmarks/generalization.py [--n 128] [--tau1 0.4 0.5] [--layout tiles stage] [--rows ROW …]

Scores the shipped checkpoint, at its own τ and method settings, on the standard generated test scenes
(seed `datasets.TEST_SEED`) and on the same scenes built from other assets: held-out sounds and pictures,
each alone (to attribute the gap), and everything held out including the backgrounds. Only the assets
differ between rows: same seed, generator, classes, frame size. Each layout is scored: side-by-side tiles
(`samples-mixed`, `samples-single`) and one frame (`samples-stage-mixed`, `samples-stage-single`). About 5 minutes
a layout on 2 cores at n = 128.
`--tau1` adds, for the first two rows, counting accuracy at other τ1 (τ2 kept): a diagnosis, not a result.
"""
import argparse, time
from pathlib import Path

import numpy as np
import torch

from nossl_nb.datasets import DATASETS, TEST_SEED, load_test_set
from nossl_nb.scoring import evaluate
from nossl_nb.method import MethodSettings
from nossl_nb.model import load_network
from nossl_nb.course import SHIPPED
from nossl_nb.samples import SAMPLES_DIR, Assets, SceneDataset, StageDataset, load_assets

HELDOUT_DIR = Path(__file__).resolve().parents[1] / "data_samples" / "heldout"


def combine(sounds, pictures, backgrounds):
    "Assets whose sounds, pictures and backgrounds come from three (maybe different) asset sets."
    assert sounds.classes == pictures.classes, (sounds.classes, pictures.classes)
    return Assets(sounds.classes, sounds.sounds, pictures.pictures, backgrounds.backgrounds)


def conditions():
    "Row name → assets; the first is the standard test set."
    train, held = load_assets(SAMPLES_DIR), load_assets(HELDOUT_DIR)
    return {"train (standard test)": None,
            "held-out sounds + pictures": combine(held, held, train),
            "held-out sounds only": combine(held, train, train),
            "held-out pictures only": combine(train, held, train),
            "held-out all, backgrounds too": held}


def per_count(confusion):
    "Counting accuracy for each true number of sources: diagonal over row sums (rows with no scene left out)."
    c = np.asarray(confusion)
    return {s: 100 * c[s, s] / c[s].sum() for s in range(1, len(c)) if c[s].sum()}


def score(net, cfg, name, assets, n, tau1s=()):
    "The metrics at the checkpoint's τ, counts by number of sources, and counting at each other τ1 of `tau1s`."
    make = StageDataset if name.startswith("samples-stage") else SceneDataset
    ds = (load_test_set(name, n=n, frame_size=cfg["frame_size"]) if assets is None else
          make(n, DATASETS[name][2], frame_size=cfg["frame_size"], seed=TEST_SEED, assets=assets))
    s = MethodSettings.from_config(cfg)
    r = evaluate(net, ds, taus=[(s.tau1, s.tau2)] + [(t, s.tau2) for t in tau1s], progress=False, settings=s)
    other = {c["tau1"]: c["metrics"]["count_acc"] for c in r["grid"][1:]}
    return r["metrics"], per_count(r["grid"][0]["confusion"]), other


def diagnose(net, cfg, n, tau1s):
    "Counting at other τ1 (a seed is dropped when its cosine with E_n exceeds τ1): is the lost count a threshold?"
    print(f"counting accuracy at other tau1 (tau2 {MethodSettings.from_config(cfg).tau2}): mixed / single")
    for row, assets in list(conditions().items())[:2]:
        (_, _, mixed), (_, _, single) = (score(net, cfg, name, assets, n, tau1s)
                                         for name in ("samples-mixed", "samples-single"))
        cells = "  ".join(f"tau1 {t:g}: {mixed[t]:5.1f} / {single[t]:5.1f}" for t in tau1s)
        print(f"{row:32s} | {cells}", flush=True)


def main(n=128, tau1=(), layout=("tiles", "stage"), rows=None):
    torch.manual_seed(0)
    net, ckpt = load_network(SHIPPED)
    cfg = ckpt["config"]
    print(f"shipped model, frame {cfg['frame_size']}, {MethodSettings.from_config(cfg)}; "
          f"{n} scenes a cell, seed {TEST_SEED}")
    print(f"{'assets':32s} | {'mixed: count':>12s} {'1 src':>6s} {'2 src':>6s} {'3 src':>6s} {'CIoU@.3':>7s} "
          f"{'PIAP':>6s} {'point':>6s} | {'single: point':>13s} {'count':>6s} {'AP':>6s} {'IoU@.5':>6s} |  s")
    for kind in layout:
        prefix = "samples-stage-" if kind == "stage" else "samples-"
        print(f"-- {'one frame (stage)' if kind == 'stage' else 'tiles'}: {prefix}mixed, {prefix}single")
        for row, assets in conditions().items():
            if rows and row not in rows: continue
            start = time.perf_counter()
            mixed, counts, _ = score(net, cfg, prefix + "mixed", assets, n)
            single, _, _ = score(net, cfg, prefix + "single", assets, n)
            by = " ".join(f"{counts.get(s, float('nan')):6.1f}" for s in (1, 2, 3))
            print(f"{row:32s} | {mixed['count_acc']:12.1f} {by} {mixed['CIoU@0.3']:7.1f} {mixed['PIAP']:6.1f} "
                  f"{mixed['pointing']:6.1f} | "
                  f"{single['pointing']:13.1f} {single['count_acc']:6.1f} {single['AP']:6.1f} "
                  f"{single['IoU@0.5']:6.1f} | {time.perf_counter() - start:3.0f}", flush=True)
    if tau1: diagnose(net, cfg, n, tau1)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=128, help="scenes per test set")
    p.add_argument("--tau1", type=float, nargs="*", default=(), help="other τ1 values to count at (diagnosis)")
    p.add_argument("--rows", nargs="*", default=None, help="score only these rows (names as printed; default all)")
    p.add_argument("--layout", nargs="*", default=["tiles", "stage"], choices=["tiles", "stage"],
                   help="which layouts to score (default: both)")
    main(**vars(p.parse_args()))
