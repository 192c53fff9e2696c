//go:build unix

package rollout_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// TestAccWait_apiServerRestart kills the local kwokctl cluster's kube-apiserver while two waits
// watch a rollout that cannot complete yet, and starts it again. The wait whose deadline falls
// inside the outage must fail with an *IncompleteError that says which request failed. The other
// must carry on: the change that lets the rollout complete is made only after the restart, so it
// can only return complete through watches it reopened, and it must return no error.
func TestAccWait_apiServerRestart(t *testing.T) {
	cs := testClient(t)
	cluster := kwoktest.Find(t, testConfig(t))
	ns := testNamespace(t, cs)
	createDaemonSet(t, cs, ns, neverReady)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	survivor := &faultTransport{}
	started, done := waitInBackground(ctx, providerClient(t, survivor), ns)
	shortCtx, expire := context.WithCancelCause(ctx)
	defer expire(nil)
	outlasted := &faultTransport{}
	shortStarted, shortDone := waitInBackground(shortCtx, providerClient(t, outlasted), ns)
	awaitStart(t, started, done)
	awaitStart(t, shortStarted, shortDone)

	killed := cluster.KillAPIServer(t)
	// The outage outlasts the short wait: its deadline passes once its watches have failed to reconnect.
	poll(t, 30*time.Second, "a failed request of the short wait", func(context.Context) (bool, error) {
		return slices.ContainsFunc(outlasted.since(killed), func(r *servedRequest) bool { return r.err != nil }), nil
	})
	expire(context.DeadlineExceeded)
	short := <-shortDone
	var incomplete *rollout.IncompleteError
	if !errors.As(short.err, &incomplete) || !errors.Is(short.err, context.DeadlineExceeded) {
		t.Errorf("the wait whose deadline passed during the outage returned %v, want an *IncompleteError caused by its deadline", short.err)
	} else if !strings.Contains(short.err.Error(), "the last request to the API server failed") {
		t.Errorf("the error %q does not say that requests to the API server failed", short.err)
	}
	t.Logf("the wait whose deadline passed during the outage: %v", short.err)

	restarted := cluster.Start(t)
	t.Logf("kube-apiserver down for %v", restarted.Sub(killed).Round(time.Millisecond))
	select {
	case r := <-done:
		t.Fatalf("Wait returned during the outage: %v", r.err)
	default:
	}
	makeReady(t, cs, ns)
	fixed := time.Now()
	r := <-done
	if r.err != nil {
		t.Fatalf("Wait after the restart: %v\n%s", r.err, clusterView(cs, ns, "agent"))
	}
	covered := assertCovered(t, cs, ns, "agent", r.at)
	if !r.report.Complete || r.report.Covered < len(covered) {
		t.Errorf("report: complete %v, %d covered; the cluster shows %d covered nodes", r.report.Complete, r.report.Covered, len(covered))
	}
	t.Logf("Wait returned %v after the fix", r.at.Sub(fixed).Round(time.Millisecond))
	requests := survivor.since(killed)
	logRequests(t, "requests of the surviving wait from the kill on", requests)
	for _, resource := range []string{"daemonsets", "pods", "nodes"} {
		if !slices.ContainsFunc(requests, func(r *servedRequest) bool {
			return r.resource == resource && strings.HasPrefix(r.verb, "watch") && r.status == http.StatusOK
		}) {
			t.Errorf("the wait never reopened a watch of %s after the restart", resource)
		}
	}
	if stopped := cluster.Stopped(); len(stopped) > 0 {
		t.Errorf("%v of cluster %s stopped after the restart", stopped, cluster.Name)
	}
}
