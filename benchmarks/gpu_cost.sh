#!/usr/bin/env bash
# Table 6 on a GPU: a few hundred iterations of the vggsound-duet configuration (batch 128, 224×448 duet
# frames, both ResNet-18s trained, bf16 autocast) on generated duets, since the real data may be absent;
# prints s/iter, inference s/image, parameters and peak GPU memory beside the paper's RTX 4090 numbers.
#   bash benchmarks/gpu_cost.sh [STEPS] [extra train flags, e.g. --compile true]
set -euo pipefail
steps=${1:-200}; shift || true
python -m nossl_nb.train --preset vggsound-duet --train-set samples-duet --visual-weights none \
  --train-size $((steps * 128 + 128)) --epochs 1 --max-steps "$steps" --eval-sets "" \
  --num-workers "${NUM_WORKERS:-12}" --out-dir "${OUT_DIR:-runs/gpu-cost}" "$@"
