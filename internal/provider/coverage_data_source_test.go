package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// daemonSetConfig renders a kubedaemon_daemonset "test" plus a kubedaemon_coverage "test" reading it,
// every node listed, since the tests look at the entries of covered and ineligible nodes too.
// podSpecExtra and specExtra are HCL attribute lines added to the pod spec and the DaemonSet spec.
type daemonSetConfig struct {
	namespace, name, app string
	selectorApp          string // defaults to app
	image                string
	containerExtra       string
	podSpecExtra         string
	specExtra            string
	resourceExtra        string
}

func (c daemonSetConfig) String() string {
	image := c.image
	if image == "" {
		image = testImage
	}
	selectorApp := c.selectorApp
	if selectorApp == "" {
		selectorApp = c.app
	}
	return fmt.Sprintf(`
resource "kubedaemon_daemonset" "test" {
  metadata = {
    name      = %[2]q
    namespace = %[1]q
  }
  spec = {
    selector = {
      match_labels = { app = %[8]q }
    }
    template = {
      metadata = {
        labels = { app = %[3]q }
      }
      spec = {
        containers = [{
          name  = "agent"
          image = %[4]q
          %[5]s
        }]
        %[6]s
      }
    }
    %[9]s
  }
  %[7]s
}

data "kubedaemon_coverage" "test" {
  namespace      = kubedaemon_daemonset.test.metadata.namespace
  name           = kubedaemon_daemonset.test.metadata.name
  list_all_nodes = true
}
`, c.namespace, c.name, c.app, image, c.containerExtra, c.podSpecExtra, c.resourceExtra, selectorApp, c.specExtra)
}

// nodeEntry finds the coverage data source's entry for one node by name.
func nodeEntry(s *terraform.State, node string) (map[string]string, error) {
	rs, ok := s.RootModule().Resources["data.kubedaemon_coverage.test"]
	if !ok {
		return nil, fmt.Errorf("data.kubedaemon_coverage.test not in state")
	}
	attrs := rs.Primary.Attributes
	for i := 0; ; i++ {
		prefix := fmt.Sprintf("nodes.%d.", i)
		name, ok := attrs[prefix+"name"]
		if !ok {
			return nil, fmt.Errorf("node %s not in the coverage report", node)
		}
		if name != node {
			continue
		}
		entry := map[string]string{}
		for _, k := range []string{"eligible", "ineligible_reason", "node_ready", "counted", "covered", "pod", "pod_phase", "pod_ready", "current_revision", "reason", "message", "wave"} {
			entry[k] = attrs[prefix+k]
		}
		return entry, nil
	}
}

// checkCountedNodes asserts fields of every counted node's entry; a value is matched as a regexp.
func checkCountedNodes(want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources["data.kubedaemon_coverage.test"]
		if !ok {
			return fmt.Errorf("data.kubedaemon_coverage.test not in state")
		}
		checked := 0
		for i := 0; ; i++ {
			name, ok := rs.Primary.Attributes[fmt.Sprintf("nodes.%d.name", i)]
			if !ok {
				break
			}
			if rs.Primary.Attributes[fmt.Sprintf("nodes.%d.counted", i)] != "true" {
				continue
			}
			if err := checkNode(name, want)(s); err != nil {
				return err
			}
			checked++
		}
		if checked == 0 {
			return fmt.Errorf("no counted node in the coverage report")
		}
		return nil
	}
}

// checkNode asserts fields of one node's coverage entry; a value is matched as a regexp.
func checkNode(node string, want map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		entry, err := nodeEntry(s, node)
		if err != nil {
			return err
		}
		for k, pattern := range want {
			if !regexp.MustCompile(pattern).MatchString(entry[k]) {
				return fmt.Errorf("node %s: %s = %q, want match for %q (entry %v)", node, k, entry[k], pattern, entry)
			}
		}
		return nil
	}
}

