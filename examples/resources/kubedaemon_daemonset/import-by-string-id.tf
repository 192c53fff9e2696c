# Adopts the DaemonSet default/monitoring-daemon into kubedaemon_daemonset.monitoring at the next apply.
import {
  to = kubedaemon_daemonset.monitoring
  id = "default/monitoring-daemon"
}
