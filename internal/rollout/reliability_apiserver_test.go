//go:build unix

package rollout_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// The kube-apiserver of a kwokctl cluster (binary runtime) is stopped and started through its pid
// file and kwokctl, which only unix systems run.

// TestAccWait_apiServerRestart kills the cluster's kube-apiserver while two waits watch a rollout
// that cannot complete yet, and starts it again. The wait whose deadline falls inside the outage
// must fail with an *IncompleteError that says which request failed. The other must carry on: the
// change that lets the rollout complete is made only after the restart, so it can only return
// complete through watches it reopened, and it must return no error.
func TestAccWait_apiServerRestart(t *testing.T) {
	cs := testClient(t)
	requireKwok(t, cs)
	cluster := kwokClusterOf(t, testConfig(t))
	ns := testNamespace(t, cs)
	createDaemonSet(t, cs, ns, neverReady)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	survivor := &faultTransport{}
	started, done := waitInBackground(ctx, providerClient(t, survivor), ns)
	shortCtx, expire := context.WithCancelCause(ctx)
	defer expire(nil)
	outlasted := &faultTransport{}
	shortStarted, shortDone := waitInBackground(shortCtx, providerClient(t, outlasted), ns)
	awaitStart(t, started, done)
	awaitStart(t, shortStarted, shortDone)

	killed := cluster.killAPIServer(t)
	// The outage outlasts the short wait: its deadline passes once its watches have failed to reconnect.
	poll(t, 30*time.Second, "a failed request of the short wait", func(context.Context) (bool, error) {
		return slices.ContainsFunc(outlasted.since(killed), func(r *servedRequest) bool { return r.err != nil }), nil
	})
	expire(context.DeadlineExceeded)
	short := <-shortDone
	var incomplete *rollout.IncompleteError
	if !errors.As(short.err, &incomplete) || !errors.Is(short.err, context.DeadlineExceeded) {
		t.Errorf("the wait whose deadline passed during the outage returned %v, want an *IncompleteError caused by its deadline", short.err)
	} else if !strings.Contains(short.err.Error(), "the last request to the API server failed") {
		t.Errorf("the error %q does not say that requests to the API server failed", short.err)
	}
	t.Logf("the wait whose deadline passed during the outage: %v", short.err)

	restarted := cluster.startAPIServer(t)
	t.Logf("kube-apiserver down for %v", restarted.Sub(killed).Round(time.Millisecond))
	select {
	case r := <-done:
		t.Fatalf("Wait returned during the outage: %v", r.err)
	default:
	}
	makeReady(t, cs, ns)
	fixed := time.Now()
	r := <-done
	if r.err != nil {
		t.Fatalf("Wait after the restart: %v", r.err)
	}
	covered := assertCovered(t, cs, ns, "agent", fixed)
	if !r.report.Complete || r.report.Covered < len(covered) {
		t.Errorf("report: complete %v, %d covered; the cluster shows %d covered nodes", r.report.Complete, r.report.Covered, len(covered))
	}
	t.Logf("Wait returned %v after the fix", r.at.Sub(fixed).Round(time.Millisecond))
	requests := survivor.since(killed)
	logRequests(t, "requests of the surviving wait from the kill on", requests)
	for _, resource := range []string{"daemonsets", "pods", "nodes"} {
		if !slices.ContainsFunc(requests, func(r *servedRequest) bool {
			return r.resource == resource && strings.HasPrefix(r.verb, "watch") && r.status == http.StatusOK
		}) {
			t.Errorf("the wait never reopened a watch of %s after the restart", resource)
		}
	}
	if stopped := cluster.stoppedComponents(); len(stopped) > 0 {
		t.Errorf("%v of cluster %s stopped after the restart", stopped, cluster.name)
	}
}

// kwokCluster is the kwokctl cluster that serves the test kubeconfig.
type kwokCluster struct {
	name, dir string
	cfg       *rest.Config
	kwokctl   string
}

