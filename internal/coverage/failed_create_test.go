package coverage

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

const missingServiceAccount = `Error creating: pods "agent-" is forbidden: error looking up service account kube-system/missing: serviceaccount "missing" not found`

// failedCreate is a FailedCreate event about the DaemonSet of the fixtures, as the controller's
// core/v1 recorder writes it, last seen at the given moment.
func failedCreate(uid types.UID, message string, last time.Time) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "agent." + last.Format("150405"), UID: types.UID("event-" + last.Format("150405")), ResourceVersion: "7"},
		InvolvedObject: corev1.ObjectReference{Kind: "DaemonSet", Name: "agent", Namespace: "kube-system", UID: uid},
		Reason:         ReasonFailedCreate,
		Message:        message,
		LastTimestamp:  metav1.NewTime(last),
		Type:           corev1.EventTypeWarning,
	}
}

// revisionsMadeAt are the fixtures' revisions, the current one made at the given moment.
func revisionsMadeAt(at time.Time) []*appsv1.ControllerRevision {
	revs := revisions()
	revs[1].CreationTimestamp = metav1.NewTime(at)
	return revs
}

func TestLatestCreateFailure(t *testing.T) {
	madeAt := now.Add(-time.Minute)
	quota := `Error creating: pods "agent-" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10`
	for _, tc := range []struct {
		name      string
		events    []*corev1.Event
		want      string // "" for no failure
		permanent bool
	}{
		{name: "none"},
		{name: "missing ServiceAccount", events: []*corev1.Event{failedCreate(dsUID, missingServiceAccount, now)},
			want: strings.TrimPrefix(missingServiceAccount, "Error creating: "), permanent: true},
		{name: "newest wins", events: []*corev1.Event{
			failedCreate(dsUID, missingServiceAccount, now.Add(-30*time.Second)),
			failedCreate(dsUID, quota, now),
		}, want: strings.TrimPrefix(quota, "Error creating: "), permanent: true},
		{name: "in the second the revision was made", events: []*corev1.Event{failedCreate(dsUID, missingServiceAccount, madeAt)},
			want: strings.TrimPrefix(missingServiceAccount, "Error creating: "), permanent: true},
		{name: "older than the current revision: another template's", events: []*corev1.Event{
			failedCreate(dsUID, missingServiceAccount, madeAt.Add(-time.Second)),
		}},
		{name: "another DaemonSet of the same name", events: []*corev1.Event{failedCreate("other-uid", missingServiceAccount, now)}},
		{name: "the API server did not answer", events: []*corev1.Event{
			failedCreate(dsUID, `Error creating: Internal error occurred: failed calling webhook "pods.example.com": context deadline exceeded`, now),
		}, want: `Internal error occurred: failed calling webhook "pods.example.com": context deadline exceeded`},
		{name: "invalid pod", events: []*corev1.Event{
			failedCreate(dsUID, `Error creating: Pod "agent-x" is invalid: spec.containers[0].image: Required value`, now),
		}, want: `Pod "agent-x" is invalid: spec.containers[0].image: Required value`, permanent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := LatestCreateFailure(daemonSet(), revisionsMadeAt(madeAt), tc.events)
			switch {
			case tc.want == "" && f != nil:
				t.Fatalf("got %q, want no failure", f.Message)
			case tc.want == "":
				return
			case f == nil:
				t.Fatalf("got no failure, want %q", tc.want)
			}
			if f.Message != tc.want || f.Permanent() != tc.permanent {
				t.Errorf("got %q (permanent %v), want %q (permanent %v)", f.Message, f.Permanent(), tc.want, tc.permanent)
			}
		})
	}
}

// TestLatestCreateFailure_rollback: going back to an earlier template makes its old revision current
// again (the controller raises its number), so a failure of the template in between is not the
// current template's, however long ago its revision was made; a failure after the return is.
func TestLatestCreateFailure_rollback(t *testing.T) {
	madeAt, failedAt, backAt := now.Add(-time.Hour), now.Add(-time.Minute), now.Add(-30*time.Second)
	revs := []*appsv1.ControllerRevision{
		controllerRevision("agent-rev1", currentRevision, 3, dsUID), // the first template, current again
		controllerRevision("agent-rev2", oldRevision, 2, dsUID),     // the template that failed
	}
	revs[0].CreationTimestamp = metav1.NewTime(madeAt)
	back := metav1.NewTime(backAt)
	revs[0].ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Time: &back}}
	revs[1].CreationTimestamp = metav1.NewTime(failedAt.Add(-time.Second))
	if f := LatestCreateFailure(daemonSet(), revs, []*corev1.Event{failedCreate(dsUID, missingServiceAccount, failedAt)}); f != nil {
		t.Errorf("the failure of the template rolled back from is reported as the current one's: %q", f.Message)
	}
	if f := LatestCreateFailure(daemonSet(), revs, []*corev1.Event{failedCreate(dsUID, missingServiceAccount, backAt)}); f != nil {
		t.Errorf("a failure in the second of the rollback, when the controller still met the template rolled back from, is reported: %q", f.Message)
	}
	if f := LatestCreateFailure(daemonSet(), revs, []*corev1.Event{failedCreate(dsUID, missingServiceAccount, backAt.Add(time.Second))}); f == nil {
		t.Error("a failure after the rollback is not reported")
	}
}

// TestCompute_missingPodsCarryTheCause: a node without a pod says why the controller could not make
// it, and the summary says it once, however many nodes lack their pod.
func TestCompute_missingPodsCarryTheCause(t *testing.T) {
	r := Compute(State{
		DaemonSet: daemonSet(),
		Revisions: revisionsMadeAt(now.Add(-time.Minute)),
		Nodes:     []*corev1.Node{node("node-a"), node("node-b"), node("node-c")},
		Pods:      []*corev1.Pod{pod("agent-c", "node-c")},
		Events:    []*corev1.Event{failedCreate(dsUID, missingServiceAccount, now)},
	}, Options{Now: now})
	cause := strings.TrimPrefix(missingServiceAccount, "Error creating: ")
	if r.CreateFailure == nil || r.CreateFailure.Message != cause {
		t.Fatalf("CreateFailure = %+v, want %q", r.CreateFailure, cause)
	}
	for _, n := range r.Nodes {
		hasCause := strings.Contains(n.Message, cause)
		if hasCause != (n.Reason == ReasonPodMissing) {
			t.Errorf("%s (%s): message %q", n.Name, n.Reason, n.Message)
		}
	}
	if got := strings.Count(r.Summary(10), cause); got != 1 {
		t.Errorf("the summary gives the cause %d times, want once:\n%s", got, r.Summary(10))
	}
}
