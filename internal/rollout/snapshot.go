// Package rollout reads a DaemonSet and what it runs on from the API server, once (Snapshot) or by
// watching until every counted node is covered (Wait), and waits for a DaemonSet's deletion
// (WaitDeleted). The verdicts themselves come from package coverage.
package rollout

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// pageSize bounds every list response, so that a cluster of thousands of nodes is read in pieces.
// The pages of a list are requests one after another: at 5,000 nodes, pages of 1,000 rather than
// 500 make a plan's node list 5 requests instead of 10 for 2 to 5 MB more peak memory (measured
// side by side with make bench).
const pageSize = 1000

// Snapshot reads the DaemonSet, its ControllerRevisions, the pods its selector matches, all nodes and
// the controller's FailedCreate events about the DaemonSet, each with a consistent read (no resource
// version), paged, and computes the coverage report of that state with o (o.Now, when zero, is the
// moment the lists are in). The DaemonSet is read first and its revisions after it: the controller
// creates a revision before it records the generation as observed, so the list holds the revision
// of every generation the DaemonSet read says is observed. The revisions, pods and nodes are listed
// at once, since the time of the read is mostly the API server's; the events after them, and only
// when some eligible node is not covered (coverage.Report.EveryEligibleCovered): otherwise they can
// change nothing, and a refresh of a healthy DaemonSet saves that request. The pods and nodes keep
// only what package coverage reads (see slim).
//
// The nodes come from shared when it is set, from a list of their own otherwise.
//
// A missing DaemonSet gives a *NotFoundError, a Forbidden answer (but for events) a *PermissionError.
func Snapshot(ctx context.Context, cs kubernetes.Interface, namespace, name string, shared *SharedNodes, o coverage.Options) (coverage.State, coverage.Report, error) {
	ds, err := getDaemonSet(ctx, cs, namespace, name)
	if err != nil {
		return coverage.State{}, coverage.Report{}, err
	}
	return SnapshotOf(ctx, cs, ds, shared, o)
}

// SnapshotOf is Snapshot of a DaemonSet the caller has just read (a refresh reads it for state
// anyway; reading it again would cost a request per resource of a plan). It keeps a copy of ds.
func SnapshotOf(ctx context.Context, cs kubernetes.Interface, ds *appsv1.DaemonSet, shared *SharedNodes, o coverage.Options) (coverage.State, coverage.Report, error) {
	return snapshotWith(ctx, cs, ds, shared, o, func(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector) ([]*appsv1.ControllerRevision, []*corev1.Pod, error) {
		var (
			wg             sync.WaitGroup
			revisions      []*appsv1.ControllerRevision
			pods           []*corev1.Pod
			revErr, podErr error
		)
		wg.Go(func() { revisions, revErr = listRevisions(ctx, cs, ds, selector) })
		wg.Go(func() {
			pods, podErr = listAll(ctx, access{"list", "", "pods", ds.Namespace},
				metav1.ListOptions{LabelSelector: selector.String()}, cs.CoreV1().Pods(ds.Namespace).List,
				func(l *corev1.PodList) []corev1.Pod { return l.Items })
		})
		wg.Wait()
		return revisions, pods, cmp.Or(revErr, podErr)
	})
}

// ownedLists reads the ControllerRevisions ds controls and the pods its selector matches, after
// the DaemonSet was read (see Snapshot on the order).
type ownedLists func(ctx context.Context, ds *appsv1.DaemonSet, selector labels.Selector) ([]*appsv1.ControllerRevision, []*corev1.Pod, error)

// snapshotWith is SnapshotOf with the revisions and pods from lists.
func snapshotWith(ctx context.Context, cs kubernetes.Interface, ds *appsv1.DaemonSet, shared *SharedNodes, o coverage.Options, lists ownedLists) (coverage.State, coverage.Report, error) {
	ds = ds.DeepCopy()
	slim(ds)
	selector, err := daemonSetSelector(ds)
	if err != nil {
		return coverage.State{}, coverage.Report{}, err
	}
	var (
		wg        sync.WaitGroup
		revisions []*appsv1.ControllerRevision
		pods      []*corev1.Pod
		nodes     []*corev1.Node
		listErr   error
		nodeErr   error
	)
	wg.Go(func() { revisions, pods, listErr = lists(ctx, ds, selector) })
	if shared != nil {
		nodes, nodeErr = shared.List(ctx)
	} else {
		nodes, nodeErr = listNodes(ctx, cs)
	}
	wg.Wait()
	if err := cmp.Or(listErr, nodeErr); err != nil {
		return coverage.State{}, coverage.Report{}, err
	}
	// The revisions and the pods were listed side by side: a pod the controller made after the
	// revision list may carry a revision that list lacks.
	if len(unlistedRevisions(ds, revisions, pods)) > 0 {
		if revisions, err = listRevisions(ctx, cs, ds, selector); err != nil {
			return coverage.State{}, coverage.Report{}, err
		}
	}
	state := coverage.State{DaemonSet: ds, Revisions: revisions, Pods: pods, Nodes: nodes}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	report := coverage.Compute(state, o)
	if !report.EveryEligibleCovered() {
		state.Events = listFailedCreates(ctx, cs, ds)
		report.ExplainCreateFailure(coverage.LatestCreateFailure(ds, revisions, state.Events))
	}
	return state, report, nil
}

// failedCreates selects the DaemonSet controller's FailedCreate events about ds.
func failedCreates(ds *appsv1.DaemonSet) string {
	return fields.Set{"involvedObject.uid": string(ds.UID), "reason": coverage.ReasonFailedCreate}.AsSelector().String()
}

