#!/usr/bin/env bash
# Rewrites pulumi/schema.json, the Pulumi package schema, from the provider's schema.
set -euo pipefail
cd "$(dirname "$0")"
go run ./cmd/gen-schema -out schema.json
