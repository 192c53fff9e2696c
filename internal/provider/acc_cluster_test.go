package provider

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
)

// testImage runs on kwok and on a real kubelet (kind) alike.
const testImage = "registry.k8s.io/pause:3.10"

// testAccClient is a client for the cluster the acceptance tests run against, for setting up
// fixtures and checking results independently of the provider.
func testAccClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	kubeconfig := os.Getenv("KUBE_CONFIG_PATH")
	if kubeconfig == "" {
		t.Fatal("KUBE_CONFIG_PATH must name the kubeconfig of the test cluster")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("loading %s: %v", kubeconfig, err)
	}
	// client-go's default of 5 requests a second would make the tests that ask the API server
	// about a thousand generated objects wait on the client, not the server.
	cfg.QPS, cfg.Burst = 200, 400
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func randomSuffix() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// testAccNamespace creates a namespace for one test and deletes it afterwards.
func testAccNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	name := "kd-" + strings.ToLower(strings.NewReplacer("_", "-", "/", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.TrimRight(name, "-") + "-" + randomSuffix()
	ctx := context.Background()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	// Pods are refused until the namespace's default ServiceAccount exists.
	waitFor(t, 60*time.Second, "default ServiceAccount in "+name, func() (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	return name
}

// testNode describes a node a test adds to the cluster; kwok plays its kubelet on the local
// cluster (on kind such a node has no kubelet and never becomes Ready).
type testNode struct {
	labels   map[string]string
	taints   []corev1.Taint
	notReady bool // kwok's node-not-ready stage keeps it NotReady
}

// testAccNode adds a node, waits until its Ready condition is as asked, and removes it when the
// test ends.
func testAccNode(t *testing.T, cs kubernetes.Interface, prefix string, spec testNode) string {
	t.Helper()
	name, err := createTestNode(cs, prefix, spec)
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	if err != nil {
		t.Fatalf("creating node %s: %v", name, err)
	}
	waitFor(t, 60*time.Second, "node "+name+" to report its Ready condition", func() (bool, error) {
		n, err := cs.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return (c.Status == corev1.ConditionTrue) != spec.notReady, nil
			}
		}
		return false, nil
	})
	return name
}

// createTestNode creates a node object that kwok adopts; the caller removes it.
func createTestNode(cs kubernetes.Interface, prefix string, spec testNode) (string, error) {
	name := prefix + "-" + randomSuffix()
	labels := map[string]string{"type": "kwok", "kubernetes.io/hostname": name}
	for k, v := range spec.labels {
		labels[k] = v
	}
	if spec.notReady {
		labels["node-not-ready.stage.kwok.x-k8s.io"] = "true"
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      labels,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
		},
		Spec: corev1.NodeSpec{Taints: spec.taints},
	}
	_, err := cs.CoreV1().Nodes().Create(context.Background(), node, metav1.CreateOptions{})
	return name, err
}

// waitFor polls the API for a condition until it holds or the deadline passes; it is how tests
// wait for the cluster, never a fixed sleep.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		lastErr = err
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s (last error: %v)", timeout, what, lastErr)
}

// readyUntaintedNodes counts the Ready nodes without NoSchedule or NoExecute taints: where a
// DaemonSet with no selector or tolerations of its own must run.
func readyUntaintedNodes(t *testing.T, cs kubernetes.Interface) int {
	t.Helper()
	nodes, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range nodes.Items {
		if nodeIsReadyAndUntainted(&nodes.Items[i]) {
			n++
		}
	}
	return n
}

func nodeIsReadyAndUntainted(node *corev1.Node) bool {
	for _, taint := range node.Spec.Taints {
		if taint.Effect == corev1.TaintEffectNoSchedule || taint.Effect == corev1.TaintEffectNoExecute {
			return false
		}
	}
	return kwoktest.NodeReady(node)
}

// testAccCheckDaemonSetDestroyed asserts that the DaemonSet is gone and no pod of it remains.
func testAccCheckDaemonSetDestroyed(cs kubernetes.Interface, namespace, name, podSelector string) func() error {
	return func() error {
		ctx := context.Background()
		_, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("DaemonSet %s/%s still exists (err=%v)", namespace, name, err)
		}
		pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: podSelector})
		if err != nil {
			return err
		}
		if len(pods.Items) > 0 {
			return fmt.Errorf("%d pods of DaemonSet %s/%s remain after destroy", len(pods.Items), namespace, name)
		}
		return nil
	}
}

// podsRunning holds when at least n pods match the selector and all of them are Running.
func podsRunning(cs kubernetes.Interface, namespace, selector string, n int) func() (bool, error) {
	return func() (bool, error) {
		pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err != nil || len(pods.Items) < n {
			return false, err
		}
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning {
				return false, nil
			}
		}
		return true, nil
	}
}
