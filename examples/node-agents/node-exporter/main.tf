# Metrics agent: the Prometheus node exporter on every Linux node, in the node's network and PID
# namespaces so that its metrics describe the node rather than a pod, with the node's /proc, /sys
# and root filesystem mounted read-only where it expects them. Prometheus scrapes it at the node's
# address on port 9100.
terraform {
  required_providers {
    kubedaemon = {
      source = "kubedaemon/kubedaemon"
    }
  }
}

provider "kubedaemon" {}

resource "kubedaemon_node_agent" "node_exporter" {
  name         = "node-exporter"
  namespace    = "kube-system"
  image        = "quay.io/prometheus/node-exporter:v1.9.1"
  host_network = true
  host_pid     = true
  args = [
    "--path.procfs=/host/proc",
    "--path.sysfs=/host/sys",
    "--path.rootfs=/host/root",
    "--web.listen-address=:9100",
  ]

  host_paths = [
    { path = "/proc", mount_path = "/host/proc" },
    { path = "/sys", mount_path = "/host/sys" },
    { path = "/", mount_path = "/host/root" },
  ]
  ports           = [{ name = "metrics", container_port = 9100 }]
  readiness_probe = { http_get = { path = "/metrics", port = 9100 }, period_seconds = 15 }

  node_selector   = { "kubernetes.io/os" = "linux" }
  pod_annotations = { "prometheus.io/scrape" = "true", "prometheus.io/port" = "9100" }
  resources       = { cpu_request = "100m", memory_request = "30Mi", memory_limit = "180Mi" }

  # One node at a time: the port is the node's, so a new pod can only start once the old one stopped.
  max_unavailable = "1"
}

output "node_exporter" {
  value = "${kubedaemon_node_agent.node_exporter.coverage.covered} of ${kubedaemon_node_agent.node_exporter.coverage.counted} nodes export metrics"
}
