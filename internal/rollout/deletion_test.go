package rollout_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// TestAccWait_daemonSetBeingDeleted: a DaemonSet that a finalizer keeps after its deletion gets no
// new pods from the controller, so Wait must say it is being deleted instead of waiting.
func TestAccWait_daemonSetBeingDeleted(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	const finalizer = "kubedaemon.test/hold"
	createDaemonSet(t, cs, ns, neverReady, func(ds *appsv1.DaemonSet) { ds.Finalizers = []string{finalizer} })
	t.Cleanup(func() {
		patch := []byte(`{"metadata":{"finalizers":null}}`)
		if _, err := cs.AppsV1().DaemonSets(ns).Patch(context.Background(), "agent", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Errorf("remove the finalizer: %v", err)
		}
	})
	if err := cs.AppsV1().DaemonSets(ns).Delete(context.Background(), "agent", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{})
	var notFound *rollout.NotFoundError
	if !errors.As(err, &notFound) || notFound.Deleting == nil {
		t.Fatalf("got %v, want a *NotFoundError for a DaemonSet being deleted", err)
	}
	t.Logf("error: %v", err)
}

// TestAccWait_deletedBeforeTheFirstList deletes the DaemonSet after Wait has read it and before its
// watch lists it: the wait must see the deletion rather than wait for the watch to show an object
// that no longer exists.
func TestAccWait_deletedBeforeTheFirstList(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	createDaemonSet(t, cs, ns, neverReady)
	var once sync.Once
	faults := &faultTransport{before: func(r *servedRequest) {
		if r.resource == "daemonsets" && (r.verb == "list" || r.verb == "watch-list") {
			once.Do(func() {
				if err := cs.AppsV1().DaemonSets(ns).Delete(context.Background(), "agent", metav1.DeleteOptions{}); err != nil {
					t.Errorf("delete: %v", err)
				}
			})
		}
	}}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, err := rollout.Wait(ctx, providerClient(t, faults), ns, "agent", rollout.Options{})
	var notFound *rollout.NotFoundError
	if !errors.As(err, &notFound) || !notFound.Deleted {
		logRequests(t, "requests of the wait", faults.since(time.Time{}))
		t.Fatalf("got %v, want a *NotFoundError for a deleted DaemonSet", err)
	}
}
