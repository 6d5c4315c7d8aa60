#!/usr/bin/env bash
# The GPU check: one call on a GPU machine (CMake, g++, nvcc and a CUDA PyTorch in python3, but
# no Node and no network) that builds the addon against that torch, runs the NCCL backend's test,
# runs the test suite with the CUDA tests enabled, trains part 3 on CUDA for a few hundred steps,
# and benchmarks TS against PyTorch Python on the same machine. It prints a short table last; logs go to $OUT (or ./gpu-out).
#
#   here:        bash scripts/gpu-check.sh prepare      # packs Node + the runtime node_modules into .gpu/
#   GPU machine: bash scripts/gpu-check.sh run          # (device tool: carry [".gpu"])
#   dry run:     bash scripts/gpu-check.sh run --dry-run   # the same steps on the CPU, here
set -uo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-}
DRY=0
[ "${2:-}" = "--dry-run" ] && DRY=1
OUTDIR=${OUT:-$PWD/gpu-out}
mkdir -p "$OUTDIR"

prepare() {
  set -e
  rm -rf .gpu && mkdir -p .gpu
  # Node itself (~24 MB as xz); the device machine has none. Same major as here.
  xz -T2 -9 -c "$(command -v node)" > .gpu/node.xz
  # Only what building and running need: no typescript, typedoc, playwright, @types.
  tar -C . -cf - --exclude='node_modules/typescript' --exclude='node_modules/typedoc' \
    --exclude='node_modules/@shikijs' --exclude='node_modules/playwright-core' --exclude='node_modules/@types' \
    --exclude='node_modules/.cache' node_modules | xz -T2 -6 > .gpu/node_modules.tar.xz
  grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
  du -sh .gpu/*
}

step() { # name, command...: runs, logs to $OUTDIR/<name>.log, records status
  local name=$1; shift
  local t0=$(date +%s)
  echo "== $name" >&2
  "$@" > "$OUTDIR/$name.log" 2>&1
  local rc=$?
  echo "$name|$rc|$(( $(date +%s) - t0 ))" >> "$OUTDIR/steps.txt"
  tail -n 5 "$OUTDIR/$name.log" >&2
  return $rc
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
    xz -dc .gpu/node_modules.tar.xz | tar -xf -
  fi
  local device=cuda; [ "$DRY" = 1 ] && device=cpu
  # The Python side needs a python3 with torch: the GPU machine's own; here, Debian's.
  local py=python3
  python3 -c 'import torch' 2>/dev/null || py=/usr/bin/python3
  "$py" -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())' > "$OUTDIR/env.log" 2>&1
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >> "$OUTDIR/env.log" 2>&1 || true
  cat "$OUTDIR/env.log" >&2
  # 1. Build against python3's torch (the build prints "CUDA: yes (version, arch list)").
  if [ "$DRY" = 1 ]; then
    step build bash tools/setup.sh
  else
    step build node node_modules/cmake-js/bin/cmake-js rebuild --CDCMAKE_BUILD_TYPE=Release
  fi
  grep -h "torchnode:" "$OUTDIR/build.log" >&2 || true
  # 1b. The NCCL backend on its own (world size 1: NCCL refuses two ranks on one GPU; ~10-30 s,
  #     cut at 180 s so a hung NCCL init cannot eat the call). On the GPU the build must have NCCL:
  #     TORCHNODE_EXPECT_NCCL turns "skipped" into a failure.
  if [ "$DRY" = 1 ]; then
    step nccl timeout 180 node --import tsx --test test/73.distributed.nccl.test.ts
  else
    step nccl timeout 180 env TORCHNODE_EXPECT_NCCL=1 node --import tsx --test test/73.distributed.nccl.test.ts
  fi
  # 2. The test suite, CUDA tests included (they skip only without a GPU).
  step tests node --import tsx --test --test-concurrency=1 test/*.test.ts
  # 3. Part 3 on the device for a few hundred steps, on generated CIFAR-format data (no network).
  node --import tsx -e "import { writeSyntheticCifar10 } from './scripts/cifar.ts'; writeSyntheticCifar10('/tmp/gpu-cifar', { seed: 0, nTrain: 10000, nTest: 1000 });" > "$OUTDIR/data.log" 2>&1
  step part3 node --import tsx scripts/part3.ts --device "$device" --steps 300 --models cnn_3,mlp_1 --data /tmp/gpu-cifar --seed 0 --out "$OUTDIR/part3" --no-progress
  # 4. TS vs PyTorch Python, same machine, same call.
  step bench node --import tsx bench/run.ts --runner tsx --only gpu --device "$device" --steps "$([ "$DRY" = 1 ] && echo 3 || echo 50)" --python "$py"
  echo
  echo "## gpu-check ($([ "$DRY" = 1 ] && echo "dry run on CPU" || echo "$device"))"
  echo "| step | status | seconds |"
  echo "|---|---|---:|"
  while IFS='|' read -r n rc s; do echo "| $n | $([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)") | $s |"; done < "$OUTDIR/steps.txt"
  grep -E "^# (tests|pass|fail|skipped)" "$OUTDIR/tests.log" || true
  sed -n '/^## gpu/,$p' "$OUTDIR/bench.log" || true
}

case "$MODE" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: bash scripts/gpu-check.sh prepare | run [--dry-run]" >&2; exit 2 ;;
esac
