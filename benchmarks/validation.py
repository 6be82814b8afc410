"""Counting and localisation of a checkpoint on the validation scenes, with training's assets and with other ones.

    python data_samples/make_samples.py --validation /tmp/valassets      # once: needs its packages (LICENSES.md)
    python benchmarks/validation.py --assets /tmp/valassets [--checkpoint CKPT] [--tau1 0.45 0.5 --tau2 0.3] [--n N]

The scenes are seed 777 (tiles, `SceneDataset`: 256 single-source scenes, 150 duets, 150 trios, 150 mixed; with
`--stage`, one-frame scenes too, `StageDataset`: 150 of each), which neither training nor the test sets use:
settings are chosen here (`docs/experiments.md`), never on the test seed.
Each row builds them from other assets: training's own, then the `--assets` folder's sounds, pictures and
backgrounds together and each alone (the rest from training). Printed per row: counting on single scenes and
pointing after the slash, counting on duets, trios and mixed scenes, CIoU@0.3 and PIAP on the mixed ones, and the
mean of the three counts (single, duet, trio). With `--tau1`/`--tau2`, every (τ1, τ2) cell is scored from the same
pass and printed as a counting grid instead. About a minute a row on 2 cores.
"""
import argparse, itertools, time

import numpy as np

from nossl_nb.datasets import VALIDATION_SEED
from nossl_nb.scoring import evaluate
from nossl_nb.method import MethodSettings
from nossl_nb.model import load_network
from nossl_nb.course import SHIPPED
from nossl_nb.samples import SAMPLES_DIR, SceneDataset, StageDataset, load_assets
from generalization import combine

SETS = {"single": 256, "duet": 150, "trio": 150, "mixed": 150}  # scenes of each kind
STAGE_SETS = {"stage-single": 150, "stage-duet": 150, "stage-trio": 150, "stage-mixed": 150}  # with --stage
SEED = VALIDATION_SEED


def rows(folder):
    "Row name → assets (None: training's own, the bundled ones)."
    train = load_assets(SAMPLES_DIR)
    if folder is None: return {"training's": None}
    other = load_assets(folder)
    return {"training's": None, "validation's, all": other, "pictures only": combine(train, other, train),
            "backgrounds only": combine(train, train, other), "sounds only": combine(other, train, train)}


def score(net, settings, frame_size, assets, taus, n=0, stage=False):
    "Set name → the `evaluate` result at every cell of `taus` (`n` scenes a set, or `SETS`'s)."
    sets = {**SETS, **(STAGE_SETS if stage else {})}
    make = lambda name, size: (StageDataset(size, name.removeprefix("stage-"), frame_size=frame_size, seed=SEED,
                                            assets=assets) if name.startswith("stage")
                               else SceneDataset(size, name, frame_size=frame_size, seed=SEED, assets=assets))
    return {name: evaluate(net, make(name, n or size), taus=taus, progress=False, settings=settings)
            for name, size in sets.items()}


def summary_line(row, r, seconds):
    m = {name: res["metrics"] for name, res in r.items()}
    mean = np.mean([m[s]["count_acc"] for s in ("single", "duet", "trio")])
    return (f"{row:18s} | {m['single']['count_acc']:5.1f} / {m['single']['pointing']:5.1f} "
            f"{m['duet']['count_acc']:6.1f} {m['trio']['count_acc']:6.1f} {m['mixed']['count_acc']:6.1f} "
            f"{m['mixed']['CIoU@0.3']:7.1f} "
            f"{m['mixed']['PIAP']:6.1f} | {mean:5.1f} | {seconds:3.0f}")


def grid_lines(row, r):
    counts = {name: {(c["tau1"], c["tau2"]): c["metrics"]["count_acc"] for c in res["grid"]} for name, res in r.items()}
    for cell in counts["single"]:
        three = [counts[s][cell] for s in ("single", "duet", "trio")]
        yield (f"{row:18s} | τ1 {cell[0]:4g} τ2 {cell[1]:4g} | " + " ".join(f"{v:5.1f}" for v in three)
               + f" | {np.mean(three):5.1f}")


def stage_line(row, r):
    "Counting on each stage set; pointing on the single and mixed ones, the model's and a centred map's; IoU."
    m = {name: res["metrics"] for name, res in r.items()}
    centred = {name: res["reference"]["centre prior"] for name, res in r.items()}
    counts = " ".join(f"{m[name]['count_acc']:5.1f}" for name in STAGE_SETS)
    return (f"{row:18s} | stage count {counts} | pointing single {m['stage-single']['pointing']:5.1f} "
            f"(centred {centred['stage-single']['pointing']:5.1f}) "
            f"mixed {m['stage-mixed']['pointing']:5.1f} "
            f"(centred {centred['stage-mixed']['pointing']:5.1f}) | IoU@0.5 single {m['stage-single']['IoU@0.5']:5.1f}"
            f" | CIoU@0.3 mixed {m['stage-mixed']['CIoU@0.3']:5.1f} "
            f"(centred {centred['stage-mixed']['CIoU@0.3']:5.1f})")


def main(checkpoint=str(SHIPPED), assets=None, tau1=(), tau2=(), n=0, stage=False):
    net, ck = load_network(checkpoint)
    cfg = ck["config"]
    settings = MethodSettings.from_config(cfg)
    taus = list(itertools.product(tau1 or [settings.tau1], tau2 or [settings.tau2]))
    print(f"{checkpoint}: frame {cfg['frame_size']}, {settings}; seed {SEED}, scenes {n or SETS}")
    if tau1 or tau2: print(f"{'assets':18s} | cell              | single  duet  trio |  mean")
    else: print(f"{'assets':18s} | single / point   duet   trio  mixed CIoU@.3   PIAP |  mean |  s")
    for row, a in rows(assets).items():
        start = time.perf_counter()
        r = score(net, settings, cfg["frame_size"], a, taus, n, stage)
        if tau1 or tau2: print("\n".join(grid_lines(row, r)), flush=True)
        else: print(summary_line(row, r, time.perf_counter() - start), flush=True)
        if stage and not (tau1 or tau2): print(stage_line(row, r), flush=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=str(SHIPPED), help="a checkpoint of nossl_nb.train (default: the shipped)")
    p.add_argument("--assets", default=None, help="a folder of other assets (make_samples.py --validation DIR)")
    p.add_argument("--tau1", type=float, nargs="*", default=(), help="τ1 values of a counting grid")
    p.add_argument("--tau2", type=float, nargs="*", default=(), help="τ2 values of a counting grid")
    p.add_argument("--n", type=int, default=0, help="scenes of each kind (default: 256 single, 150 of the others)")
    p.add_argument("--stage", action="store_true", help="score one-frame (stage) scenes too")
    main(**vars(p.parse_args()))
