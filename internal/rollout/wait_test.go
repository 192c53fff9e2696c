package rollout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

func TestNextAvailable(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	terminating := readyPod("agent-t", "node-t", "h", "uid", now.Add(-time.Second))
	terminating.DeletionTimestamp = &metav1.Time{Time: now}
	notReady := readyPod("agent-n", "node-n", "h", "uid", now)
	notReady.Status.Conditions[0].Status = corev1.ConditionFalse
	pods := []*corev1.Pod{
		readyPod("agent-a", "node-a", "h", "uid", now.Add(-30*time.Second)), // available already
		readyPod("agent-b", "node-b", "h", "uid", now.Add(-2*time.Second)),
		readyPod("agent-c", "node-c", "h", "uid", now.Add(-5*time.Second)),
		terminating, notReady,
	}
	tests := []struct {
		name     string
		minReady int32
		pods     []*corev1.Pod
		want     time.Time
	}{
		{"no minReadySeconds", 0, pods, time.Time{}},
		{"earliest pending pod", 10, pods, now.Add(5 * time.Second)},
		{"all available", 1, pods[:1], time.Time{}},
		{"terminating and unready pods ignored", 10, pods[3:], time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextAvailable(tt.pods, tt.minReady, now); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOwnedPods(t *testing.T) {
	pending := readyPod("agent-c", "", "h", "uid-1", time.Now())
	pods := []*corev1.Pod{
		readyPod("agent-b", "node-b", "h", "uid-1", time.Now()),
		readyPod("other", "node-a", "h", "uid-2", time.Now()),
		pending,
		readyPod("agent-a", "node-a", "h", "uid-1", time.Now()),
	}
	want := []string{"agent-a (node node-a)", "agent-b (node node-b)", "agent-c"}
	if got := ownedPods(pods, "uid-1"); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// watchesOpened returns a function that blocks until the fake has served n more watches. Tests change
// objects only once they are watched: unlike an API server, the fake does not replay the changes
// made between a list and its watch.
func watchesOpened(t *testing.T, cs *fake.Clientset) func(n int) {
	opened := make(chan struct{}, 10)
	cs.PrependWatchReactor("*", func(k8stesting.Action) (bool, watch.Interface, error) {
		opened <- struct{}{}
		return false, nil, nil
	})
	return func(n int) {
		t.Helper()
		for range n {
			select {
			case <-opened:
			case <-time.After(10 * time.Second):
				t.Fatal("the watches were not opened within 10s")
			}
		}
	}
}

// progressReports starts Wait with a fast progress callback and returns its reports and its result.
func progressReports(ctx context.Context, t *testing.T, cs *fake.Clientset, opts Options) (<-chan coverage.Report, <-chan error) {
	t.Helper()
	reports := make(chan coverage.Report, 100)
	done := make(chan error, 1)
	opts.ProgressInterval = 10 * time.Millisecond
	opts.Progress = func(r coverage.Report) {
		select {
		case reports <- r:
		default:
		}
	}
	go func() {
		_, err := Wait(ctx, cs, testNamespace, "agent", opts)
		done <- err
	}()
	return reports, done
}

// awaitReport returns the first progress report that satisfies ok.
func awaitReport(t *testing.T, reports <-chan coverage.Report, done <-chan error, ok func(coverage.Report) bool) coverage.Report {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r := <-reports:
			if ok(r) {
				return r
			}
		case err := <-done:
			t.Fatalf("Wait returned early: %v", err)
		case <-timeout:
			t.Fatal("no matching progress report within 10s")
		}
	}
}

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

func TestWait_minReadySecondsEndsWithoutAnEvent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds := daemonSet("uid-1")
	ds.Spec.MinReadySeconds = 1
	start := time.Now()
	cs := fake.NewClientset(ds, revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"),
		readyPod("agent-a", "node-a", "h1", "uid-1", start))

	report, err := Wait(ctx, cs, testNamespace, "agent", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < time.Second || elapsed > 2*time.Second {
		t.Errorf("Wait returned after %v, want just after minReadySeconds (1s)", elapsed)
	}
	if !report.Complete || report.Covered != 1 {
		t.Errorf("report: complete %v, covered %d; want complete, 1", report.Complete, report.Covered)
	}
}

func TestWait_deadline(t *testing.T) {
	ds := daemonSet("uid-1")
	notReady := readyPod("agent-a", "node-a", "h1", "uid-1", time.Now())
	notReady.Status.Conditions[0].Status = corev1.ConditionFalse
	cs := fake.NewClientset(ds, revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"), readyNode("node-b"), notReady)

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	report, err := Wait(ctx, cs, testNamespace, "agent", Options{})
	var incomplete *IncompleteError
	if !errors.As(err, &incomplete) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want an *IncompleteError caused by the deadline", err)
	}
	if want := []string{"node-a", "node-b"}; !slices.Equal(report.Uncovered, want) || !slices.Equal(incomplete.Report.Uncovered, want) {
		t.Errorf("uncovered = %v (in the error: %v), want %v", report.Uncovered, incomplete.Report.Uncovered, want)
	}
}

func TestWait_daemonSetDeleted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs := fake.NewClientset(daemonSet("uid-1"), revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"))

	opened := watchesOpened(t, cs)
	reports, done := progressReports(ctx, t, cs, Options{})
	opened(3)
	awaitReport(t, reports, done, func(coverage.Report) bool { return true })
	if err := cs.AppsV1().DaemonSets(testNamespace).Delete(ctx, "agent", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var missing *NotFoundError
	if err := <-done; !errors.As(err, &missing) || !missing.Deleted {
		t.Fatalf("got %v, want a *NotFoundError for a deleted DaemonSet", err)
	}
}

func TestWait_notReadyWarningOncePerNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	down := readyNode("node-down")
	down.Status.Conditions[0].Status = corev1.ConditionUnknown
	cs := fake.NewClientset(daemonSet("uid-1"), revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"), down)

	var warnings [][]string
	opened := watchesOpened(t, cs)
	reports, done := progressReports(ctx, t, cs, Options{NotReadyWarning: func(nodes []string) { warnings = append(warnings, nodes) }})
	opened(3)
	awaitReport(t, reports, done, func(coverage.Report) bool { return true })
	// Another event recomputes the report; the node must not be reported twice.
	node := readyNode("node-b")
	node.Status.Conditions[0].Status = corev1.ConditionFalse
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	awaitReport(t, reports, done, func(r coverage.Report) bool { return len(r.NotReady) == 2 })
	cancel()
	// Waiting for Wait to end also keeps warnings free of races.
	if err := <-done; err == nil {
		t.Error("Wait returned no error when cancelled before any pod ran")
	}
	if want := [][]string{{"node-down"}, {"node-b"}}; !slices.EqualFunc(warnings, want, slices.Equal) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
}

func TestWait_forbidden(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs := fake.NewClientset(daemonSet("uid-1"))
	cs.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "", errors.New("RBAC: access denied"))
	})
	_, err := Wait(ctx, cs, testNamespace, "agent", Options{})
	var denied *PermissionError
	if !errors.As(err, &denied) || denied.Resource != "nodes" {
		t.Fatalf("got %v, want a *PermissionError for nodes", err)
	}
	if ctx.Err() != nil {
		t.Error("Wait ran into its deadline instead of giving up on the Forbidden answer")
	}
}

