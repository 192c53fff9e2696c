package rollout

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// unionPods bounds the pods that one shared list may bring, by the DaemonSets' own counts: a refresh
// of one DaemonSet, in a namespace whose other DaemonSets another configuration manages, reads at
// most this many pods it does not need (5 pages).
const unionPods = 5 * pageSize

// Refreshes shares the reads of the refreshes of one provider process, the plan's, as SharedNodes
// shares its node list. Per namespace it lists the DaemonSets once; a DaemonSet that this provider
// applied (it carries daemonset.AppliedAnnotation) and whose pods fit in one page shares one list of
// ControllerRevisions and one of pods with the others of its namespace that share a selector label:
// `app in (a, b, c)` instead of one list each. A plan of 20 such DaemonSets then makes 3 requests
// besides the node pages, not 60. Larger DaemonSets gain nothing from sharing (their lists are pages
// of their own either way) and keep their own lists, as do DaemonSets made by other tools, whose
// pods a plan of this provider's resources would rarely need.
//
// The lists are as old as SharedNodes' at most; any write through the client forgets them (Forget),
// so that a read after an apply in the same process never sees the object from before.
type Refreshes struct {
	cs     kubernetes.Interface
	nodes  *SharedNodes
	maxAge time.Duration

	mu         sync.Mutex
	namespaces map[string]*namespaceReads
}

// namespaceReads is one namespace's DaemonSets, listed once, and the shared lists made for them.
type namespaceReads struct {
	namespace  string
	listed     time.Time
	daemonSets sync.Once
	items      []*appsv1.DaemonSet
	err        error

	mu     sync.Mutex
	unions map[string]*unionReads
}

// unionReads is the ControllerRevisions and pods of the DaemonSets one selector covers.
type unionReads struct {
	once      sync.Once
	revisions []*appsv1.ControllerRevision
	pods      []*corev1.Pod
	err       error
}

// NewRefreshes shares the refreshes' reads of cs, and nodes' node list.
func NewRefreshes(cs kubernetes.Interface, nodes *SharedNodes, maxAge time.Duration) *Refreshes {
	return &Refreshes{cs: cs, nodes: nodes, maxAge: maxAge, namespaces: map[string]*namespaceReads{}}
}

// Forget drops every shared list: the process wrote to the cluster.
func (r *Refreshes) Forget() {
	r.mu.Lock()
	clear(r.namespaces)
	r.mu.Unlock()
}

// DaemonSet reads a DaemonSet as its namespace's list shows it, or with a get of its own when the
// list lacks it or failed (a get then gives the error). The object is the caller's to change.
func (r *Refreshes) DaemonSet(ctx context.Context, namespace, name string) (*appsv1.DaemonSet, error) {
	if ds := r.namespace(namespace).daemonSet(ctx, r.cs, name); ds != nil {
		return ds.DeepCopy(), nil
	}
	return r.cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
}

// Snapshot is SnapshotOf ds, with the shared lists where ds is among the DaemonSets that share them.
func (r *Refreshes) Snapshot(ctx context.Context, ds *appsv1.DaemonSet, o coverage.Options) (coverage.State, coverage.Report, error) {
	reads := r.namespace(ds.Namespace)
	listed := reads.daemonSet(ctx, r.cs, ds.Name)
	if listed == nil || listed.UID != ds.UID || listed.ResourceVersion != ds.ResourceVersion {
		return SnapshotOf(ctx, r.cs, ds, r.nodes, o)
	}
	selector, ok := unionSelector(listed, reads.items)
	if !ok {
		return SnapshotOf(ctx, r.cs, ds, r.nodes, o)
	}
	return snapshotWith(ctx, r.cs, ds, r.nodes, o, func(ctx context.Context, ds *appsv1.DaemonSet, own labels.Selector) ([]*appsv1.ControllerRevision, []*corev1.Pod, error) {
		union := reads.union(selector)
		union.once.Do(func() { union.revisions, union.pods, union.err = listUnion(ctx, r.cs, ds.Namespace, selector) })
		if union.err != nil {
			return nil, nil, union.err
		}
		var revisions []*appsv1.ControllerRevision
		for _, rev := range union.revisions {
			if own.Matches(labels.Set(rev.Labels)) && metav1.IsControlledBy(rev, ds) {
				revisions = append(revisions, rev)
			}
		}
		var pods []*corev1.Pod
		for _, pod := range union.pods {
			if own.Matches(labels.Set(pod.Labels)) {
				pods = append(pods, pod)
			}
		}
		return revisions, pods, nil
	})
}

