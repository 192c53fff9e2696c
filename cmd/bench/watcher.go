package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// watcher is the benchmark's independent view of coverage: its own informers and a deliberately
// simple rule, written without package coverage so that it can judge the provider. A node counts
// when it is Ready, matches the DaemonSet's nodeSelector and has no NoSchedule or NoExecute taint
// beyond those the DaemonSet controller tolerates for every daemon pod and the not-ready and
// unreachable taints, which the node lifecycle controller removes some time after the node is Ready
// (DESIGN.md: such a node is one the DaemonSet is meant for). It is covered when a pod the DaemonSet
// controls is bound to it, not terminating, Ready and labelled with the hash of the DaemonSet's
// newest ControllerRevision. The benchmark's DaemonSets use nothing more (no affinity, no
// tolerations, no minReadySeconds while latency is measured).
type watcher struct {
	mu        sync.Mutex
	nodes     map[string]watchedNode
	sets      map[types.UID]*watchedSet
	setByName map[string]types.UID
	pods      map[types.UID]watchedPod
	podsOf    map[types.UID]map[types.UID]bool
	revisions map[types.UID]watchedRevision
	// changed is closed and replaced after every change, to wake those waiting on the state.
	changed chan struct{}
	factory informers.SharedInformerFactory
}

type watchedNode struct {
	labels labels.Set
	// counted ignores the nodeSelector, which differs by DaemonSet.
	counted bool
}

// watchedSet is the watcher's bookkeeping for one DaemonSet, kept up to date event by event so that
// the watcher keeps pace with the API server on thousands of nodes.
type watchedSet struct {
	uid          types.UID
	nodeSelector labels.Selector
	hash         string
	// covering counts the covering pods of each node; uncovered, the counted nodes with none.
	covering  map[string]int
	uncovered int
	// coveredAt is when the event arrived after which no counted node was uncovered; zero while one is.
	coveredAt time.Time
}

type watchedPod struct {
	owner    types.UID
	node     string
	hash     string
	ready    bool
	deleting bool
	// readySeen is the arrival of the first event that showed the pod Ready; readySince is its Ready
	// condition's lastTransitionTime, which the API keeps to the second.
	readySeen, readySince time.Time
}

type watchedRevision struct {
	owner  types.UID
	number int64
	hash   string
}

// ignoredTaints are the taint keys that do not keep a Ready node from counting: the DaemonSet
// controller's tolerations for daemon pods (without hostNetwork) and the lifecycle controller's
// not-ready and unreachable taints.
var ignoredTaints = map[string]bool{
	corev1.TaintNodeNotReady:       true,
	corev1.TaintNodeUnreachable:    true,
	corev1.TaintNodeDiskPressure:   true,
	corev1.TaintNodeMemoryPressure: true,
	corev1.TaintNodePIDPressure:    true,
	corev1.TaintNodeUnschedulable:  true,
}

// startWatcher starts the informers and returns once they have listed; they stop with ctx, and stop
// waits for that.
func startWatcher(ctx context.Context, cs kubernetes.Interface) (*watcher, error) {
	w := &watcher{
		nodes:     map[string]watchedNode{},
		sets:      map[types.UID]*watchedSet{},
		setByName: map[string]types.UID{},
		pods:      map[types.UID]watchedPod{},
		podsOf:    map[types.UID]map[types.UID]bool{},
		revisions: map[types.UID]watchedRevision{},
		changed:   make(chan struct{}),
	}
	factory := informers.NewSharedInformerFactory(cs, 0)
	w.factory = factory
	handlers := []struct {
		informer cache.SharedIndexInformer
		update   func(obj any, deleted bool)
	}{
		{factory.Core().V1().Nodes().Informer(), w.updateNode},
		{factory.Core().V1().Pods().Informer(), w.updatePod},
		{factory.Apps().V1().DaemonSets().Informer(), w.updateDaemonSet},
		{factory.Apps().V1().ControllerRevisions().Informer(), w.updateRevision},
	}
	for _, h := range handlers {
		update := h.update
		_, err := h.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { update(obj, false) },
			UpdateFunc: func(_, obj any) { update(obj, false) },
			DeleteFunc: func(obj any) {
				if gone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = gone.Obj
				}
				update(obj, true)
			},
		})
		if err != nil {
			return nil, err
		}
	}
	factory.Start(ctx.Done())
	for informer, synced := range factory.WaitForCacheSync(ctx.Done()) {
		if !synced {
			return nil, fmt.Errorf("the benchmark's %v informer did not sync", informer)
		}
	}
	return w, nil
}

