package rollout

// The per-node verdicts of a wait: a change judges again only the nodes it touched, and the wait
// keeps counts of the uncovered ones, so that an event costs the same on 5,000 nodes as on 5.
// wait.go holds the loop that calls these; wait_revisions.go, the revisions they judge against.

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// judgeKey holds what a node's verdict depends on besides the node and its pods: the DaemonSet
// object, its spec and its current revision.
type judgeKey struct {
	uid        types.UID
	generation int64
	revision   string
}

// nodeVerdict is what the wait keeps of a node's report.
type nodeVerdict struct {
	// uncovered: counted and not covered; podMissing: uncovered because it has no pod.
	uncovered, podMissing bool
	// notReady: eligible, not Ready, and therefore not counted.
	notReady bool
}

// judgeNodes judges again the nodes that changes touched, every node when the DaemonSet's spec or
// current revision changed or a cache was listed again, and the nodes whose pod has just become
// available; it returns the nodes it judged.
func (w *waiter) judgeNodes(now time.Time) []string {
	touched, all := w.touched.take()
	key := judgeKey{w.ds.UID, w.ds.Generation, coverage.CurrentRevisionHash(w.ds, w.revisions)}
	if w.judge == nil || key != w.judgeOf {
		w.judge, w.judgeOf, all = coverage.NewJudge(w.ds, w.revisions, w.opts.CountNotReadyNodes), key, true
	}
	if all || touched == nil {
		touched = map[string]bool{}
	}
	if all {
		w.verdicts, w.uncovered, w.podMissing, w.pending = make(map[string]nodeVerdict, len(w.verdicts)), 0, 0, map[string]time.Time{}
		for _, name := range w.nodes.ListKeys() {
			touched[name] = true
		}
	}
	for name, at := range w.pending {
		if !at.After(now) {
			touched[name] = true
		}
	}
	judged := make([]string, 0, len(touched))
	for name := range touched {
		if w.verdicts[name].uncovered {
			w.uncovered--
		}
		if w.verdicts[name].podMissing {
			w.podMissing--
		}
		delete(w.verdicts, name)
		delete(w.pending, name)
		obj, exists, _ := w.nodes.GetByKey(name)
		node, ok := obj.(*corev1.Node)
		if !exists || !ok {
			continue
		}
		pods := podsOn(w.pods, name)
		w.noteUnlisted(pods)
		nr := w.judge.Node(node, pods, now)
		v := nodeVerdict{uncovered: nr.Counted && !nr.Covered, notReady: nr.Eligible && !nr.Counted}
		v.podMissing = v.uncovered && nr.Reason == coverage.ReasonPodMissing
		if v.uncovered {
			w.uncovered++
		}
		if v.podMissing {
			w.podMissing++
		}
		w.verdicts[name] = v
		if at := nextAvailable(pods, w.ds.Spec.MinReadySeconds, now); !at.IsZero() {
			w.pending[name] = at
		}
		judged = append(judged, name)
	}
	return judged
}

// podsOn returns the cached pods bound to or aimed at the node.
func podsOn(pods *watchedStore, node string) []*corev1.Pod {
	objs, _ := pods.ByIndex(podsByNode, node)
	out := make([]*corev1.Pod, 0, len(objs))
	for _, obj := range objs {
		if pod, ok := obj.(*corev1.Pod); ok {
			out = append(out, pod)
		}
	}
	return out
}

// warnNotReady reports those of the judged nodes that are eligible and not Ready, if not reported
// before.
func (w *waiter) warnNotReady(judged []string) {
	if w.opts.NotReadyWarning == nil {
		return
	}
	var fresh []string
	for _, node := range judged {
		if w.verdicts[node].notReady && !w.warned[node] {
			w.warned[node] = true
			fresh = append(fresh, node)
		}
	}
	if len(fresh) > 0 {
		slices.Sort(fresh)
		w.opts.NotReadyWarning(fresh)
	}
}

// nextAvailable returns the first moment after now at which a Ready pod will have been Ready for
// minReadySeconds, or the zero time: no event marks that moment, so the wait sets a timer for it.
func nextAvailable(pods []*corev1.Pod, minReadySeconds int32, now time.Time) time.Time {
	var next time.Time
	if minReadySeconds <= 0 {
		return next
	}
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		for _, c := range pod.Status.Conditions {
			if c.Type != corev1.PodReady || c.Status != corev1.ConditionTrue || c.LastTransitionTime.IsZero() {
				continue
			}
			at := c.LastTransitionTime.Add(time.Duration(minReadySeconds) * time.Second)
			if at.After(now) && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
	}
	return next
}
