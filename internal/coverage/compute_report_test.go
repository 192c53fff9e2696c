package coverage

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// nodeWant is what a test expects of one NodeReport; message must be contained in the report's.
type nodeWant struct {
	eligible, nodeReady, counted, covered bool
	pod                                   string
	currentRevision                       bool
	reason                                Reason
	message                               string
}

type reportWant struct {
	eligible, counted, covered, misscheduled int
	complete                                 bool
	uncovered, notReady                      []string
}

var (
	// The report of one counted node-a, covered or not.
	oneCovered   = reportWant{eligible: 1, counted: 1, covered: 1, complete: true}
	oneUncovered = reportWant{eligible: 1, counted: 1, uncovered: []string{"node-a"}}
)

// coveredBy and uncoveredBy are the verdicts for a Ready, eligible node-a.
func coveredBy(pod string) nodeWant {
	return nodeWant{eligible: true, nodeReady: true, counted: true, covered: true, pod: pod, currentRevision: true}
}

func uncoveredBy(pod string, reason Reason, message string) nodeWant {
	return nodeWant{eligible: true, nodeReady: true, counted: true, pod: pod, currentRevision: true, reason: reason, message: message}
}

func checkNode(t *testing.T, got NodeReport, want nodeWant) {
	t.Helper()
	gotWant := nodeWant{
		eligible: got.Eligible, nodeReady: got.NodeReady, counted: got.Counted, covered: got.Covered,
		pod: got.Pod, currentRevision: got.CurrentRevision, reason: got.Reason, message: want.message,
	}
	if gotWant != want {
		t.Errorf("node %s = %+v, want %+v", got.Name, gotWant, want)
	}
	if !strings.Contains(got.Message, want.message) {
		t.Errorf("node %s message = %q, want it to contain %q", got.Name, got.Message, want.message)
	}
	if (got.Reason == "") != (got.Message == "") {
		t.Errorf("node %s: reason %q with message %q: a reason needs a message and only a reason", got.Name, got.Reason, got.Message)
	}
	if got.Pod != "" && (got.PodPhase == "") {
		t.Errorf("node %s: pod %s without a phase", got.Name, got.Pod)
	}
	if got.Covered && !got.PodReady {
		t.Errorf("node %s is covered by a pod that is not Ready", got.Name)
	}
}

func checkReport(t *testing.T, r Report, want reportWant) {
	t.Helper()
	got := fmt.Sprintf("eligible %d, counted %d, covered %d, misscheduled %d, complete %v, uncovered %v, notReady %v",
		r.Eligible, r.Counted, r.Covered, r.Misscheduled, r.Complete, r.Uncovered, r.NotReady)
	wantText := fmt.Sprintf("eligible %d, counted %d, covered %d, misscheduled %d, complete %v, uncovered %v, notReady %v",
		want.eligible, want.counted, want.covered, want.misscheduled, want.complete, want.uncovered, want.notReady)
	if got != wantText {
		t.Errorf("report:\n got %s\nwant %s", got, wantText)
	}
}

func nodeNames(nodes []NodeReport) []string {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
	}
	return names
}