// kwokClusterOf finds the kwokctl cluster whose kubeconfig names the test cluster's API server
// address, so that the test stops and starts that cluster's kube-apiserver and no other. With
// CLUSTER_NAME set, that cluster must be the one.
func kwokClusterOf(t *testing.T, cfg *rest.Config) kwokCluster {
	t.Helper()
	workdir := os.Getenv("KWOK_WORKDIR")
	if workdir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		workdir = filepath.Join(home, ".kwok")
	}
	dirs, err := filepath.Glob(filepath.Join(workdir, "clusters", "*", "kubeconfig.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var serving []string
	for _, kubeconfig := range dirs {
		loaded, err := clientcmd.LoadFromFile(kubeconfig)
		if err != nil {
			continue
		}
		for _, c := range loaded.Clusters {
			if sameServer(c.Server, cfg.Host) {
				serving = append(serving, filepath.Base(filepath.Dir(kubeconfig)))
				break
			}
		}
	}
	name := os.Getenv("CLUSTER_NAME")
	switch {
	case name != "" && !slices.Contains(serving, name):
		t.Fatalf("CLUSTER_NAME is %q, but that kwokctl cluster does not serve %s (clusters under %s that do: %v): "+
			"refusing to restart a kube-apiserver that may not be the test cluster's", name, cfg.Host, workdir, serving)
	case name == "" && len(serving) != 1:
		t.Fatalf("want exactly one kwokctl cluster under %s serving %s, found %v: set CLUSTER_NAME to the test cluster's name",
			workdir, cfg.Host, serving)
	case name == "":
		name = serving[0]
	}
	return kwokCluster{name: name, dir: filepath.Join(workdir, "clusters", name), cfg: cfg, kwokctl: kwokctlBinary(t)}
}

func sameServer(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

// kwokctlBinary is kwokctl from PATH, else the pinned one that scripts/cluster-up.sh uses.
func kwokctlBinary(t *testing.T) string {
	t.Helper()
	if found, err := exec.LookPath("kwokctl"); err == nil {
		return found
	}
	out, err := exec.Command("../../scripts/tools-dir.sh").Output()
	if err != nil {
		t.Fatalf("kwokctl is not in PATH and scripts/tools-dir.sh failed: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "kwokctl")
}

// killAPIServer kills the kube-apiserver as `kwokctl stop` does (SIGKILL to the process in its pid
// file) and returns once it is gone and the address refuses connections.
func (c kwokCluster) killAPIServer(t *testing.T) time.Time {
	t.Helper()
	pidFile := filepath.Join(c.dir, "pids", "kube-apiserver.pid")
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("cluster %s: %v", c.name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("%s: %v", pidFile, err)
	}
	// If the test fails between kill and start, the cluster must not stay without its API server.
	t.Cleanup(func() { c.startAPIServer(t) })
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill kube-apiserver (pid %d) of cluster %s: %v", pid, c.name, err)
	}
	killed := time.Now()
	cs := kubernetes.NewForConfigOrDie(c.cfg)
	poll(t, 30*time.Second, "the kube-apiserver to stop", func(ctx context.Context) (bool, error) {
		_, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err != nil && syscall.Kill(pid, 0) != nil, nil
	})
	t.Logf("killed kube-apiserver (pid %d) of cluster %s", pid, c.name)
	return killed
}

// startAPIServer starts the cluster's stopped components (kwokctl starts only those not running)
// and returns once the API server is ready. The controller manager and the scheduler exit when they
// cannot renew their leases for 10 s; after a longer outage they are started again too, so that
// the rollout under test can go on.
func (c kwokCluster) startAPIServer(t *testing.T) time.Time {
	t.Helper()
	cs := kubernetes.NewForConfigOrDie(c.cfg)
	ready := func(ctx context.Context) (bool, error) {
		_, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil, nil
	}
	for attempt := 1; ; attempt++ {
		stopped := c.stoppedComponents()
		if len(stopped) == 0 {
			return time.Now()
		}
		if attempt > 2 {
			t.Fatalf("%v of cluster %s did not start again", stopped, c.name)
		}
		t.Logf("starting %v of cluster %s", stopped, c.name)
		// kwokctl waits for the cluster by running a kubectl it may not have; the poll below is the wait.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, c.kwokctl, "start", "cluster", "--name", c.name).CombinedOutput()
		if err != nil && ctx.Err() == nil {
			t.Fatalf("kwokctl start cluster --name %s: %v\n%s", c.name, err, out)
		}
		cancel()
		poll(t, 2*time.Minute, "the kube-apiserver to be ready again", ready)
	}
}

// stoppedComponents lists the components of the cluster whose process is gone.
func (c kwokCluster) stoppedComponents() []string {
	var stopped []string
	for _, component := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok-controller"} {
		raw, err := os.ReadFile(filepath.Join(c.dir, "pids", component+".pid"))
		pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid == 0 || syscall.Kill(pid, 0) != nil {
			stopped = append(stopped, component)
		}
	}
	return stopped
}
