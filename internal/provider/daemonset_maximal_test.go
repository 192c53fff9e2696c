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

// maximalDaemonSet is a node-agent style DaemonSet that sets many kinds of fields: nested objects,
// lists of objects, quantities, int-or-strings, empty lists, booleans set to false.
func maximalDaemonSet(namespace, image, maxUnavailable string) string {
	return fmt.Sprintf(`
resource "kubedaemon_daemonset" "test" {
  metadata = {
    name        = "node-agent"
    namespace   = %[1]q
    labels      = { "app.kubernetes.io/name" = "node-agent", tier = "system" }
    annotations = { "example.com/owner" = "platform" }
  }
  spec = {
    min_ready_seconds      = 1
    revision_history_limit = 5
    selector = {
      match_labels = { "app.kubernetes.io/name" = "node-agent" }
      match_expressions = [{ key = "tier", operator = "In", values = ["system"] }]
    }
    update_strategy = {
      type           = "RollingUpdate"
      rolling_update = { max_unavailable = %[3]q, max_surge = 0 }
    }
    template = {
      metadata = {
        labels      = { "app.kubernetes.io/name" = "node-agent", tier = "system" }
        annotations = { "prometheus.io/scrape" = "true" }
      }
      spec = {
        host_network                     = true
        host_pid                         = true
        dns_policy                       = "ClusterFirstWithHostNet"
        termination_grace_period_seconds = 30
        priority_class_name              = "system-node-critical"
        node_selector                    = { "kubernetes.io/os" = "linux" }
        tolerations                      = [{ operator = "Exists" }]
        affinity = {
          node_affinity = {
            required_during_scheduling_ignored_during_execution = {
              node_selector_terms = [{
                match_expressions = [{ key = "kubedaemon.test/skip", operator = "DoesNotExist" }]
              }]
            }
          }
        }
        security_context = { run_as_non_root = false, fs_group = 0 }
        containers = [{
          name              = "agent"
          image             = %[2]q
          image_pull_policy = "IfNotPresent"
          args              = []
          command           = ["/agent", "--path.procfs=/host/proc"]
          env = [
            { name = "NODE_NAME", value_from = { field_ref = { field_path = "spec.nodeName" } } },
            { name = "LOG_LEVEL", value = "info" },
          ]
          ports = [{ name = "metrics", container_port = 9100, host_port = 9100, protocol = "TCP" }]
          resources = {
            requests = { cpu = "50m", memory = "64Mi" }
            limits   = { cpu = "0.5", memory = "1024Mi" }
          }
          readiness_probe = {
            http_get              = { path = "/healthz", port = "metrics" }
            initial_delay_seconds = 1
            period_seconds        = 10
          }
          liveness_probe = {
            tcp_socket = { port = 9100 }
          }
          security_context = {
            privileged                 = false
            read_only_root_filesystem  = true
            allow_privilege_escalation = false
            capabilities               = { add = ["SYS_PTRACE"], drop = ["ALL"] }
          }
          volume_mounts = [
            { name = "proc", mount_path = "/host/proc", read_only = true },
            { name = "sys", mount_path = "/host/sys", read_only = true, mount_propagation = "HostToContainer" },
          ]
        }]
        volumes = [
          { name = "proc", host_path = { path = "/proc", type = "Directory" } },
          { name = "sys", host_path = { path = "/sys" } },
        ]
      }
    }
  }
}
`, namespace, image, maxUnavailable)
}

func TestAccDaemonSet_maximalNodeAgentPlansEmpty(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return testAccCheckDaemonSetDestroyed(cs, ns, "node-agent", "app.kubernetes.io/name=node-agent")()
		},
		Steps: []resource.TestStep{{
			Config: maximalDaemonSet(ns, testImage, "10%"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey("containers").AtSliceIndex(0).AtMapKey("resources").AtMapKey("limits").AtMapKey("memory"), knownvalue.StringExact("1024Mi")),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey("containers").AtSliceIndex(0).AtMapKey("args"), knownvalue.ListExact(nil)),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("complete"), knownvalue.Bool(true)),
			},
			Check: func(*terraform.State) error {
				// The API server stores quantities canonically ("1Gi"); state keeps the configured "1024Mi".
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "node-agent", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if got := ds.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "1Gi" {
					return fmt.Errorf("memory limit on the server is %s, want 1Gi", got)
				}
				return nil
			},
		}, {
			ResourceName:                         daemonSetAddress,
			ImportState:                          true,
			ImportStateId:                        ns + "/node-agent",
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "id",
			// The API server normalises quantities, drops empty lists and fills defaults inside atomic
			// structs; an import has no configuration to tell them apart from chosen values.
			ImportStateVerifyIgnore: []string{"coverage", "status", "resource_version",
				"spec.template.spec.containers.0.env.0.value_from.field_ref.api_version",
				"spec.template.spec.containers.0.resources.limits.memory", "spec.template.spec.containers.0.resources.limits.cpu",
				"spec.template.spec.containers.0.args.#"},
		}, {
			// An update of the image and of maxUnavailable, written as a number this time, plans empty after.
			Config: maximalDaemonSet(ns, "registry.k8s.io/pause:3.9", "1"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: checkPodImages(cs, ns, "app.kubernetes.io/name=node-agent", "registry.k8s.io/pause:3.9"),
		}},
	})
}
