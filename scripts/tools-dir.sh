#!/usr/bin/env bash
# Prints the cache folder of the pinned tool binaries: one folder per content of tools/go.mod and go.sum.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
key=$(cat "$root/tools/go.mod" "$root/tools/go.sum" | sha256sum | cut -c1-16)
echo "${KUBEDAEMON_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubedaemon}/tools-$key/bin"
