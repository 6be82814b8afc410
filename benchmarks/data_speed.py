"""Data throughput: the scene generator in one process, and the VGG-SS reader through a DataLoader.

    python benchmarks/data_speed.py [--n 400]

Prints clips/s for each; the last line is `clips_per_s: <n>` for the generator (target ≥ 200).
"""
import argparse, tempfile, time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from nossl_nb.data import collate
from nossl_nb.layouts import vggss, write_vggsound
from nossl_nb.samples import SceneDataset, load_assets


def rate(loader, n):
    "Clips per second over `n` clips, after one warm-up batch."
    it = iter(loader)
    next(it)
    start, seen = time.perf_counter(), 0
    for batch in it:
        seen += len(batch["id"])
        if seen >= n: break
    return seen / (time.perf_counter() - start)


def main(n=400, batch_size=16):
    torch.set_num_threads(1)
    load_assets()  # read once; the generator then composes in memory
    ds = SceneDataset(10 * n, "single", seed=0)
    start = time.perf_counter()
    for i in range(n): ds[i]
    generator = n / (time.perf_counter() - start)
    duets = rate(DataLoader(SceneDataset(10 * n, "duet", seed=0), batch_size=batch_size, collate_fn=collate), n)
    with tempfile.TemporaryDirectory() as tmp:
        root = write_vggsound(Path(tmp), n=min(n, 200), n_mix=0)
        reader = vggss(root, train=True)
        loader = DataLoader(reader, batch_size=batch_size, shuffle=True, num_workers=2, collate_fn=collate,
                            persistent_workers=True)
        reader_rate = rate(loader, 2 * len(reader) - batch_size) if len(reader) > batch_size else float("nan")
    print(f"generator, single scenes, one process: {generator:.0f} clips/s")
    print(f"generator, duets through a DataLoader (no workers, batch {batch_size}): {duets:.0f} scenes/s")
    print(f"VGG-SS reader (JPEG + FLAC from disk), DataLoader with 2 workers: {reader_rate:.0f} clips/s")
    print(f"clips_per_s: {generator:.0f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=400, help="clips to time")
    main(**vars(p.parse_args()))
