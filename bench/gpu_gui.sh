#!/usr/bin/env bash
# The window on the lent GPU machine, with the Qt that bench/qt_carry.sh packed (carry .qtb), in two
# calls that each fit the device's 10-minute limit:
#   bash bench/gpu_gui.sh bench   gui_bench with the trainer on CUDA and on that machine's CPU, a render on CUDA
#   bash bench/gpu_gui.sh tests   the whole test suite, GUI included, with training on CUDA (about 280 s there)
#   bash bench/gpu_gui.sh split   where the window's cost goes with the trainer on CUDA (ratio_split), gui_bench
#                                 on CUDA, the trainer-to-bare-loop bench on CUDA, and the fresh-interpreter tests
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
  split)
    timeout 130 python3 bench/ratio_split.py --seconds 90 2>&1 | tee "$OUT/split_cuda.txt"
    timeout 150 python3 bench/gui_bench.py --pairs 4 --seconds 8 2>&1 | tee "$OUT/gui_cuda.txt"
    timeout 90 python3 -m ganstudio bench --device cuda --seconds 2 2>&1 | tee "$OUT/bench_cuda.txt"
    timeout 120 python3 -m pytest -p no:cacheprovider -rf tests/test_cli.py tests/gui/test_app.py 2>&1 | tail -8 | tee "$OUT/tests_fresh.txt" ;;
  *) echo "usage: bash bench/gpu_gui.sh [bench|tests|split]" >&2; exit 2 ;;
esac
