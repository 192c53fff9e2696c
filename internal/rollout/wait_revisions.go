package rollout

// The ControllerRevisions a wait judges pods against: listed, not watched (see Wait), again
// whenever the DaemonSet changes in a way that can bring a new revision or a pod names a revision
// the list lacks, and retried with backoff when the list fails.

import (
	"context"
	"errors"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// revisionKey holds the DaemonSet fields whose change can bring a new current revision.
type revisionKey struct {
	generation, observedGeneration int64
	collisionCount                 int32
}

// noteUnlisted notes the first revision hash among pods that the listed revisions lack and that has
// not made a list of its own yet.
func (w *waiter) noteUnlisted(pods []*corev1.Pod) {
	if w.unlisted != "" {
		return
	}
	for _, hash := range unlistedRevisions(w.ds, w.revisions, pods) {
		if !w.relisted[hash] {
			w.unlisted = hash
			return
		}
	}
}

// readRevisions lists the DaemonSet's ControllerRevisions again when the DaemonSet changed in a way
// that can bring a new revision. A failed list is retried with backoff; until it succeeds no report
// is computed, since the revisions held are those of an older state.
func (w *waiter) readRevisions(ctx context.Context, ds *appsv1.DaemonSet, now time.Time) error {
	key := revisionKey{ds.Generation, ds.Status.ObservedGeneration, ptr.Deref(ds.Status.CollisionCount, 0)}
	if w.revisionsRead && key == w.revisionsOf && w.unlisted == "" {
		return nil
	}
	w.revisionsRead = false
	if now.Before(w.retryAt) {
		w.wakeAt = w.retryAt
		return nil
	}
	revisions, err := listRevisions(ctx, w.cs, ds, w.selector)
	if err != nil {
		if denied := (*PermissionError)(nil); errors.As(err, &denied) {
			return err
		}
		if ctx.Err() != nil {
			return nil //nolint:nilerr // the wait is ending; its loop reports why
		}
		w.revisionErr = err
		w.retryDelay = min(max(2*w.retryDelay, 250*time.Millisecond), 5*time.Second)
		w.retryAt = now.Add(w.retryDelay)
		w.wakeAt = w.retryAt
		return nil
	}
	w.revisions, w.revisionsOf, w.revisionsRead = revisions, key, true
	w.retryAt, w.retryDelay, w.revisionErr = time.Time{}, 0, nil
	if w.unlisted != "" {
		w.relisted[w.unlisted] = true
		w.unlisted = ""
	}
	return nil
}
