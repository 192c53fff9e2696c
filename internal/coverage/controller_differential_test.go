package coverage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
)

const (
	differentialNodes      = 30
	differentialDaemonSets = 24
)

// TestAccEligibilityMatchesTheController builds nodes with random labels and taints and DaemonSets with
// random nodeSelectors, node affinity and tolerations, lets the real DaemonSet controller place its
// pods, and checks that NodeEligibility picks exactly the nodes the controller picked.
// KUBEDAEMON_DIFF_SEED replays a run; the seed is printed on failure.
func TestAccEligibilityMatchesTheController(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and KUBE_CONFIG_PATH to run it against a cluster")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("KUBEDAEMON_DIFF_SEED"); s != "" {
		parsed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("KUBEDAEMON_DIFF_SEED=%q: %v", s, err)
		}
		seed = parsed
	}
	t.Logf("seed %d (replay with KUBEDAEMON_DIFF_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	cs := differentialClient(t)
	ctx := context.Background()
	run := fmt.Sprintf("kd-diff-%d", seed%100000)

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: run}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), run, metav1.DeleteOptions{}) })

	var names []string
	for i := range differentialNodes {
		node := randomNode(rng, fmt.Sprintf("%s-%02d", run, i))
		if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			t.Fatalf("seed %d: creating node %s: %v", seed, node.Name, err)
		}
		names = append(names, node.Name)
		t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), node.Name, metav1.DeleteOptions{}) })
	}
	// The node lifecycle controller taints a new node not-ready:NoSchedule until it has seen it Ready,
	// and the DaemonSet controller places no pod while the taint is there. NodeEligibility counts
	// such a node (it is a node the rollout waits for), so the comparison starts once the taint is gone.
	poll(t, seed, 90*time.Second, "the test nodes to become Ready and lose the not-ready taint", func() (bool, error) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "kubedaemon.test/run=" + run})
		if err != nil {
			return false, err
		}
		ready := 0
		for i := range nodes.Items {
			if kwoktest.NodeReady(&nodes.Items[i]) && !notReadyTainted(&nodes.Items[i]) {
				ready++
			}
		}
		return ready == differentialNodes, nil
	})
	waitForServiceAccount(t, cs, seed, run)

	var daemonSets []*appsv1.DaemonSet
	for i := range differentialDaemonSets {
		ds := randomDaemonSet(rng, fmt.Sprintf("ds-%02d", i), run, names)
		created, err := cs.AppsV1().DaemonSets(run).Create(ctx, ds, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("seed %d: creating DaemonSet %s: %v", seed, ds.Name, err)
		}
		daemonSets = append(daemonSets, created)
	}

	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range daemonSets {
		var want []string
		for i := range nodes.Items {
			if eligible, _, _ := coverage.NodeEligibility(ds, &nodes.Items[i]); eligible && kwoktest.NodeReady(&nodes.Items[i]) {
				want = append(want, nodes.Items[i].Name)
			}
		}
		var placed []string
		// Settled: the controller has seen the spec and its pods are where it wants them, bound.
		poll(t, seed, 120*time.Second, "DaemonSet "+ds.Name+" to settle", func() (bool, error) {
			current, err := cs.AppsV1().DaemonSets(run).Get(ctx, ds.Name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			placed, err = placedNodes(ctx, cs, current)
			if err != nil {
				return false, err
			}
			st := current.Status
			return st.ObservedGeneration == current.Generation && st.NumberMisscheduled == 0 &&
				int(st.DesiredNumberScheduled) == len(placed) && int(st.CurrentNumberScheduled) == len(placed), nil
		})
		if !slices.Equal(placed, want) {
			t.Errorf("seed %d: DaemonSet %s: the controller placed pods on %v, NodeEligibility says %v\nspec: %s",
				seed, ds.Name, placed, want, describePlacement(ds))
		}
	}
}

func differentialClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	path := os.Getenv("KUBE_CONFIG_PATH")
	if path == "" {
		t.Fatal("KUBE_CONFIG_PATH must name the kubeconfig of the test cluster")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

var (
	zones = []string{"a", "b", "c"}
	disks = []string{"ssd", "hdd"}
)

func randomNode(rng *rand.Rand, name string) *corev1.Node {
	labels := map[string]string{
		"type":                   "kwok",
		"kubernetes.io/hostname": name,
		"kubedaemon.test/run":    name[:len(name)-3],
		"zone":                   zones[rng.IntN(len(zones))],
		"tier":                   strconv.Itoa(1 + rng.IntN(5)),
	}
	if rng.IntN(3) > 0 {
		labels["disk"] = disks[rng.IntN(len(disks))]
	}
	if rng.IntN(4) == 0 {
		labels["gpu"] = "true"
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name: name, Labels: labels, Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
	}}
	switch rng.IntN(6) {
	case 0:
		node.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: []string{"infra", "gpu"}[rng.IntN(2)], Effect: corev1.TaintEffectNoSchedule}}
	case 1:
		node.Spec.Taints = []corev1.Taint{{Key: "maintenance", Effect: corev1.TaintEffectNoExecute}}
	case 2:
		node.Spec.Taints = []corev1.Taint{{Key: "soft", Value: "x", Effect: corev1.TaintEffectPreferNoSchedule}}
	case 3:
		node.Spec.Unschedulable = true // cordoned: daemon pods still go there
	}
	return node
}

