package rollout_test

// What the tests against a real API server check with reads of their own, apart from the wait
// under test: that every eligible node is covered, when pods were first seen Ready, and what the
// cluster shows, for failure messages. cluster_test.go sets up what they check.

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
)

// assertCovered checks, with its own consistent reads and without package coverage, that the
// controller has observed the DaemonSet's generation and that every Ready node its nodeSelector
// matches runs a Ready pod of its current template: a pod labelled with the DaemonSet's template
// generation, which the controller writes on every pod it makes. The revision hashes are only
// shown: a controller whose cache lacked a revision once numbered the new template's revision as
// the old one's, so "the highest number" named the old one. Nodes created after the wait returned
// are left out, as it cannot have known them; a creation timestamp keeps whole seconds only, so a
// node created a moment before the return always counts. It returns the covered node names.
//
//nolint:unparam // the call sites name the DaemonSet they check
func assertCovered(t *testing.T, cs kubernetes.Interface, namespace, name string, returned time.Time) []string {
	t.Helper()
	ctx := context.Background()
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Status.ObservedGeneration < ds.Generation {
		t.Errorf("the controller has observed generation %d of %d", ds.Status.ObservedGeneration, ds.Generation)
	}
	selector := labels.SelectorFromSet(ds.Spec.Selector.MatchLabels).String()
	generation := ds.Annotations["deprecated.daemonset.template.generation"]
	if generation == "" {
		t.Fatal("the DaemonSet has no template generation annotation")
	}

	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	eligible := labels.SelectorFromSet(ds.Spec.Template.Spec.NodeSelector)
	var covered []string
	for _, node := range nodes.Items {
		if !eligible.Matches(labels.Set(node.Labels)) || !kwoktest.NodeReady(&node) || node.CreationTimestamp.After(returned) {
			continue
		}
		var seen []string
		ok := false
		for _, pod := range pods.Items {
			if pod.Spec.NodeName != node.Name || !metav1.IsControlledBy(&pod, ds) {
				continue
			}
			seen = append(seen, fmt.Sprintf("%s (template generation %s, revision %s, ready %v, deleting %v)", pod.Name,
				pod.Labels["pod-template-generation"], pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey], kwoktest.PodReady(&pod), pod.DeletionTimestamp != nil))
			ok = ok || (pod.DeletionTimestamp == nil && kwoktest.PodReady(&pod) && pod.Labels["pod-template-generation"] == generation)
		}
		if !ok {
			t.Errorf("node %s has no Ready pod of template generation %s; its pods: %s", node.Name, generation, strings.Join(seen, ", "))
			continue
		}
		covered = append(covered, node.Name)
	}
	sort.Strings(covered)
	return covered
}

// readyTimes records when this process first sees each pod of namespace Ready, through a watch of its
// own, so that a test can tell how long after the last pod became Ready a wait returned.
type readyTimes struct {
	mu   sync.Mutex
	seen map[types.UID]time.Time
}

func watchReadyTimes(t *testing.T, cs kubernetes.Interface, namespace string) *readyTimes {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := cs.CoreV1().Pods(namespace).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := &readyTimes{seen: map[types.UID]time.Time{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok || !kwoktest.PodReady(pod) {
				continue
			}
			r.mu.Lock()
			if _, dup := r.seen[pod.UID]; !dup {
				r.seen[pod.UID] = time.Now()
			}
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		w.Stop()
		<-done
	})
	return r
}

// lastReady returns when the last of the pods that now cover a node was first seen Ready.
func (r *readyTimes) lastReady(t *testing.T, cs kubernetes.Interface, namespace string, nodes []string) time.Time {
	t.Helper()
	pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var last time.Time
	for _, pod := range pods.Items {
		if seen, ok := r.seen[pod.UID]; ok && slices.Contains(nodes, pod.Spec.NodeName) && kwoktest.PodReady(&pod) && pod.DeletionTimestamp == nil && seen.After(last) {
			last = seen
		}
	}
	return last
}

// clusterView is what independent reads show of the test DaemonSet, for a failure message: whether
// the wait or the cluster is behind.
func clusterView(cs kubernetes.Interface, namespace, name string) string {
	ctx := context.Background()
	var b strings.Builder
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	st := ds.Status
	fmt.Fprintf(&b, "the cluster shows generation %d, observed %d, desired %d, updated %d, available %d\n",
		ds.Generation, st.ObservedGeneration, st.DesiredNumberScheduled, st.UpdatedNumberScheduled, st.NumberAvailable)
	revisions, err := cs.AppsV1().ControllerRevisions(namespace).List(ctx, metav1.ListOptions{})
	if err == nil {
		for _, rev := range revisions.Items {
			fmt.Fprintf(&b, "  revision %d: %s\n", rev.Revision, rev.Labels[appsv1.DefaultDaemonSetUniqueLabelKey])
		}
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return b.String() + err.Error()
	}
	for _, pod := range pods.Items {
		fmt.Fprintf(&b, "  pod %s on %s: revision %s, phase %s, ready %v, deleting %v\n", pod.Name, pod.Spec.NodeName,
			pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey], pod.Status.Phase, kwoktest.PodReady(&pod), pod.DeletionTimestamp != nil)
	}
	return b.String()
}
