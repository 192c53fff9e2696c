# The seed job: a monitoring agent on every node of the local cluster, and a report of where it runs.
terraform {
  required_providers {
    kubedaemon = {
      source = "kubedaemon/kubedaemon"
    }
  }
}

provider "kubedaemon" {}

resource "kubedaemon_daemonset" "monitoring" {
  metadata = {
    name      = "monitoring-daemon"
    namespace = "default"
  }
  spec = {
    selector = {
      match_labels = { app = "monitoring-agent" }
    }
    template = {
      metadata = {
        labels = { app = "monitoring-agent" }
      }
      spec = {
        containers = [{
          name  = "monitoring-agent"
          image = "monitoring-agent"
        }]
      }
    }
  }
}

# Every node, covered or not: by default the data source lists only the nodes that want a look.
data "kubedaemon_coverage" "monitoring" {
  namespace      = kubedaemon_daemonset.monitoring.metadata.namespace
  name           = kubedaemon_daemonset.monitoring.metadata.name
  list_all_nodes = true
}

output "coverage" {
  value = "${data.kubedaemon_coverage.monitoring.covered} of ${data.kubedaemon_coverage.monitoring.counted} counted nodes covered (complete: ${data.kubedaemon_coverage.monitoring.complete})"
}

output "nodes" {
  value = { for n in data.kubedaemon_coverage.monitoring.nodes : n.name => n.covered ? "covered" : coalesce(n.reason, "-") }
}
