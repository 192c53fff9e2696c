package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
)

const daemonSetAddress = "kubedaemon_daemonset.test"

func TestAccDaemonSet_seedImportUpdate(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	nodes := readyUntaintedNodes(t, cs)
	seed := daemonSetConfig{namespace: ns, name: "monitoring-daemon", app: "monitoring-agent"}
	updated := seed
	updated.image = "registry.k8s.io/pause:3.9"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return testAccCheckDaemonSetDestroyed(cs, ns, "monitoring-daemon", "app=monitoring-agent")()
		},
		Steps: []resource.TestStep{{
			Config: seed.String(),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("id"), knownvalue.StringExact(ns+"/monitoring-daemon")),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("complete"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("covered"), knownvalue.Int64Exact(int64(nodes))),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("field_manager"), knownvalue.StringExact("kubedaemon")),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("uid"), knownvalue.NotNull()),
			},
			Check: checkEveryNodeRunsCurrentRevision(cs, ns, "monitoring-daemon"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			ResourceName:                         daemonSetAddress,
			ImportState:                          true,
			ImportStateId:                        ns + "/monitoring-daemon",
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "id",
			ImportStateVerifyIgnore:              []string{"coverage", "status", "resource_version"},
		}, {
			ResourceName:  daemonSetAddress,
			ImportState:   true,
			ImportStateId: "monitoring-daemon",
			ExpectError:   regexp.MustCompile(`Expected an import ID of the form namespace/name`),
		}, {
			Config: updated.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			// The apply returns only once every node runs a ready pod of the new image.
			Check: resource.ComposeAggregateTestCheckFunc(
				checkEveryNodeRunsCurrentRevision(cs, ns, "monitoring-daemon"),
				checkPodImages(cs, ns, "app=monitoring-agent", "registry.k8s.io/pause:3.9"),
			),
		}, {
			// A new selector (with matching template labels) replaces the DaemonSet: the API forbids changing it.
			Config: daemonSetConfig{namespace: ns, name: "monitoring-daemon", app: "monitoring-agent-v2", image: "registry.k8s.io/pause:3.9"}.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: checkEveryNodeRunsCurrentRevision(cs, ns, "monitoring-daemon"),
		}, {
			// Changing the namespace-scoped name replaces the DaemonSet.
			Config: daemonSetConfig{namespace: ns, name: "monitoring-daemon-2", app: "monitoring-agent"}.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionDestroyBeforeCreate)},
			},
		}},
	})
}

func TestAccDaemonSet_driftFromAnotherManager(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	minReady := config
	minReady.specExtra = "min_ready_seconds = 1"
	forced := minReady
	forced.resourceExtra = "force_conflicts = true"
	edit := func(change func(*appsv1.DaemonSet)) func() {
		return func() {
			ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			change(ds)
			if _, err := cs.AppsV1().DaemonSets(ns).Update(context.Background(), ds, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	image := tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey("containers").AtSliceIndex(0).AtMapKey("image")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config.String(),
		}, {
			// The edit shows as drift, old -> new, and the apply takes the field back, as planned.
			PreConfig: edit(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = "registry.k8s.io/pause:3.8" }),
			Config:    config.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate),
					expectChange(daemonSetAddress, image, "registry.k8s.io/pause:3.8", testImage),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: checkPodImages(cs, ns, "app=agent", testImage),
		}, {
			// A field the configuration newly sets, owned by another manager, is a conflict that
			// names the manager and force_conflicts.
			PreConfig:   edit(func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = 3 }),
			Config:      minReady.String(),
			ExpectError: regexp.MustCompile(`(?s)conflicts with fields owned\s+by another manager.*minReadySeconds.*kubectl-edit.*force_conflicts`),
		}, {
			Config: forced.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
				if err != nil {
					return err
				}
				return expect("minReadySeconds", ds.Spec.MinReadySeconds, int32(1))
			},
		}},
	})
}

func TestAccDaemonSet_invalidConfig(t *testing.T) {
	testAccPreCheck(t)
	cases := []struct {
		name   string
		config daemonSetConfig
		want   string
	}{
		{"bad name", daemonSetConfig{namespace: "default", name: "Bad_Name", app: "a"}, `Invalid Kubernetes object name`},
		{"bad namespace", daemonSetConfig{namespace: "Not.A.Namespace", name: "a", app: "a"}, `Invalid namespace`},
		{"selector mismatch", daemonSetConfig{namespace: "default", name: "a", app: "a", selectorApp: "b"}, `Selector does not match the pod template`},
		{"duplicate container", daemonSetConfig{namespace: "default", name: "a", app: "a",
			podSpecExtra: `init_containers = [{ name = "agent", image = "x" }]`}, `Duplicate container name`},
		{"bad template label", daemonSetConfig{namespace: "default", name: "a", app: "not a label value"}, `Invalid label`},
		{"missing image", daemonSetConfig{namespace: "default", name: "a", app: "a", image: " "}, `Invalid container image`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config.String(), PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)}},
			})
		})
	}
}

// checkEveryNodeRunsCurrentRevision asserts, independently of the provider, that at this moment
// every Ready node without NoSchedule/NoExecute taints runs a Ready pod of the DaemonSet's newest
// revision.
func checkEveryNodeRunsCurrentRevision(cs kubernetes.Interface, namespace, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		ds, hash, err := newestRevision(cs, namespace, name)
		if err != nil {
			return err
		}
		pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(ds.Spec.Selector)})
		if err != nil {
			return err
		}
		covered := map[string]bool{}
		for _, p := range pods.Items {
			if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash && p.DeletionTimestamp == nil && kwoktest.PodReady(&p) {
				covered[p.Spec.NodeName] = true
			}
		}
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, node := range nodes.Items {
			if nodeIsReadyAndUntainted(&node) && !covered[node.Name] {
				return fmt.Errorf("node %s has no ready pod of revision %s", node.Name, hash)
			}
		}
		return nil
	}
}

func checkPodImages(cs kubernetes.Interface, namespace, selector, image string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				continue
			}
			running++
			if p.Spec.Containers[0].Image != image {
				return fmt.Errorf("pod %s runs %s, want %s", p.Name, p.Spec.Containers[0].Image, image)
			}
		}
		if running == 0 {
			return fmt.Errorf("no pod matches %s in %s: nothing runs %s", selector, namespace, image)
		}
		return nil
	}
}

func podUIDs(t *testing.T, cs kubernetes.Interface, namespace, selector string) []types.UID {
	t.Helper()
	pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	uids := make([]types.UID, 0, len(pods.Items))
	for _, p := range pods.Items {
		uids = append(uids, p.UID)
	}
	slices.Sort(uids)
	return uids
}
