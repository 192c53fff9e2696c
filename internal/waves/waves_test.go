package waves

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

func nodes(n int, canary ...string) []*corev1.Node {
	var out []*corev1.Node
	for i := range n {
		name := fmt.Sprintf("node-%02d", i)
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
		if slices.Contains(canary, name) {
			node.Labels["pool"] = "canary"
		}
		out = append(out, node)
	}
	return out
}

func all(ns []*corev1.Node) map[string]bool {
	counted := map[string]bool{}
	for _, n := range ns {
		counted[n.Name] = true
	}
	return counted
}

func members(assigned map[string]int, wave int) []string {
	var out []string
	for name, w := range assigned {
		if w == wave {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func TestAssign(t *testing.T) {
	ns := nodes(20, "node-03", "node-11")
	canary := labels.SelectorFromSet(labels.Set{"pool": "canary"})
	waves := []Wave{{Selector: canary}, {Percent: 25}, {Count: 3}, {}}
	assigned := Assign(waves, ns, all(ns))
	if got := members(assigned, 0); !slices.Equal(got, []string{"node-03", "node-11"}) {
		t.Errorf("wave 1 %v, want the canary nodes", got)
	}
	// 25% of the 18 left, rounded up.
	if got := len(members(assigned, 1)); got != 5 {
		t.Errorf("wave 2 has %d nodes, want 5", got)
	}
	if got := len(members(assigned, 2)); got != 3 {
		t.Errorf("wave 3 has %d nodes, want 3", got)
	}
	if got := len(members(assigned, 3)); got != 10 {
		t.Errorf("wave 4 has %d nodes, want the 10 left", got)
	}
	// The same nodes in another order, and with one not counted, give the same waves.
	reversed := slices.Clone(ns)
	slices.Reverse(reversed)
	again := Assign(waves, reversed, all(ns))
	for name, w := range assigned {
		if again[name] != w {
			t.Errorf("%s in wave %d, then in %d: the order of the nodes changed the waves", name, w, again[name])
		}
	}

	// Nodes no wave selects go to the last one.
	onlySelectors := []Wave{{Selector: canary}, {Selector: labels.SelectorFromSet(labels.Set{"pool": "none"})}}
	assigned = Assign(onlySelectors, ns, all(ns))
	if got := len(members(assigned, 1)); got != 18 {
		t.Errorf("last wave has %d nodes, want the 18 no wave selected", got)
	}
	// Nodes not counted are in no wave.
	counted := all(ns)
	delete(counted, "node-03")
	if _, ok := Assign(waves, ns, counted)["node-03"]; ok {
		t.Error("a node not counted was given a wave")
	}
}

// cluster is the nodes' verdicts as a test drives them: each node runs one pod, of the old or the
// new revision, ready or not.
type cluster struct {
	nodes []*corev1.Node
	state map[string]*coverage.NodeReport
	pods  int
}

func newCluster(ns []*corev1.Node) *cluster {
	c := &cluster{nodes: ns, state: map[string]*coverage.NodeReport{}}
	for _, n := range ns {
		c.pods++
		c.state[n.Name] = &coverage.NodeReport{Name: n.Name, Eligible: true, NodeReady: true, Counted: true, Covered: true, Pod: fmt.Sprintf("old-%d", c.pods)}
	}
	return c
}

func (c *cluster) report() coverage.Report {
	var r coverage.Report
	for _, n := range c.nodes {
		r.Nodes = append(r.Nodes, *c.state[n.Name])
	}
	return r
}

// deleted is what the controller does after a delete: the node has no pod for a moment.
func (c *cluster) deleted(name string) {
	c.state[name].Pod, c.state[name].Covered, c.state[name].Reason = "", false, coverage.ReasonPodMissing
}

// replaced puts a ready pod of the new revision on the node.
func (c *cluster) replaced(name string) {
	c.pods++
	*c.state[name] = coverage.NodeReport{Name: name, Eligible: true, NodeReady: true, Counted: true, Covered: true, CurrentRevision: true, Pod: fmt.Sprintf("new-%d", c.pods)}
}

func names(rs []coverage.NodeReport) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// TestStep drives a rollout of 3 waves over 10 nodes to the end: never more than max_unavailable
// of a wave without a ready pod, no node of a later wave touched before the earlier is baked.
func TestStep(t *testing.T) {
	ns := nodes(10, "node-02", "node-07")
	c := newCluster(ns)
	r := &Rollout{
		Waves:          []Wave{{Selector: labels.SelectorFromSet(labels.Set{"pool": "canary"}), Bake: time.Minute}, {Percent: 50}, {}},
		MaxUnavailable: intstr.FromInt32(2),
	}
	now := time.Unix(1000, 0)
	step := r.Step(c.report(), ns, now)
	if got := names(step.Delete); !slices.Equal(got, []string{"node-02", "node-07"}) {
		t.Fatalf("first deletes %v, want the canary nodes", got)
	}
	for _, n := range step.Delete {
		c.deleted(n.Name)
	}
	if step := r.Step(c.report(), ns, now); len(step.Delete) != 0 || step.Done {
		t.Fatalf("with the wave's pods gone it deletes %v (done %v), want nothing", names(step.Delete), step.Done)
	}
	c.replaced("node-02")
	c.replaced("node-07")
	step = r.Step(c.report(), ns, now)
	if len(step.Delete) != 0 || !step.WakeAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("covered canary: deletes %v, wakes at %v; want none until the bake ends at %v", names(step.Delete), step.WakeAt, now.Add(time.Minute))
	}
	if p := r.Progress(c.report()); p[0].State != Baking || p[0].Covered != 2 || p[1].State != Pending {
		t.Errorf("progress while baking: %+v", p)
	}
	now = now.Add(time.Minute)
	for round := 0; ; round++ {
		if round > 50 {
			t.Fatal("the rollout does not end")
		}
		step = r.Step(c.report(), ns, now)
		if step.Err != nil {
			t.Fatal(step.Err)
		}
		if step.Done {
			break
		}
		unavailable := 0
		for _, n := range c.state {
			if !n.Covered {
				unavailable++
			}
		}
		if unavailable+len(step.Delete) > 2 {
			t.Fatalf("round %d: %d without a ready pod and %d more deleted, over max_unavailable 2", round, unavailable, len(step.Delete))
		}
		for _, n := range step.Delete {
			if w, _ := r.WaveOf(n.Name); w != r.current {
				t.Fatalf("deleted the pod of %s, in wave %d, during wave %d", n.Name, w, r.current)
			}
			c.deleted(n.Name)
		}
		if len(step.Delete) == 0 {
			for name, n := range c.state {
				if !n.Covered {
					c.replaced(name)
				}
			}
		}
	}
	for name, n := range c.state {
		if !n.CurrentRevision {
			t.Errorf("%s still runs %s when the rollout is done", name, n.Pod)
		}
	}
}

// A pod of the baking wave that restarts, turns not ready or is replaced fails the wave, naming
// the node; the later waves are left alone.
func TestStep_bakeFails(t *testing.T) {
	for name, spoil := range map[string]func(*coverage.NodeReport){
		"not ready": func(n *coverage.NodeReport) {
			n.Covered, n.PodReady, n.Reason, n.Message = false, false, coverage.ReasonContainerNotReady, "readiness probe failed"
		},
		"restarted": func(n *coverage.NodeReport) { n.Restarts++ },
		"replaced":  func(n *coverage.NodeReport) { n.Pod = "other" },
	} {
		t.Run(name, func(t *testing.T) {
			ns := nodes(4, "node-00")
			c := newCluster(ns)
			r := &Rollout{Waves: []Wave{{Selector: labels.SelectorFromSet(labels.Set{"pool": "canary"}), Bake: time.Minute}, {}}}
			now := time.Unix(1000, 0)
			r.Step(c.report(), ns, now)
			c.replaced("node-00")
			if step := r.Step(c.report(), ns, now); step.WakeAt.IsZero() {
				t.Fatal("no bake")
			}
			spoil(c.state["node-00"])
			step := r.Step(c.report(), ns, now.Add(10*time.Second))
			if step.Err == nil || len(step.Delete) > 0 {
				t.Fatalf("step %+v, want the bake failed and nothing deleted", step)
			}
			if msg := step.Err.Error(); !strings.Contains(msg, "wave 1 of 2 (pool=canary)") || !strings.Contains(msg, "node-00") {
				t.Errorf("error %q names neither the wave nor the node", msg)
			}
			if again := r.Step(c.report(), ns, now.Add(time.Hour)); again.Err == nil {
				t.Error("a failed rollout went on")
			}
			if p := r.Progress(c.report()); p[0].State != Failed || p[1].State != Pending {
				t.Errorf("progress %+v, want failed then pending", p)
			}
		})
	}
}

// A resumed rollout skips the waves already on the new revision, bakes included, and a node that
// joins goes to the current wave.
func TestStep_resumeAndJoin(t *testing.T) {
	ns := nodes(6, "node-00", "node-01")
	c := newCluster(ns)
	c.replaced("node-00")
	c.replaced("node-01")
	r := &Rollout{Waves: []Wave{{Selector: labels.SelectorFromSet(labels.Set{"pool": "canary"}), Bake: time.Hour}, {Count: 2, Bake: time.Hour}, {}}, MaxUnavailable: intstr.FromString("100%")}
	now := time.Unix(1000, 0)
	step := r.Step(c.report(), ns, now)
	if len(step.Delete) != 2 || r.current != 1 {
		t.Fatalf("resume deletes %v in wave %d, want the 2 nodes of wave 2 at once", names(step.Delete), r.current+1)
	}
	joined := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-99"}}
	ns = append(ns, joined)
	c.nodes = ns
	c.pods++
	c.state["node-99"] = &coverage.NodeReport{Name: "node-99", Counted: true, Covered: true, Pod: "old-joined"}
	r.Step(c.report(), ns, now)
	if w, ok := r.WaveOf("node-99"); !ok || w != 1 {
		t.Errorf("a joining node went to wave %d (%v), want the current one, 2", w+1, ok)
	}
}

// Summarize reads the waves' states from the nodes alone: done up to the first wave not on the
// current revision, which is updating, then pending.
func TestSummarize(t *testing.T) {
	ns := nodes(6, "node-00", "node-01")
	c := newCluster(ns)
	ws := []Wave{{Selector: labels.SelectorFromSet(labels.Set{"pool": "canary"})}, {Count: 2}, {}}
	c.replaced("node-00")
	c.replaced("node-01")
	assigned, progress := Summarize(ws, c.report(), ns)
	if assigned["node-00"] != 0 || assigned["node-01"] != 0 {
		t.Errorf("canaries in waves %d and %d, want 1", assigned["node-00"]+1, assigned["node-01"]+1)
	}
	want := []Progress{{Nodes: 2, Covered: 2, State: Done}, {Nodes: 2, Covered: 0, State: Updating}, {Nodes: 2, Covered: 0, State: Pending}}
	if !slices.Equal(progress, want) {
		t.Errorf("progress %+v, want %+v", progress, want)
	}
	for name := range c.state {
		c.replaced(name)
	}
	if _, progress := Summarize(ws, c.report(), ns); progress[2].State != Done || progress[2].Covered != 2 {
		t.Errorf("all on the new revision: %+v, want every wave done", progress)
	}
}
