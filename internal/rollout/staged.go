package rollout

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// WaveFailedError is returned by Wait when a wave of a staged rollout lost coverage during its
// bake (Cause, a *waves.BakeFailure, names the wave and the nodes); the later waves keep their
// pods.
type WaveFailedError struct {
	Namespace, Name string
	Report          coverage.Report
	Cause           error
}

func (e *WaveFailedError) Error() string {
	return fmt.Sprintf("daemonset %s/%s: staged rollout stopped: %v", e.Namespace, e.Name, e.Cause)
}

func (e *WaveFailedError) Unwrap() error { return e.Cause }

// pace steps the staged rollout with the whole report, deletes the old pods it names (each once:
// the controller replaces them with pods of the current revision) and says whether the rollout is
// done.
func (w *waiter) pace(ctx context.Context, now time.Time) (bool, error) {
	w.computeReport(now)
	step := w.opts.Stages.Step(w.report, items[*corev1.Node](w.nodes), now)
	if step.Err != nil {
		return false, &WaveFailedError{Namespace: w.namespace, Name: w.name, Report: w.report, Cause: step.Err}
	}
	if !step.WakeAt.IsZero() && (w.wakeAt.IsZero() || step.WakeAt.Before(w.wakeAt)) {
		w.wakeAt = step.WakeAt
	}
	pods := access{"delete", "", "pods", w.namespace}
	for _, n := range step.Delete {
		if w.deletedPods[n.Pod] {
			continue
		}
		err := w.cs.CoreV1().Pods(w.namespace).Delete(ctx, n.Pod, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return false, pods.wrap(err)
		}
		w.deletedPods[n.Pod] = true
	}
	return step.Done, nil
}
