package coverage

import (
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ReasonFailedCreate is the reason of the DaemonSet controller's event for a pod the API server
// refused to create (controller.FailedCreatePodReason).
const ReasonFailedCreate = "FailedCreate"

// CreateFailure is why the DaemonSet controller cannot create pods, from its latest FailedCreate
// event about the current template.
type CreateFailure struct {
	// Message is the API server's answer to the create, without the controller's "Error creating: ".
	Message string
	// At is when the controller last met the failure.
	At time.Time
	// EventUID and EventResourceVersion name the event's version that said it.
	EventUID             types.UID
	EventResourceVersion string
}

// Permanent says whether waiting cannot mend the failure: the API server refused the pod, as
// Forbidden (an admission check such as a missing ServiceAccount or PriorityClass, a quota, a
// namespace being deleted) or as Invalid (the template cannot make a valid pod), rather than failing
// to answer. The controller keeps retrying, but the same pod meets the same answer until someone
// changes the cluster or the template.
func (f *CreateFailure) Permanent() bool {
	return f != nil && (strings.Contains(f.Message, " is forbidden: ") || strings.Contains(f.Message, " is invalid: "))
}

// LatestCreateFailure returns the newest FailedCreate event of ds among events that is about its
// current template, or nil. An event from before the current ControllerRevision became current was
// met by another template (the controller makes the revision before it creates pods of it).
func LatestCreateFailure(ds *appsv1.DaemonSet, revisions []*appsv1.ControllerRevision, events []*corev1.Event) *CreateFailure {
	since, again := currentSince(ds, revisions)
	var latest *corev1.Event
	for _, e := range events {
		if e.Reason != ReasonFailedCreate || e.InvolvedObject.UID != ds.UID || lastSeen(e).Before(since) {
			continue
		}
		// In the second a template became current again, the controller was still failing with the
		// one before; a failure of this template shows again at its next retry, a second or more on.
		if again && lastSeen(e).Equal(since) {
			continue
		}
		if latest == nil || lastSeen(e).After(lastSeen(latest)) {
			latest = e
		}
	}
	if latest == nil {
		return nil
	}
	return &CreateFailure{
		Message:              strings.TrimPrefix(latest.Message, "Error creating: "),
		At:                   lastSeen(latest),
		EventUID:             latest.UID,
		EventResourceVersion: latest.ResourceVersion,
	}
}

// lastSeen is the last time an event occurred, whichever API recorded it; second precision, as the
// core/v1 recorder of the controller writes it.
func lastSeen(e *corev1.Event) time.Time {
	t := e.LastTimestamp.Time
	if e.Series != nil && e.Series.LastObservedTime.After(t) {
		t = e.Series.LastObservedTime.Time
	}
	if e.EventTime.After(t) {
		t = e.EventTime.Time
	}
	return t.Truncate(time.Second)
}

// currentSince is when the DaemonSet's current ControllerRevision last became current, truncated to
// the second as the API server stores times (the zero time when there is none), and whether it
// became current again rather than when it was made. A revision becomes current when the
// controller makes it, or again when the template returns to an earlier one (a rollback): the
// controller then raises that revision's number, an update its managedFields time records. Events
// between the two were met by the template in between.
func currentSince(ds *appsv1.DaemonSet, revisions []*appsv1.ControllerRevision) (since time.Time, again bool) {
	hash := CurrentRevisionHash(ds, revisions)
	for _, rev := range revisions {
		if hash != "" && ownedBy(rev, ds) && rev.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash {
			made := rev.CreationTimestamp.Truncate(time.Second)
			since = made
			for _, entry := range rev.ManagedFields {
				if entry.Time != nil && entry.Time.Truncate(time.Second).After(since) {
					since = entry.Time.Truncate(time.Second)
				}
			}
			return since, since.After(made)
		}
	}
	return time.Time{}, false
}

// ExplainCreateFailure sets f as r's CreateFailure and adds it to the message of every node that
// has no pod, except those where the controller has not tried yet because a not-ready taint is
// still on the node.
func (r *Report) ExplainCreateFailure(f *CreateFailure) {
	r.CreateFailure = f
	if f == nil {
		return
	}
	for i := range r.Nodes {
		if r.Nodes[i].Reason == ReasonPodMissing && !r.Nodes[i].awaitingTaint {
			r.Nodes[i].Message = "the DaemonSet controller cannot create the pod: " + f.Message
		}
	}
}

// EveryEligibleCovered says whether the controller has observed the generation and every eligible
// node, Ready or not, is covered: then it has no pod left to create, and its FailedCreate events
// can change nothing in r.
func (r Report) EveryEligibleCovered() bool {
	if !r.GenerationObserved {
		return false
	}
	for _, n := range r.Nodes {
		if n.Eligible && !n.Covered {
			return false
		}
	}
	return true
}
