#!/usr/bin/env bash
# The GPU check: one call on a GPU machine (CMake, g++, nvcc and a CUDA PyTorch in python3, but
# no Node and no network) that builds the addon against that torch, runs the NCCL backend's test,
# runs the test suite with the CUDA tests enabled, trains part 3 on CUDA for a few hundred steps,
# and benchmarks TS against PyTorch Python on the same machine. It prints a short table last; logs go to $OUT (or ./gpu-out).
#
#   here:        bash scripts/gpu-check.sh prepare      # packs Node + the runtime node_modules into .gpu/
#   GPU machine: bash scripts/gpu-check.sh run          # (device tool: carry [".gpu"])
#   dry run:     bash scripts/gpu-check.sh run --dry-run   # the same steps on the CPU, here
#   time:        GPU_CHECK_BUDGET=seconds (default 500): steps that do not fit are reported 'not run';
#                GPU_CHECK_SKIP="part3 bench": steps a rerun can leave out
set -uo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-}
DRY=0
[ "${2:-}" = "--dry-run" ] && DRY=1
# Logs go to one folder; on the device machine (where $OUT is what comes back, 8 files at most)
# they come back as $OUT/gpu-check-logs.tar.gz, packed on exit, also after a failed build.
if [ -n "${OUT:-}" ]; then
  OUTDIR=/tmp/gpu-check-logs
  trap 'tar -czf "$OUT/gpu-check-logs.tar.gz" -C "$OUTDIR" . 2>/dev/null' EXIT
else
  OUTDIR=$PWD/gpu-out
fi
mkdir -p "$OUTDIR"