// listFailedCreates lists the FailedCreate events of ds. They only explain missing pods, so a
// failure to read them (events are the one read the documented ClusterRole may lack, in older
// copies) leaves the report without that explanation rather than failing it.
func listFailedCreates(ctx context.Context, cs kubernetes.Interface, ds *appsv1.DaemonSet) []*corev1.Event {
	events, err := listAll(ctx, access{"list", "", "events", ds.Namespace},
		metav1.ListOptions{FieldSelector: failedCreates(ds)}, cs.CoreV1().Events(ds.Namespace).List,
		func(l *corev1.EventList) []corev1.Event { return l.Items })
	if err != nil {
		return nil
	}
	return events
}

// unlistedRevisions returns the revision hashes of the pods ds controls that revisions lack.
func unlistedRevisions(ds *appsv1.DaemonSet, revisions []*appsv1.ControllerRevision, pods []*corev1.Pod) []string {
	var unlisted []string
	for _, pod := range pods {
		hash := pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
		if hash == "" || !metav1.IsControlledBy(pod, ds) || slices.Contains(unlisted, hash) {
			continue
		}
		if !slices.ContainsFunc(revisions, func(rev *appsv1.ControllerRevision) bool {
			return rev.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash
		}) {
			unlisted = append(unlisted, hash)
		}
	}
	return unlisted
}

// getDaemonSet reads the DaemonSet with a consistent read.
func getDaemonSet(ctx context.Context, cs kubernetes.Interface, namespace, name string) (*appsv1.DaemonSet, error) {
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, &NotFoundError{Namespace: namespace, Name: name}
	}
	if apierrors.IsForbidden(err) {
		return nil, access{"get", "apps", "daemonsets", namespace}.explain(err)
	}
	if err != nil {
		return nil, fmt.Errorf("get daemonset %s/%s: %w", namespace, name, err)
	}
	slim(ds)
	return ds, nil
}

func daemonSetSelector(ds *appsv1.DaemonSet) (labels.Selector, error) {
	selector, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("daemonset %s/%s has an invalid selector: %w", ds.Namespace, ds.Name, err)
	}
	return selector, nil
}

// listRevisions lists the ControllerRevisions ds controls: those its selector matches and whose
// controller reference carries its UID (a revision of a deleted namesake may linger).
func listRevisions(ctx context.Context, cs kubernetes.Interface, ds *appsv1.DaemonSet, selector labels.Selector) ([]*appsv1.ControllerRevision, error) {
	all, err := listAll(ctx, access{"list", "apps", "controllerrevisions", ds.Namespace},
		metav1.ListOptions{LabelSelector: selector.String()}, cs.AppsV1().ControllerRevisions(ds.Namespace).List,
		func(l *appsv1.ControllerRevisionList) []appsv1.ControllerRevision { return l.Items })
	if err != nil {
		return nil, err
	}
	owned := all[:0]
	for _, rev := range all {
		if metav1.IsControlledBy(rev, ds) {
			owned = append(owned, rev)
		}
	}
	return owned, nil
}

// listAll reads every page of a list, pageSize objects at a time, each page's objects slimmed as it
// comes, so that a list of thousands of nodes never holds them whole.
func listAll[T any, L interface{ GetContinue() string }](ctx context.Context, a access, opts metav1.ListOptions,
	list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T,
) ([]*T, error) {
	return listEach(ctx, a, opts, list, items, func(o *T) { slim(o) })
}

// listPages is listAll with the objects whole.
func listPages[T any, L interface{ GetContinue() string }](ctx context.Context, a access, opts metav1.ListOptions,
	list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T,
) ([]*T, error) {
	return listEach(ctx, a, opts, list, items, func(*T) {})
}

// listEach reads every page of a list, pageSize objects at a time, and hands each object to each
// as its page comes. Resource version "" makes the first page a consistent read, and the continue
// token serves the later pages from that same snapshot.
func listEach[T any, L interface{ GetContinue() string }](ctx context.Context, a access, opts metav1.ListOptions,
	list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T, each func(*T),
) ([]*T, error) {
	opts.Limit = pageSize
	var out []*T
	for {
		page, err := list(ctx, opts)
		if err != nil {
			return nil, a.wrap(err)
		}
		objects := items(page)
		for i := range objects {
			out = append(out, &objects[i])
			each(&objects[i])
		}
		if opts.Continue = page.GetContinue(); opts.Continue == "" {
			return out, nil
		}
	}
}

// slim drops what the coverage report never reads, so that a read or a wait over thousands of nodes
// holds a modest heap: every object's managed fields but a ControllerRevision's, and of pods and nodes everything but their
// metadata (without annotations), a pod's nodeName, affinity and status, and a node's taints,
// unschedulable flag and conditions. TestSlim checks that reports do not change.
func slim(obj any) any {
	switch o := obj.(type) {
	case *corev1.Pod:
		o.ManagedFields, o.Annotations = nil, nil
		o.Spec = corev1.PodSpec{NodeName: o.Spec.NodeName, Affinity: o.Spec.Affinity}
	case *corev1.Node:
		o.ManagedFields, o.Annotations = nil, nil
		o.Spec = corev1.NodeSpec{Taints: o.Spec.Taints, Unschedulable: o.Spec.Unschedulable}
		o.Status = corev1.NodeStatus{Conditions: o.Status.Conditions}
	case *appsv1.ControllerRevision:
		// Its managed fields say when it last became current (coverage.LatestCreateFailure); a
		// DaemonSet has a handful of revisions.
	case metav1.Object:
		o.SetManagedFields(nil)
	}
	return obj
}
