# Security agent: Falco watching the system calls of every process on every Linux node through
# eBPF. It needs the node's PID namespace and a few capabilities, not a privileged container, and
# reads the node's /proc and /etc. During a rollout each node's new pod starts before its old one
# stops, so no node goes unwatched; an update whose pods do not become Ready (a bad rule file, an
# eBPF probe the kernel refuses) is rolled back, so the fleet is never left half watched.
terraform {
  required_providers {
    kubedaemon = {
      source = "kubedaemon/kubedaemon"
    }
  }
}

provider "kubedaemon" {}

resource "kubedaemon_node_agent" "falco" {
  name         = "falco"
  namespace    = "kube-system"
  image        = "falcosecurity/falco:0.41.0"
  args         = ["/usr/bin/falco", "-o", "engine.kind=modern_ebpf"]
  host_pid     = true
  capabilities = ["SYS_PTRACE", "SYS_RESOURCE", "BPF", "PERFMON"]

  host_paths = [
    { path = "/proc", mount_path = "/host/proc" },
    { path = "/etc", mount_path = "/host/etc" },
  ]
  ports           = [{ name = "health", container_port = 8765 }]
  readiness_probe = { http_get = { path = "/healthz", port = 8765 }, initial_delay_seconds = 3 }

  node_selector = { "kubernetes.io/os" = "linux" }
  resources     = { cpu_request = "100m", cpu_limit = "1", memory_request = "512Mi", memory_limit = "1Gi" }

  max_unavailable = "0"
  max_surge       = "1"
  rollout         = { on_failure = "rollback" }
}

output "falco_coverage" {
  value = kubedaemon_node_agent.falco.coverage
}
