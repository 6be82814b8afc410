"""How long `python -m nossl_nb.localize VIDEO --every 0.5` takes on a 10-s 1280×720 video, and its peak memory.

    python benchmarks/localize_speed.py [--checkpoint CKPT] [--every 0.5] [--seconds 10] [--fps 25]

The video is the course's stage of photographs (`course.photo_stage`, a violin and a trumpet heard, a cello
silent) at 1280×720 and 25 frames a second, its sound the mix repeated to the video's length. Printed: the
whole command's time, and beside it, measured in the same run, the time to decode the video's frames alone
(PyAV, what any tool reading the video pays), as a ratio; the working size the network saw; and the peak resident
memory of a fresh process for each (`resource.getrusage`). Each is run in its own interpreter.
"""
import argparse, json, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MAKE = """
import sys, torch, torch.nn.functional as F
from nossl_nb.course import photo_stage
from nossl_nb.data import SR
from nossl_nb.media import write_video
s = photo_stage()
frame = F.interpolate(s["frame"][None], size=(720, 1280), mode="bilinear", align_corners=False)[0]
seconds, fps = float(sys.argv[2]), float(sys.argv[3])
audio = s["audio"].repeat(int(seconds * SR) // len(s["audio"]) + 1)[:int(seconds * SR)]
write_video({"frame": frame, "audio": audio}, sys.argv[1], fps=fps, drift=0)
"""

DECODE = """
import sys, resource, time
from nossl_nb.media import decode_frames
t = time.perf_counter(); n = sum(1 for _ in decode_frames(sys.argv[1]))
print(n, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
"""

LOCALIZE = """
import sys, resource, time, json
from nossl_nb import localize
args = json.loads(sys.argv[1])
t = time.perf_counter()
rec = localize.main(args["video"], every=args["every"], checkpoint=args["checkpoint"], out=args["out"], quiet=True)
elapsed = time.perf_counter() - t
net, config = localize.load_model(args["checkpoint"])
size = tuple(localize.model_frame(localize.read_window(args["video"]).image, config["frame_size"])[0].shape[1:])
print(json.dumps({"s": elapsed, "windows": len(rec["windows"]), "size": size,
                  "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def python(code, *args):
    "Run `code` in a fresh interpreter; return its last line of output."
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    if r.returncode: sys.exit(r.stderr)
    return (r.stdout.strip().splitlines() or [""])[-1]


def main(checkpoint=None, every=0.5, seconds=10.0, fps=25.0):
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "stage.mp4"
        python(MAKE, video, seconds, fps)
        n, decode_s, decode_gib = (float(x) for x in python(DECODE, video).split())
        args = {"video": str(video), "every": every, "out": str(Path(tmp) / "out"), "checkpoint": checkpoint}
        rec = json.loads(python(LOCALIZE, json.dumps(args)))
    print(f"a {seconds:g}-s 1280×720 video at {fps:g} fps ({n:.0f} frames); "
          f"the network sees {rec['size'][1]}×{rec['size'][0]}")
    print(f"decoding its frames alone (baseline): {decode_s:6.2f} s, peak memory {decode_gib:.2f} GiB")
    print(f"localize --every {every:g} ({rec['windows']} windows):  {rec['s']:6.2f} s (×{rec['s'] / decode_s:.1f} the "
          f"decoding), peak memory {rec['peak_gib']:.2f} GiB")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", default=None, help="a checkpoint of nossl_nb.train (default: the shipped model)")
    p.add_argument("--every", type=float, default=0.5, help="seconds between windows (default 0.5)")
    p.add_argument("--seconds", type=float, default=10.0, help="length of the video (default 10)")
    p.add_argument("--fps", type=float, default=25.0, help="frames per second of the video (default 25)")
    main(**vars(p.parse_args()))
