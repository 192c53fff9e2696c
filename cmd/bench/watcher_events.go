package main

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

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
