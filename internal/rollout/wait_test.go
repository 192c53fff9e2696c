package rollout

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

func TestWait_notReadyWarningOncePerNode(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	down := readyNode("node-down")
	down.Status.Conditions[0].Status = corev1.ConditionUnknown
	cs := fake.NewClientset(daemonSet("uid-1"), revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"), down)

	var warnings [][]string
	warned := make(chan struct{}, 10)
	opened := watchesOpened(t, cs)
	reports, done := progressReports(ctx, t, cs, Options{NotReadyWarning: func(nodes []string) {
		warnings = append(warnings, nodes)
		warned <- struct{}{}
	}})
	opened(3)
	awaitReport(t, reports, done, func(coverage.Report) bool { return true })
	// Another event recomputes the report; the node must not be reported twice.
	node := readyNode("node-b")
	node.Status.Conditions[0].Status = corev1.ConditionFalse
	if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	awaitReport(t, reports, done, func(r coverage.Report) bool { return len(r.NotReady) == 2 })
	// A progress report can show the new node before the recompute that warns about it ran.
	for range 2 {
		select {
		case <-warned:
		case <-ctx.Done():
			t.Fatal("no warning for each node that is not Ready")
		}
	}
	cancel()
	// Waiting for Wait to end also keeps warnings free of races.
	if err := <-done; err == nil {
		t.Error("Wait returned no error when cancelled before any pod ran")
	}
	if want := [][]string{{"node-down"}, {"node-b"}}; !slices.EqualFunc(warnings, want, slices.Equal) {
		t.Errorf("warnings = %q, want %q", warnings, want)
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
