#!/usr/bin/env bash
# Runs scripts or test files under valgrind --leak-check=full and summarises "definitely lost"
# blocks whose allocation stack passes through the torchnode addon (native/*.cc), ignoring the
# one-time allocations of Node/V8 and LibTorch (tools/fuzz/valgrind.supp).
#
#   tools/leakcheck.sh                         # tools/fuzz/leak-workload.ts (tiny, ~minutes)
#   tools/leakcheck.sh test/83.lifetime.test.ts tools/fuzz/leak-workload.ts
#
# Node runs --jitless under valgrind (no JIT code for valgrind to re-translate; tsx falls back
# to its JS lexer without WebAssembly). Exit status: 1 when any definitely-lost block comes from
# the addon.
set -uo pipefail
cd "$(dirname "$0")/.."
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tools/fuzz/leak-workload.ts)
out=${LEAKCHECK_DIR:-$(mktemp -d /tmp/torchnode-leakcheck.XXXXXX)}
mkdir -p "$out"
tsx=$(node -e "console.log(import.meta.resolve('tsx'))" --input-type=module)
status=0
for f in "${files[@]}"; do
  log="$out/$(basename "$f").valgrind.txt"
  echo "== $f (valgrind log: $log)"
  valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --num-callers=40 --suppressions=tools/fuzz/valgrind.supp --log-file="$log" \
    node --jitless --import "$tsx" "$f" > "$out/$(basename "$f").stdout.txt" 2>&1
  echo "   exit status $?; $(tail -n 3 "$out/$(basename "$f").stdout.txt" | tr '\n' ' ')"
  # Split the log into loss records; keep the definitely-lost ones that pass through the addon.
  awk -v RS='==[0-9]+== \n' '/definitely lost in loss record/' "$log" > "$out/definite.txt"
  total=$(grep -c "definitely lost in loss record" "$log")
  ours=$(awk -v RS='==[0-9]+== \n' '/definitely lost in loss record/ && /torchnode(\.node|::)/' "$log")
  nours=$(printf '%s' "$ours" | grep -c "definitely lost in loss record")
  bytes=$(printf '%s' "$ours" | grep -o '[0-9,]* bytes in [0-9,]* blocks are definitely' | awk '{gsub(",","",$1); s+=$1} END {print s+0}')
  echo "   definitely lost: $(grep -o 'definitely lost: .*' "$log" | head -1)"
  echo "   loss records (definite): $total in all, $nours through the torchnode addon ($bytes bytes)"
  if [ "$nours" -gt 0 ]; then
    status=1
    printf '%s\n' "$ours" | grep -E "definitely lost|torchnode|at 0x|by 0x" | head -60
  fi
  grep -E "ERROR SUMMARY|suppressed:" "$log" | sed 's/^==[0-9]*==/  /'
done
exit $status
