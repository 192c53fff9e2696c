# Storage daemon: the node side of a cluster storage system, which formats and mounts the node's
# disks. It runs privileged, sees the node's devices under /dev and keeps its state on the node, so
# those host paths are writable. Replace the image with your storage system's node daemon.
terraform {
  required_providers {
    kubedaemon = {
      source = "kubedaemon/kubedaemon"
    }
  }
}

provider "kubedaemon" {}

resource "kubedaemon_node_agent" "storage" {
  name       = "storage-daemon"
  namespace  = "kube-system"
  image      = "registry.example.com/storage/node-daemon:1.4.0"
  privileged = true
  env        = { STATE_DIR = "/var/lib/storage-daemon", NODE_ID = "$(NODE_NAME)" }

  host_paths = [
    { path = "/dev", read_only = false },
    { path = "/run/udev", type = "Directory" },
    { path = "/var/lib/storage-daemon", read_only = false, type = "DirectoryOrCreate" },
  ]
  readiness_probe = { exec = { command = ["/usr/bin/node-daemon", "health"] }, initial_delay_seconds = 10 }
  resources       = { cpu_request = "250m", cpu_limit = "2", memory_request = "256Mi", memory_limit = "1Gi" }

  # Volumes on a node are unavailable while its daemon restarts: one node at a time, and no more
  # waiting than the disks need.
  max_unavailable = "1"
  timeouts        = { create = "20m", update = "30m" }
}
