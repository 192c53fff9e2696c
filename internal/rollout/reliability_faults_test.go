package rollout_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// Faults a wait must survive, against a real API server: its restart, and watches that the server
// closes or expires. Each wait runs on the client the provider itself builds (protobuf, its rate
// limits), seen through a faultTransport that records every request and its outcome.

// servedRequest is one request of a wait and what came of it.
type servedRequest struct {
	at       time.Time
	verb     string // list, watch (a resumed watch), watch-list (a watch that starts with the full state) or other
	resource string
	status   int   // 0 when no answer came
	err      error // transport error, such as connection refused
	expired  bool  // answered by the faultTransport with 410 Gone
}

func (r servedRequest) String() string {
	outcome := strconv.Itoa(r.status)
	if r.err != nil {
		outcome = r.err.Error()
	}
	note := ""
	if r.expired {
		note = " (answered 410 Gone: too old resource version)"
	}
	return fmt.Sprintf("%s %s %s -> %s%s", r.at.Format("15:04:05.000"), r.verb, r.resource, outcome, note)
}

// faultTransport records the requests of a wait. With closeWatchesAfter it makes the server end
// every watch after that many seconds, as it does after its own watch timeout. With expireEvery it
// answers every n-th resumed watch of each resource as an API server answers a client whose resource
// version has left its watch cache (after a long outage, or on a busy cluster): 200 OK, then one
// ERROR event with the Status 410 Gone "too old resource version". The server itself cannot be made
// to send that on demand: a young cluster's watch cache still holds every event since its start, so
// it answers a resume from resource version 1 by replaying them.
type faultTransport struct {
	next              http.RoundTripper
	closeWatchesAfter int
	expireEvery       int
	// before, if set, is called with each request before it is sent.
	before func(r *servedRequest)

	mu       sync.Mutex
	requests []*servedRequest
	resumed  map[string]int
}

func (f *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	query := req.URL.Query()
	r := &servedRequest{at: time.Now(), verb: "other", resource: collection(req.URL.Path)}
	switch {
	case req.Method != http.MethodGet:
	case query.Get("watch") == "true" && query.Get("sendInitialEvents") == "true":
		r.verb = "watch-list"
	case query.Get("watch") == "true":
		r.verb = "watch"
	case r.resource != "":
		r.verb = "list"
	}
	if r.verb == "watch" || r.verb == "watch-list" {
		if f.closeWatchesAfter > 0 {
			query.Set("timeoutSeconds", strconv.Itoa(f.closeWatchesAfter))
		}
		if r.verb == "watch" && f.expireEvery > 0 {
			f.mu.Lock()
			f.resumed[r.resource]++
			r.expired = f.resumed[r.resource]%f.expireEvery == 0
			f.mu.Unlock()
		}
		req = req.Clone(req.Context())
		req.URL.RawQuery = query.Encode()
	}
	if f.before != nil {
		f.before(r)
	}
	var resp *http.Response
	var err error
	if r.expired {
		resp = tooOldResourceVersion(req)
	} else {
		resp, err = f.next.RoundTrip(req)
	}
	r.err = err
	if resp != nil {
		r.status = resp.StatusCode
	}
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.mu.Unlock()
	return resp, err
}

// tooOldResourceVersion is the API server's answer to a watch resumed from a resource version its
// watch cache no longer holds (storage/cacher, watch_cache_history.go): the watch opens, then ends
// with one ERROR event carrying the Status 410 Expired.
func tooOldResourceVersion(req *http.Request) *http.Response {
	event := `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",` +
		`"message":"too old resource version: ` + req.URL.Query().Get("resourceVersion") + ` (1000000)",` +
		`"reason":"Expired","code":410}}` + "\n"
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(strings.NewReader(event)),
		ContentLength: int64(len(event)),
		Request:       req,
	}
}

// collection is the resource a list or watch path names (/api/v1/namespaces/ns/pods: pods), or ""
// for a path that names one object.
func collection(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return ""
	}
	if len(parts) >= 2 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	if len(parts) != 1 {
		return ""
	}
	return parts[0]
}

// since returns the requests made at or after t.
func (f *faultTransport) since(t time.Time) []*servedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*servedRequest
	for _, r := range f.requests {
		if !r.at.Before(t) {
			out = append(out, r)
		}
	}
	return out
}

