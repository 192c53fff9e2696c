package rollout

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// TestWait_newRevisionSeenThroughObservedGeneration plays the controller: the DaemonSet's
// generation is new and unobserved while old ready pods run; the controller then creates the
// revision and records the generation as observed. Revisions are not watched, so the wait must list
// them again on that status change, and must not take the old pods for current ones.
func TestWait_newRevisionSeenThroughObservedGeneration(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ds := daemonSet("uid-1")
	ds.Status.ObservedGeneration = 1
	readySince := time.Now().Add(-time.Minute)
	cs := fake.NewClientset(ds, revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"), readyNode("node-b"),
		readyPod("agent-a1", "node-a", "h1", "uid-1", readySince), readyPod("agent-b1", "node-b", "h1", "uid-1", readySince))

	opened := watchesOpened(t, cs)
	reports, done := progressReports(ctx, t, cs, Options{})
	opened(3)
	awaitReport(t, reports, done, func(r coverage.Report) bool { return !r.GenerationObserved && r.Covered == 2 })

	if _, err := cs.AppsV1().ControllerRevisions(testNamespace).Create(ctx, revision("agent-h2", "h2", 2, "uid-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ds.Status.ObservedGeneration = 2
	if _, err := cs.AppsV1().DaemonSets(testNamespace).UpdateStatus(ctx, ds, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := awaitReport(t, reports, done, func(r coverage.Report) bool { return r.GenerationObserved })
	if r.Revision != "h2" || r.Covered != 0 || r.Complete {
		t.Fatalf("after the controller observed generation 2: revision %q, covered %d, complete %v; want h2, 0, false",
			r.Revision, r.Covered, r.Complete)
	}

	// Without surge the controller replaces a pod by deleting it first.
	for _, name := range []string{"agent-a1", "agent-b1"} {
		if err := cs.CoreV1().Pods(testNamespace).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*corev1.Pod{readyPod("agent-a2", "node-a", "h2", "uid-1", readySince), readyPod("agent-b2", "node-b", "h2", "uid-1", readySince)} {
		if _, err := cs.CoreV1().Pods(testNamespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

// TestWait_podOfAnUnlistedRevision: the revisions a wait listed can lack the newest one (listed just
// before the controller made it, or read stale) while the DaemonSet shows nothing new. A pod that
// carries a revision hash the wait has not listed makes it list the revisions again, and only once
// per hash, so that a pod of a hash no revision holds cannot make it list in a loop.
func TestWait_podOfAnUnlistedRevision(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	readySince := time.Now().Add(-time.Minute)
	cs := fake.NewClientset(daemonSet("uid-1"), revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"), readyNode("node-b"))
	var lists atomic.Int32
	cs.PrependReactor("list", "controllerrevisions", func(k8stesting.Action) (bool, runtime.Object, error) {
		lists.Add(1)
		return false, nil, nil
	})
	opened := watchesOpened(t, cs)
	reports, done := progressReports(ctx, t, cs, Options{})
	opened(3)
	awaitReport(t, reports, done, func(r coverage.Report) bool { return r.Revision == "h1" && r.Covered == 0 })

	// A pod of a hash that no revision will ever hold: one more list, then no more.
	create(ctx, t, cs, readyPod("agent-a9", "node-a", "h9", "uid-1", readySince))
	awaitReport(t, reports, done, func(r coverage.Report) bool { return lists.Load() == 2 })
	for i := range 3 {
		create(ctx, t, cs, readyPod(fmt.Sprintf("agent-b9-%d", i), "node-b", "h9", "uid-1", readySince))
	}
	awaitReport(t, reports, done, func(r coverage.Report) bool { return len(r.Nodes) == 2 && r.Nodes[1].Pod != "" })
	if n := lists.Load(); n != 2 {
		t.Fatalf("%d revision lists after more pods of the unknown hash h9, want 2", n)
	}

	// The controller's newest revision, which the wait has not listed; the DaemonSet does not change.
	if _, err := cs.AppsV1().ControllerRevisions(testNamespace).Create(ctx, revision("agent-h2", "h2", 2, "uid-1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	create(ctx, t, cs, readyPod("agent-a2", "node-a", "h2", "uid-1", readySince))
	create(ctx, t, cs, readyPod("agent-b2", "node-b", "h2", "uid-1", readySince))
	if err := <-done; err != nil {
		t.Fatalf("Wait: %v (%d revision lists)", err, lists.Load())
	}
	if n := lists.Load(); n != 3 {
		t.Errorf("%d revision lists, want 3: at the start, for h9 and for h2", n)
	}
}

func create(ctx context.Context, t *testing.T, cs *fake.Clientset, pod *corev1.Pod) {
	t.Helper()
	if _, err := cs.CoreV1().Pods(testNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