func randomDaemonSet(rng *rand.Rand, name, namespace string, nodeNames []string) *appsv1.DaemonSet {
	labels := map[string]string{"app": name}
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "registry.k8s.io/pause:3.10"}}}
	if rng.IntN(3) == 0 {
		spec.NodeSelector = map[string]string{"zone": zones[rng.IntN(len(zones))]}
	}
	if rng.IntN(2) == 0 {
		var terms []corev1.NodeSelectorTerm
		for range 1 + rng.IntN(2) {
			terms = append(terms, randomTerm(rng, nodeNames))
		}
		spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
		}}
	}
	possible := []corev1.Toleration{
		{Key: "dedicated", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu"},
		{Key: "maintenance", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Operator: corev1.TolerationOpExists},
	}
	for _, tol := range possible {
		if rng.IntN(4) == 0 {
			spec.Tolerations = append(spec.Tolerations, tol)
		}
	}
	spec.HostNetwork = rng.IntN(4) == 0
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
}

func randomTerm(rng *rand.Rand, nodeNames []string) corev1.NodeSelectorTerm {
	var term corev1.NodeSelectorTerm
	for range 1 + rng.IntN(2) {
		switch rng.IntN(7) {
		case 0:
			term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{zones[rng.IntN(3)], zones[rng.IntN(3)]}})
		case 1:
			term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: "disk", Operator: corev1.NodeSelectorOpNotIn, Values: []string{disks[rng.IntN(2)]}})
		case 2:
			term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: "gpu", Operator: corev1.NodeSelectorOpExists})
		case 3:
			term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: "disk", Operator: corev1.NodeSelectorOpDoesNotExist})
		case 4:
			term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: "tier", Operator: corev1.NodeSelectorOpGt, Values: []string{strconv.Itoa(1 + rng.IntN(4))}})
		case 5:
			term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: "tier", Operator: corev1.NodeSelectorOpLt, Values: []string{strconv.Itoa(2 + rng.IntN(4))}})
		case 6:
			// The API allows exactly one value for a metadata.name field selector.
			operator := []corev1.NodeSelectorOperator{corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn}[rng.IntN(2)]
			term.MatchFields = append(term.MatchFields, corev1.NodeSelectorRequirement{Key: "metadata.name", Operator: operator, Values: []string{nodeNames[rng.IntN(len(nodeNames))]}})
		}
	}
	return term
}

// placedNodes lists the nodes the controller put a live, bound pod of ds on, sorted.
func placedNodes(ctx context.Context, cs kubernetes.Interface, ds *appsv1.DaemonSet) ([]string, error) {
	pods, err := cs.CoreV1().Pods(ds.Namespace).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(ds.Spec.Selector)})
	if err != nil {
		return nil, err
	}
	var nodes []string
	for _, p := range pods.Items {
		owner := metav1.GetControllerOf(&p)
		if owner == nil || owner.UID != ds.UID || p.DeletionTimestamp != nil {
			continue
		}
		if p.Spec.NodeName == "" {
			return nil, nil // not bound yet: not settled
		}
		nodes = append(nodes, p.Spec.NodeName)
	}
	slices.Sort(nodes)
	return nodes, nil
}

func notReadyTainted(node *corev1.Node) bool {
	return slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeNotReady })
}

func describePlacement(ds *appsv1.DaemonSet) string {
	s := ds.Spec.Template.Spec
	return fmt.Sprintf("nodeSelector=%v affinity=%v tolerations=%v hostNetwork=%v", s.NodeSelector, s.Affinity, s.Tolerations, s.HostNetwork)
}

func waitForServiceAccount(t *testing.T, cs kubernetes.Interface, seed uint64, namespace string) {
	t.Helper()
	poll(t, seed, 60*time.Second, "the default ServiceAccount", func() (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(namespace).Get(context.Background(), "default", metav1.GetOptions{})
		return err == nil, nil
	})
}

// poll checks a condition against the API until it holds or the deadline passes.
func poll(t *testing.T, seed uint64, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return
		}
		lastErr = err
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("seed %d: timed out after %s waiting for %s (last error: %v)", seed, timeout, what, lastErr)
}
