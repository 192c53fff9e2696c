#!/usr/bin/env bash
# Prints the path of a pinned development tool (tofu, golangci-lint, goreleaser, and the Terraform
# CLI at two versions: terraform-1.16 and terraform-1.11), building it first when it is not cached.
# Each tool has its own module under tools/ and its own cache folder keyed by that module's files
# (go.mod, go.sum and, for Terraform, its stand-ins) and the build flags, so bumping one never
# rebuilds the others or the cluster's binaries. Build progress goes to stderr; stdout carries only
# the path, for "$(scripts/pinned-tool.sh tofu)".
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: pinned-tool.sh tofu|golangci-lint|goreleaser|terraform-1.16|terraform-1.11}
ldflags="-s -w"
exe=$name
case "$name" in
  tofu)
    module=tofu pkg=github.com/opentofu/opentofu/cmd/tofu
    # As OpenTofu's own release build: without it the binary calls itself a -dev prerelease.
    ldflags+=" -X github.com/opentofu/opentofu/version.dev=no"
    ;;
  golangci-lint) module=lint pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint ;;
  goreleaser) module=release pkg=github.com/goreleaser/goreleaser/v2 ;;
  terraform-1.16 | terraform-1.11)
    # The newest release (make testacc-latest) and the one the tests have long run under (the
    # fallback when no terraform is on PATH: scripts/terraform-path.sh). The binary is called
    # terraform, each in its own folder, so that either can be put first on PATH.
    module=$name pkg=github.com/hashicorp/terraform exe=terraform
    # As Terraform's own release build (.github/scripts/get_product_version.sh): without it the
    # binary calls itself a -dev prerelease.
    ldflags+=" -X github.com/hashicorp/terraform/version.dev=no"
    ;;
  *) echo "pinned-tool.sh: unknown tool $name" >&2; exit 2 ;;
esac

dir="$root/tools/$module"
# Every file of the module in name order: go.mod, go.sum, then any stand-ins (tools/terraform-*).
key=$({ (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cat); echo "$ldflags"; } |
  sha256sum | cut -c1-16)
bin="${KUBEDAEMON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubedaemon}/$module-$key/bin"

if [ ! -x "$bin/$exe" ]; then
  mkdir -p "$bin"
  start=$(date +%s)
  echo "building $name ($pkg, pinned in tools/$module/go.mod) ..." >&2
  # A temporary name, so that an interrupted or concurrent build never leaves a broken binary behind.
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$bin/$exe.$$" "$pkg") >&2
  mv "$bin/$exe.$$" "$bin/$exe"
  echo "$name built in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin/$exe"
