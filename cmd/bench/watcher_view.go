package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

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
