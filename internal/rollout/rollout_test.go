package rollout_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// maxWaitRequests bounds the requests of one wait: a get of the DaemonSet, a list (or a streamed
// watch-list) and a watch per watched kind, and a few revision lists. It does not grow with nodes.
const maxWaitRequests = 12

// waitRecorded runs Wait through a client whose requests are recorded and logs them.
func waitRecorded(t *testing.T, cs kubernetes.Interface, log *requestLog, namespace string, opts rollout.Options) (coverage.Report, time.Time, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	stop := log.record()
	report, err := rollout.Wait(ctx, cs, namespace, "agent", opts)
	returned := time.Now()
	requests := stop()
	t.Logf("Wait made %d requests over %d nodes:\n  %s", len(requests), report.NodesTotal, strings.Join(requests, "\n  "))
	if len(requests) > maxWaitRequests {
		t.Errorf("Wait made %d requests, want at most %d", len(requests), maxWaitRequests)
	}
	return report, returned, err
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestAccWait_rollout creates a DaemonSet and rolls out three new templates with the default
// RollingUpdate (one node at a time). Each Wait must return only when every node runs a Ready pod
// of the newest revision, checked by independent reads at the moment it returns; during a rollout
// the old revision's Ready pods must not pass for current ones.
func TestAccWait_rollout(t *testing.T) {
	cs := testClient(t)
	waitClient, log := countingClient(t)
	ns := testNamespace(t, cs)
	ready := watchReadyTimes(t, cs, ns)
	var latencies []time.Duration

	for step := range 4 {
		started := time.Now()
		if step == 0 {
			createDaemonSet(t, cs, ns)
		} else {
			patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"kubedaemon.test/step":"%d"}}}}}`, step)
			if _, err := cs.AppsV1().DaemonSets(ns).Patch(context.Background(), "agent", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		report, returned, err := waitRecorded(t, waitClient, log, ns, rollout.Options{})
		if err != nil {
			t.Fatalf("step %d: Wait: %v", step, err)
		}
		covered := assertCovered(t, cs, ns, "agent", returned)
		if !report.Complete || report.Covered != report.Counted || report.Counted < len(covered) || len(covered) == 0 {
			t.Errorf("step %d: report complete %v, covered %d of %d counted; the cluster shows %d covered nodes",
				step, report.Complete, report.Covered, report.Counted, len(covered))
		}
		lastReady := ready.lastReady(t, cs, ns, covered)
		if lastReady.IsZero() {
			t.Fatalf("step %d: the test's own watch saw none of the covering pods become Ready", step)
		}
		latency := returned.Sub(lastReady)
		latencies = append(latencies, latency)
		t.Logf("step %d: rollout over %d nodes took %v; Wait returned %v after the last pod was seen Ready",
			step, len(covered), returned.Sub(started).Round(time.Millisecond), latency.Round(time.Millisecond))
	}
	// The target is 250 ms; the bound leaves room for a loaded test machine.
	if p50 := median(latencies); p50 > time.Second {
		t.Errorf("median latency from the last pod Ready to Wait's return is %v, want well under 1s", p50)
	} else {
		t.Logf("median latency from the last pod Ready to Wait's return: %v", p50)
	}
}

// TestAccSnapshot_afterWait reads the DaemonSet's state in one snapshot after a wait and finds every
// counted node covered, without a request for the FailedCreate events: with every node covered they
// cannot change the report (TestAccWait_podsRefused shows a snapshot that needs them).
func TestAccSnapshot_afterWait(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	createDaemonSet(t, cs, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{}); err != nil {
		t.Fatal(err)
	}
	covered := assertCovered(t, cs, ns, "agent", time.Now())

	faults := &faultTransport{}
	state, report, err := rollout.Snapshot(ctx, providerClient(t, faults), ns, "agent", nil, coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range faults.since(time.Time{}) {
		if r.resource == "events" {
			t.Errorf("the snapshot of a covered DaemonSet made %s", r)
		}
	}
	if len(state.Revisions) != 1 || len(state.Pods) < len(covered) || len(state.Nodes) < len(covered) {
		t.Errorf("snapshot: %d revisions, %d pods, %d nodes; want 1 revision and at least %d pods and nodes",
			len(state.Revisions), len(state.Pods), len(state.Nodes), len(covered))
	}
	if report.Covered != report.Counted || !report.Complete || report.Counted < len(covered) {
		t.Errorf("snapshot report: covered %d of %d counted (complete %v), want all of at least %d:\n%s",
			report.Covered, report.Counted, report.Complete, len(covered), report.Summary(10))
	}
}

// TestAccWait_nodeCreatedDuringWait creates a node while Wait runs: the wait must cover it before it
// returns. minReadySeconds keeps the wait from completing before the node exists, and its end is
// marked by no event, so the wait also shows that it recomputes on its own when the window closes.
func TestAccWait_nodeCreatedDuringWait(t *testing.T) {
	cs := testClient(t)
	requireKwok(t, cs)
	ns := testNamespace(t, cs)
	createDaemonSet(t, cs, ns, func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = 5 })

	node := newNode()
	var create sync.Once
	var createErr error
	var createdAt time.Time
	var warned []string
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	report, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{
		// A node that joins is NotReady until kwok takes it up, and by default such a node does not
		// hold the wait; counting it makes the wait hold until it is Ready and covered, so the
		// outcome does not depend on how fast kwok is under load.
		CountNotReadyNodes: true,
		ProgressInterval:   50 * time.Millisecond,
		// Progress runs on the wait's goroutine, so the node exists before Wait can return.
		Progress: func(r coverage.Report) {
			create.Do(func() {
				t.Logf("creating node %s at %s", node.Name, r.Progress(3))
				_, createErr = cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
				createdAt = time.Now()
			})
		},
		NotReadyWarning: func(nodes []string) { warned = append(warned, nodes...) },
	})
	returned := time.Now()
	deleteNodeAfter(t, cs, node.Name)
	if createErr != nil {
		t.Fatal(createErr)
	}
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if createdAt.IsZero() {
		t.Fatal("Wait returned before the node was created: the test proves nothing")
	}
	t.Logf("Wait returned %v after the node was created; not-Ready warnings for %v", time.Since(createdAt).Round(time.Millisecond), warned)

	i := slices.IndexFunc(report.Nodes, func(n coverage.NodeReport) bool { return n.Name == node.Name })
	if i < 0 || !report.Nodes[i].Covered {
		t.Fatalf("the report does not show node %s covered:\n%s", node.Name, report.Summary(10))
	}
	covered := assertCovered(t, cs, ns, "agent", returned)
	if !slices.Contains(covered, node.Name) {
		t.Errorf("node %s has no Ready pod of the current revision", node.Name)
	}
}

// TestAccWait_deadlineNamesUncoveredNode gives Wait a short deadline on a DaemonSet that runs only on
// one node, by a label put there for the test, and whose pod never becomes Ready: the error must
// name the node and why.
func TestAccWait_deadlineNamesUncoveredNode(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	// A label key of the test's own, so that tests running at once do not share a node pool.
	pool := map[string]string{"kubedaemon.test/" + ns: "true"}
	node := labelNode(t, cs, "kubedaemon.test/"+ns, "true")
	createDaemonSet(t, cs, ns, neverReady, func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = pool })

	const deadline = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	started := time.Now()
	report, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{})
	late := time.Since(started) - deadline
	t.Logf("Wait returned %v after its deadline", late.Round(time.Millisecond))
	if late > 2*time.Second {
		t.Errorf("Wait returned %v after its deadline, want at most 2s", late)
	}
	var incomplete *rollout.IncompleteError
	if !errors.As(err, &incomplete) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want an *IncompleteError caused by the deadline", err)
	}
	t.Logf("error: %v", err)
	if !slices.Equal(report.Uncovered, []string{node.Name}) || report.Counted != 1 {
		t.Errorf("uncovered %v of %d counted, want only %s", report.Uncovered, report.Counted, node.Name)
	}
	for _, want := range []string{node.Name, string(coverage.ReasonContainerNotReady)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q", want)
		}
	}
}

// TestAccWait_daemonSetDeleted deletes the DaemonSet while Wait waits for pods that never become Ready.
func TestAccWait_daemonSetDeleted(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	createDaemonSet(t, cs, ns, neverReady)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var deleteErr error
	var once sync.Once
	_, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{
		ProgressInterval: 50 * time.Millisecond,
		Progress: func(coverage.Report) {
			once.Do(func() { deleteErr = cs.AppsV1().DaemonSets(ns).Delete(ctx, "agent", metav1.DeleteOptions{}) })
		},
	})
	if deleteErr != nil {
		t.Fatal(deleteErr)
	}
	var missing *rollout.NotFoundError
	if !errors.As(err, &missing) || !missing.Deleted {
		t.Fatalf("got %v, want a *NotFoundError saying the DaemonSet was deleted", err)
	}
	if ctx.Err() != nil {
		t.Error("Wait ran into its deadline instead of noticing the deletion")
	}
}

func TestAccSnapshot_notFound(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	_, _, err := rollout.Snapshot(context.Background(), cs, ns, "missing", nil, coverage.Options{})
	var missing *rollout.NotFoundError
	if !errors.As(err, &missing) {
		t.Fatalf("got %v, want a *NotFoundError", err)
	}
	if !strings.Contains(err.Error(), ns+"/missing") {
		t.Errorf("the error %q does not name %s/missing", err, ns)
	}
}

// TestAccWaitDeleted deletes a DaemonSet with foreground propagation while a finalizer holds one of
// its pods: WaitDeleted must name that pod and the DaemonSet at its deadline, and return once the
// finalizer is gone.
func TestAccWaitDeleted(t *testing.T) {
	cs := testClient(t)
	ns := testNamespace(t, cs)
	ds := createDaemonSet(t, cs, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := rollout.Wait(ctx, cs, ns, "agent", rollout.Options{}); err != nil {
		t.Fatal(err)
	}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=agent"})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("list pods: %v (%d pods)", err, len(pods.Items))
	}
	held := pods.Items[0].Name
	release := func() error {
		_, err := cs.CoreV1().Pods(ns).Patch(context.Background(), held, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		return ignoreNotFound(err)
	}
	// Registered after the namespace's cleanup, so it runs first: a held pod would keep the namespace.
	t.Cleanup(func() {
		if err := release(); err != nil {
			t.Errorf("release pod %s: %v", held, err)
		}
	})
	if _, err := cs.CoreV1().Pods(ns).Patch(ctx, held, types.MergePatchType, []byte(`{"metadata":{"finalizers":["kubedaemon.test/hold"]}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.AppsV1().DaemonSets(ns).Delete(ctx, "agent", metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)}); err != nil {
		t.Fatal(err)
	}

	short, cancelShort := context.WithTimeout(ctx, 3*time.Second)
	defer cancelShort()
	err = rollout.WaitDeleted(short, cs, ns, "agent", ds.UID, ds.Spec.Selector)
	var remains *rollout.DeleteIncompleteError
	if !errors.As(err, &remains) {
		t.Fatalf("got %v, want a *DeleteIncompleteError", err)
	}
	t.Logf("error: %v", err)
	if !remains.DaemonSet || !slices.Contains(remains.Finalizers, metav1.FinalizerDeleteDependents) {
		t.Errorf("the error does not say that the DaemonSet remains with finalizer %s", metav1.FinalizerDeleteDependents)
	}
	if !slices.ContainsFunc(remains.Pods, func(p string) bool { return strings.HasPrefix(p, held+" ") }) {
		t.Errorf("the error does not name the held pod %s", held)
	}

	if err := release(); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if err := rollout.WaitDeleted(ctx, cs, ns, "agent", ds.UID, ds.Spec.Selector); err != nil {
		t.Fatalf("WaitDeleted: %v", err)
	}
	t.Logf("WaitDeleted returned %v after the finalizer was removed", time.Since(started).Round(time.Millisecond))
	if _, err := cs.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("get DaemonSet after WaitDeleted: %v, want NotFound", err)
	}
	left, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=agent"})
	if err != nil {
		t.Fatal(err)
	}
	for _, pod := range left.Items {
		if metav1.IsControlledBy(&pod, ds) {
			t.Errorf("pod %s of the DaemonSet still exists", pod.Name)
		}
	}
}
