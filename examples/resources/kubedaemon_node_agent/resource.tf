# A log collector on every node, control-plane nodes included. The defaults do the rest: the host
# paths are mounted read-only, NODE_NAME holds the node's name, the pods run at system-node-critical
# priority under a ServiceAccount named after the agent, and a rollout replaces 10% of the pods at
# a time. The apply returns once every Ready node runs a Ready pod of the new revision.
resource "kubedaemon_node_agent" "log_collector" {
  name      = "log-collector"
  namespace = "kube-system"
  image     = "cr.fluentbit.io/fluent/fluent-bit:4.0"

  host_paths = [
    { path = "/var/log" },
    { path = "/var/lib/docker/containers" },
  ]
  pod_annotations = { "fluentbit.io/exclude" = "true" }
  resources       = { memory_limit = "128Mi" }
}

# A node-exporter style metrics agent in the node's network and PID namespaces, with the node's
# /proc and /sys where it expects them. It is Ready once it serves metrics.
resource "kubedaemon_node_agent" "node_exporter" {
  name         = "node-exporter"
  namespace    = "kube-system"
  image        = "quay.io/prometheus/node-exporter:v1.9.1"
  host_network = true
  host_pid     = true
  args         = ["--path.procfs=/host/proc", "--path.sysfs=/host/sys"]

  host_paths = [
    { path = "/proc", mount_path = "/host/proc" },
    { path = "/sys", mount_path = "/host/sys" },
  ]
  ports           = [{ name = "metrics", container_port = 9100 }]
  readiness_probe = { http_get = { path = "/metrics", port = 9100 } }
  max_unavailable = "1"
}

# A storage daemon: a privileged container that sees the node's devices and writes to the node.
resource "kubedaemon_node_agent" "storage" {
  name       = "storage-daemon"
  namespace  = "kube-system"
  image      = "registry.example.com/storage/node-daemon:1.4.0"
  privileged = true

  host_paths = [
    { path = "/dev", read_only = false },
    { path = "/var/lib/storage-daemon", read_only = false, type = "DirectoryOrCreate" },
  ]
  resources = { cpu_limit = "2", memory_limit = "1Gi" }
}

# A security agent that watches every process of the node with a few capabilities rather than a
# privileged container, on Linux nodes only, under an existing ServiceAccount. Each node's new pod
# starts before its old one stops, so no node goes unwatched during a rollout.
resource "kubedaemon_node_agent" "security" {
  name         = "security-agent"
  namespace    = "kube-system"
  image        = "falcosecurity/falco:0.41.0"
  host_pid     = true
  capabilities = ["SYS_PTRACE", "SYS_RESOURCE", "BPF", "PERFMON"]

  host_paths    = [{ path = "/proc", mount_path = "/host/proc" }]
  node_selector = { "kubernetes.io/os" = "linux" }

  create_service_account = false
  service_account_name   = "falco"

  max_unavailable = "0"
  max_surge       = "1"
}
