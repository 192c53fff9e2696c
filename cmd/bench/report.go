package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// machine describes where the benchmark ran.
type machine struct {
	date                          time.Time
	cpus                          int
	cpuModel, memory              string
	goVersion, terraform, kubectl string
	cluster, kwokFlags            string
	loadStart, loadEnd            string
}

func newMachine(ctx context.Context) *machine {
	m := &machine{
		date:      time.Now().UTC(),
		cpus:      runtime.NumCPU(),
		cpuModel:  procField("/proc/cpuinfo", "model name"),
		memory:    procField("/proc/meminfo", "MemTotal"),
		goVersion: runtime.Version(),
		terraform: firstLine(ctx, "terraform", "version"),
		kubectl:   firstLine(ctx, "kubectl", "version", "--client"),
		// The binaries are built without version stamps (they report v0.0.0-master): the pins say more.
		cluster:   pinnedVersions(ctx),
		kwokFlags: os.Getenv("KWOK_FLAGS"),
		loadStart: loadAverage(),
	}
	return m
}

// finish records the load at the end.
func (m *machine) finish() {
	m.loadEnd = loadAverage()
}

// pinnedVersions lists the versions of the local cluster's components that tools/go.mod pins.
func pinnedVersions(ctx context.Context) string {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Path}} {{.Version}}",
		"k8s.io/kubernetes", "go.etcd.io/etcd/server/v3", "sigs.k8s.io/kwok")
	cmd.Dir = "tools"
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Split(strings.TrimSpace(string(out)), "\n"), ", ")
}

