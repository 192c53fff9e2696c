#!/usr/bin/env bash
# Starts (or reuses) the local control plane: the real kube-apiserver, kube-controller-manager,
# kube-scheduler and etcd, with kwok playing the kubelets of NODES nodes. Idempotent.
# Writes the kubeconfig to .cluster/kubeconfig (or $CLUSTER_KUBECONFIG).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
name=${CLUSTER_NAME:-kubedaemon}
nodes=${NODES:-3}
kubeconfig=${CLUSTER_KUBECONFIG:-$root/.cluster/kubeconfig}
bin=$("$root/scripts/tools-dir.sh")

"$root/scripts/build-tools.sh"
export PATH="$bin:$PATH"
mkdir -p "$(dirname "$kubeconfig")"

# components_alive checks that every process kwokctl started for the cluster still runs: a
# scheduler that could not bind its port exits at once while the API server answers, and pods are
# then never bound.
components_alive() {
  local pids=${KWOK_WORKDIR:-$HOME/.kwok}/clusters/$name/pids
  compgen -G "$pids/*.pid" >/dev/null || return 1
  for f in "$pids"/*.pid; do
    kill -0 "$(cat "$f")" 2>/dev/null || { echo "cluster $name: $(basename "$f" .pid) is not running" >&2; return 1; }
  done
}

healthy() {
  [ -f "$kubeconfig" ] && kwokctl get clusters 2>/dev/null | grep -qx "$name" &&
    kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1 && components_alive
}

if healthy; then
  echo "cluster $name is up; reusing it"
else
  if kwokctl get clusters 2>/dev/null | grep -qx "$name"; then
    echo "cluster $name exists but is not healthy; recreating it"
    kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
  fi
  # kwok replaces all its default stages when a config names any, so the defaults are taken from the
  # pinned kwok module and our test behaviours are added to them.
  kwok_dir=$(cd "$root/tools" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  stages="$root/.cluster/stages.yaml"
  {
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
      node/chaos/node-not-ready.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      cat "$kwok_dir/kustomize/stage/$f"
      echo "---"
    done
    cat "$root/scripts/kwok/test-stages.yaml"
    echo "---"
    cat "$root/scripts/kwok/components.yaml"
  } > "$stages"
  start=$(date +%s)
  # kwokctl picks free ports when it creates a cluster and binds them only when it starts it, so two
  # clusters created at once can be given the same port; the one that loses fails its wait (often
  # on the other's certificate) or loses a component, and is created again, on new ports.
  for attempt in 1 2 3; do
    rm -f "$kubeconfig"
    # shellcheck disable=SC2086 # KWOK_FLAGS is a list of extra flags by design
    if kwokctl create cluster --name "$name" --runtime binary \
      --kube-apiserver-binary "$bin/kube-apiserver" \
      --kube-controller-manager-binary "$bin/kube-controller-manager" \
      --kube-scheduler-binary "$bin/kube-scheduler" \
      --etcd-binary "$bin/etcd" \
      --kwok-controller-binary "$bin/kwok" \
      --config "$stages" \
      --kubeconfig "$kubeconfig" \
      --wait 120s ${KWOK_FLAGS:-} && components_alive; then
      break
    fi
    kwokctl delete cluster --name "$name" >/dev/null 2>&1 || true
    if [ "$attempt" = 3 ]; then
      echo "cluster $name did not start in 3 attempts" >&2
      exit 1
    fi
    echo "cluster $name did not start (attempt $attempt); creating it again"
  done
  echo "cluster $name created in $(( $(date +%s) - start ))s"
fi

kwokctl scale node --name "$name" --replicas "$nodes"

# Pods are refused until the default ServiceAccount exists, which lags the cluster's start.
for _ in $(seq 1 120); do
  kubectl --kubeconfig "$kubeconfig" -n default get serviceaccount default >/dev/null 2>&1 && break
  sleep 0.5
done
kubectl --kubeconfig "$kubeconfig" -n default get serviceaccount default >/dev/null
kubectl --kubeconfig "$kubeconfig" wait --for=condition=Ready node --all --timeout=120s >/dev/null
echo "cluster $name ready with $(kubectl --kubeconfig "$kubeconfig" get nodes --no-headers | wc -l) nodes"
echo "export KUBE_CONFIG_PATH=$kubeconfig"
