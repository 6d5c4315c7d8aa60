#!/usr/bin/env bash
# Runs scripts or test files under a leak checker and summarises "definitely lost" (valgrind) /
# "direct leak" (LeakSanitizer) blocks whose allocation stack passes through the torchnode addon
# (native/*.cc), ignoring one-time allocations of Node/V8/LibTorch (tools/fuzz/valgrind.supp,
# tools/fuzz/lsan.supp).
#
#   tools/leakcheck.sh                                   # tools/fuzz/leak-workload.ts
#   tools/leakcheck.sh test/83.lifetime.test.ts tools/fuzz/leak-workload.ts
#   LEAKCHECK_TOOL=valgrind tools/leakcheck.sh ...
#   tools/leakcheck.sh fuzz:SEED:CALLS                    # a fuzz batch (tools/fuzz/child.ts)
#
# The default tool is LeakSanitizer (gcc's liblsan, preloaded): Debian's LibTorch pulls in
# libhwy (via OpenCV -> libjxl), whose static initialiser executes RDTSCP, which valgrind 3.19
# cannot decode (SIGILL before main). Valgrind mode is kept for systems without that library.
# Exit status: 1 when any leaked block comes from the addon.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tool=${LEAKCHECK_TOOL:-lsan}
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(tools/fuzz/leak-workload.ts)
out=${LEAKCHECK_DIR:-$(mktemp -d /tmp/torchnode-leakcheck.XXXXXX)}
mkdir -p "$out"
tsx=$(node --input-type=module -e "console.log(import.meta.resolve('tsx'))")
lsan=$(gcc -print-file-name=liblsan.so 2>/dev/null); [ -e "$lsan" ] || lsan=/usr/lib/x86_64-linux-gnu/liblsan.so.0
status=0
for f in "${files[@]}"; do
  name=$(basename "$f")
  args=("$f")
  if [[ "$f" == fuzz:* ]]; then
    IFS=: read -r _ seed calls <<< "$f"
    name="fuzz-$seed-$calls"
    args=(tools/fuzz/child.ts "$seed" 0 "$calls" "$out/$name.calls.log")
  fi
  log="$out/$name.$tool.txt"
  echo "== $f ($tool; log: $log)"
  if [ "$tool" = valgrind ]; then
    # --jitless: no JIT code for valgrind to re-translate (tsx falls back to its JS lexer).
    valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
      --num-callers=40 --suppressions=tools/fuzz/valgrind.supp --log-file="$log" \
      node --jitless --import "$tsx" "${args[@]}" > "$out/$name.stdout.txt" 2>&1
    rc=$?
    header='definitely lost in loss record'
    records=$(awk -v RS='==[0-9]+== \n' "/$header/" "$log")
  else
    rm -f "$log".*
    # allocator_may_return_null: huge tensors must fail as LibTorch's out-of-memory error, as
    # without the sanitizer, not abort in the sanitizer's allocator.
    LD_PRELOAD="$lsan" \
      LSAN_OPTIONS="suppressions=$root/tools/fuzz/lsan.supp:fast_unwind_on_malloc=0:malloc_context_size=40:allocator_may_return_null=1:exitcode=0:log_path=$log" \
      node --import "$tsx" "${args[@]}" > "$out/$name.stdout.txt" 2>&1
    rc=$?
    cat "$log".* > "$log" 2>/dev/null || : > "$log"
    header='Direct leak of'
    records=$(awk -v RS='' "/$header/" "$log")
  fi
  echo "   exit status $rc; output tail: $(tail -n 2 "$out/$name.stdout.txt" | cut -c1-200 | tr '\n' ' ')"
  total=$(printf '%s' "$records" | grep -c "$header")
  ours=$(printf '%s\n' "$records" | awk -v RS='' '/torchnode(\.node|::)/')
  nours=$(printf '%s' "$ours" | grep -c "$header")
  bytes=$(printf '%s' "$ours" | grep -oE '[0-9,]+ bytes in [0-9,]+ blocks are definitely|Direct leak of [0-9]+ byte' | grep -oE '[0-9,]+' | head -n 1000 | awk '{gsub(",",""); s+=$1} END {print s+0}')
  echo "   leaked blocks (direct/definitely lost): $total records in all, $nours through the torchnode addon ($bytes bytes)"
  grep -hE "SUMMARY: (LeakSanitizer|AddressSanitizer)|definitely lost:|ERROR SUMMARY|Process terminating" "$log" | sed 's/^==[0-9]*==/  /' | head -5
  if [ "$nours" -gt 0 ]; then
    status=1
    printf '%s\n' "$ours" | head -80
  fi
  if [ "$rc" -ne 0 ]; then echo "   (the program itself exited with $rc)"; status=1; fi
done
exit $status
