package provider

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// stagedPool adds n nodes of their own to the cluster, the first canary of them labelled
// pool=canary, all labelled kd-stage=<pool>, and returns the pool's label value and the canary
// nodes' names. A DaemonSet that selects the pool runs on these nodes only.
func stagedPool(t *testing.T, cs kubernetes.Interface, n, canary int) (string, []string) {
	t.Helper()
	pool := "stage-" + randomSuffix()
	var canaries []string
	for i := range n {
		labels := map[string]string{"kd-stage": pool}
		if i < canary {
			labels["pool"] = "canary"
		}
		name := testAccNode(t, cs, pool, testNode{labels: labels})
		if i < canary {
			canaries = append(canaries, name)
		}
	}
	slices.Sort(canaries)
	return pool, canaries
}

// stagedConfig is a DaemonSet on the pool's nodes with the given rollout, its update strategy
// left to the provider (OnDelete under waves).
func stagedConfig(ns, pool, image, rollout, extra string) string {
	return stagedDaemonSet(ns, pool, image, rollout, extra).String()
}

func stagedDaemonSet(ns, pool, image, rollout, extra string) daemonSetConfig {
	return daemonSetConfig{
		namespace: ns, name: "staged", app: "staged", image: image,
		podSpecExtra:  fmt.Sprintf(`node_selector = { "kd-stage" = %q }`, pool),
		resourceExtra: "rollout = " + rollout + "\n" + extra,
	}
}

// nodePod is the DaemonSet's pod on one node.
type nodePod struct {
	uid      types.UID
	revision string
	ready    bool
}

// podsByNode reads the DaemonSet's pods that are not being deleted, by node.
func podsByNode(t *testing.T, cs kubernetes.Interface, ns, selector string) map[string]nodePod {
	t.Helper()
	pods, err := cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]nodePod{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		ready := false
		for _, c := range p.Status.Conditions {
			ready = ready || (c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue)
		}
		out[p.Spec.NodeName] = nodePod{uid: p.UID, revision: p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey], ready: ready}
	}
	return out
}

const canaryWaves = `{
    waves = [
      { node_selector = { pool = "canary" }, bake = "1s" },
      { percent = 50 },
      {},
    ]
    max_unavailable = "2"%s
  }`

// TestAccDaemonSet_stagedRolloutHalts: 10 nodes, 2 of them canary, an update to an image that
// never pulls under on_failure = "halt". Only the canary nodes get the new revision's pods, the
// other 8 keep theirs (same UIDs), and the error names the wave and the 2 nodes; a fixed
// configuration resumes and finishes all 10, after which the plan is empty.
func TestAccDaemonSet_stagedRolloutHalts(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool, canaries := stagedPool(t, cs, 10, 2)
	policy := fmt.Sprintf(canaryWaves, "")
	// This one says OnDelete itself; the other staged tests leave the strategy to the provider.
	stagedConfig := func(ns, pool, image, rollout, extra string) string {
		c := stagedDaemonSet(ns, pool, image, rollout, extra)
		c.specExtra = `update_strategy = { type = "OnDelete" }`
		return c.String()
	}
	var before map[string]nodePod
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: stagedConfig(ns, pool, testImage, policy, ""),
			Check: func(*terraform.State) error {
				before = podsByNode(t, cs, ns, "app=staged")
				if len(before) != 10 {
					return fmt.Errorf("%d pods after the create, want 10", len(before))
				}
				return nil
			},
		}, {
			Config: stagedConfig(ns, pool, "registry.invalid/agent:2", policy, `timeouts = { update = "20s" }`),
			ExpectError: regexp.MustCompile(`(?s)staged rollout halted in wave 1 of 3 \(pool=canary\).*` +
				regexp.QuoteMeta(canaries[0]) + `.*image_pull`),
			Check: nil,
		}, {
			// The halted rollout left the canaries on the new revision and no one else.
			PreConfig: func() { checkReplacedOnly(t, before, podsByNode(t, cs, ns, "app=staged"), canaries) },
			Config:    stagedConfig(ns, pool, "registry.k8s.io/pause:3.9", policy, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			// The canaries, half of the 8 others, the rest: each wave done.
			ConfigStateChecks: []statecheck.StateCheck{statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("waves"),
				knownvalue.ListExact([]knownvalue.Check{waveProgress(2, 2, "done"), waveProgress(4, 4, "done"), waveProgress(4, 4, "done")}))},
			Check: func(*terraform.State) error { return allOnNewestRevision(t, cs, ns, "staged", "app=staged", 10) },
		}, {
			// The data source reads the waves the configuration recorded on the DaemonSet.
			RefreshState: true,
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "waves.#", "3"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "waves.0.nodes", "2"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "waves.1.covered", "4"),
				resource.TestCheckResourceAttr("data.kubedaemon_coverage.test", "waves.2.state", "done"),
				checkNode(canaries[0], map[string]string{"wave": "^1$", "current_revision": "^true$"}),
			),
		}},
	})
}

