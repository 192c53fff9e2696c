# A monitoring agent on every node. The apply returns once every Ready node that the DaemonSet
# controller would place it on runs a Ready pod of this revision.
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

# A log collector that reads the nodes' /var/log, runs on control-plane nodes too, and replaces its
# pods a tenth of the nodes at a time.
resource "kubedaemon_daemonset" "log_collector" {
  metadata = {
    name      = "log-collector"
    namespace = "logging"
    labels    = { "app.kubernetes.io/name" = "log-collector" }
  }
  spec = {
    selector = {
      match_labels = { "app.kubernetes.io/name" = "log-collector" }
    }
    update_strategy = {
      type = "RollingUpdate"
      rolling_update = {
        max_unavailable = "10%"
      }
    }
    template = {
      metadata = {
        labels = { "app.kubernetes.io/name" = "log-collector" }
      }
      spec = {
        tolerations = [{
          key      = "node-role.kubernetes.io/control-plane"
          operator = "Exists"
          effect   = "NoSchedule"
        }]
        containers = [{
          name  = "fluent-bit"
          image = "cr.fluentbit.io/fluent/fluent-bit:4.0"
          resources = {
            requests = { cpu = "50m", memory = "64Mi" }
            limits   = { memory = "128Mi" }
          }
          volume_mounts = [{
            name       = "varlog"
            mount_path = "/var/log"
            read_only  = true
          }]
        }]
        volumes = [{
          name      = "varlog"
          host_path = { path = "/var/log" }
        }]
      }
    }
  }

  # Large clusters take longer than the default 10 minutes to roll out.
  timeouts = {
    create = "20m"
    update = "20m"
  }
}

# A node-exporter style agent: it shares the node's network and process namespaces so that it sees
# the node's interfaces and processes, serves its metrics on the node's port 9100, and tolerates
# every taint so that no node goes unmonitored.
resource "kubedaemon_daemonset" "node_exporter" {
  metadata = {
    name      = "node-exporter"
    namespace = "monitoring"
  }
  spec = {
    selector = {
      match_labels = { app = "node-exporter" }
    }
    template = {
      metadata = {
        labels = { app = "node-exporter" }
      }
      spec = {
        host_network = true
        host_pid     = true
        tolerations  = [{ operator = "Exists" }]
        containers = [{
          name  = "node-exporter"
          image = "quay.io/prometheus/node-exporter:v1.9.1"
          args  = ["--path.rootfs=/host"]
          ports = [{
            name           = "metrics"
            container_port = 9100
            host_port      = 9100
          }]
          volume_mounts = [{
            name              = "root"
            mount_path        = "/host"
            read_only         = true
            mount_propagation = "HostToContainer"
          }]
        }]
        volumes = [{
          name      = "root"
          host_path = { path = "/" }
        }]
      }
    }
  }
}