prepare() {
  set -e
  rm -rf .gpu && mkdir -p .gpu
  # Node itself (~24 MB as xz); the device machine has none. Same major as here.
  xz -T2 -9 -c "$(command -v node)" > .gpu/node.xz
  # Only what building and running need: no typedoc, playwright, @types, linters.
  # typescript stays: test/01 reads lib/native.ts's types with it.
  tar -C . -cf - --exclude='node_modules/typedoc' \
    --exclude='node_modules/@shikijs' --exclude='node_modules/playwright-core' --exclude='node_modules/@types' \
    --exclude='node_modules/.cache' --exclude='node_modules/@biomejs' --exclude='node_modules/clang-format' \
    node_modules | xz -T2 -6 > .gpu/node_modules.tar.xz
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  du -sh .gpu/*
}

# Device time is scarce (a quarter of an hour a session, machine start included), so every step
# runs under what is left of GPU_CHECK_BUDGET seconds (default 500), the most telling first. The
# built addon comes back as $OUT/addon.tar.gz: copied to .gpu/addon.tar.gz and carried, it spares
# a second call the build when the native sources are unchanged (SOURCES in it holds their hash).
BUDGET=${GPU_CHECK_BUDGET:-500}
T_START=$(date +%s)
left() { echo $(( BUDGET - ($(date +%s) - T_START) )); }

step() { # name, cap in seconds, command...: runs under min(cap, time left), logs to $OUTDIR/<name>.log
  local name=$1 cap=$2; shift 2
  case " ${GPU_CHECK_SKIP:-} " in *" $name "*)
    echo "$name|skipped (GPU_CHECK_SKIP)|0" >> "$OUTDIR/steps.txt"
    return 0 ;;
  esac
  local l; l=$(left)
  [ "$l" -lt "$cap" ] && cap=$l
  if [ "$cap" -lt 20 ]; then
    echo "$name|not run (out of time)|0" >> "$OUTDIR/steps.txt"
    return 124
  fi
  local t0; t0=$(date +%s)
  echo "== $name (up to ${cap} s)" >&2
  timeout -k 5 "$cap" "$@" > "$OUTDIR/$name.log" 2>&1
  local rc=$?
  echo "$name|$rc|$(( $(date +%s) - t0 ))" >> "$OUTDIR/steps.txt"
  tail -n 5 "$OUTDIR/$name.log" >&2
  return $rc
}

sources_hash() {
  cat CMakeLists.txt cmake/*.cmake native/*.cc native/*.h native/distributed/* native/gc/* | sha256sum | cut -c1-16
}

summary() {
  echo
  echo "## gpu-check ($([ "$DRY" = 1 ] && echo "dry run on CPU" || echo "$1"))"
  echo "| step | status | seconds |"
  echo "|---|---|---:|"
  while IFS='|' read -r n rc s; do
    case "$rc" in 0) st=ok ;; [0-9]*) st="FAILED ($rc)" ;; *) st=$rc ;; esac
    echo "| $n | $st | $s |"
  done < "$OUTDIR/steps.txt"
  for f in cuda tests; do [ -f "$OUTDIR/$f.log" ] && { echo "$f:"; grep -E "^# (tests|pass|fail|skipped|cancelled)" "$OUTDIR/$f.log"; }; done
  [ -f "$OUTDIR/bench.log" ] && sed -n '/^## gpu/,$p' "$OUTDIR/bench.log"
  true
}

run() {
  : > "$OUTDIR/steps.txt"
  if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "20" ]; then
    [ -f .gpu/node.xz ] || { echo "gpu-check: no Node here and no .gpu/node.xz (run 'prepare' first and carry .gpu)" >&2; exit 1; }
    mkdir -p /tmp/gpunode/bin && xz -dc .gpu/node.xz > /tmp/gpunode/bin/node && chmod +x /tmp/gpunode/bin/node
    export PATH=/tmp/gpunode/bin:$PATH
  fi
  if [ ! -d node_modules/cmake-js ]; then
    [ -f .gpu/node_modules.tar.xz ] || { echo "gpu-check: node_modules missing and not carried" >&2; exit 1; }
    xz -T0 -dc .gpu/node_modules.tar.xz | tar -xf -
  fi
  local device=cuda; [ "$DRY" = 1 ] && device=cpu
  # The Python side needs a python3 with torch: the GPU machine's own; here, Debian's. The tests'
  # reference Python is the same one (test/python.ts).
  local py; py=$(command -v python3)
  "$py" -c 'import torch' 2>/dev/null || py=/usr/bin/python3
  export TORCHNODE_PYTHON="$py"
  "$py" -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' > "$OUTDIR/env.log" 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >> "$OUTDIR/env.log" 2>&1 || true
  echo "cores $(nproc)" >> "$OUTDIR/env.log"
  cat "$OUTDIR/env.log" >&2
  # 1. Build against python3's torch (the build prints "CUDA: yes (version, arch list)"), or reuse
  #    the addon an earlier call built from the same sources.
  local reused=0
  if [ -f .gpu/addon.tar.gz ]; then
    mkdir -p build/Release && tar -xzf .gpu/addon.tar.gz -C build/Release
    [ "$(cat build/Release/SOURCES 2>/dev/null)" = "$(sources_hash)" ] && reused=1
  fi
  if [ "$reused" = 1 ]; then
    echo "build|reused ($(sources_hash))|0" >> "$OUTDIR/steps.txt"
  elif [ "$DRY" = 1 ]; then
    step build 900 bash tools/setup.sh
  else
    if ! step build 360 env CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" node node_modules/cmake-js/bin/cmake-js rebuild --CDCMAKE_BUILD_TYPE=Release; then
      # Every compile error at once (keep going), so that one call shows all there is to fix.
      local k='-k'; [ -f build/build.ninja ] && k='-k 0'
      step build-keep-going 150 cmake --build build --parallel "$(nproc)" -- $k
      grep -E -B2 -A6 "error:|Error [0-9]|undefined reference" "$OUTDIR/build-keep-going.log" "$OUTDIR/build.log" | head -c 60000 > "$OUTDIR/build-errors.log"
      summary "$device"
      exit 1
    fi
    sources_hash > build/Release/SOURCES
    tar -czf "${OUT:-$OUTDIR}/addon.tar.gz" -C build/Release torchnode.node torchnode_gc.so SOURCES
  fi
  grep -h "torchnode:" "$OUTDIR/build.log" >&2 2>/dev/null || true
  # 2. The NCCL backend on its own (world size 1: NCCL refuses two ranks on one GPU). On the GPU
  #    the build must have NCCL: TORCHNODE_EXPECT_NCCL turns "skipped" into a failure.
  if [ "$DRY" = 1 ]; then
    step nccl 180 node --import tsx --test test/73.distributed.nccl.test.ts
  else
    step nccl 180 env TORCHNODE_EXPECT_NCCL=1 node --import tsx --test test/73.distributed.nccl.test.ts
  fi
  # 3. The tests that run on CUDA (they skip only without a GPU), part 3's parity with PyTorch on
  #    CUDA among them (test/62).
  step cuda 240 node --import tsx --test --test-concurrency=1 test/00.smoke.test.ts test/01.native.exports.test.ts \
    test/27.cuda.test.ts test/37.nn.syncbatchnorm.test.ts test/62.part3.parity.test.ts
  # 4. Part 3 on the device for a few hundred steps, on generated CIFAR-format data (no network).
  node --import tsx -e "import { writeSyntheticCifar10 } from './scripts/cifar.ts'; writeSyntheticCifar10('/tmp/gpu-cifar', { seed: 0, nTrain: 10000, nTest: 1000 });" > "$OUTDIR/data.log" 2>&1
  step part3 120 node --import tsx scripts/part3.ts --device "$device" --steps 300 --models cnn_3,mlp_1 --data /tmp/gpu-cifar --seed 0 --out "$OUTDIR/part3" --no-progress
  # 5. TS vs PyTorch Python, same machine, same call.
  step bench 150 node --import tsx bench/run.ts --runner tsx --only gpu --device "$device" --steps "$([ "$DRY" = 1 ] && echo 3 || echo 50)" --python "$py"
  # 6. The whole suite against this LibTorch with what time is left (files in parallel: many cores).
  #    Two threads per file: 8 files each running on all 16 cores make small ops crawl (test/12's
  #    22,000 steps did not finish in 5 minutes).
  step tests 900 env OMP_NUM_THREADS=2 node --import tsx --test --test-concurrency="$(( $(nproc) > 2 ? 8 : 1 ))" test/*.test.ts
  summary "$device"
}

case "$MODE" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: bash scripts/gpu-check.sh prepare | run [--dry-run]" >&2; exit 2 ;;
esac
