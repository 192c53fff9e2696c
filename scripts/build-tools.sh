#!/usr/bin/env bash
# Builds the local cluster's binaries (and the doc tool) from the versions pinned in tools/go.mod
# into a cache outside the repository, keyed by tools/go.mod and tools/go.sum, so a rebuild
# happens only when a pin changes. A cold build takes about 20 minutes on 2 cores.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=$("$root/scripts/tools-dir.sh")
mkdir -p "$bin"

# name:package pairs; built in this order so the slowest (apiserver) starts first.
targets=(
  "kube-apiserver:k8s.io/kubernetes/cmd/kube-apiserver"
  "kube-controller-manager:k8s.io/kubernetes/cmd/kube-controller-manager"
  "kube-scheduler:k8s.io/kubernetes/cmd/kube-scheduler"
  "etcd:go.etcd.io/etcd/server/v3"
  "kwok:sigs.k8s.io/kwok/cmd/kwok"
  "kwokctl:sigs.k8s.io/kwok/cmd/kwokctl"
  "tfplugindocs:github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)
if [ "${WITH_KIND:-}" = 1 ]; then
  targets+=("kind:sigs.k8s.io/kind")
fi

cd "$root/tools"
start=$(date +%s)
n=0
for t in "${targets[@]}"; do
  n=$((n + 1))
  name=${t%%:*}
  pkg=${t#*:}
  if [ -x "$bin/$name" ]; then
    echo "[$n/${#targets[@]}] $name: cached"
    continue
  fi
  echo "[$n/${#targets[@]}] building $name ($pkg) at $(( $(date +%s) - start ))s ..."
  # CGO off: static binaries that the kwokctl binary runtime can start anywhere; -s -w halves the size.
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$bin/$name.tmp" "$pkg"
  mv "$bin/$name.tmp" "$bin/$name"
  echo "[$n/${#targets[@]}] $name built at $(( $(date +%s) - start ))s"
done
echo "tools ready in $bin"