// namespace is the shared reads of a namespace, made again once older than the maximum age.
func (r *Refreshes) namespace(namespace string) *namespaceReads {
	r.mu.Lock()
	defer r.mu.Unlock()
	reads := r.namespaces[namespace]
	if reads == nil || time.Since(reads.listed) >= r.maxAge {
		reads = &namespaceReads{namespace: namespace, listed: time.Now(), unions: map[string]*unionReads{}}
		r.namespaces[namespace] = reads
	}
	return reads
}

// daemonSet is the DaemonSet as the namespace's list shows it; nil when the list lacks it or failed.
// The DaemonSets keep their managed fields, which a refresh reads.
func (n *namespaceReads) daemonSet(ctx context.Context, cs kubernetes.Interface, name string) *appsv1.DaemonSet {
	n.daemonSets.Do(func() {
		n.items, n.err = listPages(ctx, access{"list", "apps", "daemonsets", n.namespace},
			metav1.ListOptions{}, cs.AppsV1().DaemonSets(n.namespace).List,
			func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items })
	})
	if n.err != nil {
		return nil
	}
	i := slices.IndexFunc(n.items, func(ds *appsv1.DaemonSet) bool { return ds.Name == name })
	if i < 0 {
		return nil
	}
	return n.items[i]
}

func (n *namespaceReads) union(selector labels.Selector) *unionReads {
	n.mu.Lock()
	defer n.mu.Unlock()
	key := selector.String()
	if n.unions[key] == nil {
		n.unions[key] = &unionReads{}
	}
	return n.unions[key]
}

// unionSelector is the selector of the shared lists that ds is read through: `key in (values)` over
// the DaemonSets of its namespace that may share (see shares) and whose selectors set key, for the key
// of ds's selector that the most of them set (the first in order among equals). It is false when ds
// may not share, or no other DaemonSet shares a key with it, or their pods would be too many.
func unionSelector(ds *appsv1.DaemonSet, all []*appsv1.DaemonSet) (labels.Selector, bool) {
	if !shares(ds) {
		return nil, false
	}
	var best []*appsv1.DaemonSet
	var bestKey string
	for _, key := range sortedKeys(ds.Spec.Selector.MatchLabels) {
		var members []*appsv1.DaemonSet
		for _, other := range all {
			if _, ok := other.Spec.Selector.MatchLabels[key]; ok && shares(other) {
				members = append(members, other)
			}
		}
		if len(members) > len(best) {
			best, bestKey = members, key
		}
	}
	pods := 0
	values := make([]string, 0, len(best))
	for _, member := range best {
		pods += podsOf(member)
		values = append(values, member.Spec.Selector.MatchLabels[bestKey])
	}
	if len(best) < 2 || pods > unionPods {
		return nil, false
	}
	slices.Sort(values)
	requirement, err := labels.NewRequirement(bestKey, selection.In, slices.Compact(values))
	if err != nil {
		return nil, false
	}
	return labels.NewSelector().Add(*requirement), true
}

// shares says whether a DaemonSet's reads may be shared: this provider applied it, its selector has
// labels to match on, and by its status its pods fit in one page. The status only picks how to list;
// the coverage comes from the pods listed.
func shares(ds *appsv1.DaemonSet) bool {
	_, applied := ds.Annotations[daemonset.AppliedAnnotation]
	return applied && ds.Spec.Selector != nil && len(ds.Spec.Selector.MatchLabels) > 0 && podsOf(ds) < pageSize
}

// podsOf is the number of pods a DaemonSet runs, as its status counts them.
func podsOf(ds *appsv1.DaemonSet) int {
	return int(ds.Status.CurrentNumberScheduled + ds.Status.NumberMisscheduled)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// listUnion lists the ControllerRevisions and the pods of namespace that selector matches, side by
// side, after the DaemonSets were listed (see Snapshot on the order).
func listUnion(ctx context.Context, cs kubernetes.Interface, namespace string, selector labels.Selector) ([]*appsv1.ControllerRevision, []*corev1.Pod, error) {
	var (
		wg             sync.WaitGroup
		revisions      []*appsv1.ControllerRevision
		pods           []*corev1.Pod
		revErr, podErr error
	)
	opts := metav1.ListOptions{LabelSelector: selector.String()}
	wg.Go(func() {
		revisions, revErr = listAll(ctx, access{"list", "apps", "controllerrevisions", namespace}, opts,
			cs.AppsV1().ControllerRevisions(namespace).List,
			func(l *appsv1.ControllerRevisionList) []appsv1.ControllerRevision { return l.Items })
	})
	wg.Go(func() {
		pods, podErr = listAll(ctx, access{"list", "", "pods", namespace}, opts, cs.CoreV1().Pods(namespace).List,
			func(l *corev1.PodList) []corev1.Pod { return l.Items })
	})
	wg.Wait()
	return revisions, pods, cmp.Or(revErr, podErr)
}
