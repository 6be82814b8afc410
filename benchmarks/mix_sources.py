"""Does a mix light both of its sources? The sound map of one-frame duets heard as the mix and as each source alone.

    python benchmarks/mix_sources.py [--checkpoint CKPT] [--n 80] [--seed 777]

On generated stage duets (default: 80 at seed 777, the validation scenes of `docs/experiments.md`, not the test seed),
the network's S_v is computed three times on the same frame: with the scene's audio (the mix) and with each sounding
object's recording alone (the scene's `sources`). For each, the brightest cell of each source (the cells its box
covers for more than half, `data.boxes_to_cells`) and the brightest cell of neither (the background, silent objects
included).
Prints the means, the cosines of the audio vectors, and how often the dimmer source of the mix stays under the
background's brightest cell. About 40 s on 2 cores.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

from nossl_nb.course import SHIPPED
from nossl_nb.data import LogSpectrogram, boxes_to_cells
from nossl_nb.datasets import VALIDATION_SEED
from nossl_nb.model import load_network, sound_map
from nossl_nb.samples import StageDataset


def peaks(S, masks):
    "The brightest cell of S (h×w) in each mask, and outside all of them."
    outside = ~torch.stack(masks).any(0)
    return [float(S[m].max()) if m.any() else np.nan for m in masks] + [float(S[outside].max())]


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=str(SHIPPED), help="the checkpoint (default: the shipped one)")
    ap.add_argument("--n", type=int, default=80, help="stage duets")
    ap.add_argument("--seed", type=int, default=VALIDATION_SEED, help="scene seed (default: the validation seed)")
    a = ap.parse_args()
    net, ck = load_network(a.checkpoint)
    net.eval()
    ds, spec = StageDataset(a.n, "duet", frame_size=ck["config"]["frame_size"], seed=a.seed), LogSpectrogram()
    rows = []
    for i in range(len(ds)):
        s = ds[i]
        audio = torch.cat([s["audio"][None], s["sources"]])  # 3×N: the mix, source 1, source 2
        with torch.no_grad(): F_v, l_a = net(s["frame"][None].expand(3, -1, -1, -1), spec(audio))
        S = sound_map(F_v, l_a)  # 3×h×w: the same frame heard three ways
        masks = [boxes_to_cells(b, *s["frame"].shape[1:], S.shape[1:]) for b in s["boxes"]]
        cos = lambda x, y: float(F.cosine_similarity(x, y, 0))
        rows.append(sum((peaks(S[k], masks) for k in range(3)), [])
                    + [cos(l_a[0], l_a[1]), cos(l_a[0], l_a[2]), cos(l_a[1], l_a[2]),
                       cos(l_a[0], F.normalize(l_a[1] + l_a[2], dim=0))])
    R = np.array(rows)  # scenes × 13
    print(f"{os.path.relpath(a.checkpoint)}: {a.n} stage duets at seed {a.seed}; the brightest cell of S_v, mean")
    for k, heard in enumerate(["the mix", "source 1 alone", "source 2 alone"]):
        src1, src2, bg = np.nanmean(R[:, 3 * k:3 * k + 3], 0)
        print(f"  heard as {heard:15s} on source 1 {src1:.3f}, on source 2 {src2:.3f}, outside both {bg:.3f}")
    print("  cosine of the audio vectors: mix–source 1 {:.3f}, mix–source 2 {:.3f}, source 1–source 2 {:.3f}, "
          "mix–their normalised sum {:.3f}".format(*R[:, 9:].mean(0)))
    dimmer = np.minimum(R[:, 0] / R[:, 3], R[:, 1] / R[:, 7])  # each source under the mix, against itself alone
    print(f"  the dimmer source under the mix keeps {np.nanmean(dimmer):.2f} of its own peak (mean)")
    print(f"  duets whose dimmer source is under the background's brightest cell: heard as the mix "
          f"{100 * np.mean(np.fmin(R[:, 0], R[:, 1]) < R[:, 2]):.0f} %, each alone "
          f"{100 * np.mean((R[:, 3] < R[:, 5]) | (R[:, 7] < R[:, 8])):.0f} %")
