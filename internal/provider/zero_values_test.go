package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// zeroValuesConfig is what users write all the time: explicit false, 0, "" and empty lists, some
// known only at apply (computed from another resource: here the first DaemonSet's generation,
// unknown while it is planned, minus itself, and a comparison that is false).
func zeroValuesConfig(namespace string) string {
	return fmt.Sprintf(`
resource "kubedaemon_daemonset" "test" {
  metadata = {
    name        = "zeros"
    namespace   = %[1]q
    annotations = {}
  }
  spec = {
    selector          = { match_labels = { app = "zeros" } }
    min_ready_seconds = 0
    template = {
      metadata = { labels = { app = "zeros" } }
      spec = {
        host_network        = false
        host_pid            = false
        host_ipc            = false
        priority_class_name = ""
        containers = [{
          name        = "agent"
          image       = %[2]q
          tty         = false
          stdin       = false
          working_dir = ""
          args        = []
          env         = []
          volume_mounts = [{ name = "logs", mount_path = "/var/log", read_only = false }]
        }]
        volumes = [{ name = "logs", host_path = { path = "/var/log", type = "" } }]
      }
    }
  }
}

resource "kubedaemon_daemonset" "unknown" {
  metadata = {
    name      = "zeros-unknown"
    namespace = %[1]q
  }
  spec = {
    selector          = { match_labels = { app = "zeros-unknown" } }
    min_ready_seconds = kubedaemon_daemonset.test.generation - kubedaemon_daemonset.test.generation
    template = {
      metadata = { labels = { app = "zeros-unknown" } }
      spec = {
        host_network = kubedaemon_daemonset.test.generation < 0
        containers = [{
          name        = "agent"
          image       = %[2]q
          working_dir = substr(kubedaemon_daemonset.test.uid, 0, 0)
        }]
      }
    }
  }
}
`, namespace, testImage)
}

// TestAccDaemonSet_zeroValues: explicit zero values, known at plan or only at apply, are applied,
// read back as written (no "inconsistent result"), plan empty afterwards and survive an import.
func TestAccDaemonSet_zeroValues(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	// Each path is built afresh: tfjsonpath's At methods may share the slice they append to.
	spec := func(name string) tfjsonpath.Path {
		return tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey(name)
	}
	container := func(name string) tfjsonpath.Path {
		return tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey("containers").AtSliceIndex(0).AtMapKey(name)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: zeroValuesConfig(ns),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("kubedaemon_daemonset.unknown", spec("host_network")),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonSetAddress, spec("host_network"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("spec").AtMapKey("min_ready_seconds"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue(daemonSetAddress, container("working_dir"), knownvalue.StringExact("")),
				statecheck.ExpectKnownValue(daemonSetAddress, container("args"), knownvalue.ListExact(nil)),
				statecheck.ExpectKnownValue(daemonSetAddress, container("volume_mounts").AtSliceIndex(0).AtMapKey("read_only"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("kubedaemon_daemonset.unknown", spec("host_network"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue("kubedaemon_daemonset.unknown", tfjsonpath.New("spec").AtMapKey("min_ready_seconds"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue("kubedaemon_daemonset.unknown", container("working_dir"), knownvalue.StringExact("")),
			},
			Check: func(*terraform.State) error {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "zeros", metav1.GetOptions{})
				if err != nil {
					return err
				}
				return expect("host network", ds.Spec.Template.Spec.HostNetwork, false)
			},
		}, {
			// An import reads every zero value, the empty lists included: they are sent, so the
			// managed fields record them. An empty annotations map is not read back after an
			// import (metadata maps are read as null when empty and not configured).
			ResourceName:                         daemonSetAddress,
			ImportState:                          true,
			ImportStateId:                        ns + "/zeros",
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "id",
			ImportStateVerifyIgnore:              []string{"coverage", "status", "resource_version", "metadata.annotations"},
		}},
	})
}

// TestAccNodeAgent_emptyCollections: every list and map of kubedaemon_node_agent set empty, with
// the booleans and strings at their zero values, applies, plans empty, and moves into another
// configuration with an import block that plans no change: the import reads each empty as
// written, the four the DaemonSet cannot show (unseenWhenEmpty) from the record. (ImportStateVerify
// would not do: it does not tell an empty map from a null one.)
func TestAccNodeAgent_emptyCollections(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := fmt.Sprintf(`
resource "kubedaemon_node_agent" "test" {
  name                = "empties"
  namespace           = %[1]q
  image               = %[2]q
  labels              = {}
  annotations         = {}
  pod_annotations     = {}
  command             = []
  args                = []
  env                 = {}
  host_paths          = []
  ports               = []
  capabilities        = []
  node_selector       = {}
  host_network        = false
  privileged          = false
  priority_class_name = ""
}
`, ns, testImage)
	var checks []statecheck.StateCheck
	for _, name := range []string{"labels", "annotations", "pod_annotations", "env", "node_selector"} {
		checks = append(checks, statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New(name), knownvalue.MapExact(map[string]knownvalue.Check{})))
	}
	for _, name := range []string{"command", "args", "host_paths", "ports", "capabilities"} {
		checks = append(checks, statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New(name), knownvalue.ListExact(nil)))
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:            config,
			ConfigStateChecks: checks,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			Config: `
removed {
  from = kubedaemon_node_agent.test
  lifecycle { destroy = false }
}
`,
		}, {
			Config: fmt.Sprintf(`
import {
  to = kubedaemon_node_agent.test
  id = "%s/empties"
}
`, ns) + config,
			ConfigStateChecks: checks,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(nodeAgentAddress, plancheck.ResourceActionNoop)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}},
	})
}
