#!/bin/sh
# run.sh BUILDDIR SECONDS: runs every libFuzzer target of a fuzz build
# (meson -Dfuzz=true, CC=clang, ASan+UBSan) for SECONDS each.
#
# Each target keeps a growing corpus in BUILDDIR/fuzz/corpus/<target>,
# seeded from tests/fuzz/corpus/<target>; a crash, a leak, a timeout or an
# out-of-memory leaves its input in BUILDDIR/fuzz/artifacts/<target>/ and
# makes this script exit 1. It never writes into the source tree.
set -u
if [ $# -ne 2 ]; then
  echo "usage: $0 BUILDDIR SECONDS" >&2
  exit 2
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
bdir=$(cd "$1" 2>/dev/null && pwd) || { echo "no build folder $1" >&2; exit 2; }
secs=$2
case $secs in
  ''|*[!0-9]*) echo "SECONDS must be a whole number" >&2; exit 2 ;;
esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in urlencoded multipart json input tmpl csv receipt; do
  exe="$bdir/tests/fuzz/fuzz_$t"
  if [ ! -x "$exe" ]; then
    echo "FAIL fuzz_$t: not built (configure with -Dfuzz=true)"
    failed=1
    continue
  fi
  corpus="$bdir/fuzz/corpus/$t"
  art="$bdir/fuzz/artifacts/$t"
  log="$bdir/fuzz/fuzz_$t.log"
  mkdir -p "$corpus" "$art"
  for seed in "$top/tests/fuzz/corpus/$t"/*; do
    [ -f "$seed" ] || continue
    [ -e "$corpus/seed-$(basename "$seed")" ] ||
      cp "$seed" "$corpus/seed-$(basename "$seed")"
  done
  dict=""
  [ -f "$top/tests/fuzz/$t.dict" ] && dict="-dict=$top/tests/fuzz/$t.dict"
  max_len=4096
  [ "$t" = multipart ] && max_len=16384
  # shellcheck disable=SC2086
  "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$art/" \
    $dict "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  units=$(ls "$corpus" | wc -l)
  if [ "$rc" -ne 0 ]; then
    echo "FAIL fuzz_$t (exit $rc, ${execs:-?} runs); log: $log"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|Test unit written|#0 |#1 |#2 |#3 ' "$log" | head -n 20
    failed=1
  else
    echo "ok   fuzz_$t: ${execs:-?} runs in ${secs}s, corpus $units"
  fi
done
exit "$failed"
