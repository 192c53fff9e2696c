package provider

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"k8s.io/apimachinery/pkg/types"
)

// TestAccDaemonSet_importIntoAnotherConfiguration moves a DaemonSet this provider made, with zero
// values the object cannot show (a toleration's value "" inside an atomic list, a dns_policy ""
// that the API server turns into ClusterFirst, empty security contexts, a quantity in another
// spelling), out of one configuration and into another with an import block: the import plans no
// change, because it reads the configuration the first apply recorded, and restarts no pod.
func TestAccDaemonSet_importIntoAnotherConfiguration(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "moved", app: "moved",
		containerExtra: `security_context = {}
          resources = { requests = { cpu = "0.05" } }`,
		podSpecExtra: `host_network = false
        dns_policy = ""
        security_context = {}
        tolerations = [{ key = "dedicated", operator = "Equal", value = "", effect = "NoSchedule" }]`,
		specExtra: `min_ready_seconds = 0`,
	}.String()
	var before []types.UID
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return testAccCheckDaemonSetDestroyed(cs, ns, "moved", "app=moved")()
		},
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				before = podUIDs(t, cs, ns, "app=moved")
				return nil
			},
		}, {
			// The first configuration lets go of the DaemonSet without deleting it.
			Config: `
removed {
  from = kubedaemon_daemonset.test
  lifecycle { destroy = false }
}
`,
		}, {
			Config: fmt.Sprintf(`
import {
  to = kubedaemon_daemonset.test
  id = "%s/moved"
}
`, ns) + config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionNoop)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				if after := podUIDs(t, cs, ns, "app=moved"); len(before) == 0 || !slices.Equal(after, before) {
					return fmt.Errorf("pods %v became %v across the move", before, after)
				}
				return nil
			},
		}},
	})
}