func (w *watcher) stop() { w.factory.Shutdown() }

func (w *watcher) updateNode(obj any, deleted bool) {
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	was := map[*watchedSet]bool{}
	for _, set := range w.sets {
		was[set] = w.nodeUncovered(set, node.Name)
	}
	if deleted {
		delete(w.nodes, node.Name)
	} else {
		w.nodes[node.Name] = watchedNode{labels: labels.Set(node.Labels), counted: nodeCounted(node)}
	}
	for set, before := range was {
		w.recount(set, node.Name, before)
	}
	w.notify()
}

func nodeCounted(node *corev1.Node) bool {
	for _, taint := range node.Spec.Taints {
		if (taint.Effect == corev1.TaintEffectNoSchedule || taint.Effect == corev1.TaintEffectNoExecute) && !ignoredTaints[taint.Key] {
			return false
		}
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (w *watcher) updatePod(obj any, deleted bool) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil || owner.Kind != "DaemonSet" {
		return
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	old, existed := w.pods[pod.UID]
	p := old
	if deleted {
		delete(w.pods, pod.UID)
		delete(w.podsOf[owner.UID], pod.UID)
	} else {
		p.owner, p.node, p.hash = owner.UID, pod.Spec.NodeName, pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
		p.deleting = pod.DeletionTimestamp != nil
		p.ready = false
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				p.ready = true
				if p.readySeen.IsZero() {
					p.readySeen, p.readySince = now, c.LastTransitionTime.Time
				}
			}
		}
		w.pods[pod.UID] = p
		if w.podsOf[owner.UID] == nil {
			w.podsOf[owner.UID] = map[types.UID]bool{}
		}
		w.podsOf[owner.UID][pod.UID] = true
	}
	if set := w.sets[owner.UID]; set != nil {
		nodes := map[string]bool{}
		for _, q := range []watchedPod{old, p} {
			if q.node != "" {
				nodes[q.node] = w.nodeUncovered(set, q.node)
			}
		}
		if existed && w.covers(set, old) {
			set.covering[old.node]--
		}
		if !deleted && w.covers(set, p) {
			set.covering[p.node]++
		}
		for node, before := range nodes {
			w.recount(set, node, before)
		}
	}
	w.notify()
}

func (w *watcher) updateDaemonSet(obj any, deleted bool) {
	ds, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	key := ds.Namespace + "/" + ds.Name
	if deleted {
		delete(w.sets, ds.UID)
		delete(w.setByName, key)
		w.notify()
		return
	}
	selector := labels.SelectorFromSet(ds.Spec.Template.Spec.NodeSelector)
	set := w.sets[ds.UID]
	if set != nil && set.nodeSelector.String() == selector.String() {
		return // a status update
	}
	if set == nil {
		set = &watchedSet{uid: ds.UID}
		w.sets[ds.UID] = set
	}
	w.setByName[key] = ds.UID
	set.nodeSelector = selector
	w.rebuild(set)
	w.notify()
}

func (w *watcher) updateRevision(obj any, deleted bool) {
	rev, ok := obj.(*appsv1.ControllerRevision)
	if !ok {
		return
	}
	owner := metav1.GetControllerOfNoCopy(rev)
	if owner == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if deleted {
		delete(w.revisions, rev.UID)
	} else {
		w.revisions[rev.UID] = watchedRevision{owner: owner.UID, number: rev.Revision, hash: rev.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]}
	}
	if set := w.sets[owner.UID]; set != nil {
		w.rebuild(set)
	}
	w.notify()
}

