package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// stagedResult is a staged rollout over every fresh node in stagedWaves waves, beside the same
// update in one wave, both paced by rollout.Wait with every wave's pods replaced at once.
type stagedResult struct {
	nodes           int
	oneWave, staged time.Duration
	waves           []stagedWave
}

// stagedWave is one wave as a watcher of the pods saw it: the time from its first old pod's
// deletion to its last new pod Ready (the pods' own start time), and the gap before it, from the
// previous wave's last new pod Ready (or the change) to its first deletion: what the pacing adds.
type stagedWave struct {
	nodes       int
	pods, gap   time.Duration
	first, last time.Time
}

const (
	stagedName  = "staged"
	stagedWaves = 4
)

func stagedDaemonSet(namespace, prefix string) *appsv1.DaemonSet {
	labels := map[string]string{"app": "staged-agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: stagedName, Namespace: namespace},
		Spec: appsv1.DaemonSetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: labels},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{runLabel: prefix},
					Containers:   []corev1.Container{{Name: "agent", Image: seedImage}},
				},
			},
		},
	}
}

func (h *harness) measureStaged(ctx context.Context, o options, fresh int) (stagedResult, error) {
	r := stagedResult{nodes: fresh}
	namespace := o.prefix + "-staged"
	if _, err := h.cs.AppsV1().DaemonSets(namespace).Create(ctx, stagedDaemonSet(namespace, o.prefix), metav1.CreateOptions{}); err != nil {
		return r, err
	}
	waitCtx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if _, err := rollout.Wait(waitCtx, h.cs, namespace, stagedName, rollout.Options{}); err != nil {
		return r, err
	}
	all := intstr.FromString("100%")
	quarter := (fresh + stagedWaves - 1) / stagedWaves
	staged := []waves.Wave{{Count: quarter}, {Count: quarter}, {Count: quarter}, {}}
	var err error
	if r.oneWave, _, err = h.stagedUpdate(waitCtx, namespace, "one", &waves.Rollout{Waves: []waves.Wave{{}}, MaxUnavailable: all}); err != nil {
		return r, fmt.Errorf("one wave: %w", err)
	}
	if r.staged, r.waves, err = h.stagedUpdate(waitCtx, namespace, "four", &waves.Rollout{Waves: staged, MaxUnavailable: all}); err != nil {
		return r, fmt.Errorf("%d waves: %w", stagedWaves, err)
	}
	h.logf("staged rollout over %d nodes: %s in one wave, %s in %d waves (%s)", fresh, seconds(r.oneWave), seconds(r.staged), stagedWaves, waveList(r.waves))
	return r, nil
}

// stagedUpdate changes the template, follows the rollout that stages paces, and reports how long
// it took and, from a watcher of the pods, each wave.
func (h *harness) stagedUpdate(ctx context.Context, namespace, mark string, stages *waves.Rollout) (time.Duration, []stagedWave, error) {
	pods := newPodTimes()
	watch, err := h.cs.CoreV1().Pods(namespace).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range watch.ResultChan() {
			if pod, ok := ev.Object.(*corev1.Pod); ok {
				pods.see(pod, time.Now())
			}
		}
	}()
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"bench.kubedaemon.io/staged":%q}}}}}`, mark)
	started := time.Now()
	if _, err := h.cs.AppsV1().DaemonSets(namespace).Patch(ctx, stagedName, "application/merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		watch.Stop()
		return 0, nil, err
	}
	_, err = rollout.Wait(ctx, h.cs, namespace, stagedName, rollout.Options{Stages: stages})
	took := time.Since(started)
	watch.Stop()
	<-done
	if err != nil {
		return took, nil, err
	}
	return took, pods.waves(stages, started), nil
}

// podTimes records, by node, when the watcher first saw the old pod deleted and the new pod Ready.
type podTimes struct {
	mu      sync.Mutex
	hashes  map[string]string // pod name -> revision
	deleted map[string]time.Time
	ready   map[string]time.Time
	old     string // the revision of the first pod seen deleted
}

func newPodTimes() *podTimes {
	return &podTimes{hashes: map[string]string{}, deleted: map[string]time.Time{}, ready: map[string]time.Time{}}
}

func (p *podTimes) see(pod *corev1.Pod, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	node, hash := pod.Spec.NodeName, pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
	if pod.DeletionTimestamp != nil {
		if p.old == "" {
			p.old = hash
		}
		if _, ok := p.deleted[node]; !ok && hash == p.old {
			p.deleted[node] = at
		}
		return
	}
	if p.old == "" || hash == p.old {
		return
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			if _, ok := p.ready[node]; !ok {
				p.ready[node] = at
			}
		}
	}
}

// waves sums the times by the waves stages put the nodes in.
func (p *podTimes) waves(stages *waves.Rollout, started time.Time) []stagedWave {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]stagedWave, len(stages.Waves))
	for node, deleted := range p.deleted {
		w, ok := stages.WaveOf(node)
		if !ok {
			continue
		}
		out[w].nodes++
		if out[w].first.IsZero() || deleted.Before(out[w].first) {
			out[w].first = deleted
		}
		if ready := p.ready[node]; ready.After(out[w].last) {
			out[w].last = ready
		}
	}
	previous := started
	for i := range out {
		out[i].pods = out[i].last.Sub(out[i].first)
		out[i].gap = out[i].first.Sub(previous)
		previous = out[i].last
	}
	return out
}

func waveList(ws []stagedWave) string {
	var parts []string
	for i, w := range ws {
		parts = append(parts, fmt.Sprintf("wave %d: %d nodes, %s after the previous, pods %s", i+1, w.nodes, seconds(w.gap), seconds(w.pods)))
	}
	return strings.Join(parts, "; ")
}

// stagedOverhead is the largest gap between waves, the first wave's excluded (it includes the
// controller's new revision and the wait's first lists, as in one wave).
func stagedOverhead(ws []stagedWave) time.Duration {
	var largest time.Duration
	for i, w := range ws {
		if i > 0 {
			largest = max(largest, w.gap)
		}
	}
	return largest
}

// stagedTable renders the staged rollouts.
func stagedTable(results []result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Staged rollout over every fresh node in %d waves, beside one wave (each wave's pods replaced at once)\n\n", stagedWaves)
	b.WriteString("| nodes | one wave | 4 waves | 4 waves ÷ one | largest gap between waves | waves: nodes, gap before, pods' own time |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---|\n")
	for _, r := range results {
		s := r.staged
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", s.nodes, seconds(s.oneWave), seconds(s.staged), ratio(s.staged, s.oneWave),
			seconds(stagedOverhead(s.waves)), waveList(s.waves))
	}
	return b.String()
}
