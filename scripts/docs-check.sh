#!/usr/bin/env bash
# Fails, showing the difference, when docs/ is not what `make generate` makes from the schema's
# descriptions, templates/ and examples/, or when an example is not formatted. It renders into a
# temporary folder and leaves the work tree untouched.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The environment may name a CLI configuration file that does not exist, which only adds warnings.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi

status=0
if ! terraform fmt -check -recursive -diff examples; then
  echo "docs-check: examples/ is not formatted: run 'make generate'" >&2
  status=1
fi

# tfplugindocs takes the output folder relative to the provider's folder.
scripts/tfplugindocs.sh generate --provider-name kubedaemon \
  --rendered-website-dir "$(realpath --relative-to="$root" "$tmp/docs")" >"$tmp/generate.log" 2>&1 ||
  { cat "$tmp/generate.log" >&2; exit 1; }

if ! diff -ruN docs "$tmp/docs"; then
  echo "docs-check: docs/ differs from the generated docs (diff above, - committed, + generated): run 'make generate' and commit docs/" >&2
  status=1
fi
[ "$status" = 0 ] && echo "docs-check: docs/ and examples/ are up to date"
exit "$status"
