#!/usr/bin/env bash
# The window on the lent GPU machine, with the Qt that bench/qt_carry.sh packed (carry .qtb), in two
# calls that each fit the device's 10-minute limit:
#   bash bench/gpu_gui.sh bench   gui_bench with the trainer on CUDA and on that machine's CPU, a render on CUDA
#   bash bench/gpu_gui.sh tests   the whole test suite, GUI included, with training on CUDA (about 280 s there)
# Results go to $OUT (or ./gpu_out).
set -uo pipefail
OUT=${OUT:-gpu_out}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
. .qtb/setup.sh
python3 -c "import sys, torch, PySide6, pyqtgraph; print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name(), 'cpus', __import__('os').cpu_count(), 'PySide6', PySide6.__version__)" | tee "$OUT/gpu.txt"
case "${1:-bench}" in
  bench)
    timeout 150 python3 bench/gui_bench.py --pairs 4 --seconds 8 2>&1 | tee "$OUT/gui_cuda.txt"
    CUDA_VISIBLE_DEVICES= timeout 150 python3 bench/gui_bench.py --pairs 4 --seconds 8 2>&1 | tee "$OUT/gui_cpu.txt"
    timeout 60 python3 -m ganstudio render --preset ring-8 --steps 2000 --out "$OUT/ring8_cuda.png" ;;
  tests)
    # (no -q here: the one in pyproject.toml's addopts is enough, and a second hides the final count)
    timeout 420 python3 -m pytest -p no:cacheprovider -rf tests 2>&1 | tail -15 | tee "$OUT/tests.txt" ;;
  *) echo "usage: bash bench/gpu_gui.sh [bench|tests]" >&2; exit 2 ;;
esac
