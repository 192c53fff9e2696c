#!/usr/bin/env bash
# Runs each fuzz target for FUZZTIME (default 30s), one after the other; the seed corpora are in
# testdata/fuzz beside each package and run with every plain `go test`. A failing input is written
# to that folder: commit it with the fix, and it stays a regression test.
# Usage: scripts/fuzz.sh [target ...]   (default: all; a target is package:FuzzName)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzztime=${FUZZTIME:-30s}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(
    ./internal/kubeschema:FuzzDaemonSetSpecConversion
    ./internal/provider:FuzzParseImportID
  )
fi
for target in "${targets[@]}"; do
  pkg=${target%%:*}
  name=${target##*:}
  echo "fuzzing $name in $pkg for $fuzztime"
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime"
done
