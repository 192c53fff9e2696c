package rollout

import (
	"cmp"
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/serverclock"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// Options tune Wait.
type Options struct {
	// CountNotReadyNodes makes eligible nodes that are not Ready count, so the wait waits for them too.
	CountNotReadyNodes bool
	// Progress, if set, receives the latest report every ProgressInterval, for logging. It runs on the
	// wait's goroutine and must return quickly.
	Progress func(coverage.Report)
	// ProgressInterval defaults to 5 seconds.
	ProgressInterval time.Duration
	// NotReadyWarning, if set, is called with the eligible nodes that are not Ready and therefore not
	// waited for, each node once per wait, when it is first seen so. The returned report's NotReady
	// lists those still not Ready at the end.
	NotReadyWarning func(nodes []string)
	// Stages, when set, paces an update under the OnDelete strategy wave by wave: the wait deletes
	// the old pods of the current wave as Stages says, and is done when Stages says so rather than
	// when every node is covered (under OnDelete an old pod covers its node).
	Stages *waves.Rollout
}

// Wait watches the DaemonSet, its pods and all nodes and returns the coverage report as soon as it is
// complete: the controller has observed the DaemonSet's generation and every counted node runs a
// ready pod of the current revision. Each change judges again only the nodes it touched (a burst of
// changes, once), so that an event costs the same on a cluster of 5,000 nodes as on one of 5; the
// whole report is computed for progress, at the end and when the verdicts say it is complete.
//
// The watches are client-go reflectors (paged lists, relist on 410 Gone, reconnection after API
// server restarts); the first read of the DaemonSet, too, outlasts a restarting API server.
// ControllerRevisions are not watched but listed with a consistent read whenever the
// DaemonSet's generation, observed generation or collision count changes: the controller creates a
// revision before it records the generation as observed, while a revision watch could lag the
// DaemonSet watch and make old pods look current. So the requests a wait makes depend on neither the
// number of nodes nor the wait's length.
//
// When ctx ends first, Wait returns the last report and an *IncompleteError; when the DaemonSet is
// missing or deleted meanwhile, a *NotFoundError; when access is denied, a *PermissionError; when
// the controller reports that the API server refuses the pods of the current template (a missing
// ServiceAccount or PriorityClass, a quota, an invalid pod), a *CreateFailedError, at once.
func Wait(ctx context.Context, cs kubernetes.Interface, namespace, name string, opts Options) (coverage.Report, error) {
	ds, err := getDaemonSetThroughOutage(ctx, cs, namespace, name)
	if err != nil {
		return coverage.Report{}, err
	}
	selector, err := daemonSetSelector(ds)
	if err != nil {
		return coverage.Report{}, err
	}

	ws := newWatches(cs)
	offset := serverclock.Offset(ctx, cs)
	watchCtx, stop := context.WithCancel(ctx)
	defer ws.wg.Wait()
	defer stop()
	w := &waiter{
		cs:          cs,
		namespace:   namespace,
		name:        name,
		opts:        opts,
		uid:         ds.UID,
		generation:  ds.Generation,
		offset:      offset,
		selector:    selector,
		daemonSets:  ws.watchDaemonSet(watchCtx, namespace, name),
		pods:        ws.watchPods(watchCtx, namespace, selector),
		nodes:       ws.watchNodes(watchCtx),
		events:      ws.watchFailedCreates(watchCtx, ds),
		touched:     &ws.touched,
		warned:      map[string]bool{},
		relisted:    map[string]bool{},
		deletedPods: map[string]bool{},
	}
	return w.run(ctx, ws)
}

// waiter is the state of one Wait, owned by its goroutine.
type waiter struct {
	cs              kubernetes.Interface
	namespace, name string
	opts            Options

	// uid and generation are the DaemonSet's when the wait began: another uid is another object,
	// and an older generation in the watch cache is a stale view.
	uid        types.UID
	generation int64
	selector   labels.Selector
	// seen is set once the DaemonSet watch has shown the object: until then its absence (or a
	// namesake) may be a watch cache that lags the read that began the wait, which a read of the
	// object itself, at most once a second (absenceCheckedAt), tells from a deletion.
	seen             bool
	absenceCheckedAt time.Time
	// offset is how far the API server's clock is ahead of this machine's (see serverclock.Offset):
	// the controller judges minReadySeconds by the control plane's clock, so the wait does too.
	offset time.Duration

	daemonSets, pods, nodes *watchedStore
	// events holds the DaemonSet's FailedCreate events; it may stay unsynced (see watchFailedCreates).
	events  *watchedStore
	touched *touchedNodes

	// ds is the DaemonSet as of the last recompute that got as far as judging nodes (nil until then).
	ds *appsv1.DaemonSet
	// judge judges nodes for the DaemonSet state judgeOf; verdicts holds each node's latest verdict,
	// uncovered the number of counted nodes among them that are not covered (podMissing, of those,
	// the ones without a pod), and pending the nodes whose pod becomes available at a moment no
	// event marks.
	judge      *coverage.Judge
	judgeOf    judgeKey
	verdicts   map[string]nodeVerdict
	uncovered  int
	podMissing int
	pending    map[string]time.Time

	// revisions were listed for the DaemonSet state revisionsOf; revisionsRead is false until the
	// list for the current state succeeded.
	revisions     []*appsv1.ControllerRevision
	revisionsOf   revisionKey
	revisionsRead bool
	// unlisted is the revision hash of a pod the DaemonSet controls that the revisions do not hold:
	// they were listed before the controller made it, or read stale. It makes the next recompute list
	// them again, once per hash (relisted), so that a pod of an unknown hash cannot make a loop.
	unlisted string
	relisted map[string]bool
	// After a failed revision list, the next attempt waits until retryAt.
	retryAt     time.Time
	retryDelay  time.Duration
	revisionErr error

	// report is the last whole report, computed for progress, at the end or when complete.
	report   coverage.Report
	reported bool
	warned   map[string]bool
	// wakeAt asks for a recompute at a time no event marks (zero: none).
	wakeAt time.Time
	// deletedPods are the pods a staged rollout deleted (see pace).
	deletedPods map[string]bool
}

func (w *waiter) run(ctx context.Context, ws *watches) (coverage.Report, error) {
	var progress <-chan time.Time
	if w.opts.Progress != nil {
		ticker := time.NewTicker(cmp.Or(w.opts.ProgressInterval, 5*time.Second))
		defer ticker.Stop()
		progress = ticker.C
	}
	wake := time.NewTimer(time.Hour)
	wake.Stop()
	for {
		select {
		case <-ctx.Done():
			w.computeReport(w.now())
			return w.report, w.incomplete(ws.explain(context.Cause(ctx)))
		case err := <-ws.fatal:
			return w.report, err
		case <-progress:
			if w.computeReport(w.now()) {
				w.opts.Progress(w.report)
			}
			continue
		case <-ws.changed:
		case <-wake.C:
		}
		complete, err := w.recompute(ctx)
		if err != nil || complete {
			return w.report, err
		}
		if w.wakeAt.IsZero() {
			wake.Stop()
		} else {
			wake.Reset(w.wakeAt.Sub(w.now()))
		}
	}
}

// recompute judges the cached state and says whether the rollout is complete; it waits (returns
// false) while a cache has not been listed yet or lags behind the DaemonSet read at the start.
func (w *waiter) recompute(ctx context.Context) (bool, error) {
	w.wakeAt = time.Time{}
	if !w.daemonSets.synced.Load() || !w.pods.synced.Load() || !w.nodes.synced.Load() {
		return false, nil
	}
	obj, exists, _ := w.daemonSets.GetByKey(w.namespace + "/" + w.name)
	ds, _ := obj.(*appsv1.DaemonSet)
	if !exists || ds.UID != w.uid {
		if w.seen || w.goneSinceTheWaitBegan(ctx) {
			return false, &NotFoundError{Namespace: w.namespace, Name: w.name, Deleted: true}
		}
		return false, nil
	}
	w.seen = true
	if ds.DeletionTimestamp != nil {
		// The controller creates no pod for a DaemonSet being deleted: the rollout cannot complete.
		return false, &NotFoundError{Namespace: w.namespace, Name: w.name, Deleting: ds.DeletionTimestamp, Finalizers: ds.Finalizers}
	}
	if ds.Generation < w.generation {
		return false, nil
	}
	now := w.now()
	if err := w.readRevisions(ctx, ds, now); err != nil || !w.revisionsRead {
		return false, err
	}
	w.ds = ds
	judged := w.judgeNodes(now)
	w.warnNotReady(judged)
	for _, at := range w.pending {
		if w.wakeAt.IsZero() || at.Before(w.wakeAt) {
			w.wakeAt = at
		}
	}
	if w.unlisted != "" {
		// A pod is of a revision newer than those listed: list them again before judging further.
		w.wakeAt = now
		return false, nil
	}
	if ds.Status.ObservedGeneration < ds.Generation {
		return false, nil
	}
	if w.podMissing > 0 {
		if err := w.cannotCreatePods(now); err != nil {
			return false, err
		}
	}
	if w.opts.Stages != nil {
		return w.pace(ctx, now)
	}
	if w.podMissing > 0 {
		return false, nil
	}
	if w.uncovered > 0 {
		return false, nil
	}
	// The verdicts say complete: the whole report, judged afresh, has the last word.
	w.computeReport(now)
	return w.report.Complete, nil
}

// now is the API server's time, as far as the wait knows it.
func (w *waiter) now() time.Time { return time.Now().Add(w.offset) }

// goneSinceTheWaitBegan is called while the DaemonSet watch has not shown the DaemonSet the wait
// began with: it reads the object, at most once a second, and says whether it is gone or another
// object of the same name. Without it, a DaemonSet deleted before the watch's first list would
// leave the wait waiting for an object that no longer exists.
func (w *waiter) goneSinceTheWaitBegan(ctx context.Context) bool {
	if time.Since(w.absenceCheckedAt) >= time.Second {
		w.absenceCheckedAt = time.Now()
		ds, err := w.cs.AppsV1().DaemonSets(w.namespace).Get(ctx, w.name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return true
		case err == nil:
			// The object is there: the watch will show it, with an event that comes back here.
			return ds.UID != w.uid
		}
	}
	// Too soon to read again, or the read failed: look again in a second.
	w.wakeAt = w.absenceCheckedAt.Add(time.Second).Add(w.offset)
	return false
}

// cannotCreatePods is called while counted nodes lack their pod: it returns a *CreateFailedError
// when, since the wait began, the controller reported a failure to create pods of the current
// template that waiting cannot mend; otherwise nil.
func (w *waiter) cannotCreatePods(now time.Time) error {
	f := coverage.LatestCreateFailure(w.ds, w.revisions, items[*corev1.Event](w.events))
	if !f.Permanent() || !w.events.changedSinceFirstList(f.EventUID, f.EventResourceVersion) {
		return nil
	}
	w.computeReport(now)
	return &CreateFailedError{Namespace: w.namespace, Name: w.name, Report: w.report}
}

// computeReport computes the whole report from the caches, for the DaemonSet state of the last
// recompute, and says whether there is one.
func (w *waiter) computeReport(now time.Time) bool {
	if w.ds == nil {
		return false
	}
	w.report = coverage.Compute(
		coverage.State{DaemonSet: w.ds, Revisions: w.revisions, Pods: items[*corev1.Pod](w.pods), Nodes: items[*corev1.Node](w.nodes),
			Events: items[*corev1.Event](w.events)},
		coverage.Options{Now: now, CountNotReadyNodes: w.opts.CountNotReadyNodes})
	w.reported = true
	return true
}

func (w *waiter) incomplete(cause error) error {
	if w.revisionErr != nil {
		cause = fmt.Errorf("%w (the last attempt to list its ControllerRevisions failed: %v)", cause, w.revisionErr)
	}
	return &IncompleteError{Namespace: w.namespace, Name: w.name, Report: w.report, Cause: cause, unread: !w.reported}
}
