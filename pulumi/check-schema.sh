#!/usr/bin/env bash
# Fails, showing the difference, when the committed pulumi/schema.json is not the one the
# provider's current schema generates.
set -euo pipefail
cd "$(dirname "$0")"
fresh="$(mktemp)"
trap 'rm -f "$fresh"' EXIT
go run ./cmd/gen-schema -out "$fresh"
if ! diff -u --label "pulumi/schema.json (committed)" --label "pulumi/schema.json (generated)" schema.json "$fresh"; then
	echo "pulumi/schema.json is out of date: run 'make -C pulumi generate' and commit the result." >&2
	exit 1
fi
echo "pulumi/schema.json is up to date."
