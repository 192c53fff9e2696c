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

// coverageRead reads the seed DaemonSet's coverage through the data source, every node listed or,
// as by default, those that are not covered; the outputs let the benchmark check that the read saw
// every node.
func coverageRead(kubeconfig, namespace string, all bool) string {
	return providerBlock(kubeconfig) + fmt.Sprintf(`
data "kubedaemon_coverage" "monitoring" {
  namespace      = %q
  name           = %q
  list_all_nodes = %v
}

output "nodes_total" {
  value = data.kubedaemon_coverage.monitoring.nodes_total
}

output "covered" {
  value = data.kubedaemon_coverage.monitoring.covered
}

output "nodes_listed" {
  value = length(data.kubedaemon_coverage.monitoring.nodes)
}
`, namespace, seedName, all)
}

// planDaemonSets is a configuration of count DaemonSets that run on the pool of fresh nodes (so
// that their pods are made in minutes at any cluster size); revision goes into every pod template,
// so that a new value changes every spec.
func planDaemonSets(kubeconfig, namespace, pool string, count int, revision string, timeout time.Duration) string {
	return providerBlock(kubeconfig) + fmt.Sprintf(`
resource "kubedaemon_daemonset" "plan" {
  count = %[1]d
  metadata = {
    name      = format("plan-%%02d", count.index)
    namespace = %[2]q
  }
  spec = {
    selector = {
      match_labels = { app = format("plan-%%02d", count.index) }
    }
    template = {
      metadata = {
        labels      = { app = format("plan-%%02d", count.index) }
        annotations = { "bench.kubedaemon.io/revision" = %[3]q }
      }
      spec = {
        node_selector = { %[4]q = %[5]q }
        containers = [{
          name  = "agent"
          image = %[6]q
        }]
      }
    }
  }
  timeouts = {
    create = %[7]q
    update = %[7]q
  }
}
`, count, namespace, revision, poolLabel, pool, seedImage, timeout.String())
}
