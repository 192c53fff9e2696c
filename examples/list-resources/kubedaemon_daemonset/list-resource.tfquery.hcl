# Find the DaemonSets to bring under Terraform, whatever made them:
#   terraform query -generate-config-out=imported.tf
# writes an import block and a configuration for each, which then plan the import and nothing else.
list "kubedaemon_daemonset" "logging" {
  provider         = kubedaemon
  include_resource = true

  config {
    namespace      = "logging"
    label_selector = "app.kubernetes.io/part-of=logging"
  }
}
