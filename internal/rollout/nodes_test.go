package rollout

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// TestSharedNodes: the readers of one plan share one list; a list older than the maximum age, or a
// failed one, is made again.
func TestSharedNodes(t *testing.T) {
	cs := fake.NewClientset(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}})
	var lists atomic.Int32
	fail := atomic.Bool{}
	cs.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		lists.Add(1)
		if fail.Load() {
			return true, nil, errors.New("connection refused")
		}
		return false, nil, nil
	})
	shared := NewSharedNodes(cs, time.Hour)

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			nodes, err := shared.List(context.Background())
			if err != nil || len(nodes) != 1 {
				t.Errorf("List: %d nodes, %v", len(nodes), err)
			}
		})
	}
	wg.Wait()
	if n := lists.Load(); n != 1 {
		t.Errorf("20 readers made %d lists, want 1", n)
	}

	expired := NewSharedNodes(cs, 0)
	fail.Store(true)
	if _, err := expired.List(context.Background()); err == nil {
		t.Fatal("a failed list gave no error")
	}
	fail.Store(false)
	if nodes, err := expired.List(context.Background()); err != nil || len(nodes) != 1 {
		t.Errorf("after a failed list: %d nodes, %v; want the list made again", len(nodes), err)
	}
	before := lists.Load()
	if _, err := expired.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if lists.Load() != before+1 {
		t.Error("a list older than the maximum age was reused")
	}
}
