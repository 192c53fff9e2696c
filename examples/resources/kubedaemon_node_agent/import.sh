# The import ID is the namespace and name of the agent's DaemonSet.
terraform import kubedaemon_node_agent.log_collector kube-system/log-collector
