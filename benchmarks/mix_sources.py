"""Does a mix light both of its sources? The sound map of one-frame duets heard as the mix and as each source alone.

    python benchmarks/mix_sources.py [--checkpoint CKPT] [--n 80] [--seed 777]

On generated stage duets (default: 80 at seed 777, the validation scenes of `docs/experiments.md`, not the test seed),
the network's S_v is computed three times on the same frame: with the scene's audio (the mix) and with each sounding
object's recording alone (the scene's `sources`). For each, the brightest cell of each source (the cells its box
covers for more than half, `data.boxes_to_cells`) and the brightest cell of neither (the background, silent objects
included).
Prints the means, the cosines of the audio vectors, how often the dimmer source of the mix stays under the
background's brightest cell, and where the objects found fall (`evaluate.hear_apart`). About a minute on 2 cores.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn.functional as F

from nossl_nb.course import SHIPPED
from nossl_nb.data import LogSpectrogram
from nossl_nb.datasets import VALIDATION_SEED
from nossl_nb.evaluate import hear_apart
from nossl_nb.method import MethodSettings
from nossl_nb.model import load_network
from nossl_nb.samples import StageDataset

HEARD = ["the mix", "source 1 alone", "source 2 alone"]

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default=str(SHIPPED), help="the checkpoint (default: the shipped one)")
    ap.add_argument("--n", type=int, default=80, help="stage duets")
    ap.add_argument("--seed", type=int, default=VALIDATION_SEED, help="scene seed (default: the validation seed)")
    a = ap.parse_args()
    net, ck = load_network(a.checkpoint)
    net.eval()
    ds, spec = StageDataset(a.n, "duet", frame_size=ck["config"]["frame_size"], seed=a.seed), LogSpectrogram()
    settings = MethodSettings.from_config(ck["config"])
    apart = hear_apart(net, ds, settings, spec)
    P = apart["peaks"]  # scenes × hearing × (source 1, source 2, outside)
    cos = []
    for s in ds:  # the audio vectors of the three hearings
        # l_a does not depend on the frame: one frame, not three, goes through the visual stream
        with torch.no_grad(): l_a = net(s["frame"][None], spec(torch.cat([s["audio"][None], s["sources"]])))[1]
        c = lambda x, y: float(F.cosine_similarity(x, y, 0))
        both = F.normalize(l_a[1] + l_a[2], dim=0)
        cos.append([c(l_a[0], l_a[1]), c(l_a[0], l_a[2]), c(l_a[1], l_a[2]), c(l_a[0], both)])
    print(f"{os.path.relpath(a.checkpoint)}: {a.n} stage duets at seed {a.seed}; the brightest cell of S_v, mean")
    for k, heard in enumerate(HEARD):
        src1, src2, bg = np.nanmean(P[:, k], 0)
        print(f"  heard as {heard:15s} on source 1 {src1:.3f}, on source 2 {src2:.3f}, outside both {bg:.3f}")
    print("  cosine of the audio vectors: mix–source 1 {:.3f}, mix–source 2 {:.3f}, source 1–source 2 {:.3f}, "
          "mix–their normalised sum {:.3f}".format(*np.mean(cos, 0)))
    dimmer = np.minimum(P[:, 0, 0] / P[:, 1, 0], P[:, 0, 1] / P[:, 2, 1])  # each source under the mix, against alone
    print(f"  the dimmer source under the mix keeps {np.nanmean(dimmer):.2f} of its own peak (mean)")
    print(f"  duets whose dimmer source is under the background's brightest cell: heard as the mix "
          f"{100 * np.mean(P[:, 0, :2].min(1) < P[:, 0, 2]):.0f} %, each alone "
          f"{100 * np.mean((P[:, 1, 0] < P[:, 1, 2]) | (P[:, 2, 1] < P[:, 2, 2])):.0f} %")
    print(f"  objects found at τ1 = {settings.tau1}, τ2 = {settings.tau2} (the right count: 2 for the mix, 1 alone)")
    for k, heard in enumerate(HEARD):
        K = apart["objects"][:, k]
        share = {key: 100 * apart[key][:, k].mean() for key in ("merged", "silent", "floor")}
        print(f"  heard as {heard:15s} right {100 * np.mean(K == (2 if k == 0 else 1)):3.0f} %; on both "
              f"{share['merged']:3.0f} %, on the unheard one only {share['silent']:3.0f} %, "
              f"on neither {share['floor']:3.0f} %")
