#!/usr/bin/env bash
# Prints the path of the Terraform CLI that `make testacc`/`make test` and `make demo` run: the
# terraform on PATH when there is one, otherwise the pinned 1.11.4 build (tools/terraform-1.11),
# which scripts/pinned-tool.sh builds into the cache on first use. stdout carries only the path.
set -euo pipefail
command -v terraform && exit 0
exec "$(dirname "$0")/pinned-tool.sh" terraform-1.11
