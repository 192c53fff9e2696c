// Command bench measures the provider at scale on a local kwok cluster of its own: the coverage read
// (through Terraform and through the internal functions), the wait's detection latency and its API
// requests, `terraform apply` beside `kubectl apply` + `kubectl rollout status` on the same fresh
// nodes, and `terraform plan` of many DaemonSets. `make bench` runs it; it prints its tables and
// records them in BENCHMARKS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if code, ok := childMode(); ok {
		os.Exit(code)
	}
	if err := benchmark(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// childMode runs this executable as the benchmark's coverage reader when the environment asks
// for it.
func childMode() (int, bool) {
	if os.Getenv(coverageReadEnv) != "" {
		return runCoverageRead(), true
	}
	return 0, false
}

func benchmark() error {
	nodes := flag.String("nodes", "100 1000 5000", "cluster sizes to measure, separated by spaces")
	rollouts := flag.Int("rollouts", 10, "rollouts whose detection latency is measured at each size")
	reads := flag.Int("reads", 3, "coverage reads of each kind at each size")
	pool := flag.Int("pool", 100, "nodes the rollout DaemonSet and the planned ones run on")
	daemonSets := flag.Int("plan-daemonsets", 20, "DaemonSets in the planned configuration")
	longWait := flag.Duration("long-wait", 2*time.Minute, "duration of the long wait")
	timeout := flag.Duration("timeout", time.Hour, "bound of each apply and wait")
	cluster := flag.String("cluster", "bench", "name of the kwokctl cluster, started anew for each size")
	kubeconfig := flag.String("kubeconfig", ".cluster/bench.kubeconfig", "where the cluster's kubeconfig is written")
	out := flag.String("out", "BENCHMARKS.md", "Markdown file that receives the figures")
	keep := flag.Bool("keep", false, "leave the last cluster running")
	only := flag.String("only", "", "measure one part alone, staged (the staged rollout), plan (the plans of many DaemonSets) "+
		"or read (the coverage reads, after a Terraform apply of the seed DaemonSet), print its table and leave BENCHMARKS.md as it is")
	flag.Parse()

	partTable, ok := map[string]func([]result) string{
		"":       tables,
		"staged": stagedTable,
		"plan":   func(rs []result) string { return planTable(rs) + "\n" + planKinds(rs[len(rs)-1]) },
		"read":   readTable,
	}[*only]
	if !ok {
		return fmt.Errorf("-only %q: want staged, plan or read", *only)
	}
	sizes, err := parseSizes(*nodes)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	root, err := filepath.Abs(".")
	if err != nil {
		return err
	}
	if *kubeconfig, err = filepath.Abs(*kubeconfig); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "kubedaemon-bench-")
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
	}
	logf("working files in %s", work)
	tf, err := newTerraform(ctx, work)
	if err != nil {
		return err
	}
	clusterEnv := append(os.Environ(), "CLUSTER_NAME="+*cluster, "CLUSTER_KUBECONFIG="+*kubeconfig, "NODES=1")
	script := func(ctx context.Context, name string) error {
		cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", name))
		cmd.Env, cmd.Stdout, cmd.Stderr = clusterEnv, os.Stderr, os.Stderr
		return cmd.Run()
	}
	if !*keep {
		defer func() {
			// An interrupt has cancelled ctx by now; the cluster is stopped all the same.
			if err := script(context.WithoutCancel(ctx), "cluster-down.sh"); err != nil {
				logf("stopping the cluster: %v", err)
			}
		}()
	}

	m := newMachine(ctx)
	var results []result
	for _, n := range sizes {
		// A cluster of its own for each size: no DaemonSet of an earlier size spreads to the new nodes.
		if err := script(ctx, "cluster-down.sh"); err != nil {
			return err
		}
		if err := script(ctx, "cluster-up.sh"); err != nil {
			return err
		}
		r, err := measure(ctx, *kubeconfig, tf, filepath.Join(work, strconv.Itoa(n)), logf, options{
			nodes: n, rollouts: *rollouts, reads: *reads, pool: *pool, daemonSets: *daemonSets, longWait: *longWait, timeout: *timeout, prefix: "bench",
			only: *only,
		})
		if err != nil {
			return fmt.Errorf("%d nodes: %w (working files in %s)", n, err, work)
		}
		results = append(results, r)
		fmt.Print(partTable(results))
	}
	m.finish()
	if *only != "" {
		return os.RemoveAll(work)
	}
	if err := writeMarkdown(*out, m, results); err != nil {
		return err
	}
	logf("figures written to %s", *out)
	return os.RemoveAll(work)
}

// measure runs the benchmark once on the cluster of kubeconfig.
func measure(ctx context.Context, kubeconfig string, tf *terraform, work string, logf func(string, ...any), o options) (result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := os.MkdirAll(work, 0o755); err != nil {
		return result{}, err
	}
	h, err := newHarness(ctx, kubeconfig, tf, work, logf)
	if err != nil {
		return result{}, err
	}
	defer func() {
		cancel()
		h.watcher.stop()
	}()
	return h.run(ctx, o)
}

func parseSizes(s string) ([]int, error) {
	var sizes []int
	for _, f := range strings.Fields(s) {
		n, err := strconv.Atoi(strings.ReplaceAll(f, ",", ""))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("cluster size %q is not a positive number", f)
		}
		sizes = append(sizes, n)
	}
	if len(sizes) == 0 {
		return nil, fmt.Errorf("no cluster size given")
	}
	return sizes, nil
}
