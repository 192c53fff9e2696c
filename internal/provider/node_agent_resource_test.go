package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const nodeAgentAddress = "kubedaemon_node_agent.test"

// nodeAgentConfig renders a kubedaemon_node_agent "test" with the given attribute lines, and a
// kubedaemon_coverage "test" that reads the DaemonSet the agent generates.
func nodeAgentConfig(namespace, name, image, attributes string) string {
	return fmt.Sprintf(`
resource "kubedaemon_node_agent" "test" {
  name      = %q
  namespace = %q
  image     = %q
%s
}

data "kubedaemon_coverage" "test" {
  namespace      = kubedaemon_node_agent.test.namespace
  name           = kubedaemon_node_agent.test.daemonset_name
  list_all_nodes = true
}
`, name, namespace, image, attributes)
}

func agentSelector(name string) string {
	return "app.kubernetes.io/name=" + name + ",app.kubernetes.io/managed-by=kubedaemon"
}

// TestAccNodeAgent_existingServiceAccount moves an agent from the ServiceAccount it created to an
// existing one: the created one goes, the existing one stays after destroy.
func TestAccNodeAgent_existingServiceAccount(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	existing := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "node-reader"}}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(context.Background(), existing, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	useExisting := `
  create_service_account = false
  service_account_name   = "node-reader"
`

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			_, err := cs.CoreV1().ServiceAccounts(ns).Get(context.Background(), "node-reader", metav1.GetOptions{})
			return errors.Join(testAccCheckDaemonSetDestroyed(cs, ns, "agent", agentSelector("agent"))(), err)
		},
		Steps: []resource.TestStep{{
			// An agent that would create a ServiceAccount another tool made refuses to adopt it.
			Config:      nodeAgentConfig(ns, "agent", testImage, `  service_account_name = "node-reader"`),
			ExpectError: regexp.MustCompile(`(?s)ServiceAccount ` + ns + `/node-reader already\s+exists.*create_service_account\s+=\s+false`),
		}, {
			Config: nodeAgentConfig(ns, "agent", testImage, ""),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(nodeAgentAddress, "create_service_account", "true"),
				checkPodServiceAccount(cs, ns, "agent", "agent"),
			),
		}, {
			// So does renaming the ServiceAccount it creates to one another tool made.
			Config:      nodeAgentConfig(ns, "agent", testImage, `  service_account_name = "node-reader"`),
			ExpectError: regexp.MustCompile(`(?s)ServiceAccount ` + ns + `/node-reader already\s+exists.*create_service_account\s+=\s+false`),
		}, {
			Config: nodeAgentConfig(ns, "agent", testImage, useExisting),
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error {
					sa, err := cs.CoreV1().ServiceAccounts(ns).Get(context.Background(), "node-reader", metav1.GetOptions{})
					if err == nil && len(sa.Labels) > 0 {
						err = fmt.Errorf("the agent labelled the ServiceAccount another tool made: %v", sa.Labels)
					}
					return err
				},
				checkPodServiceAccount(cs, ns, "agent", "node-reader"),
				func(*terraform.State) error { return checkServiceAccountGone(cs, ns, "agent") },
			),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			ResourceName:                         nodeAgentAddress,
			ImportState:                          true,
			ImportStateId:                        ns + "/agent",
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "id",
			ImportStateVerifyIgnore:              []string{"coverage", "status", "resource_version"},
		}, {
			ResourceName:  nodeAgentAddress,
			ImportState:   true,
			ImportStateId: "agent",
			ExpectError:   regexp.MustCompile(`Expected an import ID of the form namespace/name`),
		}},
	})
}

// TestAccNodeAgent_drift shows changes made by another field manager in the next plan: a mount
// made writable and the pods moved to the node's network. Applying names the manager that took
// host_network over; with force_conflicts the configured values come back.
func TestAccNodeAgent_drift(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	attributes := `  host_paths = [{ path = "/var/log" }]`
	config := nodeAgentConfig(ns, "agent", testImage, attributes)
	forced := nodeAgentConfig(ns, "agent", testImage, attributes+"\n  force_conflicts = true")
	edit := func() {
		ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ds.Spec.Template.Spec.Containers[0].VolumeMounts[0].ReadOnly = false
		ds.Spec.Template.Spec.HostNetwork = true
		if _, err := cs.AppsV1().DaemonSets(ns).Update(context.Background(), ds, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
			t.Fatal(err)
		}
	}
	configured := func(*terraform.State) error {
		ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
		if err != nil {
			return err
		}
		return errors.Join(
			expect("read-only mount", ds.Spec.Template.Spec.Containers[0].VolumeMounts[0].ReadOnly, true),
			expect("host network", ds.Spec.Template.Spec.HostNetwork, false),
		)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config,
		}, {
			PreConfig: edit,
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(nodeAgentAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("host_paths").AtSliceIndex(0).AtMapKey("read_only"), knownvalue.Bool(true)),
					plancheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("host_network"), knownvalue.Bool(false)),
				},
			},
			// Fields the agent already managed are taken back, as the plan showed.
			Check: resource.ComposeAggregateTestCheckFunc(configured, checkEveryNodeRunsCurrentRevision(cs, ns, "agent")),
		}, {
			Config: forced,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(configured, checkEveryNodeRunsCurrentRevision(cs, ns, "agent")),
		}},
	})
}

// TestAccNodeAgent_neverReady: an agent whose readiness probe always fails makes the create fail at
// its timeout, naming the nodes and why, as kubedaemon_daemonset does.
func TestAccNodeAgent_neverReady(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: nodeAgentConfig(ns, "agent", testImage, `
  readiness_probe = { exec = { command = ["/bin/false"] }, period_seconds = 1 }
  timeouts        = { create = "15s" }
`),
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*container_not_ready`),
		}},
	})
}

func checkPodServiceAccount(cs kubernetes.Interface, namespace, agent, serviceAccount string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: agentSelector(agent)})
		if err != nil {
			return err
		}
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil && p.Spec.ServiceAccountName != serviceAccount {
				return fmt.Errorf("pod %s runs as %s, want %s", p.Name, p.Spec.ServiceAccountName, serviceAccount)
			}
		}
		return nil
	}
}

func checkServiceAccountGone(cs kubernetes.Interface, namespace, name string) error {
	_, err := cs.CoreV1().ServiceAccounts(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("ServiceAccount %s/%s still exists (err=%v)", namespace, name, err)
	}
	return nil
}

func expect[T any](what string, got, want T) error {
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s = %#v, want %#v", what, got, want)
	}
	return nil
}
