# Log collector: Fluent Bit on every node, control-plane nodes included, tailing the containers'
# logs under /var/log and /var/lib/docker/containers (mounted read-only) and tagging each record
# with the node's name from NODE_NAME. The apply returns once every Ready node runs a Ready pod, and
# the coverage check below fails the run when one does not.
terraform {
  required_providers {
    kubedaemon = {
      source = "kubedaemon/kubedaemon"
    }
  }
}

provider "kubedaemon" {}

resource "kubedaemon_node_agent" "fluent_bit" {
  name      = "fluent-bit"
  namespace = "kube-system"
  image     = "cr.fluentbit.io/fluent/fluent-bit:4.0"
  args = [
    "-i", "tail", "-p", "path=/var/log/containers/*.log", "-p", "tag=kube.$(NODE_NAME)",
    "-o", "stdout", "-m", "*",
    "-H", "-P", "2020",
  ]

  host_paths = [
    { path = "/var/log" },
    { path = "/var/lib/docker/containers" },
  ]
  ports           = [{ name = "http", container_port = 2020 }]
  readiness_probe = { http_get = { path = "/", port = 2020 } }

  # Keep the collector's own output out of what it collects.
  pod_annotations = { "fluentbit.io/exclude" = "true" }
  resources       = { memory_request = "32Mi", memory_limit = "128Mi" }
}

# The node-by-node report of the DaemonSet the agent runs.
data "kubedaemon_coverage" "fluent_bit" {
  namespace = kubedaemon_node_agent.fluent_bit.namespace
  name      = kubedaemon_node_agent.fluent_bit.daemonset_name
}

check "fluent_bit_on_every_node" {
  assert {
    condition     = data.kubedaemon_coverage.fluent_bit.complete
    error_message = "Fluent Bit does not run on: ${join(", ", data.kubedaemon_coverage.fluent_bit.uncovered)}"
  }
}

output "nodes_without_fluent_bit" {
  value = { for n in data.kubedaemon_coverage.fluent_bit.nodes : n.name => "${n.reason}: ${coalesce(n.message, "-")}" }
}
