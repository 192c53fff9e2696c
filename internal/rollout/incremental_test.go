package rollout

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// pendingPod is a pod the controller aimed at node that the scheduler has not bound yet.
func pendingPod(name, node, hash string) *corev1.Pod {
	pod := readyPod(name, "", hash, "uid-1", time.Now())
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	pod.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchFields: []corev1.NodeSelectorRequirement{{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
		}}},
	}}
	return pod
}

// TestWait_judgesTouchedNodesAgain follows pods through the changes that move a node's verdict: a
// covering pod deleted and replaced, a pod aimed at its node and then bound and Ready. Each change
// touches one node, which alone is judged again.
func TestWait_judgesTouchedNodesAgain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cs := fake.NewClientset(daemonSet("uid-1"), revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"), readyNode("node-b"),
		readyPod("agent-a1", "node-a", "h1", "uid-1", time.Now()), pendingPod("agent-b1", "node-b", "h1"))

	opened := watchesOpened(t, cs)
	reports, done := progressReports(ctx, t, cs, Options{})
	opened(3)
	awaitReport(t, reports, done, func(r coverage.Report) bool { return r.Covered == 1 && r.Counted == 2 })

	pods := cs.CoreV1().Pods(testNamespace)
	if err := pods.Delete(ctx, "agent-a1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	awaitReport(t, reports, done, func(r coverage.Report) bool { return r.Covered == 0 })
	if _, err := pods.Create(ctx, readyPod("agent-a2", "node-a", "h1", "uid-1", time.Now()), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	awaitReport(t, reports, done, func(r coverage.Report) bool { return r.Covered == 1 })
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v while node-b had only a pending pod", err)
	default:
	}

	bound := readyPod("agent-b1", "node-b", "h1", "uid-1", time.Now())
	bound.Spec.Affinity = pendingPod("agent-b1", "node-b", "h1").Spec.Affinity
	if _, err := pods.Update(ctx, bound, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

// BenchmarkRecompute measures what one pod event costs a wait over 5,000 nodes: the event touches
// one node, which is judged again, and the verdicts are counted. Compare BenchmarkCompute in package
// coverage, the cost of judging every node, which each event cost before.
func BenchmarkRecompute(b *testing.B) {
	const n = 5000
	ws := newWatches(nil)
	daemonSets, pods, nodes := ws.newStore(nil, nil), ws.newStore(podNodes, podIndexers), ws.newStore(nodeName, nil)
	ds := daemonSet("uid-1")
	var nodeList, podList []any
	for i := range n {
		name := fmt.Sprintf("node-%05d", i)
		nodeList = append(nodeList, readyNode(name))
		podList = append(podList, readyPod("agent-"+name, name, "h1", "uid-1", time.Now().Add(-time.Minute)))
	}
	// One node stays uncovered, so that no recompute ends the wait.
	unready, ok := podList[0].(*corev1.Pod)
	if !ok {
		b.Fatal("not a pod")
	}
	unready.Status.Conditions[0].Status = corev1.ConditionFalse
	for _, fill := range []struct {
		store *watchedStore
		list  []any
	}{{daemonSets, []any{ds}}, {pods, podList}, {nodes, nodeList}} {
		if err := fill.store.Replace(fill.list, "1"); err != nil {
			b.Fatal(err)
		}
	}
	w := &waiter{
		namespace: testNamespace, name: "agent", uid: ds.UID, generation: ds.Generation,
		daemonSets: daemonSets, pods: pods, nodes: nodes, touched: &ws.touched, warned: map[string]bool{},
		revisions:     []*appsv1.ControllerRevision{revision("agent-h1", "h1", 1, "uid-1")},
		revisionsOf:   revisionKey{ds.Generation, ds.Status.ObservedGeneration, 0},
		revisionsRead: true,
	}
	ctx := context.Background()
	if complete, err := w.recompute(ctx); complete || err != nil {
		b.Fatalf("first recompute: complete %v, %v", complete, err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		changed := unready.DeepCopy()
		changed.ResourceVersion = fmt.Sprint(i)
		if err := pods.Update(changed); err != nil {
			b.Fatal(err)
		}
		if complete, err := w.recompute(ctx); complete || err != nil {
			b.Fatalf("recompute: complete %v, %v", complete, err)
		}
	}
}
