#!/usr/bin/env bash
# Runs tfplugindocs, pinned in tools/go.mod, from the tools cache (see build-tools.sh). When only the
# doc tool is missing it builds that one alone, as build-tools.sh would, instead of the whole cluster.
# tfplugindocs takes the provider's schema from the `terraform` on PATH: it downloads none.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$("$root/scripts/tools-dir.sh")
if [ ! -x "$bin/tfplugindocs" ]; then
  mkdir -p "$bin"
  echo "building tfplugindocs into $bin ..." >&2
  (cd "$root/tools" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin/tfplugindocs.$$" \
    github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs)
  mv "$bin/tfplugindocs.$$" "$bin/tfplugindocs"
fi
command -v terraform >/dev/null || { echo "tfplugindocs needs terraform on PATH to read the provider's schema" >&2; exit 1; }
# The environment may name a CLI configuration file that does not exist, which only adds warnings.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
export CHECKPOINT_DISABLE=1
exec "$bin/tfplugindocs" "$@"
