# The import ID is the DaemonSet's namespace and name.
terraform import kubedaemon_daemonset.monitoring default/monitoring-daemon
