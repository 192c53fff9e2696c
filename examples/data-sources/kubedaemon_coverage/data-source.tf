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

output "uncovered_reasons" {
  value = { for n in data.kubedaemon_coverage.logging.nodes : n.name => "${n.reason}: ${coalesce(n.message, "")}" if n.counted && !n.covered }
}
