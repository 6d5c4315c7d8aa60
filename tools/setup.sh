#!/usr/bin/env bash
# One-time (and idempotent) set-up used by `npm test`, `npm start` and .ci/run:
#   1. a LibTorch: LIBTORCH / Torch_DIR, else python3's torch, else the system (Debian libtorch-dev);
#      when none is found and we are root on Debian/Ubuntu, apt-get installs libtorch-dev + libopenblas0
#      (without OpenBLAS Debian's LibTorch runs linear layers on the reference BLAS, ~5x slower);
#   2. cmake and a C++ compiler (apt-get when absent and root);
#   3. with --tests, the references the tests compare against (root on Debian/Ubuntu): Debian's
#      PyTorch, torchvision and NumPy, Chromium for the report's end-to-end test, Fashion-MNIST;
#   4. npm dependencies (offline-safe: nothing is downloaded at build time but npm packages);
#   5. the native addon, rebuilt only when a native source is newer than the built file.
# Never removes a package: apt runs with --no-remove, so a CUDA LibTorch (libtorch-cuda-dev,
# python3-torch-cuda) is never swapped out for the CPU one; what is already importable is not asked for.
# Quiet when everything is in place. Options: --quiet, --homework (also Debian's Fashion-MNIST),
# --tests (also the test references), --force.
set -euo pipefail
cd "$(dirname "$0")/.."

QUIET=0; HOMEWORK=0; TESTS=0; FORCE=0
for a in "$@"; do
  case "$a" in
    --quiet) QUIET=1 ;;
    --homework) HOMEWORK=1 ;;
    --tests) TESTS=1; HOMEWORK=1 ;;
    --force) FORCE=1 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { [ "$QUIET" = 1 ] || echo "torchnode setup: $*"; }
is_root() { [ "$(id -u)" = 0 ]; }
have() { command -v "$1" >/dev/null 2>&1; }

APT_UPDATED=0
apt_install() {
  if ! is_root || ! have apt-get; then return 1; fi
  if [ "$APT_UPDATED" = 0 ]; then
    echo "torchnode setup: apt-get update" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  echo "torchnode setup: apt-get install $*" >&2
  # --no-remove: apt aborts rather than remove anything (e.g. a CUDA LibTorch conflicting with a CPU package).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-remove "$@" >/dev/null
}
# gloo's headers, from whichever package provides them (libgloo-dev, libgloo-cuda-dev, a LibTorch zip).
have_gloo_headers() {
  [ -f /usr/include/gloo/context.h ] || [ -f /usr/local/include/gloo/context.h ] ||
    { [ -n "${LIBTORCH:-}" ] && [ -f "$LIBTORCH/include/gloo/context.h" ]; }
}

