"""How often a checkpoint's counter (`07b_count`) hears a mix of real recordings as fewer sources than it holds:
the mistake that makes `by_ear` drop an object the eyes found.

    python benchmarks/counter_real.py DIR/real [--checkpoint CKPT …] [--n 900] [--by-ear 0.05 0.2 0.5]

DIR is a folder made by `python data_samples/make_samples.py --validation DIR`: its `real/` holds Tux Paint's
recordings of animals, instruments and household things (real microphones, not soundfonts), none of which training
uses. Each recording is cut to its centre 3 s, or tiled to 3 s (`data.audio_window`); a mix sums 1-3 different ones at
the gains a scene's recordings get (`count.counting_batch`, the counter's own batches). Prints, for each share, the %
of mixes of 1 / 2 / 3 recordings whose count by that share (the largest j with P(N ≥ j) ≥ share, what `cap_by_ear`
keeps at most) is too low, and the % counted right. A few seconds a checkpoint on 2 cores.
"""
import argparse
from pathlib import Path

import torch

from nossl_nb.count import counting_batch, heard_at_least
from nossl_nb.course import SHIPPED
from nossl_nb.data import LogSpectrogram, audio_window, load_audio
from nossl_nb.model import load_network

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", help="a folder of real recordings (DIR/real of make_samples.py --validation DIR)")
    ap.add_argument("--checkpoint", nargs="+", default=[str(SHIPPED)], help="checkpoints with a counter")
    ap.add_argument("--n", type=int, default=900, help="mixes")
    ap.add_argument("--seed", type=int, default=5, help="the mixes' draws")
    ap.add_argument("--by-ear", type=float, nargs="+", default=[0.05, 0.2, 0.5], help="the shares to count by")
    a = ap.parse_args()
    files = sorted(Path(a.folder).glob("*.flac"))
    if not files: ap.error(f"no .flac in {a.folder}: `make_samples.py --validation DIR` (data_samples/) makes DIR/real")
    pool = torch.stack([audio_window(load_audio(f)) for f in files])[:, None]  # R×1×N: each its own class
    mix, n = counting_batch(pool, a.n, torch.Generator().manual_seed(a.seed))  # n×N, n
    spec = LogSpectrogram()(mix)
    print(f"{len(files)} recordings in {a.folder}; {a.n} mixes of 1-3 of them "
          f"({', '.join(str(int((n == k).sum())) for k in (1, 2, 3))} of 1 / 2 / 3)")
    for ck in a.checkpoint:
        net, _ = load_network(ck)
        if net.counter is None: ap.error(f"{ck} has no counter: train one with --count-width above 0")
        with torch.no_grad(): heard = heard_at_least(net.eval().counter(spec))  # n×MAX_COUNT
        for share in a.by_ear:
            said = (heard >= share).sum(1)
            low = " / ".join(f"{100 * (said[n == k] < k).float().mean():.0f}" for k in (1, 2, 3))
            right = " / ".join(f"{100 * (said[n == k] == k).float().mean():.0f}" for k in (1, 2, 3))
            print(f"{ck}, share {share}: heard as fewer {low} %; counted right {right} %")
