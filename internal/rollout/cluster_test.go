package rollout_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
)

// Helpers for the tests that run against a real API server (TF_ACC=1, KUBE_CONFIG_PATH): the local
// kwok cluster or any other, kind included. They set up what the tests need; the reads that check
// the outcome are in cluster_checks_test.go.

// testConfig returns the test cluster's client configuration, skips the test without TF_ACC and
// fails it when TF_ACC is set without a kubeconfig.
func testConfig(t *testing.T) *rest.Config {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs against a real API server: set TF_ACC=1 and KUBE_CONFIG_PATH to a kubeconfig")
	}
	path := os.Getenv("KUBE_CONFIG_PATH")
	if path == "" {
		t.Fatal("TF_ACC is set but KUBE_CONFIG_PATH is not: it must name the test cluster's kubeconfig")
	}
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: filepath.SplitList(path)}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", path, err)
	}
	// The tests create and poll many objects; client-go's default of 5 requests/s would pace them.
	cfg.QPS, cfg.Burst = 100, 200
	return cfg
}

func testClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	return kubernetes.NewForConfigOrDie(testConfig(t))
}

// requestLog records the requests of one client while it is on.
type requestLog struct {
	next     http.RoundTripper
	mu       sync.Mutex
	on       bool
	requests []string
}

func (l *requestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	if l.on {
		l.requests = append(l.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	}
	l.mu.Unlock()
	return l.next.RoundTrip(r)
}

// record starts recording and returns the function that stops it and returns what was recorded.
func (l *requestLog) record() func() []string {
	l.mu.Lock()
	l.on, l.requests = true, nil
	l.mu.Unlock()
	return func() []string {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.on = false
		return slices.Clone(l.requests)
	}
}

// countingClient returns a client whose requests can be recorded.
func countingClient(t *testing.T) (kubernetes.Interface, *requestLog) {
	t.Helper()
	cfg := testConfig(t)
	log := &requestLog{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		log.next = rt
		return log
	})
	return kubernetes.NewForConfigOrDie(cfg), log
}

// testNamespace creates a namespace of its own for the test and deletes it afterwards.
func testNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "kd-rollout-"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns.Name, err)
		}
	})
	// Pods are refused until the namespace's default ServiceAccount exists.
	poll(t, 30*time.Second, "the default ServiceAccount of "+ns.Name, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, ignoreNotFound(err)
	})
	return ns.Name
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// poll calls done until it returns true, failing the test after timeout.
func poll(t *testing.T, timeout time.Duration, what string, done func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, done); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// neverReady makes the pods of a DaemonSet run but never pass their readiness probe; the kwok
// cluster's stages and a real kubelet both keep such a pod unready.
func neverReady(ds *appsv1.DaemonSet) {
	ds.Spec.Template.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/false"}}},
	}
}

// createDaemonSet creates the DaemonSet "agent", which tolerates every taint so that every node
// whose labels match its nodeSelector is eligible, after applying the changes.
func createDaemonSet(t *testing.T, cs kubernetes.Interface, namespace string, changes ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	t.Helper()
	podLabels := map[string]string{"app": "agent"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: namespace},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: podLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels},
				Spec: corev1.PodSpec{
					Containers:  []corev1.Container{{Name: "agent", Image: "registry.k8s.io/pause:3.10"}},
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
				},
			},
		},
	}
	for _, change := range changes {
		change(ds)
	}
	created, err := cs.AppsV1().DaemonSets(namespace).Create(context.Background(), ds, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// labelNode puts a label of the test's own on the oldest Ready node, the one least likely to be a
// node another test made, and takes it off afterwards. It works alike on kwok and kind clusters.
func labelNode(t *testing.T, cs kubernetes.Interface, key, value string) *corev1.Node {
	t.Helper()
	ctx := context.Background()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var oldest *corev1.Node
	for i, node := range nodes.Items {
		if kwoktest.NodeReady(&node) && node.DeletionTimestamp == nil && (oldest == nil || node.CreationTimestamp.Before(&oldest.CreationTimestamp)) {
			oldest = &nodes.Items[i]
		}
	}
	if oldest == nil {
		t.Fatal("the cluster has no Ready node")
	}
	patch := func(value any) error {
		body, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]any{key: value}}})
		if err != nil {
			return err
		}
		_, err = cs.CoreV1().Nodes().Patch(ctx, oldest.Name, types.MergePatchType, body, metav1.PatchOptions{})
		return err
	}
	if err := patch(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := patch(nil); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("remove label %s from node %s: %v", key, oldest.Name, err)
		}
	})
	return oldest
}

// requireKwok skips a test that creates nodes unless kwok plays the cluster's kubelets: on a
// cluster of real kubelets (kind) a node object of its own would never become Ready.
func requireKwok(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	nodes, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range nodes.Items {
		if node.Annotations[kwokNodeAnnotation] == "fake" {
			return
		}
	}
	t.Skip("creating a node needs kwok to play its kubelet; this cluster has no kwok nodes")
}

// kwokNodeAnnotation marks the nodes kwok manages.
const kwokNodeAnnotation = "kwok.x-k8s.io/node"

// newNode returns a node for kwok to manage; the test creates it when it needs to.
func newNode() *corev1.Node {
	name := "kd-rollout-" + rand.String(6)
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        name,
		Labels:      map[string]string{"type": "kwok", "kubernetes.io/hostname": name},
		Annotations: map[string]string{kwokNodeAnnotation: "fake"},
	}}
}

// deleteNodeAfter deletes the node when the test ends, and then its pods at once: without the node,
// nothing would finish their deletion until the pod garbage collector notices, a minute later.
func deleteNodeAfter(t *testing.T, cs kubernetes.Interface, name string) {
	t.Cleanup(func() {
		ctx := context.Background()
		if err := cs.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete node %s: %v", name, err)
		}
		pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + name})
		if err != nil {
			t.Errorf("list the pods of node %s: %v", name, err)
			return
		}
		for _, pod := range pods.Items {
			err := cs.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
			if err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("delete pod %s/%s: %v", pod.Namespace, pod.Name, err)
			}
		}
	})
}