func TestWaitDeleted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds := daemonSet("uid-1")
	cs := fake.NewClientset(ds, readyPod("agent-a", "node-a", "h1", "uid-1", time.Now()),
		readyPod("foreign", "node-a", "h1", "uid-2", time.Now()))

	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	err := WaitDeleted(short, cs, testNamespace, "agent", "uid-1", ds.Spec.Selector)
	var remains *DeleteIncompleteError
	if !errors.As(err, &remains) || !remains.DaemonSet || !slices.Equal(remains.Pods, []string{"agent-a (node node-a)"}) {
		t.Fatalf("got %v, want a *DeleteIncompleteError naming the DaemonSet and agent-a", err)
	}

	opened := watchesOpened(t, cs)
	done := make(chan error, 1)
	go func() { done <- WaitDeleted(ctx, cs, testNamespace, "agent", "uid-1", ds.Spec.Selector) }()
	opened(2)
	if err := cs.CoreV1().Pods(testNamespace).Delete(ctx, "agent-a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.AppsV1().DaemonSets(testNamespace).Delete(ctx, "agent", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("WaitDeleted: %v", err)
	}
}

func TestWait_deadlineWhileRequestsFail(t *testing.T) {
	cs := fake.NewClientset(daemonSet("uid-1"))
	cs.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewServiceUnavailable("the API server is restarting")
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := Wait(ctx, cs, testNamespace, "agent", Options{})
	var incomplete *IncompleteError
	if !errors.As(err, &incomplete) || !incomplete.unread {
		t.Fatalf("got %v, want an *IncompleteError without a report", err)
	}
	if want := "the last request to the API server failed: list nodes: the API server is restarting"; !strings.Contains(err.Error(), want) {
		t.Errorf("message %q lacks %q", err, want)
	}
}

// TestWait_daemonSetNotYetInTheWatchCache: a list served from the API server's watch cache can lag
// the read that began the wait, by a DaemonSet created just before. That is no deletion.
func TestWait_daemonSetNotYetInTheWatchCache(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds := daemonSet("uid-1")
	cs := fake.NewClientset(revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"),
		readyPod("agent-a", "node-a", "h1", "uid-1", time.Now()))
	cs.PrependReactor("get", "daemonsets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, ds.DeepCopy(), nil
	})

	opened := watchesOpened(t, cs)
	done := make(chan error, 1)
	go func() {
		_, err := Wait(ctx, cs, testNamespace, "agent", Options{})
		done <- err
	}()
	opened(3)
	select {
	case err := <-done:
		t.Fatalf("Wait returned %v before the DaemonSet reached its watch", err)
	default:
	}
	if _, err := cs.AppsV1().DaemonSets(testNamespace).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
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
