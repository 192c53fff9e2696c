package rollout

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// refused is what client-go returns while nothing listens at the API server's address.
var refused = &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}

// failFirstGets makes the first n reads of the DaemonSet fail with err and counts all reads.
func failFirstGets(cs *fake.Clientset, n int64, err error) *atomic.Int64 {
	var gets atomic.Int64
	cs.PrependReactor("get", "daemonsets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if gets.Add(1) <= n {
			return true, nil, err
		}
		return false, nil, nil
	})
	return &gets
}

// TestWait_startsThroughAnOutage: a wait that begins while the API server restarts or sheds load
// retries its first read, as its watches would, and completes once the server answers.
func TestWait_startsThroughAnOutage(t *testing.T) {
	for _, fault := range []error{refused, apierrors.NewServiceUnavailable("the API server is starting"), apierrors.NewTooManyRequests("slow down", 1)} {
		t.Run(fault.Error(), func(t *testing.T) {
			cs := fake.NewClientset(daemonSet("uid-1"), revision("agent-h1", "h1", 1, "uid-1"), readyNode("node-a"),
				readyPod("agent-a", "node-a", "h1", "uid-1", time.Now()))
			gets := failFirstGets(cs, 2, fault)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			report, err := Wait(ctx, cs, testNamespace, "agent", Options{})
			if err != nil || !report.Complete {
				t.Fatalf("Wait: %v (complete %v), want a complete rollout", err, report.Complete)
			}
			if n := gets.Load(); n < 3 {
				t.Errorf("the DaemonSet was read %d times, want the 2 failures and a success", n)
			}
		})
	}
}

// TestWait_outageOutlastsTheDeadline: when the API server stays away until the wait's deadline,
// the wait ends at the deadline with an error that says what the last attempt met.
func TestWait_outageOutlastsTheDeadline(t *testing.T) {
	cs := fake.NewClientset(daemonSet("uid-1"))
	failFirstGets(cs, 1<<62, refused)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	started := time.Now()
	_, err := Wait(ctx, cs, testNamespace, "agent", Options{})
	if late := time.Since(started) - 2*time.Second; late > time.Second {
		t.Errorf("Wait returned %v after its deadline", late)
	}
	var incomplete *IncompleteError
	if !errors.As(err, &incomplete) || !incomplete.unread || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want an *IncompleteError without a report, caused by the deadline", err)
	}
	if want := "the last request to the API server failed"; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("message %q does not say that the API server refused connections", err)
	}
}

// TestWait_lastingErrorsAreNotRetried: an answer that waiting cannot change ends the wait at once.
func TestWait_lastingErrorsAreNotRetried(t *testing.T) {
	cs := fake.NewClientset(daemonSet("uid-1"))
	gets := failFirstGets(cs, 1<<62, apierrors.NewUnauthorized("the token has expired"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Wait(ctx, cs, testNamespace, "agent", Options{}); !apierrors.IsUnauthorized(err) {
		t.Fatalf("got %v, want the Unauthorized answer", err)
	}
	if n := gets.Load(); n != 1 {
		t.Errorf("the DaemonSet was read %d times, want 1", n)
	}
}
