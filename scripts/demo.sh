#!/usr/bin/env bash
# Applies the demo configuration (examples/demo) with the freshly built provider to the local cluster
# and prints the node-by-node coverage. Run through `make demo`, which builds and starts things first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/.cluster/demo"
mkdir -p "$work"
cp "$root"/examples/demo/*.tf "$work/"
cat > "$root/.cluster/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "kubedaemon/kubedaemon" = "$root/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$root/.cluster/terraformrc"
export KUBE_CONFIG_PATH="${KUBE_CONFIG_PATH:-$root/.cluster/kubeconfig}"
cd "$work"
terraform apply -auto-approve -input=false
terraform output
