# Security agent: Falco watching the system calls of every process on every Linux node through
# eBPF. It needs the node's PID namespace and a few capabilities, not a privileged container, and
# reads the node's /proc and /etc. An update is staged: it goes first to the nodes of the canary pool
# and must stay healthy there for two minutes, then to a quarter of the other nodes, then to the rest,
# two nodes at a time within a wave. An update whose pods do not become Ready (a bad rule file, an
# eBPF probe the kernel refuses) stops at the canaries and is rolled back there, so it never reaches
# the fleet.
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

  rollout = {
    waves = [
      { node_selector = { pool = "canary" }, bake = "2m" },
      { percent = 25, bake = "1m" },
      {},
    ]
    max_unavailable = "2"
    on_failure      = "rollback"
  }
}

output "falco_coverage" {
  value = kubedaemon_node_agent.falco.coverage
}
