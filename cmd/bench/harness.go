package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// options size one benchmark run.
type options struct {
	// nodes is the cluster size to reach: fresh nodes are added up to it just before the applies.
	nodes int
	// rollouts is the number of rollouts whose detection latency is measured.
	rollouts int
	// reads is the number of coverage reads of each kind.
	reads int
	// pool is the number of fresh nodes that the rollout DaemonSet and the planned ones run on.
	pool int
	// daemonSets is the number of DaemonSets in the planned configuration.
	daemonSets int
	// longWait is how long the long wait lasts at least (its DaemonSet's minReadySeconds).
	longWait time.Duration
	// timeout bounds each apply and each wait.
	timeout time.Duration
	// prefix names the run's namespaces, nodes and pool label, so that runs on a shared cluster do
	// not meet.
	prefix string
	// only names the one part to measure ("staged", "plan" or "read"), or is empty for every part.
	only string
}

// result holds the figures of one run.
type result struct {
	nodes, fresh int
	apply        applyResult
	read         readResult
	waits        waitResult
	plan         planResult
	staged       stagedResult
}

// harness runs the benchmark against one cluster.
type harness struct {
	kubeconfig string
	// cs is the benchmark's own client, for fixtures and its watcher.
	cs      kubernetes.Interface
	watcher *watcher
	tf      *terraform
	work    string
	logf    func(format string, args ...any)
}

// newHarness connects to the cluster of kubeconfig and starts the watcher, which runs until ctx ends;
// work is a directory for the run's files.
func newHarness(ctx context.Context, kubeconfig string, tf *terraform, work string, logf func(string, ...any)) (*harness, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	if err := inlineTLSFiles(cfg); err != nil {
		return nil, err
	}
	// The benchmark creates thousands of nodes and watches every pod; its client must not be the
	// bottleneck, and protobuf keeps its watcher cheap.
	cfg.QPS, cfg.Burst = 500, 1000
	cfg.ContentType = runtime.ContentTypeProtobuf
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	w, err := startWatcher(ctx, cs)
	if err != nil {
		return nil, err
	}
	return &harness{kubeconfig: kubeconfig, cs: cs, watcher: w, tf: tf, work: work, logf: logf}, nil
}

func (h *harness) run(ctx context.Context, o options) (result, error) {
	var r result
	nodes, err := h.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return r, err
	}
	r.fresh = max(0, o.nodes-len(nodes.Items))
	r.nodes = len(nodes.Items) + r.fresh
	for _, ns := range runNamespaces(o.prefix) {
		if err := h.createNamespace(ctx, ns); err != nil {
			return r, err
		}
	}

	started := time.Now()
	if err := h.addNodes(ctx, o.prefix, r.fresh, o.pool); err != nil {
		return r, err
	}
	// The applies start once every fresh node is Ready: a node that is not cannot run a pod, and neither
	// the wait nor kubectl counts it.
	ready, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := h.watcher.awaitCounted(ready, labels.SelectorFromSet(labels.Set{runLabel: o.prefix}), r.fresh); err != nil {
		return r, err
	}
	h.logf("%d nodes: added %d fresh nodes, all Ready after %v", r.nodes, r.fresh, time.Since(started).Round(time.Millisecond))
	switch o.only {
	case "plan":
		r.plan, err = h.measurePlan(ctx, o)
		return r, err
	case "read":
		if err := h.applySeed(ctx, o); err != nil {
			return r, err
		}
		r.read, err = h.measureRead(ctx, o, r.nodes)
		return r, err
	case "staged":
		r.staged, err = h.measureStaged(ctx, o, r.fresh)
		return r, err
	}
	// The apply comes first, while the nodes are fresh: the not-ready taints that the node lifecycle
	// controller has yet to remove are what kubectl's status counters do not see.
	if r.apply, err = h.measureApply(ctx, o); err != nil {
		return r, err
	}
	if r.read, err = h.measureRead(ctx, o, r.nodes); err != nil {
		return r, err
	}
	if r.waits, err = h.measureWaits(ctx, o); err != nil {
		return r, err
	}
	if r.plan, err = h.measurePlan(ctx, o); err != nil {
		return r, err
	}
	r.staged, err = h.measureStaged(ctx, o, r.fresh)
	return r, err
}

// runNamespaces are the namespaces of a run: the applies', the rollouts' and the plans'.
func runNamespaces(prefix string) []string {
	return []string{prefix + "-tf", prefix + "-kubectl", prefix + "-rollout", prefix + "-plan", prefix + "-staged"}
}

// inlineTLSFiles puts the contents of the certificate files a kubeconfig names into cfg. The
// benchmark starts a cluster for each size at the same address, with its keys in files at the same
// paths, and client-go's transport cache, keyed by those paths, would otherwise hand the clients of
// a later cluster the certificate authority of an earlier one.
func inlineTLSFiles(cfg *rest.Config) error {
	if err := rest.LoadTLSFiles(cfg); err != nil {
		return err
	}
	cfg.CAFile, cfg.CertFile, cfg.KeyFile = "", "", ""
	return nil
}

// createNamespace creates a namespace and waits for its default ServiceAccount, without which
// pods are refused.
func (h *harness) createNamespace(ctx context.Context, name string) error {
	_, err := h.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := h.cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
}

// kwokServes reports whether kwok plays the kubelets of the cluster's nodes: the benchmark's nodes
// would never become Ready otherwise.
func kwokServes(nodes []corev1.Node) bool {
	for _, node := range nodes {
		if node.Annotations[kwokNodeAnnotation] == "fake" {
			return true
		}
	}
	return false
}

// kwokNodeAnnotation marks the nodes kwok manages.
const kwokNodeAnnotation = "kwok.x-k8s.io/node"

// poolLabel marks the fresh nodes that the rollout DaemonSet runs on.
const poolLabel = "bench.kubedaemon.io/pool"

// runLabel marks the nodes a run added, for cleanup.
const runLabel = "bench.kubedaemon.io/run"

// addNodes creates count nodes for kwok to play, the first pool of them labelled for the rollout
// DaemonSet. They are made the way kwokctl scale makes its nodes, through the API, so that the
// benchmark works on any cluster kwok serves and knows their names.
func (h *harness) addNodes(ctx context.Context, prefix string, count, pool int) error {
	indexes := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range indexes {
				if err := h.createNode(ctx, prefix, i, i < pool); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for i := range count {
		indexes <- i
	}
	close(indexes)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func (h *harness) createNode(ctx context.Context, prefix string, i int, pooled bool) error {
	name := fmt.Sprintf("%s-node-%05d", prefix, i)
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/arch":     "amd64",
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"type":                   "kwok",
				runLabel:                 prefix,
			},
			Annotations: map[string]string{kwokNodeAnnotation: "fake"},
		},
	}
	if pooled {
		node.Labels[poolLabel] = prefix
	}
	_, err := h.cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	return err
}

// cleanup deletes what run made: its namespaces first, so that kwok finishes their pods while their
// nodes still exist, then its nodes.
func (h *harness) cleanup(ctx context.Context, prefix string) error {
	var errs []error
	namespaces := runNamespaces(prefix)
	for _, ns := range namespaces {
		if err := h.cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, ns := range namespaces {
			_, err := h.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if err == nil {
				return false, nil
			}
			if !apierrors.IsNotFound(err) {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("waiting for the namespaces to go: %w", err))
	}
	err = h.cs.CoreV1().Nodes().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: runLabel + "=" + prefix})
	return errors.Join(append(errs, err)...)
}
