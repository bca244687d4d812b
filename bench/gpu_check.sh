#!/usr/bin/env bash
# The checks run on a lent GPU machine (its python3 has torch with CUDA but no Qt): the core tests,
# which then run on CUDA since the default device is auto; the benchmark on CUDA and on the CPU;
# ring-8 trained on CUDA; and, on the spare cores, a mode-collapse screen (bench/sweep.py).
# Results go to $OUT (or ./gpu_out).
set -uo pipefail
OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
SWEEP_S=${SWEEP_S:-470}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name(), 'cpus', __import__('os').cpu_count())" | tee -a "$OUT/gpu.txt"
if [ -f bench/collapse_variants.txt ]; then
  timeout "$SWEEP_S" python3 bench/sweep.py --preset mode-collapse --seeds 0-1 --jobs 12 \
    --variants bench/collapse_variants.txt > "$OUT/sweep.txt" 2>&1 &
fi
python3 -m pytest -q -p no:cacheprovider tests/core tests/test_core_no_qt.py 2>&1 | tail -40 | tee "$OUT/tests.txt"
for dev in cuda cpu; do
  python3 -m ganstudio bench --device $dev --json "$OUT/bench_$dev.json" 2>&1 | tee -a "$OUT/bench.txt"
done
python3 -m ganstudio bench --preset grid-25 --device cuda 2>&1 | tee -a "$OUT/bench.txt"
for seed in 0 1; do
  python3 -m ganstudio train --preset ring-8 --device cuda --seed $seed --quiet --metrics-json "$OUT/ring8_cuda_$seed.json" 2>&1 | tee -a "$OUT/train.txt"
done
python3 -m ganstudio train --preset ring-8 --device cpu --seed 0 --quiet 2>&1 | tee -a "$OUT/train.txt"
wait
tail -40 "$OUT/sweep.txt" 2>/dev/null