// TestAccDaemonSet_stagedRolloutRollsBack: the same failure under on_failure = "rollback": the
// canaries go back to the first revision, the other nodes never left it (same UIDs), the error
// says it rolled back from wave 1, and the next plan shows the change again.
func TestAccDaemonSet_stagedRolloutRollsBack(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool, canaries := stagedPool(t, cs, 10, 2)
	policy := fmt.Sprintf(canaryWaves, "\n    on_failure = \"rollback\"")
	var before map[string]nodePod
	bad := stagedConfig(ns, pool, "registry.invalid/agent:2", policy, `timeouts = { update = "20s" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: stagedConfig(ns, pool, testImage, policy, ""),
			Check: func(*terraform.State) error {
				before = podsByNode(t, cs, ns, "app=staged")
				return nil
			},
		}, {
			Config:      bad,
			ExpectError: regexp.MustCompile(`(?s)DaemonSet \S+/staged rolled back.*halted in wave 1 of 3 \(pool=canary\)`),
		}, {
			PreConfig: func() {
				after := podsByNode(t, cs, ns, "app=staged")
				for node, pod := range before {
					switch {
					case slices.Contains(canaries, node):
						if after[node].revision != pod.revision || !after[node].ready {
							t.Errorf("canary %s runs %+v after the rollback, want a ready pod of revision %s", node, after[node], pod.revision)
						}
					case after[node].uid != pod.uid:
						t.Errorf("node %s of a later wave had its pod replaced", node)
					}
				}
			},
			Config:             bad,
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}},
	})
}

// checkReplacedOnly fails t unless, between before and after, the pods replaced are exactly those
// of the nodes in want.
func checkReplacedOnly(t *testing.T, before, after map[string]nodePod, want []string) {
	t.Helper()
	for node, pod := range before {
		if replaced := after[node].uid != pod.uid; replaced != slices.Contains(want, node) {
			t.Errorf("node %s: pod replaced = %v, want it replaced only on %v", node, replaced, want)
		}
	}
}

func waveProgress(nodes, covered int64, state string) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"nodes": knownvalue.Int64Exact(nodes), "covered": knownvalue.Int64Exact(covered), "state": knownvalue.StringExact(state),
	})
}

// allOnNewestRevision checks that n nodes run a ready pod of the newest revision of the DaemonSet
// name, whose pods selector selects.
func allOnNewestRevision(t *testing.T, cs kubernetes.Interface, ns, name, selector string, n int) error {
	_, newest, err := newestRevision(cs, ns, name)
	if err != nil {
		return err
	}
	pods := podsByNode(t, cs, ns, selector)
	var stale []string
	for _, node := range slices.Sorted(maps.Keys(pods)) {
		if p := pods[node]; p.revision != newest || !p.ready {
			stale = append(stale, fmt.Sprintf("%s (%s, ready %v)", node, p.revision, p.ready))
		}
	}
	if len(pods) != n || len(stale) > 0 {
		return fmt.Errorf("%d pods, want %d of revision %s; not so: %s", len(pods), n, newest, strings.Join(stale, ", "))
	}
	return nil
}

// rolloutWatcher follows the DaemonSet's pods during an update: the order in which old pods were
// deleted, and the most nodes without a ready pod at once.
type rolloutWatcher struct {
	mu          sync.Mutex
	deleted     []string // nodes, in the order their old pods were deleted
	unavailable map[string]bool
	most        int
	onDelete    func(node string)
	stop        context.CancelFunc
	done        chan struct{}
}

func watchRollout(t *testing.T, cs kubernetes.Interface, ns, oldRevision string, onDelete func(node string)) *rolloutWatcher {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	w, err := cs.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=staged"})
	if err != nil {
		t.Fatal(err)
	}
	rw := &rolloutWatcher{unavailable: map[string]bool{}, onDelete: onDelete, stop: stop, done: make(chan struct{})}
	seen := map[types.UID]bool{}
	go func() {
		defer close(rw.done)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				pod, isPod := ev.Object.(*corev1.Pod)
				if !isPod {
					continue
				}
				rw.mu.Lock()
				old := pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == oldRevision
				ready := false
				for _, c := range pod.Status.Conditions {
					ready = ready || (c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue)
				}
				switch {
				case old && (pod.DeletionTimestamp != nil || ev.Type == "DELETED") && !seen[pod.UID]:
					seen[pod.UID] = true
					rw.deleted = append(rw.deleted, pod.Spec.NodeName)
					rw.unavailable[pod.Spec.NodeName] = true
					rw.most = max(rw.most, len(rw.unavailable))
					if rw.onDelete != nil {
						rw.onDelete(pod.Spec.NodeName)
					}
				case !old && ready && pod.DeletionTimestamp == nil:
					delete(rw.unavailable, pod.Spec.NodeName)
				}
				rw.mu.Unlock()
			}
		}
	}()
	return rw
}

func (rw *rolloutWatcher) finish() ([]string, int) {
	rw.stop()
	<-rw.done
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return slices.Clone(rw.deleted), rw.most
}

// TestAccDaemonSet_stagedRolloutWaves: percent waves over 20 nodes, seen by a watcher of the pods:
// old pods are deleted wave by wave (never one of a later wave before the earlier is covered),
// never more than max_unavailable nodes without a ready pod at once, and a node that joins during
// the rollout runs the new revision by the end.
func TestAccDaemonSet_stagedRolloutWaves(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool, _ := stagedPool(t, cs, 20, 0)
	policy := `{
    waves           = [{ percent = 25 }, { percent = 50 }, {}]
    max_unavailable = "2"
  }`
	var (
		watcher  *rolloutWatcher
		nodes    []*corev1.Node
		oldHash  string
		joined   = make(chan string, 1)
		joinOnce sync.Once
	)
	t.Cleanup(func() {
		select {
		case name := <-joined:
			_ = cs.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
		default:
		}
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: stagedConfig(ns, pool, testImage, policy, ""),
			ConfigStateChecks: []statecheck.StateCheck{
				// The provider's OnDelete is not the configuration's: state leaves it out.
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("spec").AtMapKey("update_strategy"), knownvalue.Null()),
			},
			Check: func(*terraform.State) error {
				ds, hash, err := newestRevision(cs, ns, "staged")
				oldHash = hash
				if err == nil && ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType {
					return fmt.Errorf("update strategy %s, want the OnDelete the provider sets under waves", ds.Spec.UpdateStrategy.Type)
				}
				list, listErr := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: "kd-stage=" + pool})
				if listErr != nil {
					return listErr
				}
				for i := range list.Items {
					nodes = append(nodes, &list.Items[i])
				}
				return err
			},
		}, {
			PreConfig: func() {
				watcher = watchRollout(t, cs, ns, oldHash, func(string) {
					// The first deletion: a node joins the pool while the rollout goes on.
					joinOnce.Do(func() {
						if name, err := createTestNode(cs, pool, testNode{labels: map[string]string{"kd-stage": pool}}); err == nil {
							joined <- name
						}
					})
				})
			},
			Config: stagedConfig(ns, pool, "registry.k8s.io/pause:3.9", policy, ""),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				deleted, most := watcher.finish()
				if most > 2 {
					return fmt.Errorf("%d nodes without a ready pod at once, over max_unavailable 2", most)
				}
				counted := map[string]bool{}
				for _, n := range nodes {
					counted[n.Name] = true
				}
				assigned := waves.Assign([]waves.Wave{{Percent: 25}, {Percent: 50}, {}}, nodes, counted)
				var order []int
				for _, node := range deleted {
					order = append(order, assigned[node])
				}
				if len(deleted) != 20 || !slices.IsSorted(order) {
					return fmt.Errorf("old pods deleted on %d nodes, in the waves %v; want the 20 nodes wave by wave", len(deleted), order)
				}
				return allOnNewestRevision(t, cs, ns, "staged", "app=staged", 21)
			},
		}},
	})
}