system_libtorch() {
  { ls /usr/lib/*/cmake/Torch/TorchConfig.cmake /usr/share/cmake/Torch/TorchConfig.cmake /usr/local/share/cmake/Torch/TorchConfig.cmake 2>/dev/null || true; } | head -n1
}
python_libtorch() {
  have python3 && python3 -c "import torch.utils, os; p=torch.utils.cmake_prefix_path; print(p) if os.path.exists(p+'/Torch') else exit(1)" 2>/dev/null
}

find_libtorch() {
  if [ -n "${LIBTORCH:-}" ]; then
    [ -f "$LIBTORCH/share/cmake/Torch/TorchConfig.cmake" ] && { echo "LIBTORCH=$LIBTORCH"; return 0; }
    echo "torchnode setup: LIBTORCH=$LIBTORCH has no share/cmake/Torch/TorchConfig.cmake" >&2; return 1
  fi
  if [ -n "${Torch_DIR:-}" ]; then echo "Torch_DIR=$Torch_DIR"; return 0; fi
  local p
  if p=$(python_libtorch); then echo "python3 torch ($p)"; return 0; fi
  if p=$(system_libtorch) && [ -n "$p" ]; then echo "system ($p)"; return 0; fi
  return 1
}

# 1. LibTorch
if ! found=$(find_libtorch); then
  if apt_install libtorch-dev libopenblas0 libgloo-dev; then
    found=$(find_libtorch) || { echo "torchnode setup: libtorch-dev installed but not found" >&2; exit 1; }
  else
    cat >&2 <<'MSG'
torchnode: no LibTorch found. Provide one of:
  1. LIBTORCH=/path/to/libtorch (an unpacked libtorch zip from pytorch.org) or Torch_DIR=<dir with TorchConfig.cmake>;
  2. a python3 with the torch package (pip install torch) - the way to build against CUDA;
  3. Debian/Ubuntu: sudo apt-get install libtorch-dev libopenblas0 (this script does it when run as root).
MSG
    exit 1
  fi
fi
# Debian's LibTorch without OpenBLAS falls back to the reference BLAS.
case "$found" in system*)
  if have dpkg && ! dpkg -s libopenblas0 >/dev/null 2>&1 && ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
    apt_install libopenblas0 || say "warning: libopenblas0 is not installed; linear layers will be slow"
  fi
  # gloo's headers let the build include torch.distributed (c10d); optional.
  if have dpkg && ! have_gloo_headers; then
    apt_install libgloo-dev || say "gloo headers (libgloo-dev) not installed: torch.distributed will be unavailable"
  fi ;;
esac

# 2. Toolchain
if ! have cmake; then apt_install cmake || { echo "torchnode setup: cmake is required" >&2; exit 1; }; fi
if ! have g++ && ! have c++; then apt_install g++ || { echo "torchnode setup: a C++17 compiler is required" >&2; exit 1; }; fi
if ! have make && ! have ninja; then apt_install make || true; fi

if [ "$HOMEWORK" = 1 ] && have dpkg && ! dpkg -s dataset-fashion-mnist >/dev/null 2>&1; then
  apt_install dataset-fashion-mnist || say "Fashion-MNIST (Debian dataset-fashion-mnist) not installed: the offline fallback data is unavailable"
fi

# 3. What the tests compare against.
# The tests call /usr/bin/python3 (Debian's), whatever python3 comes first on PATH.
py_has() { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import $1" >/dev/null 2>&1; }
if [ "$TESTS" = 1 ] && have dpkg; then
  want=""
  py_has torch || want="$want python3-torch"
  py_has torchvision || want="$want python3-torchvision"
  py_has numpy || want="$want python3-numpy"
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || want="$want chromium"
  if [ -n "$want" ]; then
    # shellcheck disable=SC2086
    apt_install $want || say "could not install$want: the tests that compare with them will be skipped"
  fi
fi

# 4. npm dependencies
if [ ! -d node_modules/cmake-js ] || [ ! -d node_modules/tsx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi

# 5. Native addon
ADDON=build/Release/torchnode.node
needs_build=$FORCE
if [ ! -f "$ADDON" ] || [ ! -f build/Release/torchnode_gc.so ]; then
  needs_build=1
elif [ -n "$(find native cmake CMakeLists.txt -newer "$ADDON" -type f 2>/dev/null | head -n1)" ]; then
  needs_build=1
fi
if [ "$needs_build" = 1 ]; then
  say "building the native addon against LibTorch from $found (a clean build takes a few minutes)"
  # The log lives outside build/: the clean retry deletes build/, and with it a log kept there.
  LOG=$(mktemp "${TMPDIR:-/tmp}/torchnode-build.XXXXXX")
  if ! npx cmake-js build --CDCMAKE_BUILD_TYPE=Release >"$LOG" 2>&1; then
    # A stale cache (e.g. LibTorch moved) is the usual cause: one clean retry, logged after the first.
    cp "$LOG" "$LOG.first"
    if ! npx cmake-js rebuild --CDCMAKE_BUILD_TYPE=Release >"$LOG" 2>&1; then
      mkdir -p build && cat "$LOG.first" "$LOG" >build/setup.log && rm -f "$LOG" "$LOG.first"
      grep -E "torchnode:|error|Error" build/setup.log | head -n 40 >&2 || true
      echo "torchnode setup: native build failed; full log: build/setup.log" >&2
      exit 1
    fi
    rm -f "$LOG.first"
  fi
  mkdir -p build && mv "$LOG" build/setup.log
  grep -E "torchnode: LibTorch" build/setup.log | sed 's/^-- //' >&2 || true
fi
say "ready"
