# Adopts the agent whose DaemonSet is kube-system/log-collector into kubedaemon_node_agent.log_collector
# at the next apply.
import {
  to = kubedaemon_node_agent.log_collector
  id = "kube-system/log-collector"
}
