package main

import (
	"fmt"
	"time"
)

// The seed DaemonSet of the examples, applied by Terraform and by kubectl alike.
const (
	seedName  = "monitoring-daemon"
	seedApp   = "monitoring-agent"
	seedImage = "monitoring-agent"
)

func providerBlock(kubeconfig string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    kubedaemon = { source = "kubedaemon/kubedaemon" }
  }
}

provider "kubedaemon" {
  config_path = %q
}
`, kubeconfig)
}

// seedResource is the seed DaemonSet as a kubedaemon_daemonset resource.
func seedResource(kubeconfig, namespace string, timeout time.Duration) string {
	return providerBlock(kubeconfig) + fmt.Sprintf(`
resource "kubedaemon_daemonset" "monitoring" {
  metadata = {
    name      = %[2]q
    namespace = %[1]q
  }
  spec = {
    selector = {
      match_labels = { app = %[3]q }
    }
    template = {
      metadata = {
        labels = { app = %[3]q }
      }
      spec = {
        containers = [{
          name  = %[3]q
          image = %[4]q
        }]
      }
    }
  }
  timeouts = {
    create = %[5]q
  }
}
`, namespace, seedName, seedApp, seedImage, timeout.String())
}

// seedManifest is the same DaemonSet for kubectl.
func seedManifest(namespace string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: %[2]s
  namespace: %[1]s
spec:
  selector:
    matchLabels:
      app: %[3]s
  template:
    metadata:
      labels:
        app: %[3]s
    spec:
      containers:
      - name: %[3]s
        image: %[4]s
`, namespace, seedName, seedApp, seedImage)
}

// coverageRead reads the seed DaemonSet's coverage through the data source; the outputs let the
// benchmark check that the read saw every node.
func coverageRead(kubeconfig, namespace string) string {
	return providerBlock(kubeconfig) + fmt.Sprintf(`
data "kubedaemon_coverage" "monitoring" {
  namespace = %q
  name      = %q
}

output "nodes_total" {
  value = data.kubedaemon_coverage.monitoring.nodes_total
}

output "covered" {
  value = data.kubedaemon_coverage.monitoring.covered
}
`, namespace, seedName)
}
