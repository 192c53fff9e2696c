#!/usr/bin/env bash
# Runs tfplugindocs, pinned in tools/go.mod, from the tools cache (see build-tools.sh). When only the
# doc tool is missing it builds that one alone, as build-tools.sh would, instead of the whole cluster.
# tfplugindocs takes the provider's schema from the `terraform` on PATH: it downloads none. That is
# the pinned Terraform 1.16.4 (tools/terraform-1.16, built on first use), since older CLIs leave
# actions out of the schema they report.
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
tf=$("$root/scripts/pinned-tool.sh" terraform-1.16)
export PATH="$(dirname "$tf"):$PATH"
# The environment may name a CLI configuration file that does not exist, which only adds warnings.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then
  unset TF_CLI_CONFIG_FILE
fi
export CHECKPOINT_DISABLE=1
exec "$bin/tfplugindocs" "$@"
