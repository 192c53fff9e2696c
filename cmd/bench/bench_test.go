package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// TestMain lets the test binary serve as the benchmark's coverage reader, as the benchmark's own
// executable does.
func TestMain(m *testing.M) {
	if code, ok := childMode(); ok {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// TestAccBenchSmoke runs the benchmark small on the acceptance cluster, so that `make bench` keeps
// working: 50 fresh nodes, three rollouts, one read of each kind, plans of three DaemonSets. Its
// figures are logged; it checks the properties that do not depend on the machine's speed.
func TestAccBenchSmoke(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("runs against a real API server: set TF_ACC=1 and KUBE_CONFIG_PATH to a kubeconfig")
	}
	kubeconfig := os.Getenv("KUBE_CONFIG_PATH")
	if kubeconfig == "" {
		t.Fatal("TF_ACC is set but KUBE_CONFIG_PATH is not: it must name the test cluster's kubeconfig")
	}
	for _, tool := range []string{"terraform", "kubectl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the benchmark runs %s, which is not on PATH", tool)
		}
	}
	ctx := t.Context()
	work := t.TempDir()
	tf, err := newTerraform(ctx, work)
	if err != nil {
		t.Fatal(err)
	}
	h, err := newHarness(ctx, kubeconfig, tf, work, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := h.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !kwokServes(nodes.Items) {
		t.Skip("the benchmark adds nodes, which need kwok to play their kubelets; this cluster has no kwok nodes")
	}
	prefix := fmt.Sprintf("bench-smoke-%04d", rand.IntN(10000))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := h.cleanup(ctx, prefix); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	r, err := h.run(ctx, options{
		nodes: len(nodes.Items) + 50, rollouts: 3, reads: 1, pool: 10, daemonSets: 3,
		longWait: 10 * time.Second, timeout: 10 * time.Minute, prefix: prefix,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(tables([]result{r}) + requestKinds([]result{r}))

	if tf := r.apply.terraform; tf.uncovered > 0 || tf.lag() < 0 {
		t.Errorf("terraform apply returned %v before the watcher saw the last node covered, with %d nodes uncovered", -tf.lag(), tf.uncovered)
	}
	_, _, _, maxRequests := waitFigures(r.waits)
	// A get of the DaemonSet, a list and a watch (or one streamed watch-list) of each watched kind
	// and a few revision lists; the bound does not grow with the cluster or the wait.
	if maxRequests > 12 || r.waits.long.requests.Requests > maxRequests {
		t.Errorf("a wait made up to %d requests and the long wait %d; want at most 12, and no more in the long wait", maxRequests, r.waits.long.requests.Requests)
	}
	_, _, terraformRequests, _ := readFigures(r.read.terraform)
	_, _, internalRequests, _ := readFigures(r.read.internal)
	if terraformRequests != internalRequests || internalRequests > 25 {
		t.Errorf("the coverage read made %d requests through Terraform and %d internally; want the same, at most 25", terraformRequests, internalRequests)
	}

	// Every resource of a plan shares one node list (its pages): a create plan makes no other
	// request, so its count does not grow with the DaemonSets; a plan of changes also refreshes
	// the DaemonSets, which this provider applied and which run on a few nodes each, so their
	// refreshes share one list each of the DaemonSets, their revisions and their pods.
	pages := (r.nodes + 999) / 1000
	create, change := r.plan.create[0], r.plan.change[0]
	if lists := create.kinds[nodeListKind].Requests; lists != pages || create.requests.Requests != lists {
		t.Errorf("the plan of %d new DaemonSets made %d requests, %d of them node lists; want only the %d pages of one node list",
			r.plan.daemonSets, create.requests.Requests, lists, pages)
	}
	lists := change.kinds[nodeListKind].Requests
	if lists != pages || change.requests.Requests-lists != 3 {
		t.Errorf("the plan of %d changed DaemonSets made %d node lists and %d other requests (%v); want the %d pages of one node list and 3 others",
			r.plan.daemonSets, lists, change.requests.Requests-lists, change.kinds, pages)
	}
}

// TestWriteMarkdown writes the figures of a made-up run twice into a file with prose around the
// figures: the second write must replace the figures and keep the prose.
func TestWriteMarkdown(t *testing.T) {
	read := providerRun{wall: time.Second, peakRSS: 100 << 20, requests: kubeclient.RequestCount{Requests: 22, Bytes: 5 << 20}}
	wait := waitRun{duration: 10 * time.Second, latency: 20 * time.Millisecond, conditionLatency: 600 * time.Millisecond,
		requests: kubeclient.RequestCount{Requests: 6}, kinds: map[string]kubeclient.RequestCount{"watch pods": {Requests: 1, Bytes: 1000}}}
	results := []result{{
		nodes: 5000, fresh: 4999,
		apply: applyResult{
			terraform: toolRun{wall: 100 * time.Second, coveredAfter: 99 * time.Second},
			kubectl:   toolRun{wall: 90 * time.Second, coveredAfter: 98 * time.Second, uncovered: 10},
		},
		read:  readResult{terraform: []providerRun{read}, terraformAll: []providerRun{read}, internal: []providerRun{read}},
		waits: waitResult{rollouts: []waitRun{wait, wait}, long: wait},
		plan:  planResult{daemonSets: 20, create: []providerRun{read}, change: []providerRun{read}, apply: read},
		staged: stagedResult{nodes: 4999, oneWave: 4 * time.Second, staged: 9 * time.Second, waves: []stagedWave{
			{nodes: 1250, gap: 2 * time.Second, pods: time.Second}, {nodes: 1250, gap: 300 * time.Millisecond, pods: time.Second},
			{nodes: 1250, gap: 1200 * time.Millisecond, pods: time.Second}, {nodes: 1249, gap: 200 * time.Millisecond, pods: time.Second},
		}},
	}}
	m := &machine{date: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), cpus: 2}
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	if err := writeMarkdown(path, m, results); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The made-up reads are as fast through Terraform as internally, and make 22 requests.
	for _, want := range []string{
		"| coverage read at 5,000 nodes through Terraform ≤ 2× the internal read | 1.00× | yes |",
		"| plan of 20 DaemonSets at 5,000 nodes ≤ 15 API requests (create / every spec changed) | 22 / 22 | **no** |",
		"| 5000 | 20 | every spec changed | 1.00 s | 100.0 MB |",
		// The largest gap after the first wave's.
		"| 4999 | 4.00 s | 9.00 s | 2.25× | 1.20 s |",
	} {
		if !strings.Contains(string(first), want) {
			t.Errorf("the figures lack %q:\n%s", want, first)
		}
	}
	if err := os.WriteFile(path, []byte("prose before\n"+string(first)+"prose after\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	results[0].nodes = 1000
	if err := writeMarkdown(path, m, results); err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	md := string(second)
	if !strings.HasPrefix(md, "prose before\n") || !strings.HasSuffix(md, "prose after\n") || strings.Count(md, beginMarker) != 1 {
		t.Errorf("the second write lost the prose or repeated the figures:\n%s", md)
	}
	for _, want := range []string{"| 1000 (4999) | terraform apply | 100.00 s | 99.00 s | 1.00 s | 0 |", "within 1 s after", "| 1000 | 2 | 20 ms | 20 ms | 600 ms |"} {
		if !strings.Contains(md, want) {
			t.Errorf("the figures lack %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| 5000 ") {
		t.Errorf("the figures of the first write remain:\n%s", md)
	}
}
