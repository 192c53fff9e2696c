package main

import (
	"context"
	"fmt"
	"sync"
	"time"

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
