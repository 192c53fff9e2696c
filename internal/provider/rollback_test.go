package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

const rollbackPolicy = `rollout = { on_failure = "rollback" }`

// TestAccDaemonSet_rollbackOnFailure updates, with on_failure = "rollback", to a template whose
// rollout fails, by the timeout or at once: the apply fails saying it rolled back and why, every node
// runs the first revision again, state holds the first configuration (planning it is empty, planning
// the bad one shows the change again), and refresh reads no create failure: the controller's
// failures of the bad template are not taken for the first one's once it is current again.
func TestAccDaemonSet_rollbackOnFailure(t *testing.T) {
	testAccPreCheck(t)
	for _, tc := range []struct {
		name    string
		breakIt func(*daemonSetConfig)
		failure string // what the error says made the rollout fail
	}{{
		name: "image that never pulls",
		breakIt: func(c *daemonSetConfig) {
			c.image = "registry.invalid/agent:2"
			c.resourceExtra += "\n  timeouts = { update = \"20s\" }"
		},
		failure: `counted nodes run a Ready pod of it.*image_pull.*registry\.invalid/agent:2`,
	}, {
		name:    "pods the controller cannot create",
		breakIt: func(c *daemonSetConfig) { c.podSpecExtra = `service_account_name = "kd-missing"` },
		failure: wrapped(`serviceaccount "kd-missing" not found`),
	}} {
		t.Run(tc.name, func(t *testing.T) {
			cs := testAccClient(t)
			ns := testAccNamespace(t, cs)
			good := daemonSetConfig{namespace: ns, name: "agent", app: "agent", resourceExtra: rollbackPolicy}
			bad := good
			tc.breakIt(&bad)
			var first string
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: good.String(),
					Check: func(*terraform.State) error {
						var err error
						_, first, err = newestRevision(cs, ns, "agent")
						return err
					},
				}, {
					Config:      bad.String(),
					ExpectError: regexp.MustCompile(`(?s)DaemonSet \S+/agent rolled back.*` + tc.failure),
				}, {
					PreConfig: func() {
						if err := checkEveryNodeRunsCurrentRevision(cs, ns, "agent")(nil); err != nil {
							t.Fatalf("after the rollback: %v", err)
						}
						if err := checkPodImages(cs, ns, "app=agent", testImage)(nil); err != nil {
							t.Fatalf("after the rollback: %v", err)
						}
						if _, now, err := newestRevision(cs, ns, "agent"); err != nil || now != first {
							t.Fatalf("after the rollback the DaemonSet is at revision %s (%v), want the first one, %s", now, err, first)
						}
					},
					Config:   good.String(),
					PlanOnly: true,
				}, {
					Config:             bad.String(),
					PlanOnly:           true,
					ExpectNonEmptyPlan: true,
				}, {
					// The last configuration is still the bad one, whose change remains to apply.
					RefreshState:       true,
					ExpectNonEmptyPlan: true,
					Check: resource.ComposeAggregateTestCheckFunc(
						resource.TestCheckResourceAttr("kubedaemon_daemonset.test", "coverage.complete", "true"),
						resource.TestCheckNoResourceAttr("kubedaemon_daemonset.test", "coverage.create_failure"),
					),
				}},
			})
		})
	}
}

// TestAccDaemonSet_rollbackThatCannotComplete rolls back to a template whose pods never become
// Ready (it was created without waiting): the error says the rollback did not complete and names a
// node, and state still holds the first configuration.
func TestAccDaemonSet_rollbackThatCannotComplete(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	neverReady := daemonSetConfig{namespace: ns, name: "agent", app: "agent",
		containerExtra: `readiness_probe = { exec = { command = ["/bin/false"] } }`, resourceExtra: `wait_for_rollout = false`}
	// Without the probe: kwok picks among the stages a pod matches, and only the image must fail.
	bad := daemonSetConfig{namespace: ns, name: "agent", app: "agent", image: "registry.invalid/agent:2",
		resourceExtra: rollbackPolicy + "\n  timeouts = { update = \"15s\" }"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: neverReady.String(),
		}, {
			Config:      bad.String(),
			ExpectError: regexp.MustCompile(`(?s)Rollback of DaemonSet \S+/agent did not complete.*node-\S+.*The update's rollout failed because.*image_pull`),
		}, {
			PreConfig: func() {
				if err := checkPodImages(cs, ns, "app=agent", testImage)(nil); err != nil {
					t.Fatalf("after the rollback: %v", err)
				}
			},
			Config:   neverReady.String(),
			PlanOnly: true,
		}},
	})
}

// TestAccNodeAgent_rollbackOnFailure: the agent rolls back the same way, and the ServiceAccount
// that the failed update created for its pods goes, while the first one stays.
func TestAccNodeAgent_rollbackOnFailure(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	good := nodeAgentConfig(ns, "agent", testImage, "  "+rollbackPolicy)
	bad := nodeAgentConfig(ns, "agent", "registry.invalid/agent:2", "  "+rollbackPolicy+`
  service_account_name = "agent-v2"
  timeouts = { update = "20s" }`)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: good,
		}, {
			Config:      bad,
			ExpectError: regexp.MustCompile(`(?s)DaemonSet \S+/agent rolled back.*image_pull`),
		}, {
			PreConfig: func() {
				if err := checkEveryNodeRunsCurrentRevision(cs, ns, "agent")(nil); err != nil {
					t.Fatalf("after the rollback: %v", err)
				}
				if err := checkPodImages(cs, ns, agentSelector("agent"), testImage)(nil); err != nil {
					t.Fatalf("after the rollback: %v", err)
				}
				ctx := context.Background()
				if _, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "agent-v2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
					t.Fatalf("the ServiceAccount the failed update created is still there after the rollback (%v)", err)
				}
				if _, err := cs.CoreV1().ServiceAccounts(ns).Get(ctx, "agent", metav1.GetOptions{}); err != nil {
					t.Fatalf("the agent's first ServiceAccount: %v", err)
				}
			},
			Config:   good,
			PlanOnly: true,
		}},
	})
}

// newestRevision reads the DaemonSet and the hash of its current ControllerRevision, without the
// provider's resources. A rollback to an earlier template makes that template's revision the newest
// again. The choice is the controller's (coverage.CurrentRevisionHash): the highest number alone can
// name the old template after the API server restarted, when the controller gave both the same one.
func newestRevision(cs kubernetes.Interface, namespace, name string) (*appsv1.DaemonSet, string, error) {
	ctx := context.Background()
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, "", err
	}
	revisions, err := cs.AppsV1().ControllerRevisions(namespace).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(ds.Spec.Selector)})
	if err != nil {
		return nil, "", err
	}
	items := make([]*appsv1.ControllerRevision, len(revisions.Items))
	for i := range revisions.Items {
		items[i] = &revisions.Items[i]
	}
	hash := coverage.CurrentRevisionHash(ds, items)
	if hash == "" {
		return nil, "", fmt.Errorf("no ControllerRevision for %s/%s", namespace, name)
	}
	return ds, hash, nil
}

// A plan that creates a resource with waves warns, at rollout.waves, that the create is not staged.
func TestPlan_createWithWavesWarns(t *testing.T) {
	diags, _ := agentPlanRequests(t, map[string]any{"name": "agent", "image": testImage,
		"rollout": map[string]any{"waves": []any{map[string]any{"count": 1}, map[string]any{}}}})
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityWarning && d.Summary == "A create is not staged" && d.Attribute.String() == "AttributeName(\"rollout\").AttributeName(\"waves\")" {
			return
		}
	}
	t.Errorf("no warning that the create is not staged: %v", diags)
}
