#!/usr/bin/env bash
# Prints the path of a pinned development tool (tofu, golangci-lint, goreleaser), building it first
# when it is not cached. Each tool has its own module under tools/ and its own cache folder keyed by
# that module's go.mod and go.sum and the build flags, so bumping one never rebuilds the others or
# the cluster's binaries. Build progress goes to stderr; stdout carries only the path, for
# "$(scripts/pinned-tool.sh tofu)".
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: pinned-tool.sh tofu|golangci-lint|goreleaser}
ldflags="-s -w"
case "$name" in
  tofu)
    module=tofu pkg=github.com/opentofu/opentofu/cmd/tofu
    # As OpenTofu's own release build: without it the binary calls itself a -dev prerelease.
    ldflags+=" -X github.com/opentofu/opentofu/version.dev=no"
    ;;
  golangci-lint) module=lint pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint ;;
  goreleaser) module=release pkg=github.com/goreleaser/goreleaser/v2 ;;
  *) echo "pinned-tool.sh: unknown tool $name" >&2; exit 2 ;;
esac

dir="$root/tools/$module"
key=$({ cat "$dir/go.mod" "$dir/go.sum"; echo "$ldflags"; } | sha256sum | cut -c1-16)
bin="${KUBEDAEMON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubedaemon}/$module-$key/bin"

if [ ! -x "$bin/$name" ]; then
  mkdir -p "$bin"
  start=$(date +%s)
  echo "building $name ($pkg, pinned in tools/$module/go.mod) ..." >&2
  # A temporary name, so that an interrupted or concurrent build never leaves a broken binary behind.
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$bin/$name.$$" "$pkg") >&2
  mv "$bin/$name.$$" "$bin/$name"
  echo "$name built in $(( $(date +%s) - start ))s" >&2
fi
echo "$bin/$name"
