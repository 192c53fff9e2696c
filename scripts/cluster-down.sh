#!/usr/bin/env bash
# Stops and removes the local control plane started by cluster-up.sh. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
name=${CLUSTER_NAME:-kubedaemon}
kubeconfig=${CLUSTER_KUBECONFIG:-$root/.cluster/kubeconfig}
bin=$("$root/scripts/tools-dir.sh")
if [ -x "$bin/kwokctl" ] && "$bin/kwokctl" get clusters 2>/dev/null | grep -qx "$name"; then
  "$bin/kwokctl" delete cluster --name "$name"
fi
rm -f "$kubeconfig"
echo "cluster $name is down"
