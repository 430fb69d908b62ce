#!/bin/sh
# Runs every test suite in each build folder given (the normal build, then
# the AddressSanitizer + UBSan build), counts the TAP lines cmocka prints,
# and ends with the line "N passed, N failed". Exit status 1 when anything
# failed or a test binary crashed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for b in "$@"; do
  bdir=$(cd "$top/$b" 2>/dev/null && pwd) || { echo "no build folder $b"; failed=$((failed+1)); continue; }
  export XIAOAN_BIN="$bdir/xiaoan"
  for t in "$bdir"/tests/test_*; do
    [ -x "$t" ] && [ -f "$t" ] || continue
    name=$(basename "$t")
    out="$log/$b-$name.out"
    (cd "$top" && "$t") >"$out" 2>&1
    rc=$?
    p=$(grep -cE '^ok [0-9]+' "$out")
    f=$(grep -cE '^not ok [0-9]+' "$out")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
      # A crash, a sanitizer report or a failure outside a test case.
      f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
      echo "FAIL $b/$name (exit $rc)"
      grep -vE '^ok [0-9]+' "$out" | tail -n 60
    else
      echo "ok   $b/$name: $p"
    fi
  done
done
# The browser journeys, once, against the first (normal) build.
if [ "${E2E:-1}" = 1 ] && [ $# -gt 0 ]; then
  out="$log/e2e.out"
  XIAOAN_BIN="$(cd "$top/$1" && pwd)/xiaoan" sh "$top/tests/e2e/run.sh" "$1" >"$out" 2>&1
  rc=$?
  p=$(grep -cE '^ok [0-9]+' "$out")
  f=$(grep -cE '^not ok [0-9]+' "$out")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    echo "FAIL e2e (exit $rc)"
    tail -n 80 "$out"
  else
    echo "ok   e2e: $p"
  fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
