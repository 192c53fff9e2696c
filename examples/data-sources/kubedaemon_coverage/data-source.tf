data "kubedaemon_coverage" "logging" {
  namespace = "logging"
  name      = "fluent-bit"
}

# Fail the run when some counted node lacks a ready pod of the current revision.
check "logging_covers_every_node" {
  assert {
    condition     = data.kubedaemon_coverage.logging.complete
    error_message = "fluent-bit does not cover: ${join(", ", data.kubedaemon_coverage.logging.uncovered)}"
  }
}

# By default `nodes` lists only the nodes that want a look: eligible but not covered (NotReady ones
# included), or running a pod though not eligible.
output "nodes_to_look_at" {
  value = { for n in data.kubedaemon_coverage.logging.nodes : n.name => "${n.reason}: ${coalesce(n.message, "")}" }
}

# Every node of the cluster, with the reason of each one that is not covered.
data "kubedaemon_coverage" "logging_every_node" {
  namespace      = "logging"
  name           = "fluent-bit"
  list_all_nodes = true
}

output "ineligible_nodes" {
  value = [for n in data.kubedaemon_coverage.logging_every_node.nodes : n.name if !n.eligible]
}
