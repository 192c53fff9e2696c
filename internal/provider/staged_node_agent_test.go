package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAccNodeAgent_stagedRollout: the node agent under waves sets the OnDelete strategy itself;
// an update reaches its 4 nodes through the canary first and finishes, planning empty; an update
// to an image that never pulls halts at the canary, the other nodes keeping their pods.
func TestAccNodeAgent_stagedRollout(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool, canaries := stagedPool(t, cs, 4, 1)
	attributes := func(extra string) string {
		return fmt.Sprintf(`
  node_selector = { "kd-stage" = %q }
  rollout = {
    waves = [{ node_selector = { pool = "canary" } }, {}]
  }
%s`, pool, extra)
	}
	selector := agentSelector("security")
	var before map[string]nodePod
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: nodeAgentConfig(ns, "security", testImage, attributes("")),
			Check: func(*terraform.State) error {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "security", metav1.GetOptions{})
				if err != nil {
					return err
				}
				return expect("update strategy", ds.Spec.UpdateStrategy.Type, appsv1.OnDeleteDaemonSetStrategyType)
			},
		}, {
			Config: nodeAgentConfig(ns, "security", "registry.k8s.io/pause:3.9", attributes("")),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				before = podsByNode(t, cs, ns, selector)
				return allOnNewestRevision(t, cs, ns, "security", selector, 4)
			},
		}, {
			Config:      nodeAgentConfig(ns, "security", "registry.invalid/agent:2", attributes(`  timeouts = { update = "15s" }`)),
			ExpectError: regexp.MustCompile(`(?s)staged rollout halted in wave 1 of 2 \(pool=canary\).*` + regexp.QuoteMeta(canaries[0])),
		}, {
			PreConfig:          func() { checkReplacedOnly(t, before, podsByNode(t, cs, ns, selector), canaries) },
			Config:             nodeAgentConfig(ns, "security", "registry.invalid/agent:2", attributes(`  timeouts = { update = "15s" }`)),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}