func TestAccCoverageDataSource_seed(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	nodes := readyUntaintedNodes(t, cs)
	config := daemonSetConfig{namespace: ns, name: "monitoring-daemon", app: "monitoring-agent"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return testAccCheckDaemonSetDestroyed(cs, ns, "monitoring-daemon", "app=monitoring-agent")()
		},
		Steps: []resource.TestStep{{
			Config: config.String(),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("complete"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("counted"), knownvalue.Int64Exact(int64(nodes))),
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("covered"), knownvalue.Int64Exact(int64(nodes))),
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("uncovered"), knownvalue.ListExact(nil)),
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("generation_observed"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("revision"), knownvalue.StringRegexp(regexp.MustCompile(`^[a-z0-9]+$`))),
			},
		}},
	})
}

func TestAccCoverageDataSource_untoleratedTaint(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	tainted := testAccNode(t, cs, "kd-tainted", testNode{taints: []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}})
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config.String(),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkNode(tainted, map[string]string{
					"eligible": "^false$", "ineligible_reason": "^untolerated_taint$", "reason": "^untolerated_taint$",
					"message": `dedicated=gpu:NoSchedule`, "counted": "^false$", "pod": "^$",
				}),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "complete", "true"),
			),
		}, {
			// Tolerating the taint makes the node eligible and covered.
			Config: daemonSetConfig{namespace: ns, name: "agent", app: "agent", podSpecExtra: `tolerations = [{ key = "dedicated", operator = "Equal", value = "gpu", effect = "NoSchedule" }]`}.String(),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkNode(tainted, map[string]string{"eligible": "^true$", "covered": "^true$", "pod_ready": "^true$", "current_revision": "^true$"}),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "complete", "true"),
			),
		}},
	})
}

func TestAccCoverageDataSource_nodeSelector(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool := "pool-" + randomSuffix()
	selected := testAccNode(t, cs, "kd-selected", testNode{labels: map[string]string{"kubedaemon.test/pool": pool}})
	other := testAccNode(t, cs, "kd-other", testNode{})
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent", podSpecExtra: fmt.Sprintf(`node_selector = { "kubedaemon.test/pool" = %q }`, pool)}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config.String(),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkNode(selected, map[string]string{"eligible": "^true$", "covered": "^true$"}),
				checkNode(other, map[string]string{"eligible": "^false$", "reason": "^node_selector$", "message": "kubedaemon.test/pool"}),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "eligible", "1"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "covered", "1"),
				resource.TestCheckResourceAttr("kubedaemon_daemonset.test", "coverage.covered", "1"),
			),
		}},
	})
}

func TestAccCoverageDataSource_notReadyNode(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	notReady := testAccNode(t, cs, "kd-notready", testNode{notReady: true})
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// The apply completes over the counted nodes and warns about the NotReady one.
			Config: config.String(),
			Check: resource.ComposeAggregateTestCheckFunc(
				checkNode(notReady, map[string]string{
					"eligible": "^true$", "node_ready": "^false$", "counted": "^false$", "covered": "^false$", "reason": "^node_not_ready$",
				}),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "complete", "true"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "not_ready.#", "1"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "not_ready.0", notReady),
			),
		}},
	})
}

func TestAccCoverageDataSource_podNeverReady(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	nodes := readyUntaintedNodes(t, cs)
	// A readiness probe that always fails: kwok's test stage (and a real kubelet) keep the pod unready.
	config := daemonSetConfig{
		namespace: ns, name: "agent", app: "agent", image: "busybox:1.36",
		containerExtra: `command = ["sleep", "3600"]
          readiness_probe = { exec = { command = ["/bin/false"] } }`,
		resourceExtra: `wait_for_rollout = false`,
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config.String(),
		}, {
			// Read again once the pods exist: the first read may precede the controller.
			Config: config.String(),
			PreConfig: func() {
				waitFor(t, 60*time.Second, "pods of the unready DaemonSet", podsRunning(cs, ns, "app=agent", nodes))
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "complete", "false"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "covered", "0"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "uncovered.#", fmt.Sprint(nodes)),
				checkCountedNodes(map[string]string{
					"reason": "^container_not_ready$", "message": "agent", "pod_phase": "^Running$", "pod_ready": "^false$", "pod": "^agent-",
				}),
			),
		}},
	})
}