// rebuild counts the covering pods of every node of set and its uncovered nodes afresh, after its
// current revision or nodeSelector changed; w.mu is held.
func (w *watcher) rebuild(set *watchedSet) {
	var newest watchedRevision
	for _, rev := range w.revisions {
		if rev.owner == set.uid && rev.number > newest.number {
			newest = rev
		}
	}
	set.hash = newest.hash
	set.covering = map[string]int{}
	for podUID := range w.podsOf[set.uid] {
		if p := w.pods[podUID]; w.covers(set, p) {
			set.covering[p.node]++
		}
	}
	set.uncovered = 0
	for name := range w.nodes {
		if w.nodeUncovered(set, name) {
			set.uncovered++
		}
	}
	w.markCovered(set)
}

// recount adjusts set's count of uncovered nodes after a change to node, which was uncovered
// before it or not; w.mu is held.
func (w *watcher) recount(set *watchedSet, node string, before bool) {
	switch after := w.nodeUncovered(set, node); {
	case before && !after:
		set.uncovered--
	case !before && after:
		set.uncovered++
	}
	w.markCovered(set)
}

func (w *watcher) nodeUncovered(set *watchedSet, name string) bool {
	node, ok := w.nodes[name]
	return ok && node.counted && set.nodeSelector.Matches(node.labels) && set.covering[name] == 0
}

func (w *watcher) markCovered(set *watchedSet) {
	switch {
	case set.uncovered > 0 || set.hash == "":
		set.coveredAt = time.Time{}
	case set.coveredAt.IsZero():
		set.coveredAt = time.Now()
	}
}

func (w *watcher) covers(set *watchedSet, p watchedPod) bool {
	return p.ready && !p.deleting && p.node != "" && set.hash != "" && p.hash == set.hash
}

func (w *watcher) notify() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// setView is what the watcher knows of one DaemonSet at one moment.
type setView struct {
	known     bool
	hash      string
	uncovered int
	coveredAt time.Time
}

func (w *watcher) view(namespace, name string) setView {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.viewLocked(namespace, name)
}

func (w *watcher) viewLocked(namespace, name string) setView {
	set := w.sets[w.setByName[namespace+"/"+name]]
	if set == nil {
		return setView{}
	}
	return setView{known: true, hash: set.hash, uncovered: set.uncovered, coveredAt: set.coveredAt}
}

// await returns the DaemonSet's view once done accepts it, or an error when ctx ends first.
func (w *watcher) await(ctx context.Context, namespace, name string, done func(setView) bool) (setView, error) {
	for {
		w.mu.Lock()
		v, changed := w.viewLocked(namespace, name), w.changed
		w.mu.Unlock()
		if done(v) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return v, fmt.Errorf("the benchmark's watcher: %s/%s still has %d uncovered nodes: %w", namespace, name, v.uncovered, context.Cause(ctx))
		case <-changed:
		}
	}
}

// awaitCounted returns once at least n of the nodes selector matches count.
func (w *watcher) awaitCounted(ctx context.Context, selector labels.Selector, n int) error {
	for {
		w.mu.Lock()
		counted, changed := 0, w.changed
		for _, node := range w.nodes {
			if node.counted && selector.Matches(node.labels) {
				counted++
			}
		}
		w.mu.Unlock()
		if counted >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d nodes are Ready: %w", counted, n, context.Cause(ctx))
		case <-changed:
		}
	}
}

// lastReady returns, over the counted nodes of the DaemonSet, the moment the last of them got a
// covering pod: per node the earliest covering pod's first Ready event (and that pod's Ready
// transition time), then the latest over the nodes.
func (w *watcher) lastReady(namespace, name string) (seen, since time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	uid := w.setByName[namespace+"/"+name]
	set := w.sets[uid]
	if set == nil {
		return seen, since
	}
	first := map[string]watchedPod{}
	for podUID := range w.podsOf[uid] {
		p := w.pods[podUID]
		if !w.covers(set, p) {
			continue
		}
		if q, ok := first[p.node]; !ok || p.readySeen.Before(q.readySeen) {
			first[p.node] = p
		}
	}
	for name, node := range w.nodes {
		p, ok := first[name]
		if !ok || !node.counted || !set.nodeSelector.Matches(node.labels) {
			continue
		}
		if p.readySeen.After(seen) {
			seen = p.readySeen
		}
		if p.readySince.After(since) {
			since = p.readySince
		}
	}
	return seen, since
}
