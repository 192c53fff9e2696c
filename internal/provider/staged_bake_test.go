package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccDaemonSet_stagedRolloutBakeFails: the first wave's pod turns not Ready 10 s after it
// became Ready (kwok's pod-turns-not-ready stage; on a real kubelet the container's own probe),
// inside a 30 s bake: the apply fails in the bake, naming the wave and the node, and the nodes of
// the next wave keep their pods.
func TestAccDaemonSet_stagedRolloutBakeFails(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool, _ := stagedPool(t, cs, 3, 0)
	policy := `{
    waves = [{ count = 1, bake = "30s" }, {}]
  }`
	flipping := daemonSetConfig{
		namespace: ns, name: "staged", app: "staged", image: "busybox:1.36", // a shell for the command, on a real kubelet
		containerExtra: `command = ["sh", "-c", "sleep 10; touch /tmp/unready; sleep 3600"]
          readiness_probe = { exec = { command = ["sh", "-c", "test ! -e /tmp/unready"] } }`,
		podSpecExtra:  fmt.Sprintf(`node_selector = { "kd-stage" = %q }`, pool),
		specExtra:     `update_strategy = { type = "OnDelete" }`,
		resourceExtra: "rollout = " + policy,
	}
	var before map[string]nodePod
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: stagedConfig(ns, pool, testImage, policy, ""),
			Check: func(*terraform.State) error {
				before = podsByNode(t, cs, ns, "app=staged")
				return nil
			},
		}, {
			Config:      flipping.String(),
			ExpectError: regexp.MustCompile(`(?s)failed a wave of its staged rollout.*wave 1 of 2 \(1 node\(s\)\) failed during its bake.*` + pool + `.*container_not_ready`),
		}, {
			PreConfig: func() {
				replaced := 0
				for node, pod := range podsByNode(t, cs, ns, "app=staged") {
					if pod.uid != before[node].uid {
						replaced++
					}
				}
				if replaced != 1 {
					t.Errorf("%d pods replaced, want only the first wave's one", replaced)
				}
			},
			Config:             flipping.String(),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}
