package rollout

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

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
