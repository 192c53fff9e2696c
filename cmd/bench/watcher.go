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
// beyond those the DaemonSet controller tolerates for every daemon pod; it is covered when a pod the
// DaemonSet controls is bound to it, not terminating, Ready and labelled with the hash of the
// DaemonSet's newest ControllerRevision. The benchmark's DaemonSets use nothing more (no affinity,
// no tolerations, no minReadySeconds while latency is measured).
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
}

type watchedNode struct {
	labels labels.Set
	// counted ignores the nodeSelector, which differs by DaemonSet.
	counted bool
}

type watchedSet struct {
	uid          types.UID
	nodeSelector labels.Selector
	hash         string
	uncovered    int
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

// tolerated are the taints the DaemonSet controller adds tolerations for to every daemon pod (and
// that the benchmark's DaemonSets, without hostNetwork, get).
var tolerated = map[corev1.Taint]bool{
	{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}:        true,
	{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}:     true,
	{Key: corev1.TaintNodeDiskPressure, Effect: corev1.TaintEffectNoSchedule}:   true,
	{Key: corev1.TaintNodeMemoryPressure, Effect: corev1.TaintEffectNoSchedule}: true,
	{Key: corev1.TaintNodePIDPressure, Effect: corev1.TaintEffectNoSchedule}:    true,
	{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}:  true,
}

// startWatcher starts the informers and returns once they have listed; they stop with ctx.
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

func (w *watcher) updateNode(obj any, deleted bool) {
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if deleted {
		delete(w.nodes, node.Name)
	} else {
		w.nodes[node.Name] = watchedNode{labels: labels.Set(node.Labels), counted: nodeCounted(node)}
	}
	for _, set := range w.sets {
		w.evaluate(set)
	}
	w.notify()
}

func nodeCounted(node *corev1.Node) bool {
	for _, taint := range node.Spec.Taints {
		if (taint.Effect == corev1.TaintEffectNoSchedule || taint.Effect == corev1.TaintEffectNoExecute) &&
			!tolerated[corev1.Taint{Key: taint.Key, Effect: taint.Effect}] {
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
	if deleted {
		delete(w.pods, pod.UID)
		delete(w.podsOf[owner.UID], pod.UID)
	} else {
		p := w.pods[pod.UID]
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
		w.evaluate(set)
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
	set := w.sets[ds.UID]
	if set == nil {
		set = &watchedSet{uid: ds.UID}
		w.sets[ds.UID] = set
	}
	w.setByName[key] = ds.UID
	set.nodeSelector = labels.SelectorFromSet(ds.Spec.Template.Spec.NodeSelector)
	w.evaluate(set)
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
		w.evaluate(set)
	}
	w.notify()
}

// evaluate recounts the uncovered nodes of set; w.mu is held.
func (w *watcher) evaluate(set *watchedSet) {
	uid := set.uid
	var newest watchedRevision
	for _, rev := range w.revisions {
		if rev.owner == uid && rev.number > newest.number {
			newest = rev
		}
	}
	set.hash = newest.hash
	covered := map[string]bool{}
	for podUID := range w.podsOf[uid] {
		if p := w.pods[podUID]; w.covers(set, p) {
			covered[p.node] = true
		}
	}
	uncovered := 0
	for name, node := range w.nodes {
		if node.counted && set.nodeSelector.Matches(node.labels) && !covered[name] {
			uncovered++
		}
	}
	switch {
	case uncovered > 0 || set.hash == "":
		set.coveredAt = time.Time{}
	case set.coveredAt.IsZero():
		set.coveredAt = time.Now()
	}
	set.uncovered = uncovered
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

// awaitCounted returns once at least n of the nodes selector matches count (Ready, no taint that
// keeps daemon pods away).
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
