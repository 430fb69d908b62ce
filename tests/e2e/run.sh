#!/bin/sh
# Runs the browser journeys against the build given (default build/):
# installs playwright-core from the npm registry into tests/e2e/node_modules
# when missing (pinned in package-lock.json; it downloads no browser), then
# runs every *.test.mjs with Node's test runner, whose TAP lines
# tests/run.sh counts.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-build}
if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
export XIAOAN_BIN="${XIAOAN_BIN:-$top/$build/xiaoan}"
cd "$top"
exec node --test --test-reporter=tap "$here"/*.test.mjs