func TestComputeReportsRevisionAndStrategy(t *testing.T) {
	tests := []struct {
		name               string
		ds                 *appsv1.DaemonSet
		wantOnDelete       bool
		wantObserved       bool
		wantRevision       string
		wantCurrentOnNodeA bool
	}{
		{name: "rolling update, observed", ds: daemonSet(), wantObserved: true, wantRevision: currentRevision},
		{name: "OnDelete", ds: daemonSet(onDelete), wantOnDelete: true, wantObserved: true, wantRevision: currentRevision},
		{name: "observed generation behind", ds: daemonSet(func(ds *appsv1.DaemonSet) { ds.Status.ObservedGeneration = 1 }), wantRevision: currentRevision},
		{name: "observed generation ahead of a stale read", ds: daemonSet(func(ds *appsv1.DaemonSet) { ds.Status.ObservedGeneration = 3 }),
			wantObserved: true, wantRevision: currentRevision},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Compute(State{DaemonSet: tt.ds, Revisions: revisions(), Nodes: []*corev1.Node{node("node-a")},
				Pods: []*corev1.Pod{pod("agent-a", "node-a", podRevision(oldRevision))}}, Options{Now: now})
			if r.OnDelete != tt.wantOnDelete || r.GenerationObserved != tt.wantObserved || r.Revision != tt.wantRevision {
				t.Errorf("OnDelete %v, GenerationObserved %v, Revision %q; want %v, %v, %q",
					r.OnDelete, r.GenerationObserved, r.Revision, tt.wantOnDelete, tt.wantObserved, tt.wantRevision)
			}
			if r.Complete != (tt.wantOnDelete && tt.wantObserved) {
				t.Errorf("Complete = %v with an old-revision pod, OnDelete %v, observed %v", r.Complete, tt.wantOnDelete, tt.wantObserved)
			}
		})
	}
}

// TestNotCovered: of a DaemonSet on the edge nodes, the nodes that want a look are the edge nodes
// not covered, Ready or not, and the node outside the pool that still runs a pod; not the covered
// edge node, nor the nodes outside the pool without a pod or with one being deleted.
func TestNotCovered(t *testing.T) {
	edge := labeled("role", "edge")
	r := Compute(State{
		DaemonSet: daemonSet(nodeSelector(map[string]string{"role": "edge"})),
		Revisions: revisions(),
		Nodes: []*corev1.Node{
			node("covered", edge), node("misscheduled"), node("no-pod", edge),
			node("not-ready", edge, nodeNotReady(corev1.ConditionUnknown, "NodeStatusUnknown", "kubelet stopped posting")),
			node("outside"), node("outside-terminating"),
		},
		Pods: []*corev1.Pod{
			pod("agent-covered", "covered"), pod("agent-misscheduled", "misscheduled"),
			pod("agent-outside-terminating", "outside-terminating", terminating),
		},
	}, Options{Now: now})
	if got, want := nodeNames(r.NotCovered()), []string{"misscheduled", "no-pod", "not-ready"}; !slices.Equal(got, want) {
		t.Errorf("NotCovered() = %v, want %v", got, want)
	}
	r.Nodes = r.Nodes[:1]
	if got := r.NotCovered(); got != nil {
		t.Errorf("NotCovered() of the covered node alone = %v, want none", nodeNames(got))
	}
}

// BenchmarkCompute measures one recomputation for a cluster of 5,000 nodes, each running a pod; it
// runs on every watch event during a wait.
func BenchmarkCompute(b *testing.B) {
	const n = 5000
	ds := daemonSet(
		nodeSelector(map[string]string{"kubernetes.io/os": "linux"}),
		requiredAffinity(expressions(requirement("kubernetes.io/arch", corev1.NodeSelectorOpIn, "amd64", "arm64"))),
		tolerations(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}),
		minReadySeconds(10),
	)
	s := State{DaemonSet: ds, Revisions: revisions()}
	for i := range n {
		name := fmt.Sprintf("node-%05d", (i*7919)%n) // not in name order, as a lister returns them
		nd := node(name, labeled("kubernetes.io/os", "linux"), labeled("kubernetes.io/arch", "amd64"))
		switch i % 10 {
		case 0:
			tainted("dedicated", "db", corev1.TaintEffectNoSchedule)(nd)
		case 1:
			tainted(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoExecute)(nd)
		}
		s.Nodes = append(s.Nodes, nd)
		p := pod("agent-"+name, name)
		if i%50 == 0 {
			waiting("ImagePullBackOff", "Back-off pulling image")(p)
		}
		s.Pods = append(s.Pods, p)
	}
	o := Options{Now: now}
	b.ReportAllocs()
	for b.Loop() {
		if r := Compute(s, o); r.NodesTotal != n {
			b.Fatalf("NodesTotal = %d", r.NodesTotal)
		}
	}
}
