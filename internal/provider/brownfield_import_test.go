package provider

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestAccDaemonSet_importFromOtherTools imports a running log collector made by each of the
// tools users move from, with a configuration equal to what that tool was given:
//   - the import plans no change and restarts no pod;
//   - the first apply (a metadata label) takes over the tool's fields, still restarting no pod;
//   - removing a field from the configuration then removes it from the DaemonSet.
func TestAccDaemonSet_importFromOtherTools(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	for _, tool := range slices.Sorted(maps.Keys(foreignTools)) {
		t.Run(tool, func(t *testing.T) {
			ns := testAccNamespace(t, cs)
			foreignTools[tool](t, cs, fluentdManifest(ns))
			// Imported once its rollout is done (minReadySeconds included): an import of a rollout
			// still under way plans the update that waits for it.
			nodes := int32(readyUntaintedNodes(t, cs))
			waitFor(t, 2*time.Minute, "fluentd available on every node", func() (bool, error) {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "fluentd", metav1.GetOptions{})
				return err == nil && ds.Status.ObservedGeneration == ds.Generation && ds.Status.NumberAvailable == nodes, err
			})
			before := podUIDs(t, cs, ns, "app=fluentd")
			labels := `team = "logging"`
			if tool == "controller-update" {
				labels += `, owner = "operator"`
			}
			samePods := func(*terraform.State) error {
				if after := podUIDs(t, cs, ns, "app=fluentd"); !slices.Equal(after, before) {
					return fmt.Errorf("pods %v became %v: the import or takeover restarted them", before, after)
				}
				return nil
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					return testAccCheckDaemonSetDestroyed(cs, ns, "fluentd", "app=fluentd")()
				},
				Steps: []resource.TestStep{{
					Config: fluentdConfig(ns, labels, "min_ready_seconds = 2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionNoop)},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: samePods,
				}, {
					Config: fluentdConfig(ns, labels+`, imported = "yes"`, "min_ready_seconds = 2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: resource.ComposeAggregateTestCheckFunc(samePods, checkOwnedOnlyBy(cs, ns, "fluentd", "kubedaemon")),
				}, {
					Config: fluentdConfig(ns, labels+`, imported = "yes"`, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: func(*terraform.State) error {
						ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "fluentd", metav1.GetOptions{})
						if err != nil {
							return err
						}
						return expect("minReadySeconds once removed from the configuration", ds.Spec.MinReadySeconds, int32(0))
					},
				}},
			})
		})
	}
}

// checkOwnedOnlyBy checks that no manager but fieldManager and the controllers owns a field of the
// DaemonSet's spec or metadata.
func checkOwnedOnlyBy(cs kubernetes.Interface, namespace, name, fieldManager string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ds, err := cs.AppsV1().DaemonSets(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, e := range ds.ManagedFields {
			if e.Subresource == "" && e.Manager != fieldManager && e.Manager != "kube-controller-manager" {
				return fmt.Errorf("manager %s (%s) still owns %s", e.Manager, e.Operation, e.FieldsV1.GetRawString())
			}
		}
		return nil
	}
}

// TestAccDaemonSet_generatedConfigPlansClean: `terraform plan -generate-config-out` on the import of
// a DaemonSet kubectl made writes a configuration that then plans only the import, whether the
// import block names the object by ID or (Terraform 1.12 and later) by its identity.
func TestAccDaemonSet_generatedConfigPlansClean(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	foreignTools["kubectl-client-side-apply"](t, cs, fluentdManifest(ns))
	nodes := int32(readyUntaintedNodes(t, cs))
	waitFor(t, 2*time.Minute, "fluentd available on every node", func() (bool, error) {
		ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "fluentd", metav1.GetOptions{})
		return err == nil && ds.Status.ObservedGeneration == ds.Generation && ds.Status.NumberAvailable == nodes, err
	})
	for _, tc := range []struct{ name, target, minimum string }{
		{"by ID", fmt.Sprintf("id = %q", ns+"/fluentd"), ""},
		{"by identity", fmt.Sprintf("identity = {\n    namespace = %q\n    name      = \"fluentd\"\n  }", ns), "1.12.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli := newTerraformCLI(t, fmt.Sprintf("import {\n  to = kubedaemon_daemonset.fluentd\n  %s\n}\n", tc.target))
			if tc.minimum != "" {
				cli.skipBelow(tc.minimum)
			}
			cli.mustRun("plan", "-generate-config-out=generated.tf", "-no-color")
			generated, err := os.ReadFile(filepath.Join(cli.dir, "generated.tf"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`min_ready_seconds`, `read_only`, `"node-role.kubernetes.io/control-plane"`, `memory = "200Mi"`} {
				if !strings.Contains(string(generated), want) {
					t.Errorf("the generated configuration lacks %s:\n%s", want, generated)
				}
			}
			out := cli.mustRun("plan", "-no-color")
			if !strings.Contains(out, "1 to import, 0 to add, 0 to change, 0 to destroy") {
				t.Fatalf("the generated configuration does not plan only the import:\n%s\n%s", out, generated)
			}
		})
	}
}

// testedProviderRequirement is a terraform block that requires the provider at the address the
// testing framework serves it under: TF_ACC_PROVIDER_NAMESPACE (make testacc-tofu sets it), or
// hashicorp by default.
func testedProviderRequirement() string {
	namespace := cmp.Or(os.Getenv("TF_ACC_PROVIDER_NAMESPACE"), "hashicorp")
	return fmt.Sprintf("terraform {\n  required_providers {\n    kubedaemon = { source = %q }\n  }\n}\n", namespace+"/kubedaemon")
}

// TestAccNodeAgent_importOfAnotherShape: a DaemonSet kubectl made is not a node agent; importing it
// into kubedaemon_node_agent says why and points at kubedaemon_daemonset, and changes nothing.
func TestAccNodeAgent_importOfAnotherShape(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	foreignTools["kubectl-client-side-apply"](t, cs, fluentdManifest(ns))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// An import step that is a test's first runs init on the configuration as written: it
			// names the provider the testing framework serves, under Terraform and OpenTofu alike.
			Config:        testedProviderRequirement() + nodeAgentConfig(ns, "fluentd", testImage, ""),
			ResourceName:  nodeAgentAddress,
			ImportState:   true,
			ImportStateId: ns + "/fluentd",
			ExpectError:   regexp.MustCompile(`(?s)is not a node agent.*selector is not the agent's.*kubedaemon_daemonset`),
		}},
	})
}
