#!/usr/bin/env bash
# The LibTorch matrix: builds torchnode and runs its tests against LibTorch versions other than
# the host's, each in its own Debian root (debootstrap + chroot), from the current working tree.
#
#   tools/matrix.sh [cpu26] [cuda26]      (default: both; run as root on Debian/Ubuntu)
#
#   cpu26   Debian 13 (trixie): LibTorch 2.6 CPU and Debian's PyTorch 2.6: build, then the whole
#           suite (npm run test:only), parity tests against Python 2.6 included.
#   cuda26  Debian 13 with contrib/non-free: LibTorch 2.6 CUDA 12.4 (libtorch-cuda-dev), nvcc,
#           NCCL, gloo-cuda: build (CUDA and NCCL code compiled), load, and the CPU suite (no
#           GPU here: CUDA tests skip with their reason). cuDNN comes from NVIDIA's servers in
#           Debian (nvidia-cudnn downloads it in its postinst), which this machine cannot reach:
#           the postinst is skipped and a stub libcudnn.so.9 carrying the symbols libtorch_cuda
#           imports (all returning 0, never called on the CPU) lets the libraries load.
#
# Roots live in $MATRIX_DIR (default /var/tmp/torchnode-matrix) and are reused: the first run
# downloads ~1.5 GB (cpu26) and ~4 GB (cuda26) and takes 10-20 min per root; later runs only sync
# the tree, rebuild and test (~15 min per leg on 2 cores). Node comes from the host (copied in),
# so the roots test LibTorch, not another Node. Results: $MATRIX_DIR/<leg>.log and a summary line
# per leg on stdout; exit status 1 if any leg failed. MATRIX_TESTS="test/76*.ts test/77*.ts" runs
# those test files instead of the whole suite (to chase one failure without the other 14 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
DIR=${MATRIX_DIR:-/var/tmp/torchnode-matrix}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
LEGS=("$@")
[ ${#LEGS[@]} -gt 0 ] || LEGS=(cpu26 cuda26)

[ "$(id -u)" = 0 ] || { echo "matrix: run as root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
command -v rsync >/dev/null || apt-get install -y -qq rsync >/dev/null

mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done; }
trap cleanup EXIT

# A trixie root with the host's node/npm and CA certificates, /proc /sys /dev mounted.
make_root() {
  local root=$1
  if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "matrix: debootstrap trixie into $root" >&2
    debootstrap --variant=minbase --include=ca-certificates trixie "$root" "$MIRROR" >"$root.debootstrap.log" 2>&1
  fi
  for m in proc sys dev dev/pts; do
    mountpoint -q "$root/$m" || { mount --bind "/$m" "$root/$m"; mounted=("$root/$m" "${mounted[@]}"); }
  done
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  cmp -s "$(command -v node)" "$root/usr/bin/node" || cp "$(command -v node)" "$root/usr/bin/node"
  local npm_dir
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mkdir -p "$root/usr/lib/node_modules" && rsync -a --delete "$npm_dir/" "$root/usr/lib/node_modules/npm/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
}

# The host's CA bundle (copied in by make_root) for npm: a proxying network may use its own CA.
in_root() { chroot "$1" env -i MATRIX_TESTS="${MATRIX_TESTS:-}" HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt bash -c "$2"; }

apt_in() {
  local root=$1; shift
  in_root "$root" "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $* >/dev/null"
}

# The stub cuDNN (see the header): symbols from libtorch's imports, version node libcudnn.so.9.
stub_cudnn() {
  local root=$1
  in_root "$root" 'set -e
    printf "#!/bin/sh\nexit 0\n" >/var/lib/dpkg/info/nvidia-cudnn.postinst
    dpkg --configure -a >/dev/null
    [ -e /usr/local/lib/libcudnn.so.9 ] && exit 0
    cd /tmp
    for l in /lib/x86_64-linux-gnu/libtorch*.so* /lib/x86_64-linux-gnu/libc10_cuda.so*; do nm -D --undefined-only "$l" 2>/dev/null; done |
      sed -n "s/.* U \(cudnn[A-Za-z0-9_]*\)@libcudnn.so.9/\1/p" | sort -u >cudnn.syms
    { while read -r s; do echo "int $s(void) { return 0; }"; done <cudnn.syms; } >cudnn_stub.c
    echo "libcudnn.so.9 { global: *; };" >cudnn.map
    gcc -shared -fPIC -Wl,-soname,libcudnn.so.9 -Wl,--version-script=cudnn.map -o /usr/local/lib/libcudnn.so.9 cudnn_stub.c
    ldconfig'
}

run_leg() {
  local leg=$1 root="$DIR/$1" log="$DIR/$1.log"
  mkdir -p "$DIR"
  # run_leg runs under `||`, where bash ignores set -e: each step checks its own status.
  make_root "$root" || return 1
  case $leg in
    cpu26)
      apt_in "$root" libtorch-dev libopenblas0 libgloo-dev python3-torch python3-torchvision python3-numpy \
        cmake g++ make git python3 binutils chromium dataset-fashion-mnist e2fsprogs || return 1 ;;
    cuda26)
      in_root "$root" 'sed -i "s/^Components: main$/Components: main contrib non-free non-free-firmware/" /etc/apt/sources.list.d/debian.sources 2>/dev/null || true
        grep -q contrib /etc/apt/sources.list 2>/dev/null || sed -i "s/ main$/ main contrib non-free non-free-firmware/" /etc/apt/sources.list 2>/dev/null || true'
      # nvidia-cudnn's postinst fails (no access to NVIDIA's servers): configured after the stub.
      apt_in "$root" libtorch-cuda-dev python3-torch-cuda nvidia-cuda-toolkit libnccl-dev libgloo-cuda-dev \
        python3-torchvision python3-numpy libopenblas0 cmake g++ make git python3 binutils chromium dataset-fashion-mnist e2fsprogs || true
      stub_cudnn "$root" || return 1 ;;
    *) echo "matrix: unknown leg $leg (cpu26, cuda26)" >&2; return 2 ;;
  esac
  mkdir -p "$root/root/torchnode"
  rsync -a --delete --exclude node_modules --exclude build --exclude .bench --exclude results --exclude prebuilds "$REPO/" "$root/root/torchnode/" || return 1
  local t0=$SECONDS rc=0
  in_root "$root" 'cd /root/torchnode && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null &&
    rm -rf build && npx cmake-js build --CDCMAKE_BUILD_TYPE=Release 2>&1 | grep -E "torchnode:|error|warning:" ;
    test -f build/Release/torchnode.node && node --import tsx -e "import * as t from \"./lib/index.js\"; console.log(\"loaded\", JSON.stringify(t.version))" &&
    if [ -n "$MATRIX_TESTS" ]; then node --import tsx --test --test-concurrency=1 $MATRIX_TESTS; else npm run --silent test:only; fi' >"$log" 2>&1 || rc=$?
  local build=no
  grep -q '^loaded ' "$log" && build=yes
  local summary
  summary=$(grep -E '^# (pass|fail|skipped) ' "$log" | tr '\n' ' ')
  echo "matrix: $leg: build+load $build; $summary($((SECONDS - t0)) s; log $log)"
  return $rc
}

status=0
for leg in "${LEGS[@]}"; do run_leg "$leg" || status=1; done
exit $status
