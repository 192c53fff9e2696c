package main

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// waitResult holds the waits of rollout.Wait, in this process, over rollouts of a DaemonSet that
// runs on the pool of fresh nodes while the wait watches every node of the cluster.
type waitResult struct {
	rollouts []waitRun
	// long is a wait that lasts at least options.longWait, through minReadySeconds.
	long waitRun
}

type waitRun struct {
	// duration is from the change of the DaemonSet to the wait's return.
	duration time.Duration
	// latency is from the arrival, at the benchmark's watcher, of the event that showed the last
	// counted node's pod Ready to the wait's return; conditionLatency is from that pod's Ready
	// transition time, which the API keeps to the second.
	latency, conditionLatency time.Duration
	requests                  kubeclient.RequestCount
	kinds                     map[string]kubeclient.RequestCount
}

const rolloutName = "rollout"

// rolloutDaemonSet runs on the pool and replaces all its pods at once, so that one rollout takes
// seconds whatever the cluster's size.
func rolloutDaemonSet(namespace, pool string) *appsv1.DaemonSet {
	labels := map[string]string{"app": "rollout-agent"}
	all := intstr.FromString("100%")
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: rolloutName, Namespace: namespace},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type:          appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &all},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{poolLabel: pool},
					Containers:   []corev1.Container{{Name: "agent", Image: seedImage}},
				},
			},
		},
	}
}

func (h *harness) measureWaits(ctx context.Context, o options) (waitResult, error) {
	var r waitResult
	namespace := o.prefix + "-rollout"
	// The first wait starts its watches while the first pods start: it is not counted.
	create := func() error {
		_, err := h.cs.AppsV1().DaemonSets(namespace).Create(ctx, rolloutDaemonSet(namespace, o.prefix), metav1.CreateOptions{})
		return err
	}
	if _, err := h.rollout(ctx, o, namespace, create); err != nil {
		return r, err
	}
	for i := range o.rollouts {
		run, err := h.rollout(ctx, o, namespace, h.patch(ctx, namespace, fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"bench.kubedaemon.io/rollout":"%d"}}}}}`, i)))
		if err != nil {
			return r, fmt.Errorf("rollout %d: %w", i, err)
		}
		r.rollouts = append(r.rollouts, run)
		h.logf("rollout %d: wait returned %v after the change, %v after the last pod was seen Ready (%v after its Ready transition time), %d requests",
			i, run.duration.Round(time.Millisecond), run.latency.Round(time.Millisecond), run.conditionLatency.Round(time.Millisecond), run.requests.Requests)
	}
	var err error
	r.long, err = h.rollout(ctx, o, namespace, h.patch(ctx, namespace, fmt.Sprintf(`{"spec":{"minReadySeconds":%d,"template":{"metadata":{"annotations":{"bench.kubedaemon.io/rollout":"long"}}}}}`,
		int(o.longWait.Seconds()))))
	if err != nil {
		return r, fmt.Errorf("long wait: %w", err)
	}
	if r.long.duration < o.longWait {
		return r, fmt.Errorf("the long wait returned after %v, before minReadySeconds of %v", r.long.duration, o.longWait)
	}
	h.logf("long wait: %v, %d requests", r.long.duration.Round(time.Millisecond), r.long.requests.Requests)
	return r, nil
}

// patch returns the change of the rollout DaemonSet by a merge patch.
func (h *harness) patch(ctx context.Context, namespace, patch string) func() error {
	return func() error {
		_, err := h.cs.AppsV1().DaemonSets(namespace).Patch(ctx, rolloutName, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return err
	}
}

// rollout makes change to the rollout DaemonSet, waits for the rollout with a client of its own
// whose requests are counted, and measures the wait against the watcher.
func (h *harness) rollout(ctx context.Context, o options, namespace string, change func() error) (waitRun, error) {
	var run waitRun
	// Read before the change: the watcher may see the new revision before the wait begins.
	before := h.watcher.view(namespace, rolloutName).hash
	started := time.Now()
	if err := change(); err != nil {
		return run, err
	}
	cs, counter, err := h.countedClient()
	if err != nil {
		return run, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	report, err := rollout.Wait(waitCtx, cs, namespace, rolloutName, rollout.Options{})
	returned := time.Now()
	run.duration = returned.Sub(started)
	run.kinds = counter.Counts()
	run.requests = total(run.kinds)
	if err != nil {
		return run, err
	}
	// The watcher may receive the last event a moment after the wait did.
	_, err = h.watcher.await(waitCtx, namespace, rolloutName, func(v setView) bool {
		return v.hash != "" && v.hash != before && !v.coveredAt.IsZero()
	})
	if err != nil {
		return run, fmt.Errorf("the wait returned complete (%d of %d counted nodes covered) but %w", report.Covered, report.Counted, err)
	}
	seen, since := h.watcher.lastReady(namespace, rolloutName)
	run.latency, run.conditionLatency = returned.Sub(seen), returned.Sub(since)
	if since.After(returned) {
		return run, fmt.Errorf("the wait returned %v before the last counted node's pod became Ready, by its Ready transition time", since.Sub(returned))
	}
	return run, nil
}

// countedClient builds a client as the provider does, whose requests are counted.
func (h *harness) countedClient() (kubernetes.Interface, *kubeclient.RequestCounter, error) {
	client, err := kubeclient.New(kubeclient.Config{ConfigPath: h.kubeconfig}, "bench")
	if err != nil {
		return nil, nil, err
	}
	cfg := rest.CopyConfig(client.Config)
	if err := inlineTLSFiles(cfg); err != nil {
		return nil, nil, err
	}
	counter := kubeclient.CountRequests(cfg)
	cs, err := kubernetes.NewForConfig(cfg)
	return cs, counter, err
}
