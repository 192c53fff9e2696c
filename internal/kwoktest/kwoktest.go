//go:build unix

// Package kwoktest stops and starts components of the kwokctl cluster (binary runtime) that an
// acceptance test runs against, and of no other cluster: it finds the cluster by the API server
// address of the test's own client configuration. kwokctl keeps each component's process id in a
// pid file and runs on unix systems only.
package kwoktest

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Cluster is the kwokctl cluster behind a test's client configuration.
type Cluster struct {
	Name    string
	dir     string
	client  kubernetes.Interface
	kwokctl string
}

// components are the processes of a kwokctl binary-runtime cluster, as its pid files name them.
var components = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok-controller"}

// Find returns the running kwokctl cluster whose kubeconfig names cfg's API server address. It skips the
// test on a cluster whose kubelets kwok does not play (kind, a remote cluster), and fails it when
// no single kwokctl cluster matches, or when CLUSTER_NAME names another: a test must never stop a
// cluster it was not given.
func Find(t testing.TB, cfg *rest.Config) *Cluster {
	t.Helper()
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(nodes.Items, func(n corev1.Node) bool { return n.Annotations["kwok.x-k8s.io/node"] == "fake" }) {
		t.Skip("stopping the API server needs a local kwokctl cluster; this cluster has no kwok nodes")
	}
	workdir := os.Getenv("KWOK_WORKDIR")
	if workdir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		workdir = filepath.Join(home, ".kwok")
	}
	kubeconfigs, err := filepath.Glob(filepath.Join(workdir, "clusters", "*", "kubeconfig.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var serving []string
	for _, kubeconfig := range kubeconfigs {
		loaded, err := clientcmd.LoadFromFile(kubeconfig)
		if err != nil {
			continue
		}
		dir := filepath.Dir(kubeconfig)
		// A stopped cluster keeps its kubeconfig and may share the port of the running one.
		if (&Cluster{dir: dir}).pid("kube-apiserver") == 0 {
			continue
		}
		for _, c := range loaded.Clusters {
			if sameServer(c.Server, cfg.Host) {
				serving = append(serving, filepath.Base(dir))
				break
			}
		}
	}
	name := os.Getenv("CLUSTER_NAME")
	switch {
	case name != "" && !slices.Contains(serving, name):
		t.Fatalf("CLUSTER_NAME is %q, but that kwokctl cluster does not serve %s (clusters under %s that do: %v): "+
			"refusing to stop an API server that may not be the test cluster's", name, cfg.Host, workdir, serving)
	case name == "" && len(serving) != 1:
		t.Fatalf("want exactly one kwokctl cluster under %s serving %s, found %v: set CLUSTER_NAME to the test cluster's name",
			workdir, cfg.Host, serving)
	case name == "":
		name = serving[0]
	}
	return &Cluster{Name: name, dir: filepath.Join(workdir, "clusters", name), client: client, kwokctl: kwokctlBinary(t)}
}

func sameServer(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && ua.Scheme == ub.Scheme && ua.Host == ub.Host
}

// kwokctlBinary is kwokctl from PATH, else the pinned one that scripts/cluster-up.sh uses.
func kwokctlBinary(t testing.TB) string {
	t.Helper()
	if found, err := exec.LookPath("kwokctl"); err == nil {
		return found
	}
	_, file, _, _ := runtime.Caller(0)
	out, err := exec.Command(filepath.Join(filepath.Dir(file), "..", "..", "scripts", "tools-dir.sh")).Output()
	if err != nil {
		t.Fatalf("kwokctl is not in PATH and scripts/tools-dir.sh failed: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "kwokctl")
}

// KillAPIServer kills the kube-apiserver as `kwokctl stop` does (SIGKILL to the process in its pid
// file) and returns when it did, once the process is gone and the address refuses connections.
// The components are started again when the test ends, should it end before Start.
func (c *Cluster) KillAPIServer(t testing.TB) time.Time {
	t.Helper()
	pid := c.pid("kube-apiserver")
	if pid == 0 {
		t.Fatalf("cluster %s: the kube-apiserver is not running", c.Name)
	}
	t.Cleanup(func() { c.Start(t) })
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill the kube-apiserver (pid %d) of cluster %s: %v", pid, c.Name, err)
	}
	killed := time.Now()
	c.poll(t, 30*time.Second, "the kube-apiserver to stop", func(ctx context.Context) bool {
		return !c.ready(ctx) && syscall.Kill(pid, 0) != nil
	})
	t.Logf("killed the kube-apiserver (pid %d) of cluster %s", pid, c.Name)
	return killed
}

// Start starts the cluster's stopped components (kwokctl starts only those not running) and
// returns when the API server is ready. The controller manager and the scheduler exit when they
// cannot renew their leases for 10 s: after a longer outage they are started again as well.
func (c *Cluster) Start(t testing.TB) time.Time {
	t.Helper()
	for attempt := 1; ; attempt++ {
		stopped := c.Stopped()
		if len(stopped) == 0 {
			return time.Now()
		}
		if attempt > 2 {
			t.Fatalf("%v of cluster %s did not start again", stopped, c.Name)
		}
		t.Logf("starting %v of cluster %s", stopped, c.Name)
		// kwokctl waits for the cluster by running a kubectl it may not have; the poll below is the wait.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, c.kwokctl, "start", "cluster", "--name", c.Name).CombinedOutput()
		if err != nil && ctx.Err() == nil {
			t.Fatalf("kwokctl start cluster --name %s: %v\n%s", c.Name, err, out)
		}
		cancel()
		c.poll(t, 2*time.Minute, "the kube-apiserver to be ready", c.ready)
	}
}

// Stopped lists the components of the cluster whose process is gone.
func (c *Cluster) Stopped() []string {
	var stopped []string
	for _, component := range components {
		if c.pid(component) == 0 {
			stopped = append(stopped, component)
		}
	}
	return stopped
}

// pid is the process id of a running component, 0 when it does not run.
func (c *Cluster) pid(component string) int {
	raw, err := os.ReadFile(filepath.Join(c.dir, "pids", component+".pid"))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 || syscall.Kill(pid, 0) != nil {
		return 0
	}
	return pid
}

func (c *Cluster) ready(ctx context.Context) bool {
	_, err := c.client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	return err == nil
}

// poll checks done every 100 ms until it holds, and fails the test after timeout.
func (c *Cluster) poll(t testing.TB, timeout time.Duration, what string, done func(context.Context) bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) { return done(ctx), nil })
	if err != nil {
		t.Fatalf("cluster %s: waiting for %s: %v", c.Name, what, err)
	}
}
