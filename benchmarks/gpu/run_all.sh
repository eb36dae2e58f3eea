#!/usr/bin/env bash
# One prepared GPU check for issue 15: the `gpu`-marked tests, then the front-end and training benchmarks on CUDA,
# each part under `timeout`, most important first, every result written to $OUT/ (the device tool brings $OUT back).
#
# Prepare here (once; ~2.6 MB of py3.12 wheels the GPU machine lacks: skorch, librosa, soundfile, soxr, ...):
#     bash ../shared/gpu/fetch_wheels.sh
# Run on the device machine, from the project root, with `.whl` carried:
#     source .whl/setup.sh && bash benchmarks/gpu/run_all.sh
# (this script sources .whl/setup.sh itself when it exists and sklearn_music is not importable yet).
# Check it on the CPU first (tiny sizes, same code paths, results in /tmp/gpu_check):
#     OUT=/tmp/gpu_check DEVICE=cpu QUICK=1 SCALE=4 bash benchmarks/gpu/run_all.sh
#
# Budget: 570 s in all (tests 120 s, front-end 120 s, training 240 s, from-paths 90 s); give the device call
# timeout_s=590. Files in $OUT: gpu_tests.xml, gpu_tests.log, bench_frontend_cuda.json, bench_training_cuda.json,
# bench_from_paths_cuda.json, run_all.log, env.txt.
set -u
OUT=${OUT:-/tmp/gpu_out}
DEVICE=${DEVICE:-cuda}
QUICK=${QUICK:-0}
SCALE=${SCALE:-1}  # multiplies every time limit (a loaded CPU check may need SCALE=4)
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if ! python3 -c "import sklearn_music, skorch, librosa" 2>/dev/null && [ -f .whl/setup.sh ]; then
  source .whl/setup.sh || echo "setup.sh failed" >&2
fi
PY=${PY:-python3}
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/run_all.log"; }
{ nvidia-smi 2>/dev/null || true; $PY -c "import torch, sys; print(sys.version); print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available())"; $PY -c "import torchaudio; print('torchaudio', torchaudio.__version__)" 2>&1; } > "$OUT/env.txt" 2>&1
suffix=$([ "$DEVICE" = cpu ] && echo cpu_check || echo "${DEVICE//:/}")

if [ "$QUICK" = 1 ]; then
  FRONT=(--clips 8 --seconds 3 --torch-batches 2 8 --rounds 1 --skip-librosa)
  TRAIN=(--quick)
  PATHS=(--files 8 --seconds 3 --epochs 1)
else
  FRONT=(--clips 256 --seconds 30 --torch-batches 16 64 256 --rounds 3)
  TRAIN=(--n-clips 512 --epochs 3 --repeats 1)
  PATHS=(--files 256 --seconds 10 --epochs 5)
fi

log "1/4 gpu-marked tests"
timeout $((120 * SCALE)) $PY -m pytest -m gpu -q -p no:cacheprovider --junitxml="$OUT/gpu_tests.xml" tests > "$OUT/gpu_tests.log" 2>&1
log "tests exit $? ($(tail -1 "$OUT/gpu_tests.log"))"

log "2/4 bench_frontend --device $DEVICE"
timeout $((120 * SCALE)) $PY benchmarks/bench_frontend.py --device "$DEVICE" "${FRONT[@]}" \
  --out "$OUT/bench_frontend_$suffix.json" 2>&1 | tee -a "$OUT/run_all.log"
log "bench_frontend exit ${PIPESTATUS[0]}"

log "3/4 bench_training --device $DEVICE"
timeout $((240 * SCALE)) $PY benchmarks/bench_training.py --device "$DEVICE" "${TRAIN[@]}" \
  --out "$OUT/bench_training_$suffix.json" 2>&1 | tee -a "$OUT/run_all.log"
log "bench_training exit ${PIPESTATUS[0]}"

log "4/4 bench_from_paths --device $DEVICE"
timeout $((90 * SCALE)) $PY benchmarks/bench_from_paths.py --device "$DEVICE" "${PATHS[@]}" \
  --out "$OUT/bench_from_paths_$suffix.json" 2>&1 | tee -a "$OUT/run_all.log"
log "bench_from_paths exit ${PIPESTATUS[0]}"
