#!/usr/bin/env bash
# The README's promise, checked as a new user meets it: a fresh Debian 12 root (debootstrap
# minbase) holding only Node and npm (the host's, as a user installs them from nodejs.org), g++,
# make, python3, git and the host's CA certificates; a clean clone of this repository's HEAD;
# then the README's two commands, `npm start` and `npm test`, run as root (tools/setup.sh installs
# the rest with apt).
#
#   tools/fresh-root.sh [DIR]     run as root; default /var/tmp/torchnode-fresh12
#
# The root is recreated on every run (nothing left from a previous one). The host's apt cache is
# offered to the root's apt when the host is bookworm too, so packages already downloaded are not
# fetched again; apt still resolves and installs everything itself. Logs: DIR.start.log,
# DIR.test.log; the last line printed is the summary. Exit status: npm test's.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
ROOT=${1:-/var/tmp/torchnode-fresh12}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

[ "$(id -u)" = 0 ] || { echo "fresh-root: run as root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done; }
trap cleanup EXIT

for m in proc sys dev/pts dev; do umount -l "$ROOT/$m" 2>/dev/null || true; done
rm -rf "$ROOT"
echo "fresh-root: debootstrap bookworm into $ROOT" >&2
debootstrap --variant=minbase --include=ca-certificates bookworm "$ROOT" "$MIRROR" >"$ROOT.debootstrap.log" 2>&1
for m in proc sys dev dev/pts; do
  mount --bind "/$m" "$ROOT/$m"
  mounted=("$ROOT/$m" "${mounted[@]}")
done
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
if grep -q bookworm /etc/os-release && compgen -G "/var/cache/apt/archives/*.deb" >/dev/null; then
  # -n: debootstrap left its own debs there; -l: hard links when on one filesystem.
  cp -ln /var/cache/apt/archives/*.deb "$ROOT/var/cache/apt/archives/" 2>/dev/null ||
    cp -n /var/cache/apt/archives/*.deb "$ROOT/var/cache/apt/archives/" 2>/dev/null || true
fi

# Node and npm as a user installs them: the binary and npm's package.
cp "$(command -v node)" "$ROOT/usr/bin/node"
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
mkdir -p "$ROOT/usr/lib/node_modules" && cp -a "$npm_dir" "$ROOT/usr/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/bin/npx"

in_root() {
  chroot "$ROOT" env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt bash -c "$1"
}
in_root 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends g++ make python3 git >/dev/null'

git clone -q "$REPO" "$ROOT/root/torchnode"
echo "fresh-root: $(git -C "$ROOT/root/torchnode" log --oneline -1)" >&2

t0=$SECONDS
start_rc=0
in_root 'cd /root/torchnode && npm start' >"$ROOT.start.log" 2>&1 || start_rc=$?
start_s=$((SECONDS - t0))
t1=$SECONDS
test_rc=0
in_root 'cd /root/torchnode && npm test' >"$ROOT.test.log" 2>&1 || test_rc=$?
summary=$(grep -E '^# (tests|pass|fail|skipped) ' "$ROOT.test.log" | tr '\n' ' ')
echo "fresh-root: npm start exit $start_rc (${start_s} s); npm test exit $test_rc (${summary}$((SECONDS - t1)) s); logs $ROOT.start.log $ROOT.test.log"
exit $test_rc
