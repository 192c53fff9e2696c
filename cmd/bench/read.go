package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// readResult holds the coverage reads of the seed DaemonSet after its apply: through Terraform
// (`terraform plan` of a configuration with only the data source, as written by default, and with
// list_all_nodes) and through the internal functions (rollout.Snapshot and coverage.Compute)
// in a process of their own.
type readResult struct {
	terraform, terraformAll, internal []providerRun
}

// coverageReadEnv makes this executable read the coverage of the DaemonSet it names (namespace/name)
// from the cluster of KUBE_CONFIG_PATH, through a client built as the provider builds its own, and
// print a readReport.
const coverageReadEnv = "KUBEDAEMON_BENCH_READ"

type readReport struct {
	Wall    time.Duration `json:"wall"`
	CPU     time.Duration `json:"cpu"`
	PeakRSS int64         `json:"peak_rss"`
	Nodes   int           `json:"nodes"`
	Covered int           `json:"covered"`
}

// runCoverageRead is the child process of an internal read.
func runCoverageRead() int {
	namespace, name, _ := strings.Cut(os.Getenv(coverageReadEnv), "/")
	err := func() error {
		client, err := kubeclient.New(kubeclient.Config{}, "bench")
		if err != nil {
			return err
		}
		started := time.Now()
		_, report, err := rollout.Snapshot(context.Background(), client.Clientset, namespace, name, nil, coverage.Options{})
		if err != nil {
			return err
		}
		r := readReport{Wall: time.Since(started), Nodes: report.NodesTotal, Covered: report.Covered}
		if r.PeakRSS, err = peakRSS(); err != nil {
			return err
		}
		var usage syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
			return err
		}
		r.CPU = time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
		return json.NewEncoder(os.Stdout).Encode(r)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench coverage read:", err)
		return 1
	}
	return 0
}

// peakRSS reads this process's peak resident set size from /proc. getrusage would not do: Linux
// carries the peak of the parent, whose memory a child shares until it execs, over into the child's.
func peakRSS() (int64, error) {
	kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/self/status", "VmHWM"), " kB"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("VmHWM in /proc/self/status: %w", err)
	}
	return kb * 1024, nil
}

// outputValue finds `name = <number>` in Terraform's plan output; 0 when it is not there, which
// the caller's comparison with the node count then reports.
func outputValue(output, name string) int {
	m := regexp.MustCompile(`(?m)^\s*\+?\s*` + name + `\s*=\s*(\d+)\s*$`).FindStringSubmatch(output)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0
	}
	return n
}

func (h *harness) measureRead(ctx context.Context, o options, nodes int) (readResult, error) {
	var r readResult
	namespace := o.prefix + "-tf"
	dir := filepath.Join(h.work, "read")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	// read plans the data source; a healthy DaemonSet lists none of its nodes by default, every
	// one with list_all_nodes.
	read := func(all bool, listed int) (providerRun, error) {
		run, err := h.tf.run(ctx, dir, coverageRead(h.kubeconfig, namespace, all), "plan", "-input=false", "-no-color", "-lock=false")
		if err != nil {
			return run, err
		}
		total := outputValue(run.output, "nodes_total")
		covered := outputValue(run.output, "covered")
		if total != nodes || covered != nodes || outputValue(run.output, "nodes_listed") != listed {
			return run, fmt.Errorf("list_all_nodes = %v: the data source read %d nodes, %d covered, and listed %d; the cluster has %d, all covered:\n%s",
				all, total, covered, outputValue(run.output, "nodes_listed"), nodes, tail(run.output, 20))
		}
		return run, nil
	}
	for range o.reads {
		run, err := read(false, 0)
		if err != nil {
			return r, err
		}
		r.terraform = append(r.terraform, run)
		if run, err = read(true, nodes); err != nil {
			return r, err
		}
		r.terraformAll = append(r.terraformAll, run)
		if run, err = h.readInternal(ctx, dir, namespace); err != nil {
			return r, err
		}
		r.internal = append(r.internal, run)
	}
	h.logf("coverage read: terraform %v, %d MB, %d requests (every node listed: %v, %d MB); internal %v, %d MB, %d requests",
		r.terraform[0].wall.Round(time.Millisecond), r.terraform[0].peakRSS>>20, r.terraform[0].requests.Requests,
		r.terraformAll[0].wall.Round(time.Millisecond), r.terraformAll[0].peakRSS>>20,
		r.internal[0].wall.Round(time.Millisecond), r.internal[0].peakRSS>>20, r.internal[0].requests.Requests)
	return r, nil
}

// readInternal reads the coverage in a child process, so that its peak RSS is the read's own.
func (h *harness) readInternal(ctx context.Context, dir, namespace string) (providerRun, error) {
	var r providerRun
	debug := filepath.Join(dir, fmt.Sprintf("internal-%d", time.Now().UnixNano()))
	self, err := os.Executable()
	if err != nil {
		return r, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(),
		coverageReadEnv+"="+namespace+"/"+seedName,
		"KUBE_CONFIG_PATH="+h.kubeconfig,
		kubeclient.DebugRequestsEnv+"="+debug,
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return r, fmt.Errorf("internal coverage read: %w\n%s", err, stderr.String())
	}
	var report readReport
	if err := json.Unmarshal(out, &report); err != nil {
		return r, fmt.Errorf("internal coverage read: %w in %q", err, out)
	}
	if report.Covered != report.Nodes {
		return r, fmt.Errorf("internal coverage read: %d of %d nodes covered, want all", report.Covered, report.Nodes)
	}
	if err := r.readProviderFiles(debug); err != nil {
		return r, err
	}
	r.wall, r.peakRSS, r.cpu = report.Wall, report.PeakRSS, report.CPU
	return r, nil
}

// total sums the counts of all kinds.
func total(kinds map[string]kubeclient.RequestCount) kubeclient.RequestCount {
	var sum kubeclient.RequestCount
	for _, n := range kinds {
		sum.Requests += n.Requests
		sum.Bytes += n.Bytes
	}
	return sum
}