func procField(file, name string) string {
	f, err := os.Open(file)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if key, value, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(key) == name {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

func firstLine(ctx context.Context, name string, args ...string) string {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return line
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func seconds(d time.Duration) string {
	if d < time.Second && d > -time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func megabytes(b int64) string {
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}

func ratio(a, b time.Duration) string {
	return fmt.Sprintf("%.2f×", a.Seconds()/b.Seconds())
}

// readFigures summarises reads or plans: median wall, largest peak RSS, median requests and bytes.
func readFigures(runs []providerRun) (wall time.Duration, rss int64, requests int, bytes int64) {
	var walls []time.Duration
	var counts []int
	var received []int64
	for _, r := range runs {
		walls = append(walls, r.wall)
		rss = max(rss, r.peakRSS)
		counts = append(counts, r.requests.Requests)
		received = append(received, r.requests.Bytes)
	}
	slices.Sort(counts)
	slices.Sort(received)
	return median(walls), rss, counts[len(counts)/2], received[len(received)/2]
}

func medianCPU(runs []providerRun) time.Duration {
	return medianOf(runs, func(r providerRun) time.Duration { return r.cpu })
}

func medianTerraformCPU(runs []providerRun) time.Duration {
	return medianOf(runs, func(r providerRun) time.Duration { return r.terraformCPU })
}

func medianOf(runs []providerRun, figure func(providerRun) time.Duration) time.Duration {
	var values []time.Duration
	for _, r := range runs {
		values = append(values, figure(r))
	}
	return median(values)
}

// waitFigures summarises the rollouts' waits.
func waitFigures(w waitResult) (latency, conditionLatency []time.Duration, minRequests, maxRequests int) {
	minRequests = w.rollouts[0].requests.Requests
	for _, r := range w.rollouts {
		latency = append(latency, r.latency)
		conditionLatency = append(conditionLatency, r.conditionLatency)
		minRequests = min(minRequests, r.requests.Requests)
		maxRequests = max(maxRequests, r.requests.Requests)
	}
	return latency, conditionLatency, minRequests, maxRequests
}

// tables renders the figures as Markdown tables, which read well in a terminal too.
func tables(results []result) string {
	var b strings.Builder
	b.WriteString(readTable(results))

	b.WriteString("\n### Wait: detection latency over the rollouts, and API requests per wait\n\n")
	b.WriteString("| nodes | rollouts | latency p50 | max | from Ready transition time: p50 | max | requests per wait | long wait | its requests |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		latency, conditionLatency, minReq, maxReq := waitFigures(r.waits)
		fmt.Fprintf(&b, "| %d | %d | %s | %s | %s | %s | %s | %s | %d |\n", r.nodes, len(r.waits.rollouts),
			seconds(median(latency)), seconds(slices.Max(latency)), seconds(median(conditionLatency)), seconds(slices.Max(conditionLatency)),
			requestRange(minReq, maxReq), seconds(r.waits.long.duration), r.waits.long.requests.Requests)
	}

	b.WriteString("\n### Apply of the seed DaemonSet on fresh nodes: Terraform and kubectl started together\n\n")
	b.WriteString("| nodes (fresh) | tool | returned after | last node covered after | returned − last covered | uncovered at return | provider peak RSS | provider CPU | requests |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		a := r.apply
		fmt.Fprintf(&b, "| %d (%d) | terraform apply | %s | %s | %s | %d | %s | %s | %d |\n", r.nodes, r.fresh,
			seconds(a.terraform.wall), seconds(a.terraform.coveredAfter), seconds(a.terraform.lag()), a.terraform.uncovered,
			megabytes(a.terraform.provider.peakRSS), seconds(a.terraform.provider.cpu), a.terraform.provider.requests.Requests)
		fmt.Fprintf(&b, "| | kubectl apply + rollout status | %s | %s | %s | %d | | | |\n",
			seconds(a.kubectl.wall), seconds(a.kubectl.coveredAfter), seconds(a.kubectl.lag()), a.kubectl.uncovered)
		fmt.Fprintf(&b, "| | terraform ÷ kubectl | %s | %s | | | | | |\n",
			ratio(a.terraform.wall, a.kubectl.wall), ratio(a.terraform.coveredAfter, a.kubectl.coveredAfter))
	}

	b.WriteString(planTable(results))
	b.WriteString(stagedTable(results))
	return b.String()
}

// readTable is the table of the coverage reads.
func readTable(results []result) string {
	var b strings.Builder
	b.WriteString("\n### Coverage read of the seed DaemonSet (median of the reads; peak RSS: the largest)\n\n")
	b.WriteString("`terraform plan` reads the data source as written by default, which lists no node of a healthy DaemonSet; " +
		"the columns under `all` read it with `list_all_nodes = true`, every node listed.\n\n")
	b.WriteString("| nodes | `terraform plan` | provider peak RSS | provider CPU | Terraform's own CPU | requests | received | internal read | its CPU | its peak RSS | requests | received | terraform ÷ internal | `all`: `terraform plan` | provider CPU | Terraform's own CPU | ÷ internal |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		tw, trss, treq, tbytes := readFigures(r.read.terraform)
		iw, irss, ireq, ibytes := readFigures(r.read.internal)
		aw, _, _, _ := readFigures(r.read.terraformAll)
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %d | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |\n", r.nodes,
			seconds(tw), megabytes(trss), seconds(medianCPU(r.read.terraform)), seconds(medianTerraformCPU(r.read.terraform)), treq, megabytes(tbytes),
			seconds(iw), seconds(medianCPU(r.read.internal)), megabytes(irss), ireq, megabytes(ibytes), ratio(tw, iw),
			seconds(aw), seconds(medianCPU(r.read.terraformAll)), seconds(medianTerraformCPU(r.read.terraformAll)), ratio(aw, iw))
	}
	return b.String()
}

// planTable is the table of the plans of many DaemonSets.
func planTable(results []result) string {
	var b strings.Builder
	b.WriteString("\n### Plan of many DaemonSets: as a create, and with every spec changed (median of the plans; peak RSS: the largest)\n\n")
	b.WriteString("| nodes | DaemonSets | plan | `terraform plan` | provider peak RSS | provider CPU | Terraform's own CPU | requests | received | node lists |\n")
	b.WriteString("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		for _, p := range []struct {
			what string
			runs []providerRun
		}{{"create", r.plan.create}, {"every spec changed", r.plan.change}} {
			wall, rss, requests, received := readFigures(p.runs)
			fmt.Fprintf(&b, "| %d | %d | %s | %s | %s | %s | %s | %d | %s | %d |\n", r.nodes, r.plan.daemonSets, p.what,
				seconds(wall), megabytes(rss), seconds(medianCPU(p.runs)), seconds(medianTerraformCPU(p.runs)), requests, megabytes(received), nodeLists(p.runs))
		}
	}
	return b.String()
}

// nodeLists is the median number of node list requests (pages included) of the runs.
func nodeLists(runs []providerRun) int {
	var counts []int
	for _, r := range runs {
		counts = append(counts, r.kinds[nodeListKind].Requests)
	}
	slices.Sort(counts)
	return counts[len(counts)/2]
}

// nodeListKind is the provider's count of node list requests, one a page.
const nodeListKind = "list nodes"

func requestRange(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d–%d", lo, hi)
}

// requestKinds lists the kinds of requests of the largest run's first coverage reads and plans, its
// applies and its last wait.
func requestKinds(results []result) string {
	r := results[len(results)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Requests by kind at %d nodes\n\n", r.nodes)
	for _, part := range []struct {
		what string
		run  providerRun
	}{
		{"coverage read through Terraform", r.read.terraform[0]},
		{"internal coverage read", r.read.internal[0]},
		{"terraform apply (the apply and its wait)", r.apply.terraform.provider},
	} {
		fmt.Fprintf(&b, "- %s: %s\n", part.what, kindList(part.run.kinds))
	}
	b.WriteString(planKinds(r))
	fmt.Fprintf(&b, "- one wait over a rollout: %s\n", kindList(r.waits.rollouts[len(r.waits.rollouts)-1].kinds))
	fmt.Fprintf(&b, "- the long wait (%s): %s\n", seconds(r.waits.long.duration), kindList(r.waits.long.kinds))
	return b.String()
}

// planKinds lists the kinds of requests of r's first plans and of the apply between them.
func planKinds(r result) string {
	p := r.plan
	return fmt.Sprintf("- plan of %d new DaemonSets: %s\n", p.daemonSets, kindList(p.create[0].kinds)) +
		fmt.Sprintf("- plan of %d DaemonSets with every spec changed: %s\n", p.daemonSets, kindList(p.change[0].kinds)) +
		fmt.Sprintf("- apply of the %d DaemonSets (their waits included): %s\n", p.daemonSets, kindList(p.apply.kinds))
}

func kindList(kinds map[string]kubeclient.RequestCount) string {
	names := make([]string, 0, len(kinds))
	for name := range kinds {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		names[i] = fmt.Sprintf("%s %d (%s)", name, kinds[name].Requests, megabytes(kinds[name].Bytes))
	}
	return strings.Join(names, ", ")
}