// providerClient builds the client the provider builds from the test kubeconfig (kubeclient.New
// reads KUBE_CONFIG_PATH as the provider does), its requests going through the faultTransport.
func providerClient(t *testing.T, faults *faultTransport) kubernetes.Interface {
	t.Helper()
	testConfig(t) // skips without TF_ACC
	client, err := kubeclient.New(kubeclient.Config{}, "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(client.Config)
	faults.resumed = map[string]int{}
	cfg.Wrap(func(next http.RoundTripper) http.RoundTripper {
		faults.next = next
		return faults
	})
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// waitResult is what a Wait run in the background returned, and when.
type waitResult struct {
	report coverage.Report
	err    error
	at     time.Time
}

// waitInBackground starts Wait on the test DaemonSet "agent"; the returned channel closes once the
// wait has computed its first report, that is, once its watches have listed everything.
func waitInBackground(ctx context.Context, cs kubernetes.Interface, namespace string) (started <-chan struct{}, done <-chan waitResult) {
	first := make(chan struct{})
	result := make(chan waitResult, 1)
	var once sync.Once
	go func() {
		report, err := rollout.Wait(ctx, cs, namespace, "agent", rollout.Options{
			ProgressInterval: 50 * time.Millisecond,
			Progress:         func(coverage.Report) { once.Do(func() { close(first) }) },
		})
		result <- waitResult{report, err, time.Now()}
	}()
	return first, result
}

// awaitStart blocks until the wait has its first report; a wait that returns before is a failure.
func awaitStart(t *testing.T, started <-chan struct{}, done <-chan waitResult) {
	t.Helper()
	select {
	case <-started:
	case r := <-done:
		t.Fatalf("Wait returned before the fault: %v", r.err)
	case <-time.After(time.Minute):
		t.Fatal("Wait computed no report within a minute")
	}
}

// makeReady removes the readiness probe that keeps the test DaemonSet's pods unready: the rollout
// of that change is what the waits under test must see to the end.
func makeReady(t *testing.T, cs kubernetes.Interface, namespace string) {
	t.Helper()
	patch := []byte(`[{"op":"remove","path":"/spec/template/spec/containers/0/readinessProbe"}]`)
	if _, err := cs.AppsV1().DaemonSets(namespace).Patch(context.Background(), "agent", types.JSONPatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestAccWait_watchesClosedAndExpired runs a rollout while the server ends every watch after two
// seconds and every other resumed watch is answered with 410 Gone. minReadySeconds keeps the rollout
// open across several of these faults (12 s: two rounds of close, expire and relist, whatever their
// phase): the wait must resume the closed watches, relist after the expired ones, and return only
// when the rollout is complete.
func TestAccWait_watchesClosedAndExpired(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	createDaemonSet(t, cs, ns, neverReady, func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = 12 })
	faults := &faultTransport{closeWatchesAfter: 2, expireEvery: 2}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	started, done := waitInBackground(ctx, providerClient(t, faults), ns)
	awaitStart(t, started, done)

	makeReady(t, cs, ns)
	fixed := time.Now()
	r := <-done
	if r.err != nil {
		logRequests(t, "requests of the wait", faults.since(time.Time{}))
		t.Fatalf("Wait: %v\n%s", r.err, clusterView(cs, ns, "agent"))
	}
	covered := assertCovered(t, cs, ns, "agent", r.at)
	if !r.report.Complete || r.report.Covered < len(covered) {
		t.Errorf("report: complete %v, %d covered; the cluster shows %d covered nodes", r.report.Complete, r.report.Covered, len(covered))
	}
	t.Logf("Wait returned %v after the fix", r.at.Sub(fixed).Round(time.Millisecond))

	requests := faults.since(fixed)
	logRequests(t, "requests of the wait during the rollout", requests)
	for _, resource := range []string{"daemonsets", "pods", "nodes"} {
		if resumed, relisted := watchFaults(requests, resource); resumed == 0 || relisted == 0 {
			t.Errorf("%s: during the rollout the wait resumed %d watches that the server had closed and relisted %d times "+
				"after a 410 Gone; want at least one of each", resource, resumed, relisted)
		}
	}
}

// watchFaults counts, for one resource, the watches resumed after the server closed the previous
// one, and the relists that followed a 410 Gone.
func watchFaults(requests []*servedRequest, resource string) (resumed, relisted int) {
	gone := false
	for _, r := range requests {
		switch {
		case r.resource != resource:
		case r.verb == "watch" && r.expired:
			gone = true
		case r.verb == "watch" && r.status == http.StatusOK:
			resumed++
		case (r.verb == "list" || r.verb == "watch-list") && gone:
			relisted++
			gone = false
		}
	}
	return resumed, relisted
}

func logRequests(t *testing.T, title string, requests []*servedRequest) {
	t.Helper()
	lines := make([]string, len(requests))
	for i, r := range requests {
		lines[i] = r.String()
	}
	t.Logf("%s (%d):\n  %s", title, len(requests), strings.Join(lines, "\n  "))
}