// TestAccCoverageDataSource_listedNodes: by default the data source lists the nodes that want a look,
// and none of a healthy DaemonSet; list_all_nodes lists every node in the cluster. The DaemonSet
// runs on a pool of three nodes, one of them NotReady: first the NotReady node alone is listed, then,
// with pods that never turn Ready, the whole pool; never the nodes outside it.
func TestAccCoverageDataSource_listedNodes(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool := map[string]string{"kubedaemon.test/pool": "pool-" + randomSuffix()}
	ready := []string{testAccNode(t, cs, "kd-ready-a", testNode{labels: pool}), testAccNode(t, cs, "kd-ready-b", testNode{labels: pool})}
	notReady := testAccNode(t, cs, "kd-notready", testNode{labels: pool, notReady: true})
	config := func(c daemonSetConfig) string {
		c.namespace, c.name, c.app = ns, "agent", "agent"
		c.podSpecExtra = fmt.Sprintf(`node_selector = { "kubedaemon.test/pool" = %q }`, pool["kubedaemon.test/pool"])
		return c.String() + `
data "kubedaemon_coverage" "default" {
  namespace = kubedaemon_daemonset.test.metadata.namespace
  name      = kubedaemon_daemonset.test.metadata.name
}
`
	}
	unready := daemonSetConfig{image: "busybox:1.36", resourceExtra: `wait_for_rollout = false`,
		containerExtra: `command = ["sleep", "3600"]
          readiness_probe = { exec = { command = ["/bin/false"] } }`}
	listed := func(names ...string) resource.TestCheckFunc {
		checks := []resource.TestCheckFunc{resource.TestCheckResourceAttr("data.kubedaemon_coverage.default", "nodes.#", fmt.Sprint(len(names)))}
		for i, name := range names {
			checks = append(checks, resource.TestCheckResourceAttr("data.kubedaemon_coverage.default", fmt.Sprintf("nodes.%d.name", i), name))
		}
		return resource.ComposeAggregateTestCheckFunc(checks...)
	}
	everyNode := resource.TestCheckResourceAttrPair("data.kubedaemon_coverage.test", "nodes.#", "data.kubedaemon_coverage.test", "nodes_total")
	pooled := append(slices.Clone(ready), notReady)
	slices.Sort(pooled)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config(daemonSetConfig{}),
			Check: resource.ComposeAggregateTestCheckFunc(
				listed(notReady),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.default", "nodes.0.reason", "node_not_ready"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.default", "covered", "2"),
				everyNode,
			),
		}, {
			Config: config(unready),
		}, {
			// Read again once the pods exist: the first read may precede the controller.
			Config: config(unready),
			PreConfig: func() {
				waitFor(t, 60*time.Second, "pods of the unready DaemonSet on the Ready nodes", func() (bool, error) {
					pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=agent"})
					if err != nil {
						return false, err
					}
					running := 0
					for _, p := range pods.Items {
						if slices.Contains(ready, p.Spec.NodeName) && p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
							running++
						}
					}
					return running == len(ready), nil
				})
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				listed(pooled...),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.default", "covered", "0"),
				everyNode,
			),
		}},
	})
}

func TestAccCoverageDataSource_missingDaemonSet(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
data "kubedaemon_coverage" "missing" {
  namespace = %q
  name      = "does-not-exist"
}`, ns),
			ExpectError: regexp.MustCompile(`(?s)DaemonSet not found.*does-not-exist`),
		}},
	})
}
