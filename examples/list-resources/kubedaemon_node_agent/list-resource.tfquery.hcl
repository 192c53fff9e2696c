# Find the node agents of every namespace (DaemonSets of the agent's shape, made by another
# configuration of this provider); `terraform query -generate-config-out=agents.tf` writes an import
# block and a kubedaemon_node_agent configuration for each.
list "kubedaemon_node_agent" "all" {
  provider         = kubedaemon
  include_resource = true
}
