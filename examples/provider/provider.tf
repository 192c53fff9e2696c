# With no arguments the provider uses KUBECONFIG or ~/.kube/config, then the in-cluster configuration.
provider "kubedaemon" {}

# Or name a kubeconfig and a context explicitly.
provider "kubedaemon" {
  alias          = "staging"
  config_path    = "~/.kube/config"
  config_context = "staging"
}
